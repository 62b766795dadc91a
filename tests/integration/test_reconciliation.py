"""Reconciliation against PostgreSQL, in both execution modes: the ledger window read in the app
(`SqlLedgerWindow`) and inside PostgreSQL (`razao.recon_ledger_window`) gives the same entries, and a run
the same matches, results and summary; a run resumes after a kill and a redone chunk changes nothing;
a chunk that meets a person's match made meanwhile is redone without it (no match half-recorded);
manual matches and unmatches are recorded, an unmatch once and for good; a dry run stores no match;
recording a match takes no lock on the journal.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, make_url, pool, text
from sqlalchemy.exc import DBAPIError

from adapters.db.code_bundle import app_code_version
from adapters.db.reconciliation import InDatabaseLedgerWindow, SqlLedgerWindow, SqlReconUnitOfWork
from adapters.system import SystemClock
from application import reconciliation
from application.accounts import OpenAccount
from application.reconciliation import (
    BookLine,
    LedgerWindow,
    ManualMatch,
    Reconciler,
    StartRun,
    balance_by_value_date,
)
from domain.accounts import Side
from domain.errors import InvalidState
from domain.reconciliation import Rule, item_key, rule_to_dict
from domain.time_basis import Basis
from domain.transfers import TransferRequest
from tests.integration.test_differential import (  # noqa: F401 (two_ledgers is a fixture)
    Ledger,
    _IdOf,
    _open,
    two_ledgers,
    uid,
)

STATEMENT = uid("statement:january")


class _Fixed:
    def __init__(self, *values: uuid.UUID) -> None:
        self._values = list(values)

    def new_id(self) -> uuid.UUID:
        return self._values.pop(0)


def day(n: int) -> datetime:
    return datetime(2026, 1, n, 12, tzinfo=UTC)


def book(ledger: Ledger) -> dict[str, uuid.UUID]:
    """The mirror account `bank` and the transfers the statement will be matched against."""
    ids = {
        code: _open(OpenAccount(code, code.title(), "BRL", side, None), _IdOf(code), ledger).id
        for code, side in (("bank", Side.DEBIT), ("customers", Side.CREDIT), ("suppliers", Side.DEBIT))
    }
    bank, customers, suppliers = ids["bank"], ids["customers"], ids["suppliers"]

    def pay(
        name: str, debit: uuid.UUID, credit: uuid.UUID, amount: int, on: int, **options: Any
    ) -> TransferRequest:
        return TransferRequest.simple(
            uid("transfer:" + name),
            debit_account_id=debit,
            credit_account_id=credit,
            amount=amount,
            effective_at=day(on),
            **options,
        )

    ledger.write.post_transfers(
        [
            pay("opening", bank, customers, 100_000, 1, description="opening"),
            pay("inv-1", bank, customers, 12_500, 5, description="INV-1"),
            pay("inv-2", bank, customers, 8_000, 6, metadata={"invoice": "X"}, description="INV-2"),
            # two payments of the same amount on the same day, no references: left for a person
            pay("twin-a", bank, customers, 4_200, 9),
            pay("twin-b", bank, customers, 4_200, 9),
            # three invoices one bank line settles
            pay("lot-1", bank, customers, 1_000, 12, description="LOT-7"),
            pay("lot-2", bank, customers, 2_000, 12, description="LOT-7"),
            pay("lot-3", bank, customers, 3_500, 13, description="LOT-7"),
            # a supplier paid in two bank debits
            pay("supplier", suppliers, bank, 9_000, 20, description="PO-3"),
            # a receipt the bank has not seen
            pay("late", bank, customers, 777, 30, description="INV-9"),
        ]
    )
    return ids


LINES = [
    # line_no, day, amount, direction, reference, description
    (1, 5, 12_500, "credit", "inv-1", "PIX INV-1"),
    (2, 6, 8_000, "credit", "INV-2", "TED"),
    (3, 9, 4_200, "credit", "", "PIX"),
    (4, 12, 6_500, "credit", "LOT-7", "TED LOT"),
    (5, 20, 4_000, "debit", "PO-3", "PAGTO FORNECEDOR"),
    (6, 21, 5_000, "debit", "PO-3", "PAGTO FORNECEDOR 2/2"),
    (7, 31, 1_290, "debit", "", "TARIFA PACOTE SERVICOS"),
]


def import_statement(engine: Engine, bank: uuid.UUID) -> None:
    """The statement as the import writes it (revision 0022), through razao_app's INSERT privilege."""
    closing = 100_000 + 12_500 + 8_000 + 4_200 + 6_500 - 4_000 - 5_000 - 1_290
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO bank_statements (id, account_id, format, content_sha256, statement_ref, asset_code,"
                " opening_balance, closing_balance, opening_date, closing_date, line_count, lines_skipped,"
                " source_name, imported_by, imported_at) VALUES (:id, :account, 'csv', :sha, 'JAN', 'BRL',"
                " 100000, :closing, '2026-01-01', '2026-01-31', :count, 0, 'jan.csv', 'test', now())"
            ),
            {"id": STATEMENT, "account": bank, "sha": "a" * 64, "closing": closing, "count": len(LINES)},
        )
        for line_no, on, amount, direction, reference, description in LINES:
            connection.execute(
                text(
                    "INSERT INTO statement_lines (statement_id, line_no, account_id, external_id, value_date,"
                    " amount, direction, currency, reference, description) VALUES (:s, :n, :a, :x, :d, :amount,"
                    " :direction, 'BRL', :reference, :description)"
                ),
                {
                    "s": STATEMENT,
                    "n": line_no,
                    "a": bank,
                    "x": f"E{line_no}",
                    "d": date(2026, 1, on),
                    "amount": amount,
                    "direction": direction,
                    "reference": reference,
                    "description": description,
                },
            )


