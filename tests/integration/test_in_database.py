"""The in-database mode (PL/Python) against the in-app mode: the same operations, the same results.

One scenario (bookings, replays, conflicts, refusals of every kind, two-phase transfers, reversals,
expiry, then every read) runs through `InAppWritePath`/`InAppReadPath` on one fresh database and
through `InDatabaseWritePath`/`InDatabaseReadPath` on another. Both logs must be equal: transfers,
entries, balances, pages and errors (code, detail, context, field issues). Only the instants the
clock gives differ (the app's clock here is a hand-driven one; the database reads its own), so they
are masked in the comparison and checked on their own.

Also: concurrent replays and id reuse, batch atomicity, refusal to run another code version, and that
one call is one round trip. Needs the code deployed by the migrations (`razao db code-migration`).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from psycopg import pq
from sqlalchemy import Engine, NullPool, create_engine, event, make_url, text

from adapters.db.code_bundle import app_code_version
from adapters.db.engine import SESSION_OPTIONS, make_engine
from adapters.db.in_database import (
    DomainVersionMismatch,
    InDatabaseReadPath,
    InDatabaseWritePath,
    KernelUnavailable,
)
from adapters.db.unit_of_work import SqlUnitOfWork
from application import accounts as account_cases
from application import codec
from application import transfers as transfer_cases
from application.accounts import BalanceAsOf, OpenAccount, open_account
from application.pages import Page
from application.read_path import InAppReadPath, ReadPath
from application.write_path import InAppWritePath, WritePath
from domain import kernel
from domain.accounts import Account, Side
from domain.assets import MAX_AMOUNT
from domain.errors import DomainError, IdempotencyConflict, NotFound
from domain.ledger import Outcome
from domain.reports import AssetTotals
from domain.time_basis import Basis
from domain.transfers import Posting, ReversalRequest, Transfer, TransferRequest
from tests.conftest import APP_ROLE, TestDatabase, set_kernel_mode
from tests.integration.conftest import ManualClock

NAMESPACE = uuid.UUID("5b0a63c4-96a4-4a43-8d0e-1f0b2a9c7e11")
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
#: An effective date chosen by the client, in its own time zone.
LAST_WEEK = datetime(2025, 2, 22, 9, 0, tzinfo=timezone(timedelta(hours=-3)))
EARLY = datetime(2000, 1, 1, tzinfo=UTC)
FAR = datetime(2100, 1, 1, tzinfo=UTC)
#: Fields set from the clock: masked when the two modes are compared.
CLOCK_FIELDS = frozenset({"created_at", "effective_at", "timeout_at", "resolved_at"})


def uid(name: str) -> uuid.UUID:
    """The same id in both modes for the same name."""
    return uuid.uuid5(NAMESPACE, name)


class _OneId:
    def __init__(self, value: uuid.UUID) -> None:
        self._value = value

    def new_id(self) -> uuid.UUID:
        return self._value


# --- the two modes ---------------------------------------------------------------------------------


@dataclass
class Mode:
    write: WritePath
    read: ReadPath
    uow: Callable[[], SqlUnitOfWork]
    clock: ManualClock
    wait: Callable[[float], None]

    def open(
        self, code: str, *, asset: str = "BRL", side: str = "credit", min_balance: int | None = 0
    ) -> Account:
        command = OpenAccount(code, code.title(), asset, side, min_balance)
        return open_account(command, self.uow(), self.clock, _OneId(uid(code))).account


def _clone(server: Engine, template: str, admin_url: str) -> TestDatabase:
    name = f"razao_test_{uuid.uuid4().hex[:16]}"
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        set_kernel_mode(conn, name)
    url = make_url(admin_url).set(database=name)
    return TestDatabase(
        name,
        url.render_as_string(hide_password=False),
        url.set(username=APP_ROLE, password=None).render_as_string(hide_password=False),
    )


@pytest.fixture
def db_database(
    server: Engine, admin_url: str, migrated_template: str, _dropper: Callable[[str], None]
) -> Iterator[TestDatabase]:
    """A second fresh database, for the in-database mode (the `database` fixture serves the app)."""
    database = _clone(server, migrated_template, admin_url)
    try:
        yield database
    finally:
        _dropper(database.name)


@pytest.fixture
def db_engine(db_database: TestDatabase) -> Iterator[Engine]:
    engine = make_engine(db_database.app_url, pool_size=20, max_overflow=10)
    yield engine
    engine.dispose()


def _advance(clock: ManualClock, seconds: float) -> None:
    clock.advance(seconds=seconds)


@pytest.fixture
def in_app(uow_factory: Callable[[], SqlUnitOfWork], clock: ManualClock) -> Mode:
    return Mode(
        InAppWritePath(uow_factory, clock),
        InAppReadPath(uow_factory),
        uow_factory,
        clock,
        lambda seconds: _advance(clock, seconds),
    )


@pytest.fixture
def in_db(db_engine: Engine) -> Mode:
    version = app_code_version()
    return Mode(
        InDatabaseWritePath(db_engine, version),
        InDatabaseReadPath(db_engine, version),
        lambda: SqlUnitOfWork(db_engine),
        ManualClock(START),
        time.sleep,
    )


# --- results as comparable data --------------------------------------------------------------------


def _data(value: Any) -> Any:
    if isinstance(value, list):
        return [_data(v) for v in value]
    if isinstance(value, Outcome):
        return codec.outcome_to_dict(value)
    if isinstance(value, Transfer):
        return codec.transfer_to_dict(value)
    if isinstance(value, Account):
        return codec.account_to_dict(value)
    if isinstance(value, BalanceAsOf):
        return codec.balance_as_of_to_dict(value)
    if isinstance(value, AssetTotals):
        return codec.asset_totals_to_dict(value)
    if isinstance(value, Page):
        return codec.statement_page_to_dict(value)
    raise TypeError(f"no data for {type(value).__name__}")


def _from_the_clock(key: str, value: Any) -> bool:
    """An instant the clock gave (the app's starts at START, the database's is later); instants the
    test chose itself (effective dates, account openings before START) are compared as they are."""
    return key in CLOCK_FIELDS and isinstance(value, str) and datetime.fromisoformat(value) >= START


def _masked(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: ("<clock>" if _from_the_clock(k, v) else _masked(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [_masked(v) for v in data]
    return data


def _attempt(run: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", _masked(_data(run()))
    except DomainError as error:
        return "error", codec.error_to_dict(error)


def _pay(source: Account, target: Account, amount: int, name: str, **options: Any) -> TransferRequest:
    return TransferRequest.simple(
        uid(name), debit_account_id=source.id, credit_account_id=target.id, amount=amount, **options
    )


def scenario(m: Mode) -> list[tuple[str, tuple[str, Any]]]:
    """Every write and read of the ledger, in order; each step's result or error."""
    log: list[tuple[str, tuple[str, Any]]] = []

    def step(name: str, run: Callable[[], Any]) -> None:
        log.append((name, _attempt(run)))

    w, r = m.write, m.read
    cash = m.open("assets:cash", side="debit", min_balance=None)
    alice, bob = m.open("wallets:alice"), m.open("wallets:bob")
    dollars, frozen = m.open("wallets:usd", asset="USD"), m.open("wallets:frozen")
    overdraft = m.open("wallets:overdraft", min_balance=-500)
    account_cases.freeze_account(frozen.id, m.uow(), m.clock)

    fund = _pay(
        cash, alice, 10_000, "fund", description="Top-up", metadata={"ref": "t-1", "n": {"b": [1, 2]}}
    )
    step("fund", lambda: w.post_transfers([fund]))
    step("replay", lambda: w.post_transfers([fund]))
    step("reuse the id", lambda: w.post_transfers([_pay(cash, alice, 9, "fund")]))
    step(
        "batch",
        lambda: w.post_transfers(
            [_pay(alice, bob, 2500, "b1"), _pay(cash, bob, 100, "b2", effective_at=LAST_WEEK)]
        ),
    )
    step(
        "partly replayed batch",
        lambda: w.post_transfers([_pay(alice, bob, 2500, "b1"), _pay(cash, alice, 1, "b3")]),
    )
    step(
        "huge amounts",
        lambda: w.post_transfers(
            [_pay(cash, overdraft, MAX_AMOUNT, "huge"), _pay(overdraft, cash, MAX_AMOUNT, "huge back")]
        ),
    )
    step("into the overdraft", lambda: w.post_transfers([_pay(overdraft, cash, 500, "od")]))
    step("beyond the overdraft", lambda: w.post_transfers([_pay(overdraft, cash, 1, "od2")]))
    step("insufficient funds", lambda: w.post_transfers([_pay(bob, alice, 10**6, "x1")]))
    step("asset mismatch", lambda: w.post_transfers([_pay(cash, dollars, 5, "x2")]))
    step(
        "asset assertion",
        lambda: w.post_transfers(
            [
                TransferRequest(
                    uid("x3"), (Posting(cash.id, Side.DEBIT, 5, "USD"), Posting(alice.id, Side.CREDIT, 5))
                )
            ]
        ),
    )
    step(
        "unbalanced",
        lambda: w.post_transfers(
            [TransferRequest(uid("x4"), (Posting(cash.id, Side.DEBIT, 5), Posting(alice.id, Side.CREDIT, 4)))]
        ),
    )
    nobody = TransferRequest.simple(
        uid("x5"), debit_account_id=cash.id, credit_account_id=uid("nobody"), amount=1
    )
    step("unknown account", lambda: w.post_transfers([nobody]))
    step("frozen account", lambda: w.post_transfers([_pay(cash, frozen, 5, "x6")]))
    step(
        "id twice in a batch",
        lambda: w.post_transfers([_pay(cash, alice, 1, "d"), _pay(cash, alice, 2, "d")]),
    )
    step("empty batch", lambda: w.post_transfers([]))
    step(
        "atomic batch", lambda: w.post_transfers([_pay(cash, alice, 7, "a1"), _pay(bob, alice, 10**6, "a2")])
    )
    step("nothing of it booked", lambda: transfer_cases.get_transfer(uid("a1"), m.uow()))

    hold = _pay(alice, bob, 1000, "h1", pending=True, timeout_seconds=3600, metadata={"order": 42})
    step("hold", lambda: w.post_transfers([hold]))
    step("post part of it", lambda: w.post_pending(hold.id, 400))
    step("post it again", lambda: w.post_pending(hold.id, 400))
    step("post another amount", lambda: w.post_pending(hold.id, 300))
    step("hold 2", lambda: w.post_transfers([_pay(alice, bob, 500, "h2", pending=True)]))
    step("void", lambda: w.void_pending(uid("h2")))
    step("void again", lambda: w.void_pending(uid("h2")))
    step("post a voided one", lambda: w.post_pending(uid("h2")))
    step("post an unknown one", lambda: w.post_pending(uid("nope")))
    step("void an unknown one", lambda: w.void_pending(uid("nope")))
    step("hold 3", lambda: w.post_transfers([_pay(alice, bob, 50, "h3", pending=True)]))
    step("post more than held", lambda: w.post_pending(uid("h3"), 51))
    step("post all of it", lambda: w.post_pending(uid("h3")))

    refund = ReversalRequest(uid("r1"), uid("b1"), description="Refund", metadata={"why": "duplicate"})
    step("reverse", lambda: w.reverse(refund))
    step("reverse replay", lambda: w.reverse(refund))
    step("reverse id reused", lambda: w.reverse(ReversalRequest(uid("r1"), uid("b2"))))
    step("reverse twice", lambda: w.reverse(ReversalRequest(uid("r2"), uid("b1"))))
    step("reverse a voided one", lambda: w.reverse(ReversalRequest(uid("r3"), uid("h2"))))
    step("reverse an unknown one", lambda: w.reverse(ReversalRequest(uid("r4"), uid("nope"))))
    step("reverse a partly posted hold", lambda: w.reverse(ReversalRequest(uid("r5"), hold.id)))

    step("nothing due", lambda: w.expire_due(100))
    step(
        "hold to expire",
        lambda: w.post_transfers([_pay(alice, bob, 300, "e1", pending=True, timeout_seconds=1)]),
    )
    m.wait(1.5)
    step("expire", lambda: w.expire_due(100))
    step("expire again", lambda: w.expire_due(100))
    step("post an expired one", lambda: w.post_pending(uid("e1")))

    accounts = (cash, alice, bob, dollars, frozen, overdraft)
    for account in accounts:
        step(f"balance of {account.code}", partial(r.balance_as_of, account.id, FAR))
    step("balance before opening", lambda: r.balance_as_of(alice.id, EARLY))
    step("balance of nobody", lambda: r.balance_as_of(uid("nobody"), FAR))
    step("balance at a naive time", lambda: r.balance_as_of(alice.id, datetime(2100, 1, 1)))
    cursor: int | None = None
    for page in range(4):
        step(f"statement page {page}", partial(r.statement, alice.id, after_seq=cursor, limit=2))
        cursor = r.statement(alice.id, after_seq=cursor, limit=2).next_cursor
    step("statement in a window", lambda: r.statement(bob.id, start=EARLY, end=FAR))
    step("statement of an empty window", lambda: r.statement(bob.id, start=EARLY, end=EARLY))
    step("statement of nobody", lambda: r.statement(uid("nobody")))
    step("statement backwards", lambda: r.statement(alice.id, start=FAR, end=EARLY))
    step("statement with a bad limit", lambda: r.statement(alice.id, limit=0))
    step("trial balance", lambda: r.trial_balance())
    step("trial balance of BRL", lambda: r.trial_balance("BRL"))
    step("trial balance of an unknown asset", lambda: r.trial_balance("NOPE"))
    step("accounts", lambda: [account_cases.get_account(a.id, m.uow()) for a in accounts])
    # Newest first is by booking time, which differs between the modes: compare by id.
    step(
        "transfers",
        lambda: sorted(transfer_cases.list_transfers(m.uow(), limit=1000).items, key=lambda t: t.id),
    )
    return log


