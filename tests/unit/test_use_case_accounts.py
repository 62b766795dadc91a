"""Account use cases on the in-memory fakes: open (idempotent by code), status changes, reads,
balances as of a past instant and statements."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial

import pytest

from application import accounts as uc
from application.accounts import OpenAccount
from application.assets import register_asset
from domain.accounts import AccountStatus, Side
from domain.errors import AccountNotFound, IdempotencyConflict, InvalidState, ValidationError
from tests.fakes import FakeClock, FakeUnitOfWork, InMemoryStore, SequentialIds
from tests.unit.builders import MoveFn, OpenFn, new_id

Uow = Callable[[], FakeUnitOfWork]


def test_opening_stores_the_account_and_its_builtin_currency(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds
) -> None:
    opened = uc.open_account(OpenAccount("customer:alice", "Alice", "JPY", "credit"), uow(), clock, ids)
    assert not opened.replayed
    assert store.accounts[opened.account.id].asset.scale == 0
    assert set(store.assets) == {"JPY"}
    assert opened.account.created_at == clock.now()


def test_opening_with_a_registered_custom_asset(uow: Uow, clock: FakeClock, ids: SequentialIds) -> None:
    register_asset("POINTS", 0, uow())
    opened = uc.open_account(OpenAccount("points:alice", "Alice", "POINTS", "credit"), uow(), clock, ids)
    assert opened.account.asset.code == "POINTS"


def test_opening_with_an_unknown_asset_is_refused_and_stores_nothing(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds
) -> None:
    with pytest.raises(ValidationError) as error:
        uc.open_account(OpenAccount("alice", "Alice", "POINTS", "credit"), uow(), clock, ids)
    assert error.value.issues[0].field == "asset"
    assert store.accounts == {} and store.assets == {}


def test_an_invalid_opening_stores_nothing(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds
) -> None:
    with pytest.raises(ValidationError):
        uc.open_account(OpenAccount("alice", "Alice", "BRL", "sideways"), uow(), clock, ids)
    assert store.accounts == {} and store.assets == {}, "not even the currency"


def test_opening_the_same_account_again_replays_it(uow: Uow, clock: FakeClock, ids: SequentialIds) -> None:
    command = OpenAccount("alice", "Alice", "BRL", Side.CREDIT, -500, {"tier": "gold"})
    first = uc.open_account(command, uow(), clock, ids)
    clock.advance(60)
    again = uc.open_account(command, uow(), clock, ids)
    assert again.replayed and again.account.id == first.account.id
    assert again.account.created_at == first.account.created_at


def test_a_replayed_opening_answers_as_the_first_time(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds, move: MoveFn
) -> None:
    command = OpenAccount("alice", "Alice", "BRL", "credit")
    first = uc.open_account(command, uow(), clock, ids)
    bank = uc.open_account(OpenAccount("bank", "Bank", "BRL", "debit", None), uow(), clock, ids)
    move(bank.account, first.account, 500)
    uc.freeze_account(first.account.id, uow(), clock)

    again = uc.open_account(command, uow(), clock, ids)
    assert again.replayed
    assert (again.account.posted_balance, again.account.status) == (0, AccountStatus.ACTIVE)
    assert store.accounts[first.account.id].posted_balance == 500, "the replay changes nothing"


def test_a_used_code_with_other_attributes_is_an_idempotency_conflict(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds
) -> None:
    uc.open_account(OpenAccount("alice", "Alice", "BRL", "credit"), uow(), clock, ids)
    with pytest.raises(IdempotencyConflict):
        uc.open_account(OpenAccount("alice", "Alice", "USD", "credit"), uow(), clock, ids)
    assert len(store.accounts) == 1


def test_freeze_unfreeze_and_close_are_stored(
    store: InMemoryStore, uow: Uow, clock: FakeClock, open_: OpenFn
) -> None:
    alice = open_("alice")
    assert uc.freeze_account(alice.id, uow(), clock).status is AccountStatus.FROZEN
    assert store.accounts[alice.id].status is AccountStatus.FROZEN
    assert uc.unfreeze_account(alice.id, uow(), clock).status is AccountStatus.ACTIVE
    assert uc.close_account(alice.id, uow(), clock).status is AccountStatus.CLOSED
    assert store.accounts[alice.id].status is AccountStatus.CLOSED
    with pytest.raises(InvalidState):
        uc.unfreeze_account(alice.id, uow(), clock)
    assert store.accounts[alice.id].status is AccountStatus.CLOSED


def test_an_account_with_money_stays_open(
    store: InMemoryStore, uow: Uow, clock: FakeClock, open_: OpenFn, move: MoveFn
) -> None:
    bank, alice = open_("bank", normal_side="debit", min_balance=None), open_("alice")
    move(bank, alice, 100)
    with pytest.raises(InvalidState):
        uc.close_account(alice.id, uow(), clock)
    assert store.accounts[alice.id].status is AccountStatus.ACTIVE


@pytest.mark.parametrize(
    "action",
    [
        partial(uc.freeze_account, clock=FakeClock()),
        partial(uc.unfreeze_account, clock=FakeClock()),
        partial(uc.close_account, clock=FakeClock()),
        uc.get_account,
    ],
)
def test_unknown_accounts_are_not_found(uow: Uow, action: Callable[..., object]) -> None:
    with pytest.raises(AccountNotFound) as error:
        action(new_id(), uow())
    assert error.value.code == "account_not_found"


def test_get_account_returns_the_stored_account(uow: Uow, open_: OpenFn) -> None:
    alice = open_("alice", metadata={"kyc": "done"})
    loaded = uc.get_account(alice.id, uow())
    assert (loaded.id, loaded.code, loaded.metadata) == (alice.id, "alice", {"kyc": "done"})


def test_listing_accounts_pages_by_code(uow: Uow, open_: OpenFn) -> None:
    for code in ["customer:carol", "customer:alice", "internal:fees", "customer:bob", "customer:dave"]:
        open_(code)
    open_("customer:yen", asset="JPY")

    first = uc.list_accounts(uow(), code_prefix="customer:", asset="BRL", limit=2)
    assert [a.code for a in first.items] == ["customer:alice", "customer:bob"]
    assert first.next_cursor == "customer:bob"
    second = uc.list_accounts(
        uow(), code_prefix="customer:", asset="BRL", after_code=first.next_cursor, limit=2
    )
    assert [a.code for a in second.items] == ["customer:carol", "customer:dave"]
    assert second.next_cursor is None, "no cursor when nothing follows"

    everything = uc.list_accounts(uow())
    assert len(everything.items) == 6 and everything.next_cursor is None


@pytest.mark.parametrize("limit", [0, 1001, True, 1.5])
def test_listing_limits_are_checked(uow: Uow, limit: object) -> None:
    with pytest.raises(ValidationError):
        uc.list_accounts(uow(), limit=limit)  # type: ignore[arg-type]


def test_balance_as_of_reads_the_books_at_a_past_instant(
    uow: Uow, clock: FakeClock, open_: OpenFn, move: MoveFn
) -> None:
    opened_at = clock.now()
    bank, alice = open_("bank", normal_side="debit", min_balance=None), open_("alice")
    clock.advance(60)
    move(bank, alice, 1_000)
    first = clock.now()
    clock.advance(60)
    move(alice, bank, 300)
    move(bank, alice, 50)  # same instant: the later entry wins
    second = clock.now()

    def as_of(at: object) -> int:
        return uc.balance_as_of(alice.id, at, uow()).posted_balance  # type: ignore[arg-type]

    assert as_of(opened_at - timedelta(days=1)) == 0
    assert as_of(opened_at) == 0
    assert as_of(first - timedelta(microseconds=1)) == 0
    assert as_of(first) == 1_000
    assert as_of(second - timedelta(seconds=1)) == 1_000
    assert as_of(second) == 750
    assert as_of(second + timedelta(days=365)) == 750
    assert uc.balance_as_of(bank.id, second, uow()).posted_balance == 750


def test_balance_as_of_ignores_holds(uow: Uow, clock: FakeClock, open_: OpenFn, move: MoveFn) -> None:
    bank, alice = open_("bank", normal_side="debit", min_balance=None), open_("alice")
    move(bank, alice, 1_000)
    move(alice, bank, 400, pending=True)
    assert uc.balance_as_of(alice.id, clock.now(), uow()).posted_balance == 1_000


def test_balance_as_of_needs_a_time_zone_and_a_known_account(
    uow: Uow, clock: FakeClock, open_: OpenFn
) -> None:
    alice = open_("alice")
    with pytest.raises(ValidationError):
        uc.balance_as_of(alice.id, clock.now().replace(tzinfo=None), uow())
    with pytest.raises(AccountNotFound):
        uc.balance_as_of(new_id(), clock.now(), uow())


def test_a_statement_lists_posted_entries_with_running_balances(
    uow: Uow, clock: FakeClock, open_: OpenFn, move: MoveFn
) -> None:
    bank, alice, bob = open_("bank", normal_side="debit", min_balance=None), open_("alice"), open_("bob")
    move(bank, alice, 10_000, description="salary")
    clock.advance(60)
    move(alice, bob, 2_500, description="rent", effective_at=clock.now() - timedelta(days=2))
    clock.advance(60)
    move(alice, bob, 1_000, pending=True, description="hold")  # not on the statement while pending
    clock.advance(60)
    move(bob, alice, 500, description="refund")

    page = uc.statement(alice.id, uow())
    lines = [
        (line.description, line.entry.side, line.entry.amount, line.entry.balance_after)
        for line in page.items
    ]
    assert lines == [
        ("salary", Side.CREDIT, 10_000, 10_000),
        ("rent", Side.DEBIT, 2_500, 7_500),
        ("refund", Side.CREDIT, 500, 8_000),
    ]
    assert [line.entry.seq for line in page.items] == [1, 2, 4], "seq 3 is the hold"
    assert page.items[1].effective_at == page.items[1].entry.created_at - timedelta(days=2)
    assert page.next_cursor is None


def test_a_statement_pages_by_seq_and_windows_by_booking_time(
    uow: Uow, clock: FakeClock, open_: OpenFn, move: MoveFn
) -> None:
    bank, alice = open_("bank", normal_side="debit", min_balance=None), open_("alice")
    times = []
    for amount in [100, 200, 300, 400, 500]:
        times.append(clock.now())
        move(bank, alice, amount)
        clock.advance(3600)

    first = uc.statement(alice.id, uow(), limit=2)
    assert [line.entry.amount for line in first.items] == [100, 200]
    second = uc.statement(alice.id, uow(), after_seq=first.next_cursor, limit=2)
    assert [line.entry.amount for line in second.items] == [300, 400]
    last = uc.statement(alice.id, uow(), after_seq=second.next_cursor, limit=2)
    assert ([line.entry.amount for line in last.items], last.next_cursor) == ([500], None)

    window = uc.statement(alice.id, uow(), start=times[1], end=times[3])
    assert [line.entry.amount for line in window.items] == [200, 300], "from inclusive, to exclusive"


def test_statement_arguments_are_checked(uow: Uow, clock: FakeClock, open_: OpenFn) -> None:
    alice = open_("alice")
    now = clock.now()
    with pytest.raises(ValidationError):
        uc.statement(alice.id, uow(), start=now, end=now - timedelta(seconds=1))
    with pytest.raises(ValidationError):
        uc.statement(alice.id, uow(), start=now.replace(tzinfo=None))
    with pytest.raises(AccountNotFound):
        uc.statement(new_id(), uow())
    assert uc.statement(alice.id, uow(), start=now, end=now).items == []
