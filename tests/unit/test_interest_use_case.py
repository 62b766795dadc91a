"""The interest use cases on the in-memory fakes: policies, accrual, reruns and the batch path."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from application import interest
from application.accounts import freeze_account
from application.batch_path import InAppBatchPath
from application.interest import SetPolicy
from domain.errors import AccountNotFound, AssetMismatch, ValidationError
from tests.fakes import FakeClock, InMemoryStore, SequentialIds
from tests.unit.builders import MoveFn, OpenFn


@pytest.fixture
def batch(store: InMemoryStore, clock: FakeClock) -> InAppBatchPath:
    return InAppBatchPath(store.unit_of_work, clock)


def _set(store: InMemoryStore, clock: FakeClock, account: object, payer: object, **fields: object) -> None:
    values: dict[str, object] = {
        "effective_from": date(2024, 1, 1),
        "rate_bps": 1000,
        "day_count": "ACT/365F",
    }
    values.update(fields)
    interest.set_policy(
        SetPolicy(account, counterpart_account_id=payer, **values),  # type: ignore[arg-type]
        store.unit_of_work(),
        clock,
    )


def test_accrues_posts_and_reruns_add_nothing(
    store: InMemoryStore, clock: FakeClock, open_: OpenFn, move: MoveFn, batch: InAppBatchPath
) -> None:
    bank = open_("bank", normal_side="debit", min_balance=None)
    expense = open_("interest", normal_side="debit", min_balance=None)
    savings = open_("savings")
    move(bank, savings, 365_000)  # 2 January 2024, 09:00
    _set(store, clock, savings.id, expense.id)
    clock.set(datetime(2024, 3, 1, tzinfo=UTC))

    summary = batch.accrue_interest([savings.id], date(2024, 1, 1), date(2024, 2, 29))
    # 1 January: balance 0; 2 to 31 January: 30 days; February: 29 days. 365,000 at 10 %: 100 a day.
    assert [p.amount for p in summary.postings] == [3000, 2900]
    assert summary.days == 60
    assert store.accounts[savings.id].posted_balance == 365_000 + 5900
    assert store.accounts[expense.id].posted_balance == 5900

    again = batch.accrue_interest([savings.id], date(2024, 1, 1), date(2024, 2, 29))
    assert (again.days, again.postings) == (0, ())
    assert store.accounts[savings.id].posted_balance == 365_000 + 5900


def test_each_interest_posting_is_told_twice_and_a_rerun_tells_nothing(
    store: InMemoryStore, clock: FakeClock, open_: OpenFn, move: MoveFn, batch: InAppBatchPath
) -> None:
    bank = open_("bank", normal_side="debit", min_balance=None)
    expense = open_("interest", normal_side="debit", min_balance=None)
    savings = open_("savings")
    move(bank, savings, 365_000)
    _set(store, clock, savings.id, expense.id)
    clock.set(datetime(2024, 3, 1, tzinfo=UTC))
    before = len(store.events)

    summary = batch.accrue_interest([savings.id], date(2024, 1, 1), date(2024, 2, 29))

    told = store.events[before:]
    assert [e.type for e in told] == ["transfer.posted", "account.interest_posted"] * 2
    pairs = zip(told[::2], told[1::2], strict=True)
    for posting, (booked, interest_event) in zip(summary.postings, pairs, strict=True):
        assert booked.transfer_id == interest_event.transfer_id == posting.transfer_id
        assert set(booked.account_ids) == {savings.id, expense.id}
        assert interest_event.account_ids == (savings.id,)
        assert interest_event.data == booked.data
        assert interest_event.data["id"] == str(posting.transfer_id)
    batch.accrue_interest([savings.id], date(2024, 1, 1), date(2024, 2, 29))
    assert len(store.events) == before + 4


def test_sub_unit_interest_carries_into_later_periods(
    store: InMemoryStore, clock: FakeClock, open_: OpenFn, move: MoveFn, batch: InAppBatchPath
) -> None:
    bank = open_("bank", normal_side="debit", min_balance=None)
    expense = open_("interest", normal_side="debit", min_balance=None)
    savings = open_("savings")
    move(bank, savings, 100)
    _set(
        store,
        clock,
        savings.id,
        expense.id,
        effective_from=date(2024, 1, 3),
        rate_bps=1200,
        day_count="30E/360",
    )
    clock.set(datetime(2026, 1, 1, tzinfo=UTC))
    posted = 0
    for month in range(1, 13):  # one month at a time: 100 at 12 % is 1 a month, 1/30 a day
        start = date(2024, month, 1)
        end = date(2024 + (month == 12), month % 12 + 1, 1)
        posted += sum(p.amount for p in batch.accrue_interest([savings.id], start, end).postings)
    exact = sum((a.amount for a, _ in store.interest_accruals.values()), Fraction(0))
    assert abs(posted - exact) < 1
    carry = store.interest_carry[savings.id].amount
    assert posted + carry == exact


def test_policy_rules(store: InMemoryStore, clock: FakeClock, open_: OpenFn) -> None:
    savings = open_("savings")
    payer = open_("payer", normal_side="debit")
    dollars = open_("dollars", asset="USD", normal_side="debit")
    with pytest.raises(AssetMismatch):
        _set(store, clock, savings.id, dollars.id)
    with pytest.raises(ValidationError):
        _set(store, clock, savings.id, savings.id)
    with pytest.raises(AccountNotFound):
        _set(store, clock, savings.id, SequentialIds(99).new_id())
    _set(store, clock, savings.id, payer.id, rate_bps=5)
    _set(store, clock, savings.id, payer.id, rate_bps=7, effective_from=date(2025, 1, 1))
    assert [p.rate_bps for p in interest.policy_history(savings.id, store.unit_of_work())] == [5, 7]
    with pytest.raises(AccountNotFound):
        interest.policy_history(SequentialIds(99).new_id(), store.unit_of_work())


def test_accounts_with_policies_in_chunks(
    store: InMemoryStore, clock: FakeClock, open_: OpenFn, batch: InAppBatchPath
) -> None:
    payer = open_("payer", normal_side="debit")
    accounts = sorted(open_(f"acc-{n}").id for n in range(3))
    for account in accounts:
        _set(store, clock, account, payer.id)
    assert batch.accounts_with_policies(None, 2) == accounts[:2]
    assert batch.accounts_with_policies(accounts[1], 2) == accounts[2:]


def test_a_range_must_run_forward(batch: InAppBatchPath) -> None:
    with pytest.raises(ValidationError):
        batch.accrue_interest([], date(2024, 2, 1), date(2024, 1, 31))


def test_only_days_that_have_ended_accrue(
    store: InMemoryStore, clock: FakeClock, open_: OpenFn, batch: InAppBatchPath
) -> None:
    expense = open_("interest", normal_side="debit", min_balance=None)
    savings = open_("savings")
    _set(store, clock, savings.id, expense.id)
    clock.set(datetime(2024, 3, 1, 23, 59, tzinfo=UTC))
    for end in (date(2024, 3, 1), date(2024, 3, 2)):
        with pytest.raises(ValidationError, match="ended"):
            batch.accrue_interest([savings.id], date(2024, 2, 1), end)
    assert store.interest_accruals == {}
    assert batch.accrue_interest([savings.id], date(2024, 2, 1), date(2024, 2, 29)).days == 29


def test_a_refused_account_leaves_its_chunk_as_if_it_were_not_there(
    store: InMemoryStore, clock: FakeClock, open_: OpenFn, move: MoveFn, batch: InAppBatchPath
) -> None:
    """The chunk books its accounts together; one refused after a first posting on the counterpart the
    others share is put back whole, and the others book as they would have without it."""
    bank = open_("bank", normal_side="debit", min_balance=None)
    expense = open_("interest", normal_side="debit", min_balance=None)
    frozen = open_("frozen-payer", normal_side="debit", min_balance=None)
    savers = [open_(f"savings-{n}") for n in range(3)]
    for saver in savers:
        move(bank, saver, 365_000)  # 2 January 2024
        _set(store, clock, saver.id, expense.id)
    refused = savers[1]
    _set(store, clock, refused.id, frozen.id, effective_from=date(2024, 2, 1))  # January still posts first
    freeze_account(frozen.id, store.unit_of_work(), clock)
    clock.set(datetime(2024, 3, 1, tzinfo=UTC))

    summary = batch.accrue_interest([s.id for s in savers], date(2024, 1, 1), date(2024, 2, 29))
    assert [(f.account_id, f.code) for f in summary.failures] == [(refused.id, "account_inactive")]
    others = [savers[0].id, savers[2].id]
    assert sorted((p.account_id, p.amount) for p in summary.postings) == sorted(
        (a, amount) for a in others for amount in (3000, 2900)
    )
    assert store.accounts[refused.id].posted_balance == 365_000
    assert store.accounts[expense.id].posted_balance == 2 * 5900
    assert {a for a, _ in store.interest_accruals} == set(others)
    assert refused.id not in store.interest_carry