def _result(log: list[tuple[str, tuple[str, Any]]], name: str) -> tuple[str, Any]:
    return dict(log)[name]


def test_both_modes_give_the_same_results(in_app: Mode, in_db: Mode) -> None:
    app_log, db_log = scenario(in_app), scenario(in_db)

    assert [name for name, _ in db_log] == [name for name, _ in app_log]
    for (name, expected), (_, actual) in zip(app_log, db_log, strict=True):
        assert actual == expected, name

    # The scenario does exercise what it claims to (each mode would pass a vacuous comparison).
    codes = {name: result["code"] for name, (kind, result) in app_log if kind == "error"}
    assert codes == {
        "reuse the id": "idempotency_conflict",
        "beyond the overdraft": "insufficient_funds",
        "insufficient funds": "insufficient_funds",
        "asset mismatch": "asset_mismatch",
        "asset assertion": "asset_mismatch",
        "unbalanced": "unbalanced_transfer",
        "unknown account": "account_not_found",
        "frozen account": "account_inactive",
        "id twice in a batch": "validation_error",
        "empty batch": "validation_error",
        "atomic batch": "insufficient_funds",
        "nothing of it booked": "not_found",
        "post another amount": "invalid_state",
        "post a voided one": "invalid_state",
        "post an unknown one": "not_found",
        "void an unknown one": "not_found",
        "post more than held": "validation_error",
        "reverse id reused": "idempotency_conflict",
        "reverse twice": "invalid_state",
        "reverse a voided one": "invalid_state",
        "reverse an unknown one": "not_found",
        "post an expired one": "invalid_state",
        "balance of nobody": "account_not_found",
        "balance at a naive time": "validation_error",
        "statement of nobody": "account_not_found",
        "statement backwards": "validation_error",
        "statement with a bad limit": "validation_error",
    }
    assert _result(db_log, "replay")[1][0]["replayed"] is True
    assert [t["status"] for t in _result(db_log, "expire")[1]] == ["expired"]
    assert _result(db_log, "balance of wallets:overdraft")[1]["posted_balance"] == -500
    assert all(
        totals["debit_balances"] == totals["credit_balances"]
        for totals in _result(db_log, "trial balance")[1]
    )