def window_of(ledger: Ledger) -> LedgerWindow:
    if ledger.name == "app":
        return SqlLedgerWindow(ledger.engine)
    return InDatabaseLedgerWindow(ledger.engine, app_code_version())


def start(ledger: Ledger, name: str, rule: Rule, dry_run: bool = False) -> uuid.UUID:
    run = reconciliation.create_run(
        StartRun(STATEMENT, rule=rule_to_dict(rule), dry_run=dry_run, by="test"),
        SqlReconUnitOfWork(ledger.engine),
        SystemClock(),
        _Fixed(uid("run:" + name)),
    )
    return run.id


def reconciler(ledger: Ledger, chunk_lines: int = 2) -> Reconciler:
    return Reconciler(
        lambda: SqlReconUnitOfWork(ledger.engine),
        window_of(ledger),
        balance_by_value_date(ledger.read),
        SystemClock(),
        chunk_lines=chunk_lines,
    )


def stored(engine: Engine, run_id: uuid.UUID) -> dict[str, Any]:
    with engine.connect() as connection:
        results = connection.execute(
            text(
                "SELECT side, key, chunk, state, line_no, value_date, amount, group_key, match_id, strategy,"
                " score, candidates FROM recon_results WHERE run_id = :r ORDER BY side, key"
            ),
            {"r": run_id},
        ).all()
        matches = connection.execute(
            text(
                "SELECT m.id, m.strategy, m.score, m.origin, array_agg(DISTINCT ml.line_no ORDER BY ml.line_no)"
                " FROM recon_matches m JOIN recon_match_lines ml ON ml.match_id = m.id WHERE m.run_id = :r"
                " GROUP BY m.id ORDER BY m.id"
            ),
            {"r": run_id},
        ).all()
    return {"results": [tuple(r) for r in results], "matches": [tuple(m) for m in matches]}


RULE = Rule(reference="description", date_window=3)


def test_both_modes_read_the_same_window_and_match_the_same(
    two_ledgers: Callable[[], Any],  # noqa: F811 (the fixture imported above)
) -> None:
    with two_ledgers() as (app, db):
        outcomes = []
        for ledger in (app, db):
            ids = book(ledger)
            import_statement(ledger.engine, ids["bank"])
            window = window_of(ledger).items(ids["bank"], date(2026, 1, 1), date(2026, 1, 31), RULE, None, 0)
            run_id = start(ledger, "one", RULE)
            result = reconciler(ledger)(run_id, None, lambda done, total, partial: None)
            outcomes.append((window, result, stored(ledger.engine, run_id)))
        (app_window, app_result, app_rows), (db_window, db_result, db_rows) = outcomes
        assert app_window == db_window and len(app_window) == 10
        assert app_result == db_result
        assert app_rows == db_rows

    summary = app_result["summary"]
    assert summary["bank"] == {"matched": 5, "ambiguous": 1, "unmatched": 1, "already_matched": 0}
    assert summary["matches"] == {"one_to_one": 2, "one_to_many": 1, "many_to_one": 1}
    assert summary["ledger"] == {"matched": 6, "unmatched": 4}  # opening, twins (2), late
    assert summary["unmatched_bank_amount"] == -1290
    check = app_result["balance_check"]
    assert check["checked"] and check["difference"] == -1290 - 777 - 4_200
    bank_rows = {row[4]: row for row in app_rows["results"] if row[0] == "bank"}
    assert bank_rows[7][3] == "unmatched"  # the fee
    assert bank_rows[3][3] == "ambiguous" and len(bank_rows[3][11]) == 2  # the twins
    assert bank_rows[4][9] == "one_to_many"
    assert bank_rows[5][9] == bank_rows[6][9] == "many_to_one"


