"""The ledger rules PostgreSQL enforces whatever writes to it (revisions 0002 and 0009,
docs/reference/rules.md).

Every violation is tried with raw SQL over a superuser connection, which no privilege stops: only
the triggers and the CHECK refuse it, each with its SQLSTATE and rule name. Raw SQL that follows the
rules is booked like the application's writes, and the use cases keep balances equal to the journal.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, make_url, pool, text
from sqlalchemy.exc import DBAPIError

from adapters.db import migrate
from application import accounts as account_cases
from application.write_path import InAppWritePath
from domain.accounts import Account, AccountStatus
from domain.transfers import ReversalRequest, TransferRequest

Open = Callable[..., Account]

ENTRY_COLUMNS = (
    "transfer_id",
    "account_id",
    "seq",
    "line",
    "layer",
    "side",
    "amount",
    "asset_code",
    "balance_after",
    "created_at",
    "effective_at",
)

#: Accounts whose stored balances or last_seq differ from what their journal adds up to.
DRIFTED = """
    SELECT a.code FROM accounts a
    LEFT JOIN (
        SELECT e.account_id,
               sum(e.amount) FILTER (WHERE e.layer = 'posted' AND e.side = 'debit') AS pd,
               sum(e.amount) FILTER (WHERE e.layer = 'posted' AND e.side = 'credit') AS pc,
               sum(e.amount) FILTER (WHERE e.held AND e.side = 'debit') AS hd,
               sum(e.amount) FILTER (WHERE e.held AND e.side = 'credit') AS hc,
               max(e.seq) AS last_seq, count(*) AS n
        FROM (
            SELECT e.*, e.layer = 'pending' AND t.status = 'pending' AS held
            FROM entries e JOIN transfers t ON t.id = e.transfer_id
        ) e
        GROUP BY e.account_id
    ) s ON s.account_id = a.id
    WHERE (a.posted_debits, a.posted_credits, a.pending_debits, a.pending_credits, a.last_seq, a.last_seq)
          IS DISTINCT FROM (coalesce(s.pd, 0), coalesce(s.pc, 0), coalesce(s.hd, 0), coalesce(s.hc, 0),
                            coalesce(s.last_seq, 0), coalesce(s.n, 0))
