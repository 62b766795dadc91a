"""The PostgreSQL repositories, exercised through the use cases as the application role (razao_app).

Each test gets a fresh database cloned from the migrated template (see tests/conftest.py).
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import IntegrityError

from adapters.db.unit_of_work import SqlUnitOfWork
from adapters.system import RandomIds
from application import accounts as account_cases
from application import api_keys as key_cases
from application import assets as asset_cases
from application import reports, transfers
from application.ports import RetryableConflict
from application.transfers import TransferFilter
from application.write_path import InAppWritePath
from domain.accounts import Account, AccountStatus, Side
from domain.assets import MAX_AMOUNT, Asset
from domain.errors import (
    AccountInactive,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidState,
    NotFound,
)
from domain.transfers import Posting, ReversalRequest, Transfer, TransferRequest, TransferStatus

if TYPE_CHECKING:
    from tests.integration.conftest import ManualClock

Uow = Callable[[], SqlUnitOfWork]
Open = Callable[..., Account]


def _fields(transfer: Transfer) -> dict[str, Any]:
    return {f.name: getattr(transfer, f.name) for f in dataclasses.fields(transfer)}


def _pay(source: Account, target: Account, amount: int, **options: Any) -> TransferRequest:
    return TransferRequest.simple(
        uuid.uuid4(), debit_account_id=source.id, credit_account_id=target.id, amount=amount, **options
    )


def _balance(uow: Uow, account: Account) -> int:
    return account_cases.get_account(account.id, uow()).posted_balance


@pytest.fixture
def cash(open_: Open) -> Account:
    """The funding side: a debit-normal asset account with no lower bound."""
    return open_("assets:cash", normal_side="debit", min_balance=None)


@pytest.fixture
def alice(open_: Open) -> Account:
    return open_("wallets:alice", normal_side="credit", min_balance=0)


@pytest.fixture
def bob(open_: Open) -> Account:
    return open_("wallets:bob", normal_side="credit", min_balance=0)


# --- accounts and assets -----------------------------------------------------------------------


def test_open_account_round_trip_replay_and_conflict(uow_factory: Uow, clock: ManualClock) -> None:
    command = account_cases.OpenAccount(
        "loans:42", "Loan 42", "BRL", "debit", -5000, {"owner": "ana", "tags": ["a", 1, None, True]}
    )
    opened = account_cases.open_account(command, uow_factory(), clock, RandomIds())
    assert not opened.replayed

    stored = account_cases.get_account(opened.account.id, uow_factory())
    assert (stored.code, stored.name, stored.asset, stored.normal_side) == (
        "loans:42",
        "Loan 42",
        Asset("BRL", 2),
        Side.DEBIT,
    )
    assert (stored.min_balance, stored.metadata, stored.status) == (
        -5000,
        {"owner": "ana", "tags": ["a", 1, None, True]},
        AccountStatus.ACTIVE,
    )
    assert stored.created_at == clock.now() and stored.last_seq == 0

    again = account_cases.open_account(command, uow_factory(), clock, RandomIds())
    assert again.replayed and again.account.id == opened.account.id
    with pytest.raises(IdempotencyConflict):
        account_cases.open_account(
            dataclasses.replace(command, name="Another"), uow_factory(), clock, RandomIds()
        )


def test_custom_assets(uow_factory: Uow, open_: Open) -> None:
    assert not asset_cases.register_asset("POINTS", 0, uow_factory()).replayed
    assert asset_cases.register_asset("POINTS", 0, uow_factory()).replayed
    with pytest.raises(IdempotencyConflict):
        asset_cases.register_asset("POINTS", 3, uow_factory())
    open_("points:alice", asset="POINTS", normal_side="credit")
    known = {a.code: a for a in asset_cases.list_assets(uow_factory())}
    assert known["POINTS"] == Asset("POINTS", 0) and known["BRL"] == Asset("BRL", 2)


def test_list_accounts_by_prefix_asset_and_cursor(uow_factory: Uow, open_: Open) -> None:
    for code in ("a:2", "a:1", "a_b", "ab", "a.c", "b:1", "A:1"):
        open_(code)
    open_("a:3", asset="USD")

    def codes(**filters: Any) -> list[str]:
        page = account_cases.list_accounts(uow_factory(), **filters)
        return [a.code for a in page.items]

    assert codes() == ["A:1", "a.c", "a:1", "a:2", "a:3", "a_b", "ab", "b:1"]  # byte order ("C")
    assert codes(code_prefix="a:") == ["a:1", "a:2", "a:3"]
    assert codes(code_prefix="a_") == ["a_b"]  # `_` is not a wildcard
    assert codes(code_prefix="a%") == []  # nor is `%`
    assert codes(code_prefix="a:", asset="USD") == ["a:3"]
    assert codes(code_prefix="zz") == []

    seen, cursor = [], None
    while True:
        page = account_cases.list_accounts(uow_factory(), code_prefix="a", after_code=cursor, limit=2)
        seen += [a.code for a in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert seen == ["a.c", "a:1", "a:2", "a:3", "a_b", "ab"]


def test_account_status_changes_persist(
    uow_factory: Uow, write_path: InAppWritePath, clock: ManualClock, cash: Account, alice: Account
) -> None:
    account_cases.freeze_account(alice.id, uow_factory(), clock)
    assert account_cases.get_account(alice.id, uow_factory()).status is AccountStatus.FROZEN
    with pytest.raises(AccountInactive):
        write_path.post_transfers([_pay(cash, alice, 10)])

    account_cases.unfreeze_account(alice.id, uow_factory(), clock)
    write_path.post_transfers([_pay(cash, alice, 10)])
    with pytest.raises(InvalidState):
        account_cases.close_account(alice.id, uow_factory(), clock)
    write_path.post_transfers([_pay(alice, cash, 10)])
    account_cases.close_account(alice.id, uow_factory(), clock)
    assert account_cases.get_account(alice.id, uow_factory()).status is AccountStatus.CLOSED


# --- posting -----------------------------------------------------------------------------------


def test_post_and_read_back(
    uow_factory: Uow, write_path: InAppWritePath, clock: ManualClock, cash: Account, alice: Account
) -> None:
    request = TransferRequest(
        uuid.uuid4(),
        (Posting(cash.id, Side.DEBIT, 1050), Posting(alice.id, Side.CREDIT, 1050, "BRL")),
        description="Deposit",
        metadata={"ref": "dep-1", "nested": {"n": 1}},
        effective_at=clock.now() - timedelta(days=1),
    )
    outcome = write_path.post_transfers([request])[0]
    assert not outcome.replayed and len(outcome.entries) == 2

    stored = transfers.get_transfer(request.id, uow_factory())
    assert _fields(stored) == _fields(outcome.transfer)
    assert stored.postings[0].asset == "BRL" and stored.status is TransferStatus.POSTED

    alice_now = account_cases.get_account(alice.id, uow_factory())
    assert alice_now.posted_balance == 1050 and alice_now.last_seq == 1
    assert _balance(uow_factory, cash) == 1050
    with pytest.raises(NotFound):
        transfers.get_transfer(uuid.uuid4(), uow_factory())


def test_amounts_up_to_the_maximum_are_exact(
    uow_factory: Uow, write_path: InAppWritePath, cash: Account, alice: Account
) -> None:
    write_path.post_transfers([_pay(cash, alice, MAX_AMOUNT), _pay(cash, alice, MAX_AMOUNT)])
    assert _balance(uow_factory, alice) == 2 * MAX_AMOUNT
    line = account_cases.statement(alice.id, uow_factory()).items[-1]
    assert line.entry.amount == MAX_AMOUNT and line.entry.balance_after == 2 * MAX_AMOUNT


def test_a_batch_of_1000_in_one_go(
    uow_factory: Uow, write_path: InAppWritePath, open_: Open, cash: Account
) -> None:
    wallets = [open_(f"wallets:{i}", normal_side="credit") for i in range(10)]
    requests = [_pay(cash, wallets[i % 10], i + 1) for i in range(1000)]

    started = time.perf_counter()
    outcomes = write_path.post_transfers(requests)
    elapsed = time.perf_counter() - started

    assert [o.transfer.id for o in outcomes] == [r.id for r in requests]
    assert not any(o.replayed for o in outcomes)
    for k, wallet in enumerate(wallets):
        assert _balance(uow_factory, wallet) == sum(i + 1 for i in range(k, 1000, 10))
    assert _balance(uow_factory, cash) == sum(range(1, 1001))
    assert elapsed < 5, f"a batch of 1,000 took {elapsed:.2f}s"

    replays = write_path.post_transfers(requests)
    assert all(o.replayed for o in replays)
    assert _balance(uow_factory, cash) == sum(range(1, 1001))


def test_a_batch_is_all_or_nothing(
    uow_factory: Uow, write_path: InAppWritePath, cash: Account, alice: Account, bob: Account
) -> None:
    ok, too_much = _pay(cash, alice, 100), _pay(alice, bob, 101)
    with pytest.raises(InsufficientFunds):
        write_path.post_transfers([ok, too_much])
    assert _balance(uow_factory, alice) == 0
    page = transfers.list_transfers(uow_factory())
    assert page.items == []


def test_idempotent_replay_and_conflict(
    uow_factory: Uow, write_path: InAppWritePath, clock: ManualClock, cash: Account, alice: Account
) -> None:
    request = _pay(cash, alice, 700, description="first")
    first = write_path.post_transfers([request])[0]
    clock.advance(minutes=5)
    again = write_path.post_transfers([request])[0]
    assert again.replayed and _fields(again.transfer) == _fields(first.transfer)

    different = TransferRequest.simple(
        request.id, debit_account_id=cash.id, credit_account_id=alice.id, amount=1
    )
    with pytest.raises(IdempotencyConflict):
        write_path.post_transfers([different])
    assert _balance(uow_factory, alice) == 700


# --- two-phase transfers -----------------------------------------------------------------------


def test_pending_then_partial_post_then_void(
    uow_factory: Uow,
    write_path: InAppWritePath,
    clock: ManualClock,
    cash: Account,
    alice: Account,
    bob: Account,
) -> None:
    write_path.post_transfers([_pay(cash, alice, 5000)])
    hold = _pay(alice, bob, 1000, pending=True, timeout_seconds=3600)
    write_path.post_transfers([hold])
    held = account_cases.get_account(alice.id, uow_factory())
    assert (held.posted_balance, held.available_balance, held.balances.pending_debits) == (5000, 4000, 1000)

    clock.advance(minutes=1)
    outcome = write_path.post_pending(hold.id, 600)
    assert not outcome.replayed
    stored = transfers.get_transfer(hold.id, uow_factory())
    assert stored.status is TransferStatus.POSTED and stored.two_phase
    assert [p.amount for p in stored.postings] == [1000, 1000]  # the holds
    assert [(p.side, p.amount) for p in stored.posted] == [(Side.DEBIT, 600), (Side.CREDIT, 600)]
    assert stored.resolved_at == clock.now() and stored.timeout_at == clock.now() + timedelta(minutes=59)
    after = account_cases.get_account(alice.id, uow_factory())
    assert (after.posted_balance, after.available_balance, after.balances.pending_debits) == (4400, 4400, 0)
    assert _balance(uow_factory, bob) == 600
    assert write_path.post_pending(hold.id, 600).replayed
    with pytest.raises(InvalidState):  # no amount means all 1,000 held: not what was posted
        write_path.post_pending(hold.id)

    second = _pay(alice, bob, 400, pending=True)
    write_path.post_transfers([second])
    voided = write_path.void_pending(second.id)
    assert voided.transfer.status is TransferStatus.VOIDED
    stored = transfers.get_transfer(second.id, uow_factory())
    assert stored.status is TransferStatus.VOIDED and stored.posted == () and len(stored.postings) == 2
    assert account_cases.get_account(alice.id, uow_factory()).available_balance == 4400
    assert write_path.void_pending(second.id).replayed
    with pytest.raises(InvalidState):
        write_path.post_pending(second.id)
    with pytest.raises(NotFound):
        write_path.void_pending(uuid.uuid4())


def test_expire_due(
    uow_factory: Uow,
    write_path: InAppWritePath,
    clock: ManualClock,
    cash: Account,
    alice: Account,
    bob: Account,
) -> None:
    write_path.post_transfers([_pay(cash, alice, 100)])
    expiring = _pay(alice, bob, 60, pending=True, timeout_seconds=60)
    forever = _pay(alice, bob, 40, pending=True)
    write_path.post_transfers([expiring, forever])
    assert write_path.expire_due() == []

    clock.advance(seconds=61)
    expired = write_path.expire_due()
    assert [t.id for t in expired] == [expiring.id]
    assert transfers.get_transfer(expiring.id, uow_factory()).status is TransferStatus.EXPIRED
    assert transfers.get_transfer(forever.id, uow_factory()).status is TransferStatus.PENDING
    assert account_cases.get_account(alice.id, uow_factory()).available_balance == 60
    assert write_path.expire_due() == []


def test_reverse(
    uow_factory: Uow, write_path: InAppWritePath, cash: Account, alice: Account, bob: Account
) -> None:
    write_path.post_transfers([_pay(cash, alice, 1000)])
    payment = _pay(alice, bob, 300)
    write_path.post_transfers([payment])
    refund = ReversalRequest(uuid.uuid4(), payment.id, description="Refund")

    outcome = write_path.reverse(refund)
    assert outcome.transfer.reverses_id == payment.id and not outcome.replayed
    assert transfers.get_transfer(payment.id, uow_factory()).reversed_by_id == refund.id
    stored = transfers.get_transfer(refund.id, uow_factory())
    assert stored.reverses_id == payment.id and stored.description == "Refund"
    assert [(p.account_id, p.side) for p in stored.posted] == [(alice.id, Side.CREDIT), (bob.id, Side.DEBIT)]
    assert (_balance(uow_factory, alice), _balance(uow_factory, bob)) == (1000, 0)

    assert write_path.reverse(refund).replayed
    with pytest.raises(InvalidState):
        write_path.reverse(ReversalRequest(uuid.uuid4(), payment.id))
    pending = _pay(alice, bob, 1, pending=True)
    write_path.post_transfers([pending])
    with pytest.raises(InvalidState):
        write_path.reverse(ReversalRequest(uuid.uuid4(), pending.id))


# --- reads -------------------------------------------------------------------------------------


def test_statement_with_running_balance_and_cursor(
    uow_factory: Uow,
    write_path: InAppWritePath,
    clock: ManualClock,
    cash: Account,
    alice: Account,
    bob: Account,
) -> None:
    times = []
    for request in (
        _pay(cash, alice, 100, description="d1"),
        _pay(cash, alice, 200, description="d2"),
        _pay(alice, bob, 50, description="p1"),
        _pay(alice, bob, 30, pending=True),  # a hold: not on the statement
        _pay(cash, alice, 400, description="d3"),
    ):
        times.append(clock.advance(minutes=1))
        write_path.post_transfers([request])

    page = account_cases.statement(alice.id, uow_factory(), limit=2)
    assert [(line.entry.seq, line.entry.balance_after) for line in page.items] == [(1, 100), (2, 300)]
    assert [line.description for line in page.items] == ["d1", "d2"]
    assert page.next_cursor == 2
    page = account_cases.statement(alice.id, uow_factory(), after_seq=page.next_cursor, limit=2)
    assert [(line.entry.seq, line.entry.balance_after) for line in page.items] == [(3, 250), (5, 650)]
    assert [(line.entry.side, line.entry.amount) for line in page.items] == [
        (Side.DEBIT, 50),
        (Side.CREDIT, 400),
    ]
    assert page.items[1].effective_at == times[4] and page.next_cursor is None

    window = account_cases.statement(alice.id, uow_factory(), start=times[1], end=times[4])
    assert [line.description for line in window.items] == ["d2", "p1"]


def test_balance_as_of_a_past_timestamp(
    uow_factory: Uow,
    write_path: InAppWritePath,
    clock: ManualClock,
    cash: Account,
    alice: Account,
    bob: Account,
) -> None:
    opened = clock.now()
    t1 = clock.advance(hours=1)
    write_path.post_transfers([_pay(cash, alice, 100)])
    t2 = clock.advance(hours=1)
    write_path.post_transfers([_pay(cash, alice, 200), _pay(alice, bob, 20)])
    t3 = clock.advance(hours=1)
    write_path.post_transfers([_pay(alice, bob, 50)])

    def as_of(at: Any) -> int:
        return account_cases.balance_as_of(alice.id, at, uow_factory()).posted_balance

    assert as_of(opened - timedelta(days=1)) == 0
    assert as_of(t1 - timedelta(seconds=1)) == 0
    assert as_of(t1) == 100
    assert as_of(t2 - timedelta(microseconds=1)) == 100
    assert as_of(t2) == 280  # both transfers of the batch share the instant: the last entry counts
    assert as_of(t3 + timedelta(days=365)) == 230


def test_balance_as_of_is_an_index_only_lookup(
    uow_factory: Uow, app_engine: Engine, admin_engine: Engine, clock: ManualClock, alice: Account
) -> None:
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "balance_after" in statement and "LIMIT" in statement:
            captured.append((statement, parameters))

    event.listen(app_engine, "before_cursor_execute", capture)
    try:
        account_cases.balance_as_of(alice.id, clock.now(), uow_factory())
    finally:
        event.remove(app_engine, "before_cursor_execute", capture)
    [(statement, parameters)] = captured

    raw = admin_engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    finally:
        raw.close()
    assert "Index Only Scan" in plan and "ix_entries_balance_as_of" in plan, plan


def test_list_transfers_with_filters_and_cursor(
    uow_factory: Uow,
    write_path: InAppWritePath,
    clock: ManualClock,
    cash: Account,
    alice: Account,
    bob: Account,
) -> None:
    clock.advance(seconds=1)
    batch = [_pay(cash, alice, 10), _pay(cash, alice, 20), _pay(cash, bob, 30)]  # one shared instant
    write_path.post_transfers(batch)
    clock.advance(seconds=1)
    hold = _pay(alice, bob, 5, pending=True)
    write_path.post_transfers([hold])
    clock.advance(seconds=1)
    last = _pay(cash, bob, 40)
    write_path.post_transfers([last])

    expected = [last.id, hold.id, *sorted((r.id for r in batch), reverse=True)]

    def walk(where: TransferFilter = TransferFilter()) -> list[uuid.UUID]:
        ids, cursor = [], None
        while True:
            page = transfers.list_transfers(uow_factory(), where, after=cursor, limit=2)
            ids += [t.id for t in page.items]
            if (cursor := page.next_cursor) is None:
                return ids

    assert walk() == expected
    assert walk(TransferFilter(account_id=bob.id)) == [
        i for i in expected if i not in {batch[0].id, batch[1].id}
    ]
    assert walk(TransferFilter(status=TransferStatus.PENDING)) == [hold.id]
    assert walk(TransferFilter(account_id=alice.id, status=TransferStatus.POSTED)) == sorted(
        (batch[0].id, batch[1].id), reverse=True
    )
    listed = transfers.list_transfers(uow_factory(), TransferFilter(status=TransferStatus.PENDING)).items[0]
    assert listed.two_phase and [p.amount for p in listed.postings] == [5, 5]


def test_trial_balance(
    uow_factory: Uow, write_path: InAppWritePath, open_: Open, cash: Account, alice: Account, bob: Account
) -> None:
    usd_cash = open_("usd:cash", asset="USD", min_balance=None)
    usd_wallet = open_("usd:wallet", asset="USD", normal_side="credit")
    write_path.post_transfers([_pay(cash, alice, 500), _pay(usd_cash, usd_wallet, 70)])
    write_path.post_transfers([_pay(alice, bob, 200), _pay(alice, bob, 50, pending=True)])
    write_path.post_transfers([_pay(bob, cash, 20)])

    totals = reports.trial_balance(uow_factory())
    assert [t.asset for t in totals] == ["BRL", "USD"]
    brl, usd = totals
    assert brl.accounts == 3 and brl.balanced
    assert (brl.posted_debits, brl.posted_credits) == (720, 720)
    assert (brl.pending_debits, brl.pending_credits) == (50, 50)
    assert (brl.debit_balances, brl.credit_balances) == (480, 480)
    assert reports.trial_balance(uow_factory(), "USD") == [usd]
    assert (usd.accounts, usd.debit_balances, usd.credit_balances) == (2, 70, 70)


# --- API keys ------------------------------------------------------------------------------------


def test_api_keys(uow_factory: Uow, admin_engine: Engine, clock: ManualClock) -> None:
    """Keys are managed over the administrative connection; the application role only reads them."""
    admin_uow = lambda: SqlUnitOfWork(admin_engine)  # noqa: E731
    with pytest.raises(Exception, match="permission denied"):
        key_cases.create_api_key("app", ["admin"], uow_factory(), clock, RandomIds())
    key, token = key_cases.create_api_key(
        "ci", ["ledger:read", "ledger:write"], admin_uow(), clock, RandomIds()
    )
    assert key_cases.authenticate(token, uow_factory()) == key
    assert key_cases.list_api_keys(uow_factory()) == [key]

    clock.advance(minutes=1)
    key_cases.revoke_api_key(key.id, admin_uow(), clock)
    with pytest.raises(key_cases.Unauthenticated):
        key_cases.authenticate(token, uow_factory())
    [revoked] = key_cases.list_api_keys(uow_factory())
    assert revoked.revoked_at == clock.now()
    clock.advance(minutes=1)
    key_cases.revoke_api_key(key.id, admin_uow(), clock)  # again: keeps the first revocation time
    assert key_cases.list_api_keys(uow_factory())[0].revoked_at == revoked.revoked_at
    with pytest.raises(NotFound):
        key_cases.revoke_api_key(uuid.uuid4(), admin_uow(), clock)


# --- the unit of work ------------------------------------------------------------------------------


def test_nothing_is_kept_without_commit(uow_factory: Uow, clock: ManualClock, cash: Account) -> None:
    account = Account.open(
        id=uuid.uuid4(), code="temp", name="Temp", asset=cash.asset, normal_side="debit", at=clock.now()
    )
    with uow_factory() as uow:
        uow.accounts.add(account)
        assert uow.accounts.get(account.id) is not None
    with uow_factory() as uow:
        assert uow.accounts.get(account.id) is None


def test_an_open_unit_of_work_cannot_be_entered_again(uow_factory: Uow) -> None:
    uow = uow_factory()
    with uow, pytest.raises(RuntimeError):
        uow.__enter__()
    with uow:  # once closed, it can be used again
        assert uow.assets.all() == []


def test_a_concurrently_written_key_is_a_retryable_conflict(
    uow_factory: Uow, write_path: InAppWritePath, clock: ManualClock, cash: Account, alice: Account
) -> None:
    same_code = Account.open(
        id=uuid.uuid4(), code=alice.code, name="x", asset=alice.asset, normal_side="credit", at=clock.now()
    )
    with pytest.raises(RetryableConflict), uow_factory() as uow:
        uow.accounts.add(same_code)

    booked = write_path.post_transfers([_pay(cash, alice, 1)])[0]
    with pytest.raises(RetryableConflict), uow_factory() as uow:
        uow.transfers.add(booked.transfer, ())
        uow.commit()

    with pytest.raises(RetryableConflict), uow_factory() as uow:
        uow.assets.add(Asset("BRL", 2))


def test_other_database_errors_are_not_retryable(uow_factory: Uow, clock: ManualClock) -> None:
    unknown_asset = Account.open(
        id=uuid.uuid4(), code="x", name="x", asset=Asset("NOPE", 2), normal_side="debit", at=clock.now()
    )
    with pytest.raises(IntegrityError) as caught, uow_factory() as uow:
        uow.accounts.add(unknown_asset)  # a foreign key violation: a bug, not a race
    assert not isinstance(caught.value, RetryableConflict)


def test_sessions_run_in_utc(app_engine: Engine) -> None:
    with app_engine.connect() as conn:
        assert conn.execute(text("SHOW timezone")).scalar() == "UTC"


def test_an_unreachable_database_is_reported_as_unavailable_not_as_a_crash() -> None:
    """No connection (server down, or every connection slot taken) is a 503 for the API, never a 500."""
    from adapters.db.engine import make_engine
    from adapters.db.errors import DatabaseUnavailable
    from adapters.db.in_database import InDatabaseWritePath

    engine = make_engine("postgresql+psycopg://razao_app@127.0.0.1:1/razao")
    try:
        with pytest.raises(DatabaseUnavailable), SqlUnitOfWork(engine):
            pass
        with pytest.raises(DatabaseUnavailable):
            InDatabaseWritePath(engine, expected_version="x").expire_due()
    finally:
        engine.dispose()
