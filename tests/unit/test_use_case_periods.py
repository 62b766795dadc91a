"""Accounting periods through the use cases, on the in-memory fakes: closing (idempotent, with its
snapshot and event), reopening (recorded), listing; and every write path refusing what is dated in a
closed period (transfers alone or in a group, captures, reversals, interest), accepting it once reopened."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from application import interest, periods
from application.batch_path import InAppBatchPath
from application.events import EventType
from application.interest import SetPolicy
from application.periods import closed_for
from application.write_path import InAppWritePath
from domain import ledger
from domain.accounts import Account
from domain.errors import InvalidState, NotFound, PeriodClosed, ValidationError
from domain.periods import CloseRequest, PeriodClose
from domain.transfers import ReversalRequest, TransferRequest
from tests.fakes import FakeClock, InMemoryStore, SequentialIds
from tests.unit.builders import OpenFn

NOW = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)
JAN = date(2025, 1, 31)
IN_JANUARY = datetime(2025, 1, 20, 12, 0, tzinfo=UTC)
IN_FEBRUARY = datetime(2025, 2, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def bank(open_: OpenFn) -> Account:
    return open_("bank", normal_side="debit", min_balance=None)


@pytest.fixture
def alice(open_: OpenFn) -> Account:
    return open_("alice")


def pay(ids: SequentialIds, source: Account, target: Account, amount: int, **options: Any) -> TransferRequest:
    return TransferRequest.simple(
        ids.new_id(), debit_account_id=source.id, credit_account_id=target.id, amount=amount, **options
    )


def close(
    store: InMemoryStore, clock: FakeClock, ids: SequentialIds, through: date = JAN, **options: Any
) -> periods.Closing:
    return periods.close_period(
        CloseRequest(through, **options), "ops (key 1)", store.unit_of_work(), clock, ids
    )


def events_of(store: InMemoryStore, type_: EventType) -> list[dict[str, Any]]:
    return [e.data for e in store.events if e.type == type_]


# --- closing and reopening --------------------------------------------------------------------------


def test_closing_records_the_close_its_event_and_its_snapshot(
    store: InMemoryStore,
    clock: FakeClock,
    ids: SequentialIds,
    write: InAppWritePath,
    bank: Account,
    alice: Account,
) -> None:
    write.post_transfers([pay(ids, bank, alice, 1000, effective_at=IN_JANUARY)])
    write.post_transfers([pay(ids, bank, alice, 500, effective_at=IN_FEBRUARY)])
    write.post_transfers([pay(ids, bank, alice, 70, pending=True, effective_at=IN_JANUARY)])  # a hold
    closing = close(store, clock, ids, reason="January books")
    assert not closing.replayed and closing.period.accounts == 2
    made = closing.period.close
    assert (made.asset, made.through, made.closed_by, made.reason, made.active) == (
        None,
        JAN,
        "ops (key 1)",
        "January books",
        True,
    )
    [event] = events_of(store, EventType.PERIOD_CLOSED)
    assert (event["id"], event["through"], event["status"]) == (str(made.id), "2025-01-31", "closed")
    page = periods.period_balances(made.id, store.unit_of_work())
    by_code = {b.code: (b.posted_debits, b.posted_credits, b.posted) for b in page.items}
    assert by_code == {"alice": (0, 1000, 1000), "bank": (1000, 0, 1000)}  # posted, by value date


def test_the_same_close_again_answers_the_existing_one(
    store: InMemoryStore, clock: FakeClock, ids: SequentialIds
) -> None:
    first = close(store, clock, ids)
    again = close(store, clock, ids, reason="said again")
    assert again.replayed and again.period.close.id == first.period.close.id
    assert len(events_of(store, EventType.PERIOD_CLOSED)) == 1


def test_a_close_must_be_later_and_of_a_known_asset(
    store: InMemoryStore, clock: FakeClock, ids: SequentialIds
) -> None:
    close(store, clock, ids)
    with pytest.raises(InvalidState):
        close(store, clock, ids, through=date(2025, 1, 15))
    with pytest.raises(ValidationError):
        close(store, clock, ids, through=date(2025, 3, 10))  # today has not ended
    with pytest.raises(ValidationError) as unknown:
        close(store, clock, ids, through=date(2025, 2, 28), asset="XYZ")
    assert [issue.field for issue in unknown.value.issues] == ["asset"]


def test_reopening_is_recorded_and_only_the_latest_close_reopens(
    store: InMemoryStore, clock: FakeClock, ids: SequentialIds
) -> None:
    january = close(store, clock, ids).period.close
    february = close(store, clock, ids, through=date(2025, 2, 28)).period.close
    with pytest.raises(InvalidState):
        periods.reopen_period(january.id, "late invoice", "ops", store.unit_of_work(), clock)
    clock.advance(60)
    reopened = periods.reopen_period(february.id, "late invoice", "ops (key 2)", store.unit_of_work(), clock)
    stored = periods.get_period(february.id, store.unit_of_work()).close
    assert (stored.active, stored.reopened_by, stored.reopen_reason, stored.reopened_at) == (
        False,
        "ops (key 2)",
        "late invoice",
        clock.now(),
    )
    assert reopened.close.reopened_at == clock.now()
    [event] = events_of(store, EventType.PERIOD_REOPENED)
    assert (event["status"], event["reopened_by"]) == ("reopened", "ops (key 2)")
    with pytest.raises(NotFound):
        periods.reopen_period(ids.new_id(), "no such close", "ops", store.unit_of_work(), clock)


def test_closes_are_listed_newest_first_a_page_at_a_time(
    store: InMemoryStore, clock: FakeClock, ids: SequentialIds
) -> None:
    made: list[PeriodClose] = []
    for day in (date(2025, 1, 31), date(2025, 2, 14), date(2025, 2, 28)):
        made.append(close(store, clock, ids, through=day).period.close)
        clock.advance(1)
    first = periods.list_periods(store.unit_of_work(), limit=2)
    assert [p.close.id for p in first.items] == [made[2].id, made[1].id]
    second = periods.list_periods(store.unit_of_work(), after=first.next_cursor, limit=2)
    assert [p.close.id for p in second.items] == [made[0].id] and second.next_cursor is None


# --- the write path refuses what is dated in a closed period ---------------------------------------


def test_a_backdated_transfer_into_a_closed_month_is_refused_and_accepted_once_reopened(
    store: InMemoryStore,
    clock: FakeClock,
    ids: SequentialIds,
    write: InAppWritePath,
    bank: Account,
    alice: Account,
) -> None:
    january = close(store, clock, ids).period.close
    late = pay(ids, bank, alice, 1000, effective_at=IN_JANUARY)
    with pytest.raises(PeriodClosed) as refused:
        write.post_transfers([late])
    assert refused.value.context["closed_through"] == "2025-01-31"
    write.post_transfers([pay(ids, bank, alice, 300, effective_at=IN_FEBRUARY)])  # February is open
    write.post_transfers([pay(ids, bank, alice, 200)])  # and so is now
    periods.reopen_period(january.id, "late invoice", "ops", store.unit_of_work(), clock)
    assert not write.post_transfers([late])[0].replayed


def test_in_a_group_the_backdated_request_is_refused_alone(
    store: InMemoryStore,
    clock: FakeClock,
    ids: SequentialIds,
    write: InAppWritePath,
    bank: Account,
    alice: Account,
) -> None:
    close(store, clock, ids)
    requests = [pay(ids, bank, alice, 100), pay(ids, bank, alice, 200, effective_at=IN_JANUARY)]
    ok, refused = write.post_each(requests)
    assert isinstance(ok, ledger.Outcome) and isinstance(refused, PeriodClosed)
    assert store.accounts[alice.id].posted_balance == 100


def test_a_capture_of_a_hold_dated_in_a_closed_period_is_refused(
    store: InMemoryStore,
    clock: FakeClock,
    ids: SequentialIds,
    write: InAppWritePath,
    bank: Account,
    alice: Account,
) -> None:
    hold = pay(ids, bank, alice, 100, pending=True, effective_at=IN_JANUARY)
    write.post_transfers([hold])
    close(store, clock, ids)
    with pytest.raises(PeriodClosed):
        write.post_pending(hold.id)
    write.void_pending(hold.id)  # a release writes no entry: allowed


def test_a_backdated_reversal_is_refused_and_one_dated_now_is_not(
    store: InMemoryStore,
    clock: FakeClock,
    ids: SequentialIds,
    write: InAppWritePath,
    bank: Account,
    alice: Account,
) -> None:
    original = pay(ids, bank, alice, 100, effective_at=IN_JANUARY)
    write.post_transfers([original])
    close(store, clock, ids)
    with pytest.raises(PeriodClosed):
        write.reverse(ReversalRequest(ids.new_id(), original.id, effective_at=IN_JANUARY))
    reversal = write.reverse(ReversalRequest(ids.new_id(), original.id))
    assert reversal.transfer.effective_at == NOW


def test_interest_dated_in_a_closed_period_fails_for_its_account_only(
    store: InMemoryStore, clock: FakeClock, ids: SequentialIds, open_: OpenFn, bank: Account
) -> None:
    write = InAppWritePath(store.unit_of_work, clock)
    saver, payer = open_("saver"), open_("payer", normal_side="debit", min_balance=None)
    clock.set(datetime(2024, 12, 1, tzinfo=UTC))  # interest accrues on balances as booked
    write.post_transfers([pay(ids, bank, saver, 1_000_000)])
    clock.set(NOW)
    policy = SetPolicy(saver.id, date(2024, 12, 1), 1000, "ACT/365F", payer.id)
    interest.set_policy(policy, store.unit_of_work(), clock)
    close(store, clock, ids, through=date(2025, 1, 1))  # interest of December 31st takes effect January 1st
    batch = InAppBatchPath(store.unit_of_work, clock)
    summary = batch.accrue_interest([saver.id], date(2024, 12, 31), date(2024, 12, 31))
    assert [f.code for f in summary.failures] == ["period_closed"] and not summary.postings
    # January is still open: posted now on request, effective Jan 2nd
    summary = batch.accrue_interest([saver.id], date(2025, 1, 1), date(2025, 1, 1), post_open=True)
    assert not summary.failures and len(summary.postings) == 1


def test_the_closed_periods_are_read_only_for_a_backdated_request(
    store: InMemoryStore, clock: FakeClock, ids: SequentialIds
) -> None:
    close(store, clock, ids)
    with store.unit_of_work() as uow:
        assert closed_for(uow, [None, NOW, datetime(2025, 3, 10, tzinfo=UTC)], NOW) is None
        found = closed_for(uow, [None, IN_FEBRUARY], NOW)
        assert found is not None and found.through("BRL") == JAN


def test_the_store_refuses_entries_in_a_closed_period_whatever_wrote_them(
    store: InMemoryStore, clock: FakeClock, ids: SequentialIds, bank: Account, alice: Account
) -> None:
    """As the database's trigger does (RZ120): the write path's own check skipped."""
    close(store, clock, ids)
    with store.unit_of_work() as uow, pytest.raises(PeriodClosed):
        accounts = uow.accounts.lock({bank.id, alice.id})
        [outcome] = ledger.post_transfers(
            [pay(ids, bank, alice, 100, effective_at=IN_JANUARY)], existing={}, accounts=accounts, at=NOW
        )
        uow.transfers.add(outcome.transfer, outcome.entries)