"""


#: An account inserted with a balance, which only entries may give it.
OPEN_WITH_MONEY = (
    "INSERT INTO accounts (id, code, name, asset_code, normal_side, status, created_at, posted_credits)"
    " VALUES (gen_random_uuid(), :code, :code, 'BRL', 'credit', 'active', now(), :posted_credits)"
)


def _pay(source: Account, target: Account, amount: int, **options: Any) -> TransferRequest:
    return TransferRequest.simple(
        uuid.uuid4(), debit_account_id=source.id, credit_account_id=target.id, amount=amount, **options
    )


@dataclass(frozen=True)
class Books:
    """cash (debit-normal, unbounded) funded alice with 1,000; alice holds 100 for bob (pending)."""

    cash: Account
    alice: Account
    bob: Account
    hold: uuid.UUID
    payment: uuid.UUID


@pytest.fixture
def books(open_: Open, write_path: InAppWritePath) -> Books:
    cash = open_("cash", normal_side="debit", min_balance=None)
    alice = open_("alice", normal_side="credit", min_balance=0)
    bob = open_("bob", normal_side="credit", min_balance=0)
    payment, hold = _pay(cash, alice, 1000), _pay(alice, bob, 100, pending=True)
    write_path.post_transfers([payment])
    write_path.post_transfers([hold])
    return Books(cash, alice, bob, hold.id, payment.id)


# --- raw SQL helpers -------------------------------------------------------------------------------


def new_transfer(conn: Connection, *, status: str = "posted") -> uuid.UUID:
    transfer_id = uuid.uuid4()
    conn.execute(
        text(
            "INSERT INTO transfers (id, status, two_phase, effective_at, created_at, fingerprint)"
            " VALUES (:id, :status, :two_phase, now(), now(), 'raw sql')"
        ),
        {"id": transfer_id, "status": status, "two_phase": status != "posted"},
    )
    return transfer_id


Move = tuple[Account, str, int]  # account, side, amount


def lines(
    conn: Connection, transfer_id: uuid.UUID, *moves: Move, layer: str = "posted"
) -> list[dict[str, Any]]:
    """The correct journal lines of `moves`: numbered after each account's last_seq, with the posted
    balance each leaves (what the domain would write)."""
    state: dict[uuid.UUID, list[Any]] = {}
    rows = []
    # An entry's value date is its transfer's (RZ119); an unknown transfer has none: any will do.
    effective_at = (
        conn.execute(text("SELECT effective_at FROM transfers WHERE id = :id"), {"id": transfer_id}).scalar()
        or datetime.now().astimezone()
    )
    for line, (account, side, amount) in enumerate(moves):
        if account.id not in state:
            row = conn.execute(
                text("SELECT last_seq, posted_debits, posted_credits FROM accounts WHERE id = :id"),
                {"id": account.id},
            ).one()
            sign = 1 if account.normal_side.value == "credit" else -1
            state[account.id] = [row.last_seq, sign * int(row.posted_credits - row.posted_debits)]
        seen = state[account.id]
        seen[0] += 1
        if layer == "posted":
            seen[1] += amount if side == account.normal_side.value else -amount
        rows.append(
            {
                "transfer_id": transfer_id,
                "account_id": account.id,
                "seq": seen[0],
                "line": line,
                "layer": layer,
                "side": side,
                "amount": amount,
                "asset_code": account.asset.code,
                "balance_after": seen[1],
                "created_at": datetime.now().astimezone(),
                "effective_at": effective_at,
            }
        )
    return rows


def insert(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """All `rows` in ONE statement, as the rules require of a transfer phase."""
    values, params = [], {}
    for i, row in enumerate(rows):
        values.append("(" + ", ".join(f":{c}_{i}" for c in ENTRY_COLUMNS) + ")")
        params.update({f"{c}_{i}": row[c] for c in ENTRY_COLUMNS})
    conn.execute(text(f"INSERT INTO entries ({', '.join(ENTRY_COLUMNS)}) VALUES {', '.join(values)}"), params)


def transfer(conn: Connection, *moves: Move) -> list[dict[str, Any]]:
    """The lines of a new posted transfer of `moves`, not inserted yet."""
    return lines(conn, new_transfer(conn), *moves)


@dataclass(frozen=True)
class Refusal:
    sqlstate: str
    rule: str | None
    message: str


def refused(engine: Engine, action: Callable[[Connection], object]) -> Refusal:
    """Run `action` in a transaction of its own, which must fail; the error it failed with."""
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        action(conn)
    orig: Any = caught.value.orig
    return Refusal(orig.sqlstate, orig.diag.constraint_name, orig.diag.message_primary)


def sql(statement: str, **params: Any) -> Callable[[Connection], object]:
    return lambda conn: conn.execute(text(statement), params)


def account_row(engine: Engine, account: Account) -> Any:
    with engine.connect() as conn:
        return conn.execute(text("SELECT * FROM accounts WHERE id = :id"), {"id": account.id}).one()


# --- the journal is immutable ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE entries SET amount = amount + 1",
        "UPDATE entries SET balance_after = 0 WHERE layer = 'posted'",
        "DELETE FROM entries",
        "TRUNCATE entries",
        # CASCADE: bank statements and the rest of what references accounts go too, unless the journal refuses
        "TRUNCATE entries, transfers, accounts CASCADE",
    ],
)
def test_entries_cannot_be_changed_or_removed(books: Books, admin_engine: Engine, statement: str) -> None:
    refusal = refused(admin_engine, sql(statement))
    assert refusal.sqlstate == "RZ101" and refusal.rule in ("entries_immutable", "entries_no_truncate")
    assert "the journal is immutable" in refusal.message


@pytest.mark.parametrize(
    ("statement", "rule"),
    [
        ("DELETE FROM transfers WHERE id = :hold", "transfers_no_delete"),
        ("TRUNCATE transfers CASCADE", None),
        ("DELETE FROM accounts WHERE code = 'alice'", "accounts_no_delete"),
        ("TRUNCATE accounts CASCADE", None),
        ("TRUNCATE assets CASCADE", None),
    ],
)
def test_transfers_and_accounts_cannot_be_removed(
    books: Books, admin_engine: Engine, statement: str, rule: str | None
) -> None:
    refusal = refused(admin_engine, sql(statement, hold=books.hold))
    if rule is None:  # TRUNCATE ... CASCADE: the first table's trigger to fire refuses it
        assert refusal.sqlstate in ("RZ101", "RZ102"), refusal
    else:
        assert (refusal.sqlstate, refusal.rule) == ("RZ102", rule)


@pytest.mark.parametrize(
    "change",
    [
        "description = 'rewritten'",
        "metadata = '{\"x\": 1}'",
        "two_phase = false",
        "effective_at = effective_at - interval '1 day'",
        "fingerprint = 'forged'",
        "timeout_at = now()",
        "status = 'posted', resolved_at = now(), description = 'and something else'",
    ],
)
def test_a_transfer_changes_only_its_status(books: Books, admin_engine: Engine, change: str) -> None:
    refusal = refused(admin_engine, sql(f"UPDATE transfers SET {change} WHERE id = :hold", hold=books.hold))
    assert (refusal.sqlstate, refusal.rule) == ("RZ103", "transfers_status_only")


@pytest.mark.parametrize(
    ("which", "status", "resolved_at"),
    [
        ("payment", "voided", "now()"),  # posted -> voided
        ("payment", "pending", "NULL"),  # posted -> pending
        ("payment", "posted", "resolved_at"),  # posted -> posted
        ("hold", "pending", "NULL"),  # pending -> pending
        ("hold", "posted", "NULL"),  # pending -> posted without resolved_at
        ("voided", "posted", "now()"),  # voided -> posted
        ("voided", "expired", "now()"),  # voided -> expired
    ],
)
def test_only_a_pending_transfer_is_resolved(
    books: Books, admin_engine: Engine, write_path: InAppWritePath, which: str, status: str, resolved_at: str
) -> None:
    voided = _pay(books.alice, books.bob, 1, pending=True)
    write_path.post_transfers([voided])
    write_path.void_pending(voided.id)
    transfer_id = {"payment": books.payment, "hold": books.hold, "voided": voided.id}[which]
    refusal = refused(
        admin_engine,
        sql(
            f"UPDATE transfers SET status = :s, resolved_at = {resolved_at} WHERE id = :id",
            s=status,
            id=transfer_id,
        ),
    )
    assert (refusal.sqlstate, refusal.rule) == ("RZ104", "transfers_status_only")


# --- every entry refers to a transfer and an account (revision 0009) --------------------------------

#: What an unknown reference must leave unchanged: every account's balances and the journal's size.
UNCHANGED = (
    "SELECT (SELECT count(*) FROM entries),"
    " (SELECT md5(string_agg(to_jsonb(a)::text, ',' ORDER BY a.id)) FROM accounts a)"
)


@pytest.fixture(params=["superuser", "razao_app"])
def writer(request: pytest.FixtureRequest) -> Engine:
    """Who plants the entries: the trigger refuses them from anyone (razao_app may INSERT entries)."""
    engine: Engine = request.getfixturevalue("admin_engine" if request.param == "superuser" else "app_engine")
    return engine


def _refused_and_unchanged(
    admin_engine: Engine, writer: Engine, rows: Callable[[Connection], list[dict[str, Any]]]
) -> Refusal:
    """The refusal of inserting `rows` (built, with any transfer they need, in the writer's transaction),
    which must change nothing: no entry, no balance."""
    with admin_engine.connect() as conn:
        before = conn.execute(text(UNCHANGED)).one()
    refusal = refused(writer, lambda conn: insert(conn, rows(conn)))
    with admin_engine.connect() as conn:
        assert conn.execute(text(UNCHANGED)).one() == before
    return refusal


def test_an_entry_of_an_unknown_transfer_is_refused(
    books: Books, admin_engine: Engine, writer: Engine
) -> None:
    unknown = uuid.uuid4()
    refusal = _refused_and_unchanged(
        admin_engine,
        writer,
        lambda conn: lines(conn, unknown, (books.cash, "debit", 5), (books.bob, "credit", 5)),
    )
    assert refusal == Refusal(
        "RZ117", "entries_book", f"transfer {unknown} does not exist: its entries are refused"
    )


def test_an_unknown_transfer_is_refused_before_the_other_rules(books: Books, admin_engine: Engine) -> None:
    """No rule drops the entries of an unknown transfer: an unbalanced one, in a statement with a
    correct transfer, is still refused as unknown."""
    unknown = uuid.uuid4()

    def unbalanced_and_unknown(conn: Connection) -> list[dict[str, Any]]:
        good = transfer(conn, (books.cash, "debit", 5), (books.bob, "credit", 5))
        bad = lines(conn, unknown, (books.alice, "debit", 7), (books.alice, "credit", 6))
        return good + bad

    refusal = _refused_and_unchanged(admin_engine, admin_engine, unbalanced_and_unknown)
    assert (refusal.sqlstate, refusal.rule) == ("RZ117", "entries_book")
    assert str(unknown) in refusal.message


def test_an_entry_of_an_unknown_account_is_refused(
    books: Books, admin_engine: Engine, writer: Engine
) -> None:
    unknown = uuid.uuid4()

    def to_nobody(conn: Connection) -> list[dict[str, Any]]:
        debit, credit = transfer(conn, (books.cash, "debit", 5), (books.bob, "credit", 5))
        return [debit, credit | {"account_id": unknown, "seq": 1}]

    refusal = _refused_and_unchanged(admin_engine, writer, to_nobody)
    assert refusal == Refusal(
        "RZ118", "entries_book", f"account {unknown} does not exist: its entries are refused"
    )


def test_an_unknown_account_is_refused_before_the_other_account_rules(
    books: Books, admin_engine: Engine
) -> None:
    """Whatever the ids' order, an unknown account is reported before a known account's broken rule."""
    low, high = uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)
    for unknown in (low, high):

        def off_balance_and_unknown(conn: Connection, unknown: uuid.UUID = unknown) -> list[dict[str, Any]]:
            debit, credit = transfer(conn, (books.cash, "debit", 5), (books.bob, "credit", 5))
            return [debit | {"balance_after": debit["balance_after"] + 1}, credit | {"account_id": unknown}]

        refusal = _refused_and_unchanged(admin_engine, admin_engine, off_balance_and_unknown)
        assert (refusal.sqlstate, refusal.rule) == ("RZ118", "entries_book"), unknown
        assert str(unknown) in refusal.message


def test_the_journal_has_no_foreign_keys_but_its_references_stay_undeletable(
    books: Books, admin_engine: Engine
) -> None:
    """Revision 0009 moved the foreign keys' check into entries_book; what else they gave (a referenced
    transfer or account is never deleted) the rules of revision 0002 keep."""
    with admin_engine.connect() as conn:
        keys = conn.execute(
            text("SELECT conname FROM pg_constraint WHERE conrelid = 'entries'::regclass AND contype = 'f'")
        ).all()
    assert keys == []
    refusal = refused(admin_engine, sql("DELETE FROM transfers WHERE id = :id", id=books.payment))
    assert (refusal.sqlstate, refusal.rule) == ("RZ102", "transfers_no_delete")
    refusal = refused(admin_engine, sql("DELETE FROM accounts WHERE id = :id", id=books.bob.id))
    assert (refusal.sqlstate, refusal.rule) == ("RZ102", "accounts_no_delete")


# --- balances follow the journal -------------------------------------------------------------------


def test_raw_sql_that_follows_the_rules_is_booked_into_the_balances(
    books: Books, admin_engine: Engine
) -> None:
    with admin_engine.begin() as conn:
        insert(conn, transfer(conn, (books.alice, "debit", 300), (books.bob, "credit", 300)))
        conn.execute(
            text("UPDATE transfers SET status = 'voided', resolved_at = now() WHERE id = :id"),
            {"id": books.hold},
        )
    alice, bob = account_row(admin_engine, books.alice), account_row(admin_engine, books.bob)
    assert (alice.posted_debits, alice.posted_credits, alice.pending_debits, alice.last_seq) == (
        300,
        1000,
        0,
        3,
    )
    assert (bob.posted_credits, bob.pending_credits, bob.last_seq) == (300, 0, 2)
    with admin_engine.connect() as conn:
        assert conn.execute(text(DRIFTED)).all() == []


def test_a_transfer_must_balance(books: Books, admin_engine: Engine) -> None:
    def unbalanced(conn: Connection) -> None:
        insert(conn, transfer(conn, (books.cash, "debit", 500), (books.bob, "credit", 499)))

    refusal = refused(admin_engine, unbalanced)
    assert (refusal.sqlstate, refusal.rule) == ("RZ110", "entries_book")
    assert "debits (500) differ from its credits (499)" in refusal.message


def test_each_asset_of_a_transfer_must_balance(books: Books, admin_engine: Engine, open_: Open) -> None:
    usd_cash = open_("usd:cash", asset="USD", normal_side="debit", min_balance=None)
    usd_bob = open_("usd:bob", asset="USD", normal_side="credit")

    def across_assets(conn: Connection) -> None:  # 500 BRL debited, 500 USD credited
        insert(conn, transfer(conn, (books.cash, "debit", 500), (usd_bob, "credit", 500)))

    assert refused(admin_engine, across_assets).sqlstate == "RZ110"
    with admin_engine.begin() as conn:  # each asset balanced on its own: fine
        insert(
            conn,
            transfer(
                conn,
                (books.cash, "debit", 5),
                (books.bob, "credit", 5),
                (usd_cash, "debit", 7),
                (usd_bob, "credit", 7),
            ),
        )


def test_a_transfer_phase_is_inserted_by_one_statement(books: Books, admin_engine: Engine) -> None:
    def split(conn: Connection) -> None:
        debit, credit = transfer(conn, (books.cash, "debit", 500), (books.bob, "credit", 500))
        insert(conn, [debit])
        insert(conn, [credit])

    assert refused(admin_engine, split).sqlstate == "RZ110"


def test_entries_match_their_transfers_status(books: Books, admin_engine: Engine) -> None:
    def posted_lines_of_a_pending_transfer(conn: Connection) -> None:
        pending = new_transfer(conn, status="pending")
        insert(conn, lines(conn, pending, (books.cash, "debit", 5), (books.bob, "credit", 5)))

    def holds_of_a_posted_transfer(conn: Connection) -> None:
        insert(
            conn,
            lines(conn, books.payment, (books.alice, "debit", 5), (books.bob, "credit", 5), layer="pending"),
        )

    def holds_of_a_voided_transfer(conn: Connection) -> None:
        voided = new_transfer(conn, status="voided")
        insert(
            conn, lines(conn, voided, (books.alice, "debit", 5), (books.bob, "credit", 5), layer="pending")
        )

    for action in (
        posted_lines_of_a_pending_transfer,
        holds_of_a_posted_transfer,
        holds_of_a_voided_transfer,
    ):
        refusal = refused(admin_engine, action)
        assert (refusal.sqlstate, refusal.rule) == ("RZ111", "entries_book"), action.__name__


@pytest.mark.parametrize("status", ["frozen", "closed"])
def test_an_inactive_account_accepts_no_entries(
    books: Books, admin_engine: Engine, open_: Open, status: str
) -> None:
    carol = open_("carol", normal_side="credit")
    with admin_engine.begin() as conn:
        conn.execute(text("UPDATE accounts SET status = :s WHERE id = :id"), {"s": status, "id": carol.id})

    refusal = refused(
        admin_engine,
        lambda conn: insert(conn, transfer(conn, (books.cash, "debit", 5), (carol, "credit", 5))),
    )
    assert (refusal.sqlstate, refusal.rule) == ("RZ112", "entries_book")
    assert refusal.message == f"account carol is {status} and accepts no entries"


def test_an_entry_is_in_its_accounts_asset(books: Books, admin_engine: Engine) -> None:
    def in_usd(conn: Connection) -> None:
        rows = transfer(conn, (books.cash, "debit", 5), (books.bob, "credit", 5))
        insert(conn, [row | {"asset_code": "USD"} for row in rows])  # balanced, in the wrong asset

    with admin_engine.begin() as conn:
        conn.execute(text("INSERT INTO assets (code, scale) VALUES ('USD', 2) ON CONFLICT DO NOTHING"))
    refusal = refused(admin_engine, in_usd)
    assert (refusal.sqlstate, refusal.rule) == ("RZ113", "entries_book")
    assert refusal.message in ("account bob holds BRL, not USD", "account cash holds BRL, not USD")


@pytest.mark.parametrize("where", ["first", "between"])
def test_entries_continue_their_accounts_sequence(books: Books, admin_engine: Engine, where: str) -> None:
    def with_a_gap(conn: Connection) -> None:
        if where == "first":  # bob's last_seq is 1: his next entry must be 2, not 3
            rows = transfer(conn, (books.cash, "debit", 5), (books.bob, "credit", 5))
            rows[1]["seq"] += 1
        else:  # two entries on bob: 2 and 4
            rows = transfer(
                conn, (books.cash, "debit", 10), (books.bob, "credit", 5), (books.bob, "credit", 5)
            )
            rows[2]["seq"] += 1
        insert(conn, rows)

    refusal = refused(admin_engine, with_a_gap)
    assert (refusal.sqlstate, refusal.rule) == ("RZ114", "entries_book")
    assert refusal.message.startswith("account bob: entries ")
    assert refusal.message.endswith("do not continue its last seq 1")


def test_a_reused_sequence_number_is_a_duplicate_key(books: Books, admin_engine: Engine) -> None:
    def reused(conn: Connection) -> None:
        rows = transfer(conn, (books.cash, "debit", 5), (books.bob, "credit", 5))
        rows[1]["seq"] -= 1
        insert(conn, rows)

    assert refused(admin_engine, reused) == Refusal(
        "23505", "entries_pkey", 'duplicate key value violates unique constraint "entries_pkey"'
    )


@pytest.mark.parametrize("which", [0, 1])
def test_balance_after_is_the_running_posted_balance(books: Books, admin_engine: Engine, which: int) -> None:
    def off(conn: Connection) -> None:  # alice pays bob twice: 1000 -> 990 -> 980
        rows = transfer(
            conn, (books.alice, "debit", 10), (books.alice, "debit", 10), (books.bob, "credit", 20)
        )
        rows[which]["balance_after"] += 1
        insert(conn, rows)

    refusal = refused(admin_engine, off)
    assert (refusal.sqlstate, refusal.rule) == ("RZ115", "entries_book")
    seq, right = 3 + which, [990, 980][which]
    assert refusal.message == (
        f"account alice entry {seq}: balance_after is {right + 1}, but its posted balance would be {right}"
    )


def test_no_overdraft_below_the_minimum(books: Books, admin_engine: Engine) -> None:
    # alice: 1,000 posted, 100 held for bob, minimum 0: 900 available.
    def overdraw(amount: int) -> Callable[[Connection], None]:
        return lambda conn: insert(
            conn, transfer(conn, (books.alice, "debit", amount), (books.bob, "credit", amount))
        )

    refusal = refused(admin_engine, overdraw(901))
    assert (refusal.sqlstate, refusal.rule) == ("RZ116", "entries_book")
    assert refusal.message == "account alice would have an available balance of -1, below its minimum of 0"

    def hold_too_much(conn: Connection) -> None:
        pending = new_transfer(conn, status="pending")
        insert(
            conn,
            lines(conn, pending, (books.alice, "debit", 901), (books.bob, "credit", 901), layer="pending"),
        )

    assert refused(admin_engine, hold_too_much).sqlstate == "RZ116"
    with admin_engine.begin() as conn:
        overdraw(900)(conn)
    assert account_row(admin_engine, books.alice).posted_debits == 900


def test_an_overdraft_allowance_and_a_reserve(books: Books, admin_engine: Engine, open_: Open) -> None:
    carol = open_("carol", normal_side="credit", min_balance=-50)  # may go 50 below zero
    dave = open_("dave", normal_side="credit", min_balance=500)  # keeps 500 in reserve

    def pay(source: Account, target: Account, amount: int) -> Callable[[Connection], None]:
        return lambda conn: insert(
            conn, transfer(conn, (source, "debit", amount), (target, "credit", amount))
        )

    assert refused(admin_engine, pay(carol, books.bob, 51)).sqlstate == "RZ116"
    with admin_engine.begin() as conn:
        pay(carol, books.bob, 50)(conn)
        pay(books.cash, dave, 300)(conn)  # below the reserve, dave may still receive
    assert refused(admin_engine, pay(dave, books.bob, 1)).sqlstate == "RZ116"
    with admin_engine.begin() as conn:
        pay(books.cash, dave, 700)(conn)
        pay(dave, books.bob, 500)(conn)
    assert refused(admin_engine, pay(dave, books.bob, 1)).sqlstate == "RZ116"


def test_the_min_balance_check_backs_the_trigger_up(books: Books, admin_engine: Engine, open_: Open) -> None:
    """The CHECK holds on every row change: a floor raised above an overdrawn balance is refused."""
    carol = open_("carol", normal_side="credit", min_balance=-50)
    with admin_engine.begin() as conn:
        insert(conn, transfer(conn, (carol, "debit", 30), (books.bob, "credit", 30)))
    refusal = refused(admin_engine, sql("UPDATE accounts SET min_balance = 0 WHERE id = :id", id=carol.id))
    assert (refusal.sqlstate, refusal.rule) == ("23514", "accounts_min_balance_check")
    with admin_engine.begin() as conn:  # a floor raised above a positive balance is a reserve: fine
        conn.execute(text("UPDATE accounts SET min_balance = 5000 WHERE id = :id"), {"id": books.alice.id})


@pytest.mark.parametrize(
    "change",
    [
        "posted_credits = posted_credits + 1",
        "posted_debits = posted_debits + 1",
        "pending_debits = 0",
        "pending_credits = pending_credits + 5",
        "last_seq = last_seq + 1",
        "status = 'frozen', posted_credits = posted_credits * 2",
    ],
)
def test_balances_cannot_be_written_directly(books: Books, admin_engine: Engine, change: str) -> None:
    refusal = refused(admin_engine, sql(f"UPDATE accounts SET {change} WHERE code = 'alice'"))
    assert (refusal.sqlstate, refusal.rule) == ("RZ105", "accounts_balances_guard")


def test_an_account_opens_with_zero_balances(books: Books, admin_engine: Engine) -> None:
    refusal = refused(
        admin_engine,
        sql(OPEN_WITH_MONEY, code="rich", posted_credits=1_000_000),
    )
    assert (refusal.sqlstate, refusal.rule) == ("RZ105", "accounts_opening_guard")


@pytest.mark.parametrize("change", ["asset_code = 'USD'", "normal_side = 'debit'"])
def test_an_accounts_asset_and_normal_side_never_change(
    books: Books, admin_engine: Engine, change: str
) -> None:
    with admin_engine.begin() as conn:
        conn.execute(text("INSERT INTO assets (code, scale) VALUES ('USD', 2) ON CONFLICT DO NOTHING"))
    refusal = refused(admin_engine, sql(f"UPDATE accounts SET {change} WHERE code = 'bob'"))
    assert (refusal.sqlstate, refusal.rule) == ("RZ106", "accounts_identity_guard")


def test_an_accounts_id_never_changes(books: Books, admin_engine: Engine, open_: Open) -> None:
    """Its entries refer to it (the foreign key refused this while the account had entries; revision
    0009's accounts_id_guard refuses it for every account)."""
    fresh = open_("fresh", normal_side="credit")
    for account in (books.alice, fresh):
        refusal = refused(
            admin_engine, sql("UPDATE accounts SET id = gen_random_uuid() WHERE id = :id", id=account.id)
        )
        assert (refusal.sqlstate, refusal.rule) == ("RZ106", "accounts_id_guard")
    with admin_engine.begin() as conn:  # setting it to itself changes nothing: fine
        conn.execute(text("UPDATE accounts SET id = id WHERE id = :id"), {"id": books.alice.id})


def test_other_account_columns_stay_writable_by_the_owner(books: Books, admin_engine: Engine) -> None:
    with admin_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE accounts SET name = 'Alice S.', metadata = :m, status = 'frozen' WHERE code = 'alice'"
            ),
            {"m": '{"kyc": true}'},
        )
    assert account_row(admin_engine, books.alice).status == "frozen"


