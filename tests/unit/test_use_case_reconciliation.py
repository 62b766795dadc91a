"""Reconciliation use cases (`application.reconciliation`) on the in-memory fake (`tests.fakes.FakeRecon`):
runs in chunks, resuming, dry runs, the closing balance check, results, manual matches, booking a line."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from application import reconciliation
from application.reconciliation import (
    BookLine,
    ManualMatch,
    Reconciler,
    StartRun,
    StatementInfo,
)
from domain.errors import InvalidState, NotFound, ValidationError
from domain.reconciliation import BankLine, LedgerItem, item_key
from domain.transfers import TransferRequest
from tests.fakes import FakeClock, FakeRecon, SequentialIds

BANK = uuid.UUID(int=1)
FEES = uuid.UUID(int=2)
STATEMENT = uuid.UUID(int=3)
DAY = date(2026, 1, 1)


def key(n: int) -> str:
    return item_key(uuid.UUID(int=1000 + n), "posted", 0)


def fake(days: int = 12, fee: bool = True) -> FakeRecon:
    """A statement of one payment a day (reference P<n>), each booked in the ledger; and a fee."""
    recon = FakeRecon()
    lines = [BankLine(n + 1, DAY + timedelta(days=n), 1000 + n, f"P{n}") for n in range(days)]
    recon.entries[BANK] = [
        LedgerItem(key(n), DAY + timedelta(days=n), 1000 + n, f"P{n}") for n in range(days)
    ]
    if fee:
        lines.append(BankLine(days + 1, DAY + timedelta(days=days - 1), -1290, "", "TARIFA"))
    recon.lines[STATEMENT] = lines
    closing = sum(line.amount for line in lines)
    recon.statements[STATEMENT] = StatementInfo(
        STATEMENT, BANK, "BRL", DAY, DAY + timedelta(days=days - 1), closing, len(lines)
    )
    return recon


class _RandomIds:
    def new_id(self) -> UUID:
        return uuid.uuid4()


def run(
    recon: FakeRecon, dry_run: bool = False, chunk_lines: int = 3, **rule: Any
) -> tuple[UUID, dict[str, Any]]:
    clock = FakeClock()
    started = reconciliation.create_run(
        StartRun(STATEMENT, rule=rule or None, dry_run=dry_run, by="test"),
        recon.uow(),
        clock,
        _RandomIds(),
    )
    ledger_balance = sum(i.amount for i in recon.entries[BANK])
    reconcile = Reconciler(
        recon.uow, recon, lambda account, day: ledger_balance, clock, chunk_lines=chunk_lines
    )
    return started.id, reconcile(started.id, None, lambda *_: None)


def test_a_run_matches_every_payment_and_reports_the_fee() -> None:
    recon = fake()
    run_id, result = run(recon)
    summary = result["summary"]
    assert summary["bank"] == {"matched": 12, "ambiguous": 0, "unmatched": 1, "already_matched": 0}
    assert summary["ledger"] == {"matched": 12, "unmatched": 0}
    assert summary["unmatched_bank_amount"] == -1290
    assert result["balance_check"]["difference"] == -1290
    assert len([m for m in recon.matches.values() if m.active]) == 12
    assert recon.window_reads == 5  # chunks of whole days of at most 3 lines (the last day has 2)
    assert [e.type.value for e in recon.events] == ["reconciliation.finished"]
    fee = reconciliation.results(run_id, recon.uow(), side="bank", state="unmatched").items
    assert [r.line_no for r in fee] == [13]


def test_a_dry_run_stores_no_match() -> None:
    recon = fake()
    run_id, result = run(recon, dry_run=True)
    assert result["summary"]["bank"]["matched"] == 12 and recon.matches == {}
    rows = reconciliation.results(run_id, recon.uow(), side="ledger", state="matched").items
    assert len(rows) == 12 and all(r.match_id is None for r in rows)


def test_a_killed_run_resumes_where_its_progress_was_kept() -> None:
    recon = fake()
    _, whole = run(recon, dry_run=True)
    resumed_recon = fake()
    clock = FakeClock()
    started = reconciliation.create_run(
        StartRun(STATEMENT, dry_run=True), resumed_recon.uow(), clock, SequentialIds()
    )
    kept: list[dict[str, Any]] = []

    class Killed(Exception):
        pass

    def progress(done: int, total: int, partial: dict[str, Any]) -> None:
        kept.append(partial)
        if len(kept) == 3:
            raise Killed

    reconcile = Reconciler(resumed_recon.uow, resumed_recon, lambda *_: 0, clock, chunk_lines=3)
    with pytest.raises(Killed):
        reconcile(started.id, None, progress)
    again = reconcile(started.id, kept[1], lambda *_: None)  # chunk 3 committed, its progress lost: redone
    assert again["summary"] == whole["summary"]
    assert len(resumed_recon.results) == len(recon.results)


def test_a_second_run_leaves_what_is_matched_alone() -> None:
    recon = fake()
    run(recon)
    _, second = run(recon)
    assert second["summary"]["bank"] == {"matched": 0, "ambiguous": 0, "unmatched": 1, "already_matched": 12}


def test_two_equal_payments_are_left_for_a_person() -> None:
    recon = fake(days=1, fee=False)
    recon.entries[BANK].append(LedgerItem(key(99), DAY, 1000, ""))
    recon.entries[BANK][0] = recon.entries[BANK][0]._replace(reference="")
    recon.lines[STATEMENT] = [BankLine(1, DAY, 1000)]
    run_id, result = run(recon)
    assert result["summary"]["bank"]["ambiguous"] == 1
    row = reconciliation.results(run_id, recon.uow()).items[0]
    assert row.state == "ambiguous" and {c["entries"][0] for c in row.candidates or []} == {key(0), key(99)}


def test_manual_match_unmatch_and_conflicts() -> None:
    recon = fake(fee=False)
    clock, ids = FakeClock(), SequentialIds()
    match = reconciliation.manual_match(
        ManualMatch(STATEMENT, [1], entries=[key(0)], by="ops"), recon.uow(), clock, ids
    )
    assert match.strategy == "one_to_one" and match.active
    with pytest.raises(InvalidState):
        reconciliation.manual_match(
            ManualMatch(STATEMENT, [2], entries=[key(0)], by="ops"), recon.uow(), clock, ids
        )
    with pytest.raises(ValidationError) as unknown:
        reconciliation.manual_match(ManualMatch(STATEMENT, [99], entries=[key(1)]), recon.uow(), clock, ids)
    assert unknown.value.issues[0].field == "line_nos"
    undone = reconciliation.unmatch(match.id, "ops-2", recon.uow(), clock)
    assert not undone.active and undone.unmatched_by == "ops-2"
    with pytest.raises(InvalidState):
        reconciliation.unmatch(match.id, "ops-2", recon.uow(), clock)
    assert reconciliation.get_match(match.id, recon.uow()).unmatched_at is not None
    with pytest.raises(NotFound):
        reconciliation.unmatch(uuid.uuid4(), "ops", recon.uow(), clock)


def test_rules_are_saved_once_by_name_and_listed() -> None:
    recon, clock, ids = FakeRecon(), FakeClock(), SequentialIds()
    saved = reconciliation.save_rule("b", {"date_window": 1}, "ops", recon.uow(), clock, ids)
    reconciliation.save_rule("a", {}, "ops", recon.uow(), clock, ids)
    with pytest.raises(InvalidState):
        reconciliation.save_rule("b", {}, "ops", recon.uow(), clock, ids)
    first = reconciliation.list_rules(recon.uow(), limit=1)
    assert [r.name for r in first.items] == ["a"] and first.next_cursor == "a"
    assert reconciliation.get_rule(saved.id, recon.uow()).rule.date_window == 1
    with pytest.raises(ValidationError):
        reconciliation.save_rule("c", {"description_regex": "("}, "ops", recon.uow(), clock, ids)


class _Booking:
    """The write path's `post_transfers`, recording what it was asked (the fake books it in the window)."""

    def __init__(self, recon: FakeRecon) -> None:
        self.recon, self.requests = recon, []

    def post_transfers(self, requests: list[TransferRequest]) -> list[Any]:
        from domain.ledger import Outcome
        from domain.transfers import Transfer

        self.requests.extend(requests)
        request = requests[0]
        mirror = next(p for p in request.postings if p.account_id == BANK)
        line = request.postings.index(mirror)
        signed = request.postings[line].amount * (1 if mirror.side.value == "debit" else -1)
        assert request.effective_at is not None
        self.recon.entries[BANK].append(
            LedgerItem(item_key(request.id, "posted", line), request.effective_at.date(), signed, "")
        )
        transfer = Transfer.__new__(Transfer)
        object.__setattr__(transfer, "id", request.id)
        return [Outcome(transfer)]