class _Killed(Exception):
    pass


def test_a_killed_run_resumes_and_a_redone_chunk_changes_nothing(
    two_ledgers: Callable[[], Any],  # noqa: F811 (the fixture imported above)
) -> None:
    with two_ledgers() as (app, db):
        for ledger in (app, db):
            ids = book(ledger)
            import_statement(ledger.engine, ids["bank"])
            whole = start(ledger, "whole", RULE, dry_run=True)
            reconciler(ledger)(whole, None, lambda *_: None)

            resumed = start(ledger, "resumed", RULE, dry_run=True)
            saved: list[dict[str, Any]] = []

            def kill_after_two(
                done: int, total: int, partial: dict[str, Any], saved: list[Any] = saved
            ) -> None:
                saved.append(partial)
                if len(saved) == 2:
                    raise _Killed  # the worker died after chunk 2 was committed, before its progress was kept

            with pytest.raises(_Killed):
                reconciler(ledger)(resumed, None, kill_after_two)
            # resumed from the progress kept after chunk 1: chunk 2 is done again
            result = reconciler(ledger)(resumed, saved[0], lambda *_: None)

            def comparable(rows: dict[str, Any]) -> list[tuple[Any, ...]]:
                return [r[:8] + r[9:] for r in rows["results"]]

            assert comparable(stored(ledger.engine, resumed)) == comparable(stored(ledger.engine, whole))
            assert stored(ledger.engine, resumed)["matches"] == []  # dry runs store no match
            assert result["summary"]["bank"]["matched"] == 5


def test_manual_matches_and_unmatches_are_recorded(
    two_ledgers: Callable[[], Any],  # noqa: F811 (the fixture imported above)
) -> None:
    with two_ledgers() as (app, _db):
        ids = book(app)
        import_statement(app.engine, ids["bank"])
        run_id = start(app, "real", RULE)
        reconciler(app)(run_id, None, lambda *_: None)
        uow = lambda: SqlReconUnitOfWork(app.engine)  # noqa: E731
        twin = item_key(uid("transfer:twin-a"), "posted", 0)
        record = reconciliation.manual_match(
            ManualMatch(STATEMENT, [3], entries=[twin], by="ops"), uow(), SystemClock(), _Fixed(uid("m1"))
        )
        assert record.origin == "manual" and record.strategy == "one_to_one" and record.active
        with pytest.raises(InvalidState):  # the line is matched now
            reconciliation.manual_match(
                ManualMatch(STATEMENT, [3], transfer_ids=[uid("transfer:twin-b")], by="ops"),
                uow(),
                SystemClock(),
                _Fixed(uid("m2")),
            )
        undone = reconciliation.unmatch(record.id, "ops-2", uow(), SystemClock())
        assert not undone.active and undone.unmatched_by == "ops-2"
        again = reconciliation.get_match(record.id, uow())
        assert again.unmatched_by == "ops-2" and again.lines == ((STATEMENT, 3),)
        fee = reconciliation.manual_match(
            ManualMatch(STATEMENT, [3], transfer_ids=[uid("transfer:twin-b")], by="ops"),
            uow(),
            SystemClock(),
            _Fixed(uid("m3")),
        )
        assert fee.entries == (item_key(uid("transfer:twin-b"), "posted", 0),)
        # a second run leaves what is matched alone
        second = start(app, "second", RULE)
        summary = reconciler(app)(second, None, lambda *_: None)["summary"]
        assert summary["bank"]["already_matched"] == 6
        with app.engine.connect() as connection:
            events = connection.execute(
                text("SELECT count(*) FROM events WHERE type = 'reconciliation.finished'")
            ).scalar_one()
        assert events == 2
        unmatched = reconciliation.results(second, uow(), side="ledger", state="unmatched")
        assert {r.key for r in unmatched.items} == {
            item_key(uid("transfer:" + n), "posted", 0) for n in ("opening", "twin-a", "late")
        }