# --- the use cases, with the rules on --------------------------------------------------------------


def test_the_use_cases_keep_balances_equal_to_the_journal(
    books: Books, write_path: InAppWritePath, uow_factory: Any, clock: Any, admin_engine: Engine, open_: Open
) -> None:
    carol = open_("carol", normal_side="credit", min_balance=-500)
    paid_by_carol = _pay(carol, books.bob, 300)
    write_path.post_transfers([_pay(books.cash, carol, 10), paid_by_carol, _pay(books.bob, books.alice, 5)])
    write_path.post_pending(books.hold, 60)
    expiring, voided, posted = (
        _pay(books.alice, carol, n, pending=True, timeout_seconds=60) for n in (1, 2, 3)
    )
    write_path.post_transfers([expiring, voided, posted])
    write_path.void_pending(voided.id)
    write_path.post_pending(posted.id)
    clock.advance(seconds=61)
    assert [t.id for t in write_path.expire_due()] == [expiring.id]
    write_path.reverse(ReversalRequest(uuid.uuid4(), paid_by_carol.id))
    account_cases.freeze_account(books.bob.id, uow_factory(), clock)
    account_cases.unfreeze_account(books.bob.id, uow_factory(), clock)

    with admin_engine.connect() as conn:
        assert conn.execute(text(DRIFTED)).all() == []
        running = conn.execute(
            text(
                """
                SELECT count(*) FROM (
                    SELECT e.balance_after, sum(CASE WHEN e.layer <> 'posted' THEN 0
                                                     WHEN e.side = a.normal_side THEN e.amount
                                                     ELSE -e.amount END)
                               OVER (PARTITION BY e.account_id ORDER BY e.seq) AS expected
                    FROM entries e JOIN accounts a ON a.id = e.account_id
                ) x WHERE balance_after <> expected
                """
            )
        ).scalar()
    assert running == 0
    alice = account_cases.get_account(books.alice.id, uow_factory())
    assert (alice.posted_balance, alice.available_balance, alice.last_seq) == (1000 + 5 - 60 - 3, 942, 8)
    assert alice.status is AccountStatus.ACTIVE