def test_booking_a_fee_for_its_line() -> None:
    recon = fake()
    booking = _Booking(recon)
    command = BookLine(STATEMENT, 13, FEES, by="ops")
    outcome, match = reconciliation.book_line(command, recon.uow, booking, FakeClock(), SequentialIds())
    request = booking.requests[0]
    assert request.id == reconciliation.booked_transfer_id(STATEMENT, 13) == outcome.transfer.id
    assert {(p.account_id, p.side.value, p.amount) for p in request.postings} == {
        (BANK, "credit", 1290),
        (FEES, "debit", 1290),
    }
    assert request.metadata == {"statement_id": str(STATEMENT), "statement_line": 13}
    assert match.lines == ((STATEMENT, 13),) and match.origin == "manual"
    with pytest.raises(InvalidState):
        reconciliation.book_line(command, recon.uow, booking, FakeClock(), SequentialIds())
    with pytest.raises(ValidationError):
        reconciliation.book_line(
            BookLine(STATEMENT, 1, BANK), recon.uow, booking, FakeClock(), SequentialIds()
        )


def test_a_run_whose_statement_is_gone_fails_and_says_why() -> None:
    recon = fake()
    started = reconciliation.create_run(StartRun(STATEMENT), recon.uow(), FakeClock(), _RandomIds())
    del recon.statements[STATEMENT]
    reconcile = Reconciler(recon.uow, recon, lambda *_: 0, FakeClock())
    with pytest.raises(NotFound):
        reconcile(started.id, None, lambda *_: None)
    failed = reconciliation.get_run(started.id, recon.uow())
    assert failed.state == "failed" and failed.summary == {
        "error": {"code": "not_found", "detail": failed.summary["error"]["detail"]}
    }