def test_the_database_mode_takes_its_instants_from_the_database_clock(in_db: Mode) -> None:
    cash = in_db.open("assets:cash", side="debit", min_balance=None)
    alice = in_db.open("wallets:alice")
    before = datetime.now(UTC)
    [outcome] = in_db.write.post_transfers([_pay(cash, alice, 5, "h", pending=True, timeout_seconds=60)])
    after = datetime.now(UTC)
    transfer = outcome.transfer
    assert before - timedelta(seconds=5) <= transfer.created_at <= after + timedelta(seconds=5)
    assert transfer.created_at.utcoffset() == timedelta(0)
    assert transfer.effective_at == transfer.created_at == outcome.entries[0].created_at
    assert transfer.timeout_at == transfer.created_at + timedelta(seconds=60)
    assert transfer_cases.get_transfer(transfer.id, in_db.uow()).created_at == transfer.created_at


def test_the_session_date_style_and_time_zone_change_nothing(db_database: TestDatabase, in_db: Mode) -> None:
    """PL/Python receives timestamptz arguments as text in the session's DateStyle and TimeZone."""
    cash = in_db.open("assets:cash", side="debit", min_balance=None)
    alice = in_db.open("wallets:alice")
    odd = create_engine(
        make_url(db_database.app_url).set(drivername="postgresql+psycopg"),
        poolclass=NullPool,
        connect_args={"options": "-c timezone=America/Sao_Paulo -c datestyle=SQL,DMY"},
    )
    try:
        write, read = (
            InDatabaseWritePath(odd, app_code_version()),
            InDatabaseReadPath(odd, app_code_version()),
        )
        [outcome] = write.post_transfers([_pay(cash, alice, 25, "t", effective_at=LAST_WEEK)])
        assert outcome.transfer.created_at.utcoffset() == timedelta(0)
        assert outcome.transfer.effective_at == LAST_WEEK
        at = outcome.transfer.created_at
        for reader in (read, in_db.read):
            assert reader.balance_as_of(alice.id, at).posted_balance == 25
            assert reader.balance_as_of(alice.id, at - timedelta(microseconds=1)).posted_balance == 0
            window = reader.statement(alice.id, start=at, end=at + timedelta(microseconds=1))
            assert [line.entry.amount for line in window.items] == [25]
            assert [line.effective_at for line in window.items] == [LAST_WEEK]
        assert read.statement(alice.id) == in_db.read.statement(alice.id)
    finally:
        odd.dispose()


