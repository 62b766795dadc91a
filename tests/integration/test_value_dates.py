"""Reads by value date in every execution mode: the same checks on the in-memory fakes, in the app
(`InAppReadPath` over `SqlUnitOfWork`, the SQL functions of revision 0015) and inside PostgreSQL
(`InDatabaseReadPath`, the PL/Python functions over the same SQL functions).

The value dates the checks give are fixed days of January 2025, whatever the clock says; what they book
is booked now (the database mode stamps with the database's clock), so the booked basis is checked
against the instants each booking reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from adapters.db.code_bundle import app_code_version
from adapters.db.in_database import InDatabaseReadPath, InDatabaseWritePath
from adapters.db.unit_of_work import SqlUnitOfWork
from adapters.system import RandomIds
from application import codec
from application.accounts import OpenAccount, open_account
from application.read_path import InAppReadPath, ReadPath
from application.write_path import InAppWritePath, WritePath
from domain.accounts import Account
from domain.errors import AccountNotFound, ValidationError
from domain.ledger import Outcome
from domain.time_basis import Basis, DayBalance, ValuePosition
from domain.transfers import TransferRequest
from tests.fakes import InMemoryStore

BOOKED, EFFECTIVE = Basis.BOOKED, Basis.EFFECTIVE
#: When the accounts are opened (a value date of the checks is never before it, unless said so).
OPENED = datetime(2025, 1, 1, tzinfo=UTC)
E = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)


class SetClock:
    """A clock set by hand (accounts are opened at `OPENED`; bookings in the app are stamped now)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@dataclass
class Mode:
    name: str
    write: WritePath
    read: ReadPath
    uow: Callable[[], Any]
    clock: SetClock

    def open(self, code: str, side: str = "credit", min_balance: int | None = 0) -> Account:
        command = OpenAccount(code, code.title(), "BRL", side, min_balance)
        return open_account(command, self.uow(), self.clock, RandomIds()).account

    def books(self) -> tuple[Account, Account]:
        """A bank (debit-normal, unbounded) and Alice's wallet, opened at `OPENED`; bookings from
        then on are stamped now."""
        bank, alice = self.open("bank", "debit", None), self.open("alice")
        self.clock.at = datetime.now(UTC)
        return bank, alice

    def pay(self, source: Account, target: Account, amount: int, **options: Any) -> Outcome:
        request = TransferRequest.simple(
            RandomIds().new_id(),
            debit_account_id=source.id,
            credit_account_id=target.id,
            amount=amount,
            **options,
        )
        return self.write.post_transfers([request])[0]


@pytest.fixture(params=["memory", "app", "database"])
def mode(request: pytest.FixtureRequest) -> Iterator[Mode]:
    clock = SetClock(OPENED)
    if request.param == "memory":
        uow: Callable[[], Any] = InMemoryStore().unit_of_work
        yield Mode("memory", InAppWritePath(uow, clock), InAppReadPath(uow), uow, clock)
        return
    engine: Engine = request.getfixturevalue("app_engine")
    uow = lambda: SqlUnitOfWork(engine)  # noqa: E731
    if request.param == "app":
        yield Mode("app", InAppWritePath(uow, clock), InAppReadPath(uow), uow, clock)
        return
    version = app_code_version()
    yield Mode(
        "database", InDatabaseWritePath(engine, version), InDatabaseReadPath(engine, version), uow, clock
    )


def test_a_backdated_payment_changes_the_effective_balance_but_not_the_booked_one(mode: Mode) -> None:
    bank, alice = mode.books()
    mode.pay(bank, alice, 1_000)
    value_date = datetime.now(UTC) - timedelta(hours=1)
    booked_at = mode.pay(bank, alice, 250, effective_at=value_date).transfer.created_at
    half_an_hour_before = booked_at - timedelta(minutes=30)

    def balance(at: datetime, basis: Basis) -> int:
        answer = mode.read.balance_as_of(alice.id, at, basis)
        assert answer.basis is basis and answer.as_of == at
        return answer.posted_balance

    assert balance(half_an_hour_before, BOOKED) == 0
    assert balance(half_an_hour_before, EFFECTIVE) == 250
    assert balance(value_date - timedelta(microseconds=1), EFFECTIVE) == 0
    assert balance(value_date, EFFECTIVE) == 250
    assert balance(booked_at, BOOKED) == balance(booked_at, EFFECTIVE) == 1_250
    assert mode.read.balance_as_of(bank.id, half_an_hour_before, EFFECTIVE).posted_balance == 250
    with pytest.raises(AccountNotFound):
        mode.read.balance_as_of(RandomIds().new_id(), booked_at, EFFECTIVE)


def _statement_books(mode: Mode) -> tuple[Account, Account]:
    """Four payments: value dates E+2h, E, E+2h (a debit, booked after the first) and E+1d."""
    bank, alice = mode.books()
    mode.pay(bank, alice, 100, effective_at=E + timedelta(hours=2), description="b")
    mode.pay(bank, alice, 200, effective_at=E, description="a")
    mode.pay(alice, bank, 50, effective_at=E + timedelta(hours=2), description="c")
    mode.pay(bank, alice, 7, effective_at=E + timedelta(days=1), description="d")
    return bank, alice


def _pages(read: Callable[[ValuePosition | None], Any]) -> list[list[tuple[str, int, int]]]:
    pages, after = [], None
    while True:
        page = read(after)
        pages.append([(line.description, line.entry.amount, line.entry.balance_after) for line in page.items])
        if page.next_cursor is None:
            return pages
        after = page.next_cursor