# --- the migration ---------------------------------------------------------------------------------


@pytest.fixture
def database_at_0001(empty_database: Any) -> Any:
    migrate.upgrade(empty_database.admin_url, "0001_core_ledger")
    return empty_database


def test_the_upgrade_refuses_balances_that_differ_from_the_journal(database_at_0001: Any) -> None:
    engine = create_engine(database_at_0001.admin_url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO assets (code, scale) VALUES ('BRL', 2)"))
            conn.execute(text(OPEN_WITH_MONEY), {"code": "forged", "posted_credits": 5})
    finally:
        engine.dispose()
    with pytest.raises(DBAPIError, match="balances differ from the journal for accounts: forged"):
        migrate.upgrade(database_at_0001.admin_url, "0002_ledger_rules")
    assert migrate.current(database_at_0001.admin_url) == "0001_core_ledger"


_STATE_QUERIES = {
    "schemas": "SELECT nspname FROM pg_namespace"
    " WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'",
    "functions": """
        SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    """,
    "triggers": "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal",
    "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE connamespace = 'public'::regnamespace",
    "table privileges": """
        SELECT c.relname, p.privilege, has_table_privilege('razao_app', c.oid, p.privilege)
        FROM pg_class c CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',
                                                'REFERENCES', 'TRIGGER']) AS p(privilege)
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
    """,
    "column privileges": """
        SELECT c.relname, a.attname, p.privilege,
               has_column_privilege('razao_app', c.oid, a.attnum, p.privilege)
        FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE']) AS p(privilege)
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
    """,
    "database and schema privileges": """
        SELECT r.rolname, has_database_privilege(r.rolname, current_database(), 'TEMPORARY'),
               has_database_privilege(r.rolname, current_database(), 'CREATE'),
               has_schema_privilege(r.rolname, 'public', 'CREATE')
        FROM pg_roles r WHERE r.rolname IN ('razao_app', 'razao_owner')
    """,
}


def _state(url: str) -> dict[str, set[tuple[Any, ...]]]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return {k: {tuple(r) for r in conn.execute(text(q))} for k, q in _STATE_QUERIES.items()}
    finally:
        engine.dispose()


@pytest.fixture
def other_database(server: Engine, admin_url: str) -> Iterator[str]:
    name = f"razao_other_{uuid.uuid4().hex[:16]}"
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_the_downgrade_restores_0001(database_at_0001: Any, other_database: str) -> None:
    at_0001 = _state(database_at_0001.admin_url)
    migrate.upgrade(other_database, "head")
    upgraded = _state(other_database)
    assert upgraded != at_0001
    assert ("razao", "book_entries") in upgraded["functions"]
    migrate.downgrade(other_database, "0001_core_ledger")
    assert _state(other_database) == at_0001


# --- value dates (revision 0015) -------------------------------------------------------------------

VALUE_DAYS = (
    "SELECT md5(string_agg(to_jsonb(d)::text, ',' ORDER BY d.account_id, d.value_date))"
    " FROM account_value_days d"
)


def test_an_entry_off_its_transfers_value_date_is_refused(
    books: Books, admin_engine: Engine, writer: Engine
) -> None:
    def off_date(conn: Connection) -> list[dict[str, Any]]:
        rows = transfer(conn, (books.cash, "debit", 5), (books.bob, "credit", 5))
        rows[1]["effective_at"] = datetime(2020, 1, 1).astimezone()
        return rows

    with admin_engine.connect() as conn:
        days = conn.execute(text(VALUE_DAYS)).scalar()
    refusal = _refused_and_unchanged(admin_engine, writer, off_date)
    assert (refusal.sqlstate, refusal.rule) == ("RZ119", "entries_book"), refusal
    assert "is not its effective_at" in refusal.message
    with admin_engine.connect() as conn:
        assert conn.execute(text(VALUE_DAYS)).scalar() == days


def test_the_value_days_sum_the_posted_journal_by_value_date(
    books: Books, admin_engine: Engine, write_path: InAppWritePath
) -> None:
    """A backdated payment adds to its value date's row, not to today's; holds add nothing."""
    backdated = _pay(books.cash, books.alice, 7, effective_at=datetime(2024, 2, 29, 23, 59).astimezone())
    write_path.post_transfers([backdated])
    with admin_engine.connect() as conn:
        days = conn.execute(
            text(
                "SELECT value_date::text, debits, credits FROM account_value_days WHERE account_id = :a"
                " ORDER BY value_date"
            ),
            {"a": books.alice.id},
        ).all()
        today = conn.execute(  # the funding payment's value day (the fixtures' clock)
            text("SELECT (effective_at AT TIME ZONE 'UTC')::date::text FROM transfers WHERE id = :id"),
            {"id": books.payment},
        ).scalar()
        value_net = conn.execute(
            text("SELECT razao.value_net(:a, '2024-03-01T00:00:00Z')"), {"a": books.alice.id}
        ).scalar()
    day_of = datetime(2024, 2, 29, 23, 59).astimezone().astimezone().date().isoformat()
    assert [(d, int(dr), int(cr)) for d, dr, cr in days] == sorted([(day_of, 0, 7), (today, 0, 1000)])
    assert value_net == 7


def test_the_app_role_cannot_write_the_value_days(books: Books, app_engine: Engine) -> None:
    refusal = refused(
        app_engine,
        sql("UPDATE account_value_days SET credits = credits + 1 WHERE account_id = :a", a=books.alice.id),
    )
    assert refusal.sqlstate == "42501", refusal
