"""Balance monitors through the use cases, on the in-memory fakes: created, listed, read and deleted;
evaluated by every change of balances in its own transaction (payments, batches, groups, captures,
voids, expiries, reversals, interest); told once per crossing; nothing left by a refusal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from application import documents, interest, monitors
from application.accounts import close_account
from application.batch_path import InAppBatchPath
from application.events import EventType
from application.interest import SetPolicy
from application.monitors import CreateMonitor
from application.write_path import InAppWritePath
from domain.accounts import Account
from domain.errors import AccountNotFound, InsufficientFunds, InvalidState, NotFound, ValidationError
from domain.monitors import Monitor
from domain.transfers import ReversalRequest, TransferRequest
from tests.fakes import FakeClock, InMemoryStore, SequentialIds
from tests.unit.builders import MoveFn, OpenFn

TRIGGERED = EventType.BALANCE_MONITOR_TRIGGERED.value
CreateFn = Callable[..., Monitor]


@pytest.fixture
def bank(open_: OpenFn) -> Account:
    return open_("bank", normal_side="debit", min_balance=None)


@pytest.fixture
def wallet(open_: OpenFn, bank: Account, move: MoveFn) -> Account:
    account = open_("wallet")
    move(bank, account, 5000)  # R$ 50.00
    return account


@pytest.fixture
def watch(store: InMemoryStore, clock: FakeClock, ids: SequentialIds) -> CreateFn:
    """`watch(account, "available", "below", 1000)`: create a monitor through the use case."""

    def _create(account: Account, balance: str, comparison: str, threshold: int, **options: Any) -> Monitor:
        command = CreateMonitor(account.id, balance, comparison, threshold, **options)
        return monitors.create_monitor(command, store.unit_of_work(), clock, ids)

    return _create


def fired(store: InMemoryStore, since: int = 0) -> list[tuple[UUID, int]]:
    """(monitor id, value) of each `balance.monitor_triggered` after the `since`-th event."""
    return [
        (UUID(e.data["monitor"]["id"]), e.data["value"]) for e in store.events[since:] if e.type == TRIGGERED
    ]


def pay(ids: SequentialIds, source: Account, target: Account, amount: int, **options: Any) -> TransferRequest:
    return TransferRequest.simple(
        ids.new_id(), debit_account_id=source.id, credit_account_id=target.id, amount=amount, **options
    )


# --- the monitors themselves -----------------------------------------------------------------------


def test_a_monitor_is_created_listed_read_and_deleted(
    store: InMemoryStore, watch: CreateFn, wallet: Account
) -> None:
    low = watch(wallet, "available", "below", 1000, description="low", metadata={"notify": "sms"})
    high = watch(wallet, "posted", "above", 10_000)
    assert [m.id for m in monitors.list_monitors(wallet.id, store.unit_of_work())] == [low.id, high.id]
    got = monitors.get_monitor(wallet.id, low.id, store.unit_of_work())
    assert documents.monitor_document(got) == documents.monitor_document(low)
    assert (got.description, got.metadata, got.triggered) == ("low", {"notify": "sms"}, False)

    monitors.delete_monitor(wallet.id, low.id, store.unit_of_work())
    assert [m.id for m in monitors.list_monitors(wallet.id, store.unit_of_work())] == [high.id]
    with pytest.raises(NotFound):
        monitors.get_monitor(wallet.id, low.id, store.unit_of_work())
    with pytest.raises(NotFound):
        monitors.delete_monitor(wallet.id, low.id, store.unit_of_work())


def test_a_monitor_belongs_to_its_account_only(
    store: InMemoryStore, watch: CreateFn, wallet: Account, bank: Account
) -> None:
    m = watch(wallet, "posted", "above", 10_000)
    with pytest.raises(NotFound):
        monitors.get_monitor(bank.id, m.id, store.unit_of_work())
    with pytest.raises(NotFound):
        monitors.delete_monitor(bank.id, m.id, store.unit_of_work())
    assert monitors.list_monitors(bank.id, store.unit_of_work()) == []


def test_an_unknown_account_is_account_not_found_everywhere(
    store: InMemoryStore, clock: FakeClock, ids: SequentialIds
) -> None:
    nobody = ids.new_id()
    with pytest.raises(AccountNotFound):
        monitors.create_monitor(CreateMonitor(nobody, "posted", "above", 0), store.unit_of_work(), clock, ids)
    with pytest.raises(AccountNotFound):
        monitors.list_monitors(nobody, store.unit_of_work())
    with pytest.raises(AccountNotFound):
        monitors.get_monitor(nobody, ids.new_id(), store.unit_of_work())
    with pytest.raises(AccountNotFound):
        monitors.delete_monitor(nobody, ids.new_id(), store.unit_of_work())


def test_refused_creations_leave_no_trace(
    store: InMemoryStore, clock: FakeClock, watch: CreateFn, open_: OpenFn, wallet: Account
) -> None:
    closed = open_("closed")
    close_account(closed.id, store.unit_of_work(), clock)
    before = len(store.events)
    with pytest.raises(InvalidState):
        watch(closed, "available", "below", 1000)
    with pytest.raises(ValidationError):
        watch(wallet, "available", "under", 1000)
    with pytest.raises(ValidationError):
        watch(wallet, "available", "below", 1000, metadata={"x": 1.5})
    assert store.monitors == {} and len(store.events) == before


def test_a_monitor_whose_condition_already_holds_fires_at_creation_with_the_account_then(
    store: InMemoryStore, watch: CreateFn, wallet: Account
) -> None:
    before = len(store.events)
    m = watch(wallet, "available", "below", 10_000)  # 5000 < 10000 already
    [event] = store.events[before:]
    assert event.type == TRIGGERED and event.account_ids == (wallet.id,)
    assert event.transfer_id is None
    assert event.data["monitor"]["id"] == str(m.id) and event.data["monitor"]["triggered"] is True
    assert event.data["account"]["id"] == str(wallet.id)
    assert event.data["account"]["balances"]["available"] == 5000
    assert event.data["value"] == 5000
    assert m.triggered and store.monitors[m.id].triggered


# --- edge-triggered through the write path ----------------------------------------------------------


def test_the_owner_is_told_once_when_the_balance_drops_below_and_again_after_it_recovered(
    store: InMemoryStore, watch: CreateFn, wallet: Account, bank: Account, move: MoveFn
) -> None:
    m = watch(wallet, "available", "below", 1000)
    start = len(store.events)
    move(wallet, bank, 4500)  # 500 left: below
    move(wallet, bank, 100)  # 400: still below, nothing
    move(bank, wallet, 2000)  # 2400: re-armed, nothing
    move(wallet, bank, 1500)  # 900: below again
    assert fired(store, start) == [(m.id, 500), (m.id, 900)]
    assert store.monitors[m.id].triggered


def test_the_monitor_event_follows_the_change_that_made_it_true_and_carries_the_balances_then(
    store: InMemoryStore, watch: CreateFn, wallet: Account, bank: Account, move: MoveFn
) -> None:
    watch(wallet, "posted", "at_or_below", 0)
    start = len(store.events)
    outcome = move(wallet, bank, 5000)
    posted, triggered = store.events[start:]
    assert (posted.type, posted.transfer_id) == ("transfer.posted", outcome.transfer.id)
    assert triggered.type == TRIGGERED and triggered.position > posted.position
    assert triggered.position.txid == posted.position.txid  # the same transaction
    assert triggered.data["account"]["balances"]["posted"] == 0
    assert triggered.occurred_at == posted.occurred_at


def test_a_refused_transfer_evaluates_nothing(
    store: InMemoryStore, watch: CreateFn, wallet: Account, bank: Account, move: MoveFn
) -> None:
    m = watch(wallet, "available", "below", 1000)
    start = len(store.events)
    with pytest.raises(InsufficientFunds):
        move(wallet, bank, 6000)
    assert fired(store, start) == [] and not store.monitors[m.id].triggered


def test_a_replay_tells_nothing_again(
    store: InMemoryStore, watch: CreateFn, wallet: Account, bank: Account, move: MoveFn, ids: SequentialIds
) -> None:
    watch(wallet, "available", "below", 1000)
    again = ids.new_id()
    move(wallet, bank, 4500, id=again)
    start = len(store.events)
    move(wallet, bank, 4500, id=again)
    assert store.events[start:] == []


def test_a_group_evaluates_each_account_once_after_the_whole_group_and_skips_refused_items(
    store: InMemoryStore,
    watch: CreateFn,
    open_: OpenFn,
    bank: Account,
    write: InAppWritePath,
    ids: SequentialIds,
) -> None:
    a, b = open_("a"), open_("b")
    on_a = watch(a, "posted", "above", 1000)
    on_b = watch(b, "posted", "above", 1000)
    start = len(store.events)
    results = write.post_each(
        [
            pay(ids, bank, a, 600),
            pay(ids, bank, a, 600),
            pay(
                ids,
                b,
                bank,
                1,
            ),
        ]  # the last one is refused
    )
    assert isinstance(results[2], InsufficientFunds)
    assert fired(store, start) == [(on_a.id, 1200)]
    assert not store.monitors[on_b.id].triggered


def test_an_atomic_batch_evaluates_the_accounts_it_moved(
    store: InMemoryStore,
    watch: CreateFn,
    open_: OpenFn,
    bank: Account,
    write: InAppWritePath,
    ids: SequentialIds,
) -> None:
    a, b = open_("a"), open_("b")
    on_a, on_b = watch(a, "posted", "above", 0), watch(b, "posted", "above", 0)
    start = len(store.events)
    write.post_transfers([pay(ids, bank, a, 10), pay(ids, bank, b, 20)])
    assert sorted(fired(store, start)) == sorted([(on_a.id, 10), (on_b.id, 20)])
    assert [e.type for e in store.events[start:]] == ["transfer.posted"] * 2 + [TRIGGERED] * 2


def test_holds_captures_voids_and_expiries_each_evaluate_the_accounts(
    store: InMemoryStore,
    watch: CreateFn,
    wallet: Account,
    bank: Account,
    write: InAppWritePath,
    ids: SequentialIds,
    clock: FakeClock,
) -> None:
    held = watch(wallet, "pending_outflow", "at_or_above", 3000)
    low = watch(wallet, "available", "below", 1000)
    start = len(store.events)
    hold = pay(ids, wallet, bank, 4500, pending=True, timeout_seconds=60)
    write.post_transfers([hold])  # 4500 held: available 500
    assert fired(store, start) == [(held.id, 4500), (low.id, 500)]

    write.void_pending(hold.id)  # released: both re-arm
    assert not store.monitors[held.id].triggered and not store.monitors[low.id].triggered

    second = pay(ids, wallet, bank, 4200, pending=True, timeout_seconds=60)
    write.post_transfers([second])
    start = len(store.events)
    write.post_pending(second.id, 1000)  # captured in part: the rest released, available 4000
    assert fired(store, start) == []
    assert not store.monitors[held.id].triggered and not store.monitors[low.id].triggered

    third = pay(ids, wallet, bank, 3500, pending=True, timeout_seconds=60)
    write.post_transfers([third])
    assert store.monitors[low.id].triggered  # 500 available
    clock.advance(120)
    start = len(store.events)
    assert [t.id for t in write.expire_due()] == [third.id]
    assert [e.type for e in store.events[start:]] == ["transfer.expired"]
    assert not store.monitors[low.id].triggered and not store.monitors[held.id].triggered

    fourth = pay(ids, wallet, bank, 3900, pending=True, timeout_seconds=60)
    write.post_transfers([fourth])  # 100 available
    write.void_pending(fourth.id)
    start = len(store.events)
    write.post_transfers([pay(ids, wallet, bank, 3500, pending=True, timeout_seconds=60)])
    assert fired(store, start) == [(held.id, 3500), (low.id, 500)]


def test_a_capture_that_crosses_fires(
    store: InMemoryStore,
    watch: CreateFn,
    wallet: Account,
    bank: Account,
    write: InAppWritePath,
    ids: SequentialIds,
) -> None:
    hold = pay(ids, bank, wallet, 3000, pending=True)
    write.post_transfers([hold])
    m = watch(wallet, "posted", "above", 6000)
    start = len(store.events)
    write.post_pending(hold.id)
    assert [e.type for e in store.events[start:]] == ["transfer.captured", TRIGGERED]
    assert fired(store, start) == [(m.id, 8000)]


def test_a_reversal_that_crosses_fires_after_its_two_events(
    store: InMemoryStore,
    watch: CreateFn,
    wallet: Account,
    bank: Account,
    move: MoveFn,
    write: InAppWritePath,
    ids: SequentialIds,
) -> None:
    payment = move(bank, wallet, 1000).transfer  # 6000
    m = watch(wallet, "posted", "below", 5500)
    start = len(store.events)
    write.reverse(ReversalRequest(ids.new_id(), payment.id))
    assert [e.type for e in store.events[start:]] == ["transfer.posted", "transfer.reversed", TRIGGERED]
    assert fired(store, start) == [(m.id, 5000)]


def test_interest_postings_evaluate_the_accounts_they_moved(
    store: InMemoryStore, clock: FakeClock, watch: CreateFn, open_: OpenFn, bank: Account, move: MoveFn
) -> None:
    expense = open_("interest", normal_side="debit", min_balance=None)
    savings = open_("savings")
    move(bank, savings, 365_000)
    interest.set_policy(
        SetPolicy(savings.id, date(2024, 1, 1), 1000, "ACT/365F", expense.id), store.unit_of_work(), clock
    )
    m = watch(savings, "posted", "above", 367_000)
    clock.set(datetime(2024, 3, 1, tzinfo=UTC))
    start = len(store.events)
    InAppBatchPath(store.unit_of_work, clock).accrue_interest(
        [savings.id], date(2024, 1, 1), date(2024, 2, 29)
    )
    # 3000 then 2900: the balance crosses 367,000 with the second period, posted in the same transaction
    assert [e.type for e in store.events[start:]] == [
        "transfer.posted",
        "account.interest_posted",
        "transfer.posted",
        "account.interest_posted",
        TRIGGERED,
    ]
    assert fired(store, start) == [(m.id, 365_000 + 5900)]


def test_an_account_without_monitors_records_only_its_change(
    store: InMemoryStore, wallet: Account, bank: Account, move: MoveFn
) -> None:
    start = len(store.events)
    move(wallet, bank, 4900)
    assert [e.type for e in store.events[start:]] == ["transfer.posted"]


def test_a_deleted_monitor_is_no_longer_evaluated(
    store: InMemoryStore, watch: CreateFn, wallet: Account, bank: Account, move: MoveFn
) -> None:
    m = watch(wallet, "available", "below", 1000)
    monitors.delete_monitor(wallet.id, m.id, store.unit_of_work())
    start = len(store.events)
    move(wallet, bank, 4500)
    assert fired(store, start) == []