def test_booking_the_fee_a_line_shows_goes_through_the_write_path_of_each_mode(
    two_ledgers: Callable[[], Any],  # noqa: F811 (the fixture imported above)
) -> None:
    with two_ledgers() as (app, db):
        booked = []
        for ledger in (app, db):
            ids = book(ledger)
            import_statement(ledger.engine, ids["bank"])
            fees = _open(OpenAccount("fees", "Bank fees", "BRL", Side.DEBIT, None), _IdOf("fees"), ledger).id
            uow = lambda ledger=ledger: SqlReconUnitOfWork(ledger.engine)  # noqa: E731
            command = BookLine(STATEMENT, 7, fees, by="ops")
            outcome, record = reconciliation.book_line(
                command, uow, ledger.write, SystemClock(), _Fixed(uid("fee-match"))
            )
            transfer = outcome.transfer
            assert transfer.id == reconciliation.booked_transfer_id(STATEMENT, 7)
            assert transfer.metadata == {"statement_id": str(STATEMENT), "statement_line": 7}
            assert transfer.effective_at == datetime(2026, 1, 31, 12, tzinfo=UTC)
            assert record.entries == (item_key(transfer.id, "posted", 1),) and record.origin == "manual"
            with pytest.raises(InvalidState):  # matched now: booking it again is refused
                reconciliation.book_line(command, uow, ledger.write, SystemClock(), _Fixed(uid("again")))
            at = datetime(2026, 2, 1, tzinfo=UTC)
            bank = ledger.read.balance_as_of(ids["bank"], at, Basis.EFFECTIVE).posted_balance
            booked.append((sorted((p.account_id, p.side, p.amount) for p in transfer.postings), bank))
        assert booked[0] == booked[1]
        assert booked[0][1] == 100_000 + 12_500 + 8_000 + 4_200 * 2 + 6_500 - 9_000 + 777 - 1_290


def _links(engine: Engine, run_id: uuid.UUID) -> list[tuple[Any, ...]]:
    """Per match of the run: its id, active line links, active entry links (none half-recorded)."""
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                text(
                    "SELECT m.id,"
                    " (SELECT count(*) FROM recon_match_lines l WHERE l.match_id = m.id AND l.active),"
                    " (SELECT count(*) FROM recon_match_entries e WHERE e.match_id = m.id AND e.active)"
                    " FROM recon_matches m WHERE m.run_id = :r ORDER BY m.id"
                ),
                {"r": run_id},
            )
        ]


def test_a_killed_real_run_resumes_and_its_redone_chunk_stores_each_match_once(
    two_ledgers: Callable[[], Any],  # noqa: F811 (the fixture imported above)
) -> None:
    with two_ledgers() as (app, db):
        for ledger in (app, db):
            ids = book(ledger)
            import_statement(ledger.engine, ids["bank"])
            run_id = start(ledger, "real-resumed", RULE)
            saved: list[dict[str, Any]] = []

            def kill_after_two(
                done: int, total: int, partial: dict[str, Any], saved: list[Any] = saved
            ) -> None:
                saved.append(partial)
                if len(saved) == 2:
                    raise _Killed

            with pytest.raises(_Killed):
                reconciler(ledger)(run_id, None, kill_after_two)
            result = reconciler(ledger)(run_id, saved[0], lambda *_: None)  # chunk 2 is done again
            assert result["summary"]["bank"]["matched"] == 5
            links = _links(ledger.engine, run_id)
            assert len(links) == 4 and all(lines >= 1 and entries >= 1 for _, lines, entries in links)


class _Racing:
    """A ledger window: while the first chunk is being matched, a person matches line 1 to INV-1."""

    def __init__(self, inner: LedgerWindow, uow: Callable[[], Any], match_id: uuid.UUID) -> None:
        self._inner, self._uow, self._id = inner, uow, match_id
        self.raced = False

    def items(self, *args: Any) -> Any:
        found = self._inner.items(*args)
        if not self.raced:
            self.raced = True
            reconciliation.manual_match(
                ManualMatch(STATEMENT, [1], entries=[item_key(uid("transfer:inv-1"), "posted", 0)], by="ops"),
                self._uow(),
                SystemClock(),
                _Fixed(self._id),
            )
        return found