def test_a_statement_by_value_date_pages_in_that_order_with_its_running_balance(mode: Mode) -> None:
    _, alice = _statement_books(mode)

    pages = _pages(lambda after: mode.read.value_statement(alice.id, after=after, limit=2))
    window = mode.read.value_statement(alice.id, start=E + timedelta(hours=1), end=E + timedelta(days=1))
    booked = mode.read.statement(alice.id)

    assert pages == [[("a", 200, 200), ("b", 100, 300)], [("c", 50, 250), ("d", 7, 257)]]
    assert [(line.description, line.entry.balance_after) for line in window.items] == [("b", 300), ("c", 250)]
    assert [line.effective_at for line in window.items] == [E + timedelta(hours=2)] * 2
    assert [(line.description, line.entry.balance_after) for line in booked.items] == [
        ("b", 100),
        ("a", 300),
        ("c", 250),
        ("d", 257),
    ]
    assert [line.effective_at for line in booked.items] == [
        E + timedelta(hours=2),
        E,
        E + timedelta(hours=2),
        E + timedelta(days=1),
    ]
    with pytest.raises(ValidationError) as backwards:
        mode.read.value_statement(alice.id, start=E, end=E - timedelta(seconds=1))
    assert backwards.value.issues[0].field == "to"


def test_the_history_gives_closing_balances_by_value_date_and_as_booked(mode: Mode) -> None:
    _, alice = _statement_books(mode)
    first, last = date(2025, 1, 9), date(2025, 1, 12)
    today = datetime.now(UTC).date()

    effective = mode.read.history(alice.id, first, last, EFFECTIVE)
    booked = mode.read.history(alice.id, first, last)

    days = [first + timedelta(days=n) for n in range(4)]
    assert effective.days == [DayBalance(d, b) for d, b in zip(days, [0, 250, 257, 257], strict=True)]
    assert booked.days == [DayBalance(d, 0) for d in days], "nothing was booked in January 2025"
    assert (effective.basis, booked.basis, effective.first, effective.last) == (
        EFFECTIVE,
        BOOKED,
        first,
        last,
    )
    assert effective.account.id == alice.id
    assert mode.read.history(alice.id, today, today).days == [DayBalance(today, 257)]
    with pytest.raises(ValidationError) as long:
        mode.read.history(alice.id, first, first + timedelta(days=366), EFFECTIVE)
    assert long.value.issues[0].field == "to"


def test_the_trial_balance_by_value_date_counts_through_the_end_of_a_day(mode: Mode) -> None:
    bank, alice = _statement_books(mode)
    mode.pay(alice, bank, 10, pending=True)

    [through_e] = mode.read.trial_balance(None, EFFECTIVE, E.date())
    [by_now] = mode.read.trial_balance("BRL", EFFECTIVE, datetime.now(UTC).date())
    [booked] = mode.read.trial_balance()

    assert (through_e.accounts, through_e.posted_debits, through_e.posted_credits) == (2, 350, 350)
    assert (through_e.debit_balances, through_e.credit_balances) == (250, 250)
    assert (through_e.pending_debits, through_e.pending_credits) == (10, 10), "holds are always as booked"
    assert by_now == booked
    assert mode.read.trial_balance("USD", EFFECTIVE, E.date()) == []
    assert mode.read.trial_balance(None, EFFECTIVE, date(2024, 12, 31)) == []


def test_a_capture_counts_from_its_holds_value_date(mode: Mode) -> None:
    bank, alice = mode.books()
    hold = mode.pay(bank, alice, 800, pending=True, effective_at=E).transfer
    mode.write.post_pending(hold.id, 500)
    assert mode.read.balance_as_of(alice.id, E, EFFECTIVE).posted_balance == 500
    assert mode.read.value_statement(alice.id).items[0].effective_at == E
    assert mode.read.history(alice.id, E.date(), E.date(), EFFECTIVE).days == [DayBalance(E.date(), 500)]


def test_a_payment_backdated_before_an_account_was_opened_keeps_the_books_balanced(mode: Mode) -> None:
    bank = mode.open("bank", "debit", None)
    mode.clock.at = OPENED + timedelta(days=30)
    alice = mode.open("alice")
    mode.clock.at = datetime.now(UTC)
    mode.pay(bank, alice, 500, effective_at=OPENED + timedelta(days=1))

    [totals] = mode.read.trial_balance(None, EFFECTIVE, (OPENED + timedelta(days=1)).date())

    assert totals.balanced, totals
    assert (totals.posted_debits, totals.posted_credits) == (500, 500)
    assert mode.read.balance_as_of(alice.id, OPENED + timedelta(days=1), EFFECTIVE).posted_balance == 500


def _call(engine: Engine, sql: str, **arguments: Any) -> Any:
    with engine.connect() as connection:
        return connection.execute(text(sql), {"v": app_code_version(), **arguments}).scalar_one()


def test_the_database_functions_refuse_a_bad_basis_and_half_a_cursor(app_engine: Engine) -> None:
    account_id = UUID(int=1)
    for sql, field in (
        ("SELECT razao.balance_as_of(:v, CAST(:a AS uuid), now(), 'sideways')", "basis"),
        ("SELECT razao.trial_balance(:v, NULL, 'effective', NULL)", "through"),
        ("SELECT razao.trial_balance(:v, NULL, 'booked', current_date)", "through"),
        ("SELECT razao.value_statement(:v, CAST(:a AS uuid), NULL, NULL, now(), NULL, 10)", "cursor"),
        ("SELECT razao.history(:v, CAST(:a AS uuid), current_date, current_date - 1, NULL)", "to"),
    ):
        with pytest.raises(DBAPIError) as error:
            _call(app_engine, sql, a=str(account_id))
        assert getattr(error.value.orig, "sqlstate", None) == "RZ001", sql
        problem = codec.loads(error.value.orig.diag.message_detail)  # type: ignore[union-attr]
        assert [issue["field"] for issue in problem["issues"]] == [field], sql
