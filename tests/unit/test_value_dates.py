"""Reads by value date (`domain.time_basis`): balances, statements, daily history and the trial balance
on the `effective` basis, beside the `booked` one, on the in-memory fakes.

The backdating case throughout: a payment booked now whose value date is an hour ago changes the
balance by value date as of half an hour ago, and never the balance as booked then.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from adapters.http import cursors
from adapters.http.schemas.accounts import BalanceOut, HistoryOut
from adapters.http.schemas.common import dump_json
from application import accounts as uc
from application import codec, reports
from application.accounts import BalanceAsOf, BalanceHistory
from application.pages import Page
from application.ports import StatementLine
from application.read_path import InAppReadPath
from application.write_path import InAppWritePath
from domain.accounts import Account, Side
from domain.errors import AccountNotFound, ValidationError
from domain.time_basis import (
    MAX_HISTORY_DAYS,
    Basis,
    DayBalance,
    ValuePosition,
    check_history_range,
    posted_from_net,
    running_balances,
)
from tests.fakes import FakeClock, FakeUnitOfWork, InMemoryStore
from tests.unit.builders import MoveFn, OpenFn, new_id

Uow = Callable[[], FakeUnitOfWork]
BOOKED, EFFECTIVE = Basis.BOOKED, Basis.EFFECTIVE
Pair = tuple[Account, Account]


# --- the domain's small rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "basis"), [(None, BOOKED), ("booked", BOOKED), ("effective", EFFECTIVE), (EFFECTIVE, EFFECTIVE)]
)
def test_a_basis_is_read_from_its_name_and_defaults_to_booked(given: object, basis: Basis) -> None:
    assert Basis.parse(given) is basis


@pytest.mark.parametrize("given", ["value", "Effective", "", 1, ["booked"]])
def test_any_other_basis_is_refused_naming_the_field(given: object) -> None:
    with pytest.raises(ValidationError) as error:
        Basis.parse(given)
    assert [i.field for i in error.value.issues] == ["basis"]


def test_running_balances_read_from_the_normal_side() -> None:
    moves = [(Side.CREDIT, 100), (Side.DEBIT, 30), (Side.CREDIT, 5)]
    assert running_balances(10, Side.CREDIT, moves) == [110, 80, 85]
    assert running_balances(-10, Side.DEBIT, moves) == [-90, -60, -65]
    assert posted_from_net(-70, Side.DEBIT) == 70


def test_a_history_covers_at_most_366_days_in_order() -> None:
    first = date(2024, 1, 1)
    check_history_range(first, first)
    check_history_range(first, first + timedelta(days=MAX_HISTORY_DAYS - 1))
    for last in (first + timedelta(days=MAX_HISTORY_DAYS), first - timedelta(days=1)):
        with pytest.raises(ValidationError) as error:
            check_history_range(first, last)
        assert [i.field for i in error.value.issues] == ["to"]


def test_value_positions_order_by_value_date_then_entry_number() -> None:
    at = datetime(2024, 1, 1, tzinfo=UTC)
    assert (
        ValuePosition(at, 9)
        < ValuePosition(at + timedelta(microseconds=1), 1)
        < ValuePosition(at + timedelta(microseconds=1), 2)
    )


# --- balances ------------------------------------------------------------------------------------------


@pytest.fixture
def books(open_: OpenFn) -> Pair:
    return open_("bank", normal_side="debit", min_balance=None), open_("alice")


def test_a_backdated_payment_changes_the_effective_balance_but_not_the_booked_one(
    uow: Uow, clock: FakeClock, books: Pair, move: MoveFn
) -> None:
    bank, alice = books
    move(bank, alice, 1_000)
    now = clock.advance(7200)
    move(bank, alice, 250, effective_at=now - timedelta(hours=1))
    half_an_hour_ago = now - timedelta(minutes=30)

    def at(moment: datetime, basis: Basis) -> BalanceAsOf:
        return uc.balance_as_of(alice.id, moment, uow(), basis)

    assert at(half_an_hour_ago, BOOKED).posted_balance == 1_000
    assert at(half_an_hour_ago, EFFECTIVE).posted_balance == 1_250
    assert at(now - timedelta(hours=1, microseconds=1), EFFECTIVE).posted_balance == 1_000
    assert at(now, BOOKED).posted_balance == at(now, EFFECTIVE).posted_balance == 1_250
    assert at(now, EFFECTIVE).basis is EFFECTIVE and at(now, BOOKED).basis is BOOKED
    assert uc.balance_as_of(bank.id, half_an_hour_ago, uow(), EFFECTIVE).posted_balance == 1_250


def test_a_value_date_before_the_opening_counts_on_the_effective_basis(
    uow: Uow, clock: FakeClock, books: Pair, move: MoveFn
) -> None:
    bank, alice = books
    opened = alice.created_at
    move(bank, alice, 300, effective_at=opened - timedelta(days=3))
    assert uc.balance_as_of(alice.id, opened - timedelta(days=1), uow(), EFFECTIVE).posted_balance == 300
    assert uc.balance_as_of(alice.id, opened - timedelta(days=1), uow(), BOOKED).posted_balance == 0


def test_a_capture_counts_from_its_holds_value_date(
    uow: Uow, clock: FakeClock, books: Pair, move: MoveFn, write: InAppWritePath
) -> None:
    bank, alice = books
    value_date = clock.now() - timedelta(days=1)
    hold = move(bank, alice, 800, pending=True, effective_at=value_date).transfer
    clock.advance(3600)
    write.post_pending(hold.id, 500)
    assert uc.balance_as_of(alice.id, value_date, uow(), EFFECTIVE).posted_balance == 500
    assert (
        uc.balance_as_of(alice.id, value_date - timedelta(microseconds=1), uow(), EFFECTIVE).posted_balance
        == 0
    )
    assert uc.balance_as_of(alice.id, clock.now() - timedelta(seconds=1), uow(), BOOKED).posted_balance == 0


def test_the_effective_balance_needs_a_time_zone_and_a_known_account(uow: Uow, clock: FakeClock) -> None:
    with pytest.raises(ValidationError):
        uc.balance_as_of(new_id(), clock.now().replace(tzinfo=None), uow(), EFFECTIVE)
    with pytest.raises(AccountNotFound):
        uc.balance_as_of(new_id(), clock.now(), uow(), EFFECTIVE)


# --- statements by value date ---------------------------------------------------------------------------


def _lines(page: Page[StatementLine, Any]) -> list[tuple[str, int, int]]:
    return [(line.description, line.entry.amount, line.entry.balance_after) for line in page.items]


def test_a_statement_by_value_date_orders_windows_and_runs_its_balance_in_that_order(
    uow: Uow, clock: FakeClock, books: Pair, move: MoveFn
) -> None:
    bank, alice = books
    start = clock.now()
    move(bank, alice, 100, description="first")
    clock.advance(3600)
    move(bank, alice, 200, description="second")
    clock.advance(3600)
    move(alice, bank, 50, description="backdated", effective_at=start + timedelta(minutes=30))
    move(bank, alice, 7, description="same value date", effective_at=start + timedelta(minutes=30))

    booked = uc.statement(alice.id, uow())
    by_value = uc.value_statement(alice.id, uow())

    assert _lines(booked) == [
        ("first", 100, 100),
        ("second", 200, 300),
        ("backdated", 50, 250),
        ("same value date", 7, 257),
    ]
    assert _lines(by_value) == [
        ("first", 100, 100),
        ("backdated", 50, 50),
        ("same value date", 7, 57),
        ("second", 200, 257),
    ]
    assert [line.effective_at for line in by_value.items] == sorted(
        line.effective_at for line in by_value.items
    )
    window = uc.value_statement(
        alice.id, uow(), start=start + timedelta(minutes=1), end=start + timedelta(minutes=31)
    )
    assert _lines(window) == [("backdated", 50, 50), ("same value date", 7, 57)]


def test_value_date_pages_carry_the_running_balance_across_pages(
    uow: Uow, clock: FakeClock, books: Pair, move: MoveFn
) -> None:
    bank, alice = books
    start = clock.now()
    for n in range(5):
        clock.advance(60)
        move(bank, alice, 10**n, description=f"p{n}", effective_at=start - timedelta(minutes=n))
    whole = _lines(uc.value_statement(alice.id, uow()))
    pages, after = [], None
    while True:
        page = uc.value_statement(alice.id, uow(), after=after, limit=2)
        pages += _lines(page)
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert pages == whole
    assert [d for d, _, _ in whole] == ["p4", "p3", "p2", "p1", "p0"]
    assert [b for _, _, b in whole] == [10_000, 11_000, 11_100, 11_110, 11_111]


def test_a_statement_by_value_date_checks_its_window_limit_and_account(uow: Uow, clock: FakeClock) -> None:
    now = clock.now()
    with pytest.raises(ValidationError) as backwards:
        uc.value_statement(new_id(), uow(), start=now, end=now - timedelta(seconds=1))
    assert backwards.value.issues[0].field == "to"
    with pytest.raises(ValidationError) as limit:
        uc.value_statement(new_id(), uow(), limit=0)
    assert limit.value.issues[0].field == "limit"
    with pytest.raises(AccountNotFound):
        uc.value_statement(new_id(), uow())


# --- daily history -------------------------------------------------------------------------------------


def test_history_gives_each_days_closing_balance_as_booked_or_by_value_date(
    uow: Uow, clock: FakeClock, books: Pair, move: MoveFn
) -> None:
    bank, alice = books
    today = clock.now().date()  # 2024-01-02
    move(bank, alice, 1_000)
    clock.set(datetime.combine(today + timedelta(days=2), clock.now().time(), UTC))
    move(bank, alice, 40, effective_at=clock.now() - timedelta(days=3))  # value date: yesterday
    first, last = today - timedelta(days=2), today + timedelta(days=3)

    booked = uc.history(alice.id, first, last, uow())
    effective = uc.history(alice.id, first, last, uow(), EFFECTIVE)

    days = [first + timedelta(days=n) for n in range(6)]
    assert booked == BalanceHistory(
        booked.account,
        BOOKED,
        first,
        last,
        [DayBalance(d, b) for d, b in zip(days, [0, 0, 1_000, 1_000, 1_040, 1_040], strict=True)],
    )
    assert [d.balance for d in effective.days] == [0, 40, 1_040, 1_040, 1_040, 1_040]
    assert effective.basis is EFFECTIVE and effective.account.id == alice.id


def test_history_refuses_a_long_or_backwards_range_and_an_unknown_account(uow: Uow) -> None:
    first = date(2024, 1, 1)
    with pytest.raises(ValidationError) as long:
        uc.history(new_id(), first, first + timedelta(days=366), uow())
    assert long.value.issues[0].field == "to"
    with pytest.raises(AccountNotFound):
        uc.history(new_id(), first, first, uow(), EFFECTIVE)


# --- the trial balance by value date ---------------------------------------------------------------------


def test_the_trial_balance_by_value_date_counts_through_the_end_of_a_day(
    uow: Uow, clock: FakeClock, open_: OpenFn, move: MoveFn
) -> None:
    bank, alice = open_("bank", normal_side="debit", min_balance=None), open_("alice")
    today = clock.now().date()
    move(bank, alice, 1_000)
    move(bank, alice, 30, effective_at=clock.now() - timedelta(days=1))
    move(alice, bank, 200, pending=True)

    [yesterday] = reports.trial_balance(uow(), basis=EFFECTIVE, through=today - timedelta(days=1))
    [now] = reports.trial_balance(uow(), basis=EFFECTIVE, through=today)
    [booked] = reports.trial_balance(uow())

    assert (yesterday.posted_debits, yesterday.posted_credits, yesterday.debit_balances) == (30, 30, 30)
    assert (now.posted_debits, now.debit_balances, now.credit_balances) == (1_030, 1_030, 1_030)
    assert (now.pending_debits, yesterday.pending_debits) == (200, 200), "holds are always as booked"
    assert yesterday.balanced and now.balanced
    assert (now.posted_debits, now.pending_credits) == (booked.posted_debits, booked.pending_credits)
    assert reports.trial_balance(uow(), "USD", basis=EFFECTIVE, through=today) == []


def test_a_backdated_payment_to_an_account_opened_later_keeps_the_books_balanced(
    uow: Uow, clock: FakeClock, open_: OpenFn, move: MoveFn
) -> None:
    bank = open_("bank", normal_side="debit", min_balance=None)
    clock.advance(3 * 86_400)
    alice = open_("alice")
    move(bank, alice, 500, effective_at=bank.created_at)
    [totals] = reports.trial_balance(uow(), basis=EFFECTIVE, through=bank.created_at.date())
    assert totals.balanced and totals.posted_credits == 500


def test_through_belongs_to_the_effective_basis() -> None:
    store = InMemoryStore()
    with pytest.raises(ValidationError) as missing:
        reports.trial_balance(store.unit_of_work(), basis=EFFECTIVE)
    with pytest.raises(ValidationError) as misplaced:
        reports.trial_balance(store.unit_of_work(), through=date(2024, 1, 1))
    assert missing.value.issues[0].field == misplaced.value.issues[0].field == "through"


# --- the read path and the codec of the in-database mode ---------------------------------------------------


def test_the_in_app_read_path_passes_the_basis_on(
    store: InMemoryStore, clock: FakeClock, books: Pair, move: MoveFn
) -> None:
    bank, alice = books
    now = clock.advance(3600)
    move(bank, alice, 9, effective_at=now - timedelta(hours=1))
    read = InAppReadPath(store.unit_of_work)
    before = now - timedelta(minutes=30)
    assert read.balance_as_of(alice.id, before).posted_balance == 0
    assert read.balance_as_of(alice.id, before, EFFECTIVE).posted_balance == 9
    assert [line.entry.amount for line in read.value_statement(alice.id, end=before).items] == [9]
    assert read.history(alice.id, now.date(), now.date(), EFFECTIVE).days == [DayBalance(now.date(), 9)]
    assert read.trial_balance(None, EFFECTIVE, now.date())[0].posted_debits == 9


def test_the_codec_carries_the_basis_pages_by_value_date_and_histories(
    uow: Uow, clock: FakeClock, books: Pair, move: MoveFn
) -> None:
    bank, alice = books
    for n in range(3):
        move(bank, alice, 5 + n, effective_at=clock.now() - timedelta(hours=n))
    balance = uc.balance_as_of(alice.id, clock.now(), uow(), EFFECTIVE)
    page = uc.value_statement(alice.id, uow(), limit=2)
    history = uc.history(alice.id, clock.now().date(), clock.now().date(), uow(), EFFECTIVE)

    assert (
        codec.balance_as_of_from_dict(codec.loads(codec.dumps(codec.balance_as_of_to_dict(balance))))
        == balance
    )
    assert (
        codec.value_statement_page_from_dict(
            codec.loads(codec.dumps(codec.value_statement_page_to_dict(page)))
        )
        == page
    )
    assert page.next_cursor is not None
    decoded = codec.balance_history_from_dict(
        codec.loads(codec.dumps(codec.balance_history_to_dict(history)))
    )
    assert (decoded.basis, decoded.first, decoded.last, decoded.days) == (
        history.basis,
        history.first,
        history.last,
        history.days,
    )
    assert decoded.account.id == alice.id


# --- the HTTP edge: cursors and documents ------------------------------------------------------------------


def test_a_value_date_cursor_round_trips_and_belongs_to_its_listing() -> None:
    position = ValuePosition(datetime(2024, 1, 2, 9, 0, 0, 123, tzinfo=UTC), 42)
    cursor = cursors.value_entry_cursor(position)
    assert cursor is not None and cursors.after_value_entry(cursor) == position
    assert cursors.value_entry_cursor(None) is None and cursors.after_value_entry(None) is None
    for other in (
        cursors.entry_cursor(42),
        "not a cursor",
        cursors._encode("entries-by-value-date", ["x", 1]),
    ):
        with pytest.raises(ValidationError) as error:
            cursors.after_value_entry(other)
        assert error.value.issues[0].field == "cursor"
    with pytest.raises(ValidationError):
        cursors.after_seq(cursor)


def test_the_history_document_is_the_models_json(
    uow: Uow, clock: FakeClock, books: Pair, move: MoveFn
) -> None:
    bank, alice = books
    move(bank, alice, 10**29)  # beyond 64 bits
    history = uc.history(alice.id, clock.now().date() - timedelta(days=1), clock.now().date(), uow())
    document = HistoryOut.document(history)
    assert dump_json(document) == HistoryOut.of(history).model_dump_json(by_alias=True).encode()
    assert document["days"][-1] == {"date": clock.now().date().isoformat(), "balance": 10**29}
    balance = uc.balance_as_of(alice.id, clock.now(), uow(), EFFECTIVE)
    assert dump_json(BalanceOut.document(balance)) == BalanceOut.of(balance).model_dump_json().encode()
    assert BalanceOut.document(balance)["basis"] == "effective"