def test_a_run_racing_a_manual_match_redoes_its_chunk_without_what_was_taken(
    two_ledgers: Callable[[], Any],  # noqa: F811 (the fixture imported above)
) -> None:
    with two_ledgers() as (app, db):
        outcomes = []
        for ledger in (app, db):
            ids = book(ledger)
            import_statement(ledger.engine, ids["bank"])
            run_id = start(ledger, "racing", RULE)
            uow = lambda ledger=ledger: SqlReconUnitOfWork(ledger.engine)  # noqa: E731
            racing = _Racing(window_of(ledger), uow, uid("person:" + ledger.name))
            result = Reconciler(
                uow, racing, balance_by_value_date(ledger.read), SystemClock(), chunk_lines=2
            )(run_id, None, lambda *_: None)
            links = _links(ledger.engine, run_id)
            assert all(lines >= 1 and entries >= 1 for _, lines, entries in links), links
            with ledger.engine.connect() as connection:
                holders = (
                    connection.execute(
                        text(
                            "SELECT m.origin FROM recon_match_lines l JOIN recon_matches m ON m.id = l.match_id"
                            " WHERE l.active AND l.statement_id = :s AND l.line_no = 1"
                        ),
                        {"s": STATEMENT},
                    )
                    .scalars()
                    .all()
                )
            assert holders == ["manual"]
            bank = result["summary"]["bank"]
            assert bank["already_matched"] == 1 and bank["matched"] == 4
            outcomes.append((result["summary"], len(links)))
        assert outcomes[0] == outcomes[1]


def test_an_unmatch_is_recorded_once_and_is_final(
    two_ledgers: Callable[[], Any],  # noqa: F811 (the fixture imported above)
) -> None:
    with two_ledgers() as (app, _db):
        ids = book(app)
        import_statement(app.engine, ids["bank"])
        uow = lambda: SqlReconUnitOfWork(app.engine)  # noqa: E731
        twin = item_key(uid("transfer:twin-a"), "posted", 0)
        record = reconciliation.manual_match(
            ManualMatch(STATEMENT, [3], entries=[twin], by="ops"), uow(), SystemClock(), _Fixed(uid("m1"))
        )
        with pytest.raises(InvalidState):  # the entry is held, the line is not
            reconciliation.manual_match(
                ManualMatch(STATEMENT, [7], entries=[twin], by="ops"), uow(), SystemClock(), _Fixed(uid("m2"))
            )
        first = datetime(2026, 2, 1, tzinfo=UTC)
        with uow() as work:  # two unmatches that both saw the match active: the first one commits
            work.recon.unmatch(record.id, "ops-1", first)
            work.commit()
        with uow() as work, pytest.raises(InvalidState):
            work.recon.unmatch(record.id, "ops-2", datetime(2026, 2, 2, tzinfo=UTC))
        again = reconciliation.get_match(record.id, uow())
        assert (again.unmatched_by, again.unmatched_at) == ("ops-1", first)
        # razao_app can neither undo an unmatch nor re-activate a link (the trigger), nor rewrite who
        # matched (column privileges)
        for statement, sqlstate in (
            ("UPDATE recon_matches SET unmatched_at = NULL, unmatched_by = NULL WHERE id = :id", "55000"),
            ("UPDATE recon_match_lines SET active = true WHERE match_id = :id", "55000"),
            ("UPDATE recon_match_entries SET active = true WHERE match_id = :id", "55000"),
            ("UPDATE recon_matches SET matched_by = 'x' WHERE id = :id", "42501"),
        ):
            with app.engine.connect() as connection, pytest.raises(DBAPIError) as refused:
                connection.execute(text(statement), {"id": record.id})
            assert refused.value.orig is not None and refused.value.orig.sqlstate == sqlstate, statement


def test_a_match_being_recorded_does_not_lock_the_journal(
    two_ledgers: Callable[[], Any],  # noqa: F811 (the fixture imported above)
    admin_url: str,
) -> None:
    with two_ledgers() as (app, _db):
        ids = book(app)
        import_statement(app.engine, ids["bank"])
        record = reconciliation.MatchRecord(
            uid("pending"),
            ids["bank"],
            "one_to_one",
            "manual",
            ((STATEMENT, 3),),
            (item_key(uid("transfer:twin-a"), "posted", 0),),
            "ops",
            datetime(2026, 2, 1, tzinfo=UTC),
        )
        with SqlReconUnitOfWork(app.engine) as work:  # not committed yet
            work.recon.add_match(record)
            owner = create_engine(
                make_url(admin_url).set(database=app.engine.url.database), poolclass=pool.NullPool
            )
            with owner.connect() as other:  # no FOR KEY SHARE lock on the entry (no foreign key)
                locked = other.execute(
                    text(
                        "SELECT count(*) FROM (SELECT 1 FROM entries WHERE transfer_id = :t"
                        " FOR UPDATE NOWAIT) e"
                    ),
                    {"t": uid("transfer:twin-a")},
                ).scalar_one()
            owner.dispose()
            assert locked == 2
