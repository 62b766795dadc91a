"""The interest use cases on the in-memory fakes: policies, accrual, reruns and the batch path."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from application import interest
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
    carry, _ = store.interest_carry[savings.id]
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
