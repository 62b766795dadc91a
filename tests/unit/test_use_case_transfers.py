"""Transfer use cases on the in-memory fakes: booking, batches, holds, expiry, reversals and reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from application import transfers as uc
from application.accounts import freeze_account
from application.ports import TransferCursor
from application.reports import trial_balance
from application.transfers import TransferFilter
from application.write_path import InAppWritePath
from domain.accounts import Account
from domain.errors import AccountInactive, InsufficientFunds, InvalidState, NotFound, ValidationError
from domain.transfers import ReversalRequest, TransferRequest, TransferStatus
from tests.fakes import FakeClock, FakeUnitOfWork, InMemoryStore, SequentialIds
from tests.unit.builders import MoveFn, OpenFn, balance

Uow = Callable[[], FakeUnitOfWork]


@pytest.fixture
def bank(open_: OpenFn) -> Account:
    return open_("bank", normal_side="debit", min_balance=None)


@pytest.fixture
def alice(open_: OpenFn, bank: Account, move: MoveFn) -> Account:
    alice = open_("alice")
    move(bank, alice, 10_000)
    return alice


@pytest.fixture
def bob(open_: OpenFn) -> Account:
    return open_("bob")


def simple(
    ids: SequentialIds, source: Account, target: Account, amount: int, **options: Any
) -> TransferRequest:
    return TransferRequest.simple(
        ids.new_id(), debit_account_id=source.id, credit_account_id=target.id, amount=amount, **options
    )


def test_a_booked_transfer_is_stored_with_its_entries(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds, alice: Account, bob: Account
) -> None:
    request = simple(ids, alice, bob, 2_500, description="rent")
    [outcome] = uc.post_transfers([request], uow(), clock)
    assert store.transfers[request.id].status is TransferStatus.POSTED
    assert [(e.account_id, e.amount) for e in store.entries if e.transfer_id == request.id] == [
        (alice.id, 2_500),
        (bob.id, 2_500),
    ]
    assert (balance(store, alice), balance(store, bob)) == ((7_500, 7_500), (2_500, 2_500))
    assert uc.get_transfer(request.id, uow()).description == "rent"
    assert outcome.transfer.id == request.id


def test_a_failing_batch_leaves_every_account_untouched(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds, alice: Account, bob: Account
) -> None:
    before = ({i: a.balances for i, a in store.accounts.items()}, dict(store.transfers), list(store.entries))
    batch = [simple(ids, alice, bob, 1_000), simple(ids, alice, bob, 2_000), simple(ids, alice, bob, 8_000)]
    with pytest.raises(InsufficientFunds):
        uc.post_transfers(batch, uow(), clock)
    assert (
        {i: a.balances for i, a in store.accounts.items()},
        dict(store.transfers),
        list(store.entries),
    ) == before
    with pytest.raises(NotFound):
        uc.get_transfer(batch[0].id, uow())


def test_a_batch_books_everything_or_nothing(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds, alice: Account, bob: Account
) -> None:
    batch = [simple(ids, alice, bob, 1_000), simple(ids, bob, alice, 500), simple(ids, alice, bob, 2_000)]
    outcomes = uc.post_transfers(batch, uow(), clock)
    assert [o.transfer.id for o in outcomes] == [r.id for r in batch]
    assert balance(store, bob) == (2_500, 2_500)


def test_batch_rules_are_checked_before_anything_is_read(
    uow: Uow, clock: FakeClock, ids: SequentialIds, alice: Account, bob: Account
) -> None:
    with pytest.raises(ValidationError):
        uc.post_transfers([], uow(), clock)
    twice = simple(ids, alice, bob, 1)
    with pytest.raises(ValidationError):
        uc.post_transfers([twice, twice], uow(), clock)


def test_a_replay_writes_nothing_and_returns_the_original(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds, alice: Account, bob: Account
) -> None:
    request = simple(ids, alice, bob, 1_000)
    [first] = uc.post_transfers([request], uow(), clock)
    entries = list(store.entries)
    clock.advance(60)
    [again] = uc.post_transfers([request], uow(), clock)
    assert again.replayed and again.transfer.created_at == first.transfer.created_at
    assert store.entries == entries
    assert balance(store, alice) == (9_000, 9_000)


def test_posting_part_of_a_hold_through_the_use_case(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds, alice: Account, bob: Account
) -> None:
    request = simple(ids, alice, bob, 3_000, pending=True)
    uc.post_transfers([request], uow(), clock)
    assert balance(store, alice) == (10_000, 7_000)
    outcome = uc.post_pending(request.id, 1_000, uow(), clock)
    assert outcome.transfer.status is TransferStatus.POSTED
    assert (balance(store, alice), balance(store, bob)) == ((9_000, 9_000), (1_000, 1_000))
    assert uc.post_pending(request.id, 1_000, uow(), clock).replayed
    with pytest.raises(InvalidState):  # no amount asks for all 3,000 held: not what was posted
        uc.post_pending(request.id, None, uow(), clock)
    stored = uc.get_transfer(request.id, uow())
    assert [p.amount for p in stored.posted] == [1_000, 1_000]
    assert [p.amount for p in stored.postings] == [3_000, 3_000]


def test_posting_a_hold_in_full_again_is_a_replay(
    uow: Uow, clock: FakeClock, ids: SequentialIds, alice: Account, bob: Account
) -> None:
    request = simple(ids, alice, bob, 3_000, pending=True)
    uc.post_transfers([request], uow(), clock)
    assert not uc.post_pending(request.id, None, uow(), clock).replayed
    assert uc.post_pending(request.id, None, uow(), clock).replayed
    assert uc.post_pending(request.id, 3_000, uow(), clock).replayed


def test_voiding_a_hold_through_the_use_case(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds, alice: Account, bob: Account
) -> None:
    request = simple(ids, alice, bob, 3_000, pending=True)
    uc.post_transfers([request], uow(), clock)
    assert uc.void_pending(request.id, uow(), clock).transfer.status is TransferStatus.VOIDED
    assert balance(store, alice) == (10_000, 10_000)
    assert uc.void_pending(request.id, uow(), clock).replayed
    with pytest.raises(InvalidState):
        uc.post_pending(request.id, None, uow(), clock)


@pytest.mark.parametrize("action", ["post", "void"])
def test_resolving_an_unknown_hold_is_not_found(
    uow: Uow, clock: FakeClock, ids: SequentialIds, action: str
) -> None:
    with pytest.raises(NotFound):
        if action == "post":
            uc.post_pending(ids.new_id(), None, uow(), clock)
        else:
            uc.void_pending(ids.new_id(), uow(), clock)


def test_expire_due_releases_only_holds_whose_time_has_come(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds, alice: Account, bob: Account
) -> None:
    short = simple(ids, alice, bob, 1_000, pending=True, timeout_seconds=60)
    long = simple(ids, alice, bob, 2_000, pending=True, timeout_seconds=3600)
    forever = simple(ids, alice, bob, 3_000, pending=True)
    uc.post_transfers([short, long, forever], uow(), clock)
    assert balance(store, alice) == (10_000, 4_000)

    clock.advance(59)
    assert uc.expire_due(uow(), clock) == []
    clock.advance(1)
    assert [t.id for t in uc.expire_due(uow(), clock)] == [short.id]
    assert balance(store, alice) == (10_000, 5_000)
    clock.advance(7200)
    assert [t.id for t in uc.expire_due(uow(), clock)] == [long.id]
    assert uc.expire_due(uow(), clock) == []
    assert store.transfers[long.id].status is TransferStatus.EXPIRED
    assert store.transfers[long.id].resolved_at == clock.now()
    assert store.transfers[forever.id].status is TransferStatus.PENDING


def test_expire_due_takes_at_most_the_limit(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds, alice: Account, bob: Account
) -> None:
    holds = [simple(ids, alice, bob, 100, pending=True, timeout_seconds=60 + i) for i in range(5)]
    uc.post_transfers(holds, uow(), clock)
    clock.advance(3600)
    assert [t.id for t in uc.expire_due(uow(), clock, limit=2)] == [h.id for h in holds[:2]]
    assert len(uc.expire_due(uow(), clock, limit=10)) == 3


def test_expiry_skips_holds_another_transaction_is_resolving(
    uow: Uow, clock: FakeClock, ids: SequentialIds, alice: Account, bob: Account
) -> None:
    first = simple(ids, alice, bob, 100, pending=True, timeout_seconds=60)
    second = simple(ids, alice, bob, 100, pending=True, timeout_seconds=60)
    uc.post_transfers([first, second], uow(), clock)
    clock.advance(60)
    with uow() as busy:
        busy.transfers.lock(first.id)
        with uow() as expiry:
            assert [t.id for t in expiry.transfers.lock_due(clock.now(), 10)] == [second.id]


def test_a_hold_that_timed_out_cannot_be_posted(
    uow: Uow, clock: FakeClock, ids: SequentialIds, alice: Account, bob: Account
) -> None:
    request = simple(ids, alice, bob, 1_000, pending=True, timeout_seconds=60)
    uc.post_transfers([request], uow(), clock)
    clock.advance(60)
    with pytest.raises(InvalidState):
        uc.post_pending(request.id, None, uow(), clock)


def test_a_reversal_is_stored_and_linked_to_its_original(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds, alice: Account, bob: Account
) -> None:
    request = simple(ids, alice, bob, 2_500)
    uc.post_transfers([request], uow(), clock)
    reversal = ReversalRequest(ids.new_id(), request.id, description="refund")
    outcome = uc.reverse_transfer(reversal, uow(), clock)
    assert outcome.transfer.reverses_id == request.id
    assert uc.get_transfer(request.id, uow()).reversed_by_id == reversal.id
    assert balance(store, alice) == (10_000, 10_000)
    assert uc.reverse_transfer(reversal, uow(), clock).replayed
    with pytest.raises(InvalidState):
        uc.reverse_transfer(ReversalRequest(ids.new_id(), request.id), uow(), clock)
    with pytest.raises(NotFound):
        uc.reverse_transfer(ReversalRequest(ids.new_id(), ids.new_id()), uow(), clock)


def test_a_frozen_account_blocks_new_transfers_and_reversals(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds, alice: Account, bob: Account
) -> None:
    request = simple(ids, alice, bob, 2_500)
    uc.post_transfers([request], uow(), clock)
    freeze_account(bob.id, uow(), clock)
    with pytest.raises(AccountInactive):
        uc.post_transfers([simple(ids, alice, bob, 1)], uow(), clock)
    with pytest.raises(AccountInactive):
        uc.reverse_transfer(ReversalRequest(ids.new_id(), request.id), uow(), clock)
    assert store.transfers[request.id].reversed_by_id is None


def test_get_transfer_of_an_unknown_id_is_not_found(uow: Uow, ids: SequentialIds) -> None:
    with pytest.raises(NotFound) as error:
        uc.get_transfer(ids.new_id(), uow())
    assert error.value.code == "not_found"


def test_transfers_are_listed_newest_first_with_a_cursor(
    uow: Uow, clock: FakeClock, ids: SequentialIds, bank: Account, alice: Account, bob: Account, open_: OpenFn
) -> None:
    carol = open_("carol")
    booked = []
    for i in range(5):
        clock.advance(60)
        target = bob if i % 2 == 0 else carol
        request = simple(ids, alice, target, 100 + i, pending=(i == 4))
        uc.post_transfers([request], uow(), clock)
        booked.append(request.id)
    # Two in the same instant: ordered by id.
    same_time = [simple(ids, alice, bob, 1), simple(ids, alice, bob, 2)]
    uc.post_transfers(same_time, uow(), clock)
    booked += [r.id for r in same_time]

    seen = []
    cursor: TransferCursor | None = None
    while True:
        page = uc.list_transfers(uow(), after=cursor, limit=3)
        seen += [t.id for t in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    funding = uc.list_transfers(uow(), TransferFilter(account_id=bank.id)).items
    assert seen == list(reversed(booked)) + [t.id for t in funding], "newest first, nothing twice"

    to_bob = uc.list_transfers(uow(), TransferFilter(account_id=bob.id)).items
    assert [t.id for t in to_bob] == [same_time[1].id, same_time[0].id, booked[4], booked[2], booked[0]]
    pending = uc.list_transfers(uow(), TransferFilter(status=TransferStatus.PENDING)).items
    assert [t.id for t in pending] == [booked[4]]


def test_the_trial_balance_balances_after_any_activity(
    uow: Uow, clock: FakeClock, ids: SequentialIds, open_: OpenFn, alice: Account, bob: Account
) -> None:
    request = simple(ids, alice, bob, 3_000, pending=True)
    uc.post_transfers([request], uow(), clock)
    open_("yen", asset="JPY")
    totals = trial_balance(uow())
    assert [(t.asset, t.accounts) for t in totals] == [("BRL", 3), ("JPY", 1)]
    brl = totals[0]
    assert brl.balanced
    assert (brl.posted_debits, brl.pending_debits, brl.debit_balances, brl.credit_balances) == (
        10_000,
        3_000,
        10_000,
        10_000,
    )
    assert [t.asset for t in trial_balance(uow(), "JPY")] == ["JPY"]


def test_the_in_app_write_path_runs_each_use_case(
    store: InMemoryStore,
    write: InAppWritePath,
    ids: SequentialIds,
    clock: FakeClock,
    alice: Account,
    bob: Account,
) -> None:
    hold = simple(ids, alice, bob, 1_000, pending=True, timeout_seconds=60)
    other = simple(ids, alice, bob, 1_000, pending=True)
    paid = simple(ids, alice, bob, 500)
    write.post_transfers([hold, other, paid])
    write.post_pending(other.id, 400)
    write.reverse(ReversalRequest(ids.new_id(), paid.id))
    clock.advance(60)
    assert [t.id for t in write.expire_due()] == [hold.id]
    with pytest.raises(InvalidState):
        write.void_pending(hold.id)  # it expired
    assert balance(store, alice) == (9_600, 9_600)
    assert balance(store, bob) == (400, 400)