# --- batches, replays and conflicts ----------------------------------------------------------------


def test_a_failed_batch_books_nothing_in_the_database_mode(in_db: Mode) -> None:
    cash = in_db.open("assets:cash", side="debit", min_balance=None)
    alice, bob = in_db.open("wallets:alice"), in_db.open("wallets:bob")
    with pytest.raises(DomainError) as refused:
        in_db.write.post_transfers([_pay(cash, alice, 100, "ok"), _pay(bob, alice, 1, "broke")])
    assert refused.value.code == "insufficient_funds"
    with pytest.raises(NotFound):
        transfer_cases.get_transfer(uid("ok"), in_db.uow())
    assert account_cases.get_account(alice.id, in_db.uow()).balances.posted_credits == 0
    assert account_cases.statement(alice.id, in_db.uow()).items == []


def test_concurrent_twins_book_once(in_db: Mode) -> None:
    cash = in_db.open("assets:cash", side="debit", min_balance=None)
    alice = in_db.open("wallets:alice")
    request = _pay(cash, alice, 700, "twin")
    start = threading.Barrier(8)

    def post() -> Outcome:
        start.wait()
        return in_db.write.post_transfers([request])[0]

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: post(), range(8)))
    assert sorted(o.replayed for o in outcomes) == [False] + [True] * 7
    assert {o.transfer.fingerprint for o in outcomes} == {request.fingerprint()}
    assert account_cases.get_account(alice.id, in_db.uow()).posted_balance == 700