def _racing_run(recon: FakeRecon, races: int, taken: bool = True) -> tuple[UUID, Any, list[int]]:
    """A run whose first `races` chunk writes are refused (`MatchedMeanwhile`): their first line was
    matched by a person meanwhile (when `taken`)."""
    clock = FakeClock()
    started = reconciliation.create_run(StartRun(STATEMENT), recon.uow(), clock, _RandomIds())
    refused: list[int] = []
    meanwhile: list[reconciliation.MatchRecord] = []

    def uow() -> Any:
        while meanwhile:  # committed by someone else, between the chunk's reads and its write
            person = meanwhile.pop()
            recon.matches[person.id] = person
        work = recon.uow()
        write = work.recon.record

        def record(run: Any, rows: Any, matches: Any) -> None:
            if matches and len(refused) < races:
                line = matches[0].lines[0]
                meanwhile.extend(
                    []
                    if not taken
                    else [
                        reconciliation.MatchRecord(
                            uuid.uuid4(), BANK, "one_to_one", "manual", (line,), (), "ops", clock.now()
                        )
                    ]
                )
                refused.append(line[1])
                raise reconciliation.MatchedMeanwhile("a line was matched meanwhile")
            write(run, rows, matches)

        work.recon.record = record  # type: ignore[method-assign]
        return work

    ledger_balance = sum(i.amount for i in recon.entries[BANK])
    reconcile = Reconciler(uow, recon, lambda account, day: ledger_balance, clock, chunk_lines=3)
    return started.id, reconcile, refused


def test_a_chunk_whose_line_was_matched_meanwhile_is_read_and_matched_again_without_it() -> None:
    recon = fake()
    run_id, reconcile, refused = _racing_run(recon, races=1)
    result = reconcile(run_id, None, lambda *_: None)
    assert refused == [1]
    summary = result["summary"]
    assert summary["bank"] == {"matched": 11, "ambiguous": 0, "unmatched": 1, "already_matched": 1}
    assert recon.window_reads == 6  # the first chunk's window read twice
    by_run = [m for m in recon.matches.values() if m.run_id == run_id]
    assert len(by_run) == 11 and all((STATEMENT, 1) not in m.lines for m in by_run)


def test_a_chunk_refused_every_time_fails_the_run() -> None:
    recon = fake()
    run_id, reconcile, refused = _racing_run(recon, races=99, taken=False)
    with pytest.raises(InvalidState):
        reconcile(run_id, None, lambda *_: None)
    assert len(refused) == reconciliation.CHUNK_ATTEMPTS
    assert reconciliation.get_run(run_id, recon.uow()).state == "failed"