def test_concurrent_reuse_of_an_id_is_a_conflict_never_a_database_error(in_db: Mode) -> None:
    """Two different requests under one id on disjoint accounts: nothing serializes them before the
    insert, so the loser meets the unique key (a retryable conflict), runs again and is refused."""
    cash = in_db.open("assets:cash", side="debit", min_balance=None)
    other = in_db.open("assets:other", side="debit", min_balance=None)
    alice, bob = in_db.open("wallets:alice"), in_db.open("wallets:bob")

    def post(request: TransferRequest, start: threading.Barrier) -> str:
        start.wait()
        try:
            return "booked" if not in_db.write.post_transfers([request])[0].replayed else "replayed"
        except IdempotencyConflict:
            return "conflict"

    for round_ in range(5):
        requests = [_pay(cash, alice, 1, f"same-{round_}"), _pay(other, bob, 2, f"same-{round_}")]
        start = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            results = sorted(pool.map(lambda r, s=start: post(r, s), requests))
        assert results == ["booked", "conflict"]
    total = sum(account_cases.get_account(a.id, in_db.uow()).posted_balance for a in (alice, bob))
    assert 5 <= total <= 10


# --- versions --------------------------------------------------------------------------------------


def test_another_code_version_is_refused_and_changes_nothing(db_engine: Engine, in_db: Mode) -> None:
    cash = in_db.open("assets:cash", side="debit", min_balance=None)
    alice = in_db.open("wallets:alice")
    stale = "0" * 64
    with pytest.raises(DomainVersionMismatch) as refused:
        InDatabaseWritePath(db_engine, stale).post_transfers([_pay(cash, alice, 5, "t")])
    message = str(refused.value)
    assert stale[:12] in message and app_code_version()[:12] in message and "migrat" in message
    assert refused.value.deployed == app_code_version()
    with pytest.raises(DomainVersionMismatch):
        InDatabaseReadPath(db_engine, stale).trial_balance()
    with pytest.raises(NotFound):
        transfer_cases.get_transfer(uid("t"), in_db.uow())


# --- the kernel inside PostgreSQL -----------------------------------------------------------------

#: Plants a `razao_kernel` of another version in the backend's Python (a server whose kernel drifted
#: from the one the deployed code pins); only a superuser may run PL/Python code directly.
_DRIFTED_KERNEL = (
    "DO $$ import sys, types; m = types.ModuleType('razao_kernel'); m.__version__ = '9.9.9';"
    " sys.modules['razao_kernel'] = m $$ LANGUAGE plpython3u"
)


def _drifted_engine(database: TestDatabase, mode: str) -> Engine:
    """Superuser connections whose server-side Python has the drifted kernel, in kernel mode `mode`."""
    engine = make_engine(database.admin_url, pool_size=1, max_overflow=0, kernel=mode)

    def plant(dbapi: Any, _record: Any) -> None:
        dbapi.execute(_DRIFTED_KERNEL)
        dbapi.commit()

    event.listen(engine, "connect", plant)
    return engine


def _kernel_info(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        info: dict[str, Any] = connection.execute(
            text("SELECT razao.kernel_info(:v)"), {"v": app_code_version()}
        ).scalar_one()
    return info


def test_the_database_runs_the_pinned_kernel_when_its_server_has_it(db_database: TestDatabase) -> None:
    engine = make_engine(db_database.app_url, pool_size=1, max_overflow=0, kernel="required")
    try:
        assert _kernel_info(engine)["kernel"] == f"razao_kernel {kernel.VERSION}"
    finally:
        engine.dispose()


def test_a_drifted_kernel_in_the_database_falls_back_to_the_reference_and_says_so(
    db_database: TestDatabase, in_db: Mode
) -> None:
    cash = in_db.open("assets:cash", side="debit", min_balance=None)
    alice = in_db.open("wallets:alice")
    engine = _drifted_engine(db_database, "auto")
    try:
        info = _kernel_info(engine)
        assert (
            info["kernel"] == "reference" and info["found"] == "9.9.9" and info["expected"] == kernel.VERSION
        )
        assert "falling back" in info["reason"]
        [outcome] = InDatabaseWritePath(engine, app_code_version()).post_transfers(
            [_pay(cash, alice, 5, "t")]
        )
        assert outcome.entries[-1].balance_after == 5  # booked by the reference, same result
    finally:
        engine.dispose()


def test_a_drifted_kernel_in_the_database_is_refused_in_mode_required(
    db_database: TestDatabase, in_db: Mode
) -> None:
    cash = in_db.open("assets:cash", side="debit", min_balance=None)
    alice = in_db.open("wallets:alice")
    engine = _drifted_engine(db_database, "required")
    try:
        with pytest.raises(KernelUnavailable, match="pins razao_kernel"):
            InDatabaseWritePath(engine, app_code_version()).post_transfers([_pay(cash, alice, 5, "t")])
        with pytest.raises(KernelUnavailable):
            InDatabaseReadPath(engine, app_code_version()).trial_balance()
    finally:
        engine.dispose()
    with pytest.raises(NotFound):
        transfer_cases.get_transfer(uid("t"), in_db.uow())


# --- every use case over the PL/Python store ------------------------------------------------------

#: Runs in this process over `SqlUnitOfWork` and inside PostgreSQL over `razao_store.PlpyUnitOfWork`
#: (given `uow`, `clock` and `codec`): the use cases that have no SQL function of their own, which
#: exercise the rest of the store (assets, account opening, queries, status changes, rollback).
USE_CASES = """
from uuid import UUID, uuid5

from application import accounts as A, assets as S, transfers as T
from application.accounts import OpenAccount
from application.transfers import TransferFilter
from domain.assets import Asset
from domain.errors import DomainError
from domain.transfers import TransferRequest, TransferStatus

NS = UUID("5b0a63c4-96a4-4a43-8d0e-1f0b2a9c7e11")


class Ids:
    code = ""

    def new_id(self):
        return uuid5(NS, "account:" + self.code)


def of(code):
    return uuid5(NS, "account:" + code)


log = []
ids = Ids()
acct = codec.account_to_dict


def step(name, run, encode=lambda value: value):
    try:
        log.append([name, "ok", encode(run())])
    except DomainError as error:
        log.append([name, "error", codec.error_to_dict(error)])


def open_(code, asset="BRL", side="credit", min_balance=0, **options):
    ids.code = code
    command = OpenAccount(code, options.get("name", code.title()), asset, side, min_balance,
                          options.get("metadata", {}))
    return A.open_account(command, uow(), clock, ids)


def pay(name, source, target, amount, **options):
    return TransferRequest.simple(uuid5(NS, name), debit_account_id=source, credit_account_id=target,
                                  amount=amount, **options)


def page(p):
    return [[acct(a) if hasattr(a, "code") else codec.transfer_to_dict(a) for a in p.items],
            getattr(p.next_cursor, "id", p.next_cursor) and str(getattr(p.next_cursor, "id", p.next_cursor))]


step("register", lambda: S.register_asset("POINTS", 0, uow()), lambda r: [r.asset.code, r.replayed])
step("register again", lambda: S.register_asset("POINTS", 0, uow()), lambda r: [r.asset.code, r.replayed])
step("register another scale", lambda: S.register_asset("POINTS", 3, uow()))
step("register a currency", lambda: S.register_asset("BRL", 2, uow()))
step("assets", lambda: S.list_assets(uow()), lambda xs: [[a.code, a.scale] for a in xs])
opened_ = lambda o: [acct(o.account), o.replayed]
cash = open_("assets:cash", side="debit", min_balance=None).account
step("open", lambda: open_("wallets:alice", metadata={"b": [1, {"z": None}], "a": "x"}), opened_)
alice = A.get_account(of("wallets:alice"), uow())
step("open again", lambda: open_("wallets:alice", metadata={"a": "x", "b": [1, {"z": None}]}), opened_)
step("open with other attributes", lambda: open_("wallets:alice", name="Other"), opened_)
step("open in an unknown asset", lambda: open_("wallets:x", asset="NOPE"), opened_)
step("open a bad code", lambda: open_(" bad"), opened_)
for code, asset in (("a_b", "BRL"), ("ab", "BRL"), ("a.c", "BRL"), ("a:1", "POINTS"), ("A:1", "USD")):
    step("open " + code, lambda c=code, a=asset: open_(c, asset=a), opened_)
bob = open_("b").account
step("get", lambda: A.get_account(alice.id, uow()), acct)
step("get nobody", lambda: A.get_account(uuid5(NS, "nobody"), uow()), acct)
step("list all", lambda: A.list_accounts(uow()), page)
step("list by prefix", lambda: A.list_accounts(uow(), code_prefix="a"), page)
step("list by a prefix with _", lambda: A.list_accounts(uow(), code_prefix="a_"), page)
step("list by a prefix with %", lambda: A.list_accounts(uow(), code_prefix="a%"), page)
step("list by asset", lambda: A.list_accounts(uow(), asset="POINTS"), page)
step("list a page", lambda: A.list_accounts(uow(), code_prefix="a", limit=2), page)
step("list the next page", lambda: A.list_accounts(uow(), code_prefix="a", after_code="a:1", limit=2), page)
step("list with a bad limit", lambda: A.list_accounts(uow(), limit=0), page)

step("fund", lambda: T.post_transfers([pay("t1", cash.id, alice.id, 500)], uow(), clock), len)
step("hold", lambda: T.post_transfers([pay("t2", alice.id, bob.id, 100, pending=True)], uow(), clock), len)
step("pay bob", lambda: T.post_transfers([pay("t3", cash.id, bob.id, 7)], uow(), clock), len)
step("freeze", lambda: A.freeze_account(bob.id, uow(), clock), acct)
step("pay a frozen account", lambda: T.post_transfers([pay("t4", cash.id, bob.id, 1)], uow(), clock))
step("unfreeze", lambda: A.unfreeze_account(bob.id, uow(), clock), acct)
step("close with a balance", lambda: A.close_account(alice.id, uow(), clock), acct)
step("close an empty account", lambda: A.close_account(of("ab"), uow(), clock), acct)
step("freeze a closed account", lambda: A.freeze_account(of("ab"), uow(), clock), acct)
step("freeze nobody", lambda: A.freeze_account(uuid5(NS, "nobody"), uow(), clock), acct)
step("transfers", lambda: T.list_transfers(uow()), page)
step("transfers of bob", lambda: T.list_transfers(uow(), TransferFilter(account_id=bob.id)), page)
pending = TransferFilter(status=TransferStatus.PENDING)
step("pending transfers", lambda: T.list_transfers(uow(), pending), page)
first = T.list_transfers(uow(), limit=2)
step("transfers, first page", lambda: first, page)
step("transfers, next page", lambda: T.list_transfers(uow(), after=first.next_cursor, limit=2), page)
step("a transfer", lambda: T.get_transfer(uuid5(NS, "t2"), uow()), codec.transfer_to_dict)
step("no transfer", lambda: T.get_transfer(uuid5(NS, "nope"), uow()), codec.transfer_to_dict)


def rolled_back():
    with uow() as tx:
        tx.assets.add(Asset("ZZZ", 0))
        tx.rollback()
        gone = tx.assets.get("ZZZ") is None
        tx.assets.add(Asset("YYY", 0))
        tx.commit()
        tx.assets.add(Asset("XXX", 0))
    try:
        with uow() as tx:
            tx.assets.add(Asset("WWW", 0))
            raise DomainError("abandon")
    except DomainError:
        pass
    with uow() as tx:
        return [gone] + [tx.assets.get(code) is not None for code in ("ZZZ", "YYY", "XXX", "WWW")]


step("rollback and commit", rolled_back)
result = log
"""

#: A superuser-only test function that runs Python source inside PostgreSQL over the deployed code.
RUN_IN_DATABASE = """
CREATE FUNCTION public.razao_test_run(source text) RETURNS text LANGUAGE plpython3u AS $test$
loader = GD["razao_loader"].current()
import razao_store
from application import codec


class Clock:
    def now(self):
        return razao_store.TransactionClock(plpy).now()


namespace = {"uow": lambda: razao_store.PlpyUnitOfWork(plpy), "clock": Clock(), "codec": codec}
exec(source, namespace)
return codec.dumps(namespace["result"])
$test$
"""


class TickingClock(ManualClock):
    """Moves on by a millisecond at every reading, as the database's clock_timestamp() does."""

    def now(self) -> datetime:
        return self.advance(milliseconds=1)


def _run_here(uow: Callable[[], SqlUnitOfWork]) -> Any:
    namespace: dict[str, Any] = {"uow": uow, "clock": TickingClock(START), "codec": codec}
    exec(USE_CASES, namespace)
    return namespace["result"]


def _run_in_database(database: TestDatabase) -> Any:
    engine = create_engine(database.admin_url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text(RUN_IN_DATABASE))
            conn.execute(
                text("SELECT razao.trial_balance(CAST(:v AS text), NULL, NULL, NULL)"),
                {"v": app_code_version()},
            )
            return codec.loads(
                conn.execute(text("SELECT public.razao_test_run(:s)"), {"s": USE_CASES}).scalar_one()
            )
    finally:
        engine.dispose()


def test_every_use_case_runs_the_same_over_the_plpython_store(
    uow_factory: Callable[[], SqlUnitOfWork], db_database: TestDatabase
) -> None:
    here = _masked(_run_here(uow_factory))
    there = _masked(_run_in_database(db_database))
    assert [name for name, *_ in there] == [name for name, *_ in here]
    for expected, actual in zip(here, there, strict=True):
        assert actual == expected, expected[0]
    kinds = {name: kind for name, kind, _ in here}
    assert kinds["open with other attributes"] == kinds["pay a frozen account"] == "error"
    assert dict((name, result) for name, _, result in here)["rollback and commit"] == [
        True,
        False,
        True,
        False,
        False,
    ]


# --- one round trip --------------------------------------------------------------------------------


def _refused(run: Callable[[], Any]) -> None:
    with pytest.raises(DomainError):
        run()


class Tracer:
    """An engine whose connections log every protocol message they exchange (libpq's trace).

    No pre-ping, so that only the adapter's own traffic is seen: the pool's pre-ping (one extra
    round trip per checkout in `make_engine`) is a separate, configurable cost.
    """

    def __init__(self, url: str, path: Path) -> None:
        self.path = path
        self._sink = path.open("a")
        self._connections: list[Any] = []
        self.engine = create_engine(
            make_url(url).set(drivername="postgresql+psycopg"),
            pool_size=1,
            max_overflow=0,
            connect_args={"options": SESSION_OPTIONS},
        )
        event.listen(self.engine, "connect", lambda dbapi_connection, _: self._start(dbapi_connection))

    def _start(self, dbapi_connection: Any) -> None:
        if dbapi_connection not in self._connections:
            self._connections.append(dbapi_connection)
        dbapi_connection.pgconn.trace(self._sink.fileno())
        dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def _flush(self) -> None:
        for connection in self._connections:
            connection.pgconn.untrace()  # flushes libpq's buffered trace output

    def requests(self, run: Callable[[], Any]) -> list[str]:
        """The client requests `run` sent: one per round trip (extended-protocol Sync or simple Query)."""
        self._flush()
        start = self.path.stat().st_size
        for connection in self._connections:
            self._start(connection)
        run()
        self._flush()
        with self.path.open() as lines:
            lines.seek(start)
            sent = [line.rstrip("\n").split("\t") for line in lines if line.startswith("F\t")]
        for connection in self._connections:
            self._start(connection)
        return [" ".join(f.strip() for f in fields[2:4]) for fields in sent if fields[2] in ("Sync", "Query")]

    def close(self) -> None:
        self._flush()
        self.engine.dispose()
        self._sink.close()


def test_each_operation_is_one_round_trip(db_database: TestDatabase, in_db: Mode, tmp_path: Path) -> None:
    cash = in_db.open("assets:cash", side="debit", min_balance=None)
    alice = in_db.open("wallets:alice")
    tracer = Tracer(db_database.app_url, tmp_path / "libpq.trace")
    try:
        write = InDatabaseWritePath(tracer.engine, app_code_version())
        read = InDatabaseReadPath(tracer.engine, app_code_version())
        write.expire_due(10)  # connects (the dialect's first-connect queries are not ours)
        write.post_transfers(
            [_pay(cash, alice, 5, "h1", pending=True), _pay(cash, alice, 5, "h2", pending=True)]
        )
        operations: dict[str, Callable[[], Any]] = {
            "post_transfers": lambda: write.post_transfers([_pay(cash, alice, 10, "p1")]),
            "post_pending": lambda: write.post_pending(uid("h1"), 3),
            "void_pending": lambda: write.void_pending(uid("h2")),
            "reverse": lambda: write.reverse(ReversalRequest(uid("r1"), uid("p1"))),
            "expire_due": lambda: write.expire_due(10),
            "balance_as_of": lambda: read.balance_as_of(alice.id, FAR),
            "statement": lambda: read.statement(alice.id),
            "trial_balance": lambda: read.trial_balance(),
            "value_statement": lambda: read.value_statement(alice.id),
            "history": lambda: read.history(alice.id, FAR.date(), FAR.date(), Basis.EFFECTIVE),
            "a refusal": lambda: _refused(lambda: write.post_pending(uid("nope"))),
        }
        for name, run in operations.items():
            assert tracer.requests(run) == ["Sync"], name  # no BEGIN, COMMIT or ROLLBACK either
        assert not re.search(r"\b(BEGIN|COMMIT|ROLLBACK)\b", tracer.path.read_text())
    finally:
        tracer.close()
