"""Interest in exact arithmetic: day counts, periods, rounding half to even and the carry."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.accounts import Side
from domain.errors import ValidationError
from domain.interest import (
    DayCount,
    InterestPolicy,
    days,
    periods,
    policy_on,
    posting_sides,
    settle,
    thirty_e_360_days,
)

ACCOUNT = UUID(int=1)
PAYER = UUID(int=2)
OTHER_PAYER = UUID(int=3)


def _month(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return days(first, following - timedelta(days=1))


def _sum(day_count: DayCount, dates: list[date]) -> Fraction:
    return sum((day_count.day_fraction(d) for d in dates), Fraction(0))


@pytest.mark.parametrize("year", [2023, 2024])  # 2024 is a leap year
@pytest.mark.parametrize("month", range(1, 13))
def test_thirty_e_360_sums_to_thirty_days_every_month(year: int, month: int) -> None:
    assert _sum(DayCount.THIRTY_E_360, _month(year, month)) == Fraction(30, 360)


def test_thirty_e_360_month_ends() -> None:
    fraction = DayCount.THIRTY_E_360.day_fraction
    assert fraction(date(2025, 1, 30)) == 0  # the 31st counts as the 30th
    assert fraction(date(2025, 1, 31)) == Fraction(1, 360)
    assert fraction(date(2025, 2, 28)) == Fraction(3, 360)  # 28 February to 1 March makes up the month
    assert fraction(date(2024, 2, 28)) == Fraction(1, 360)  # a leap year: the 29th follows
    assert fraction(date(2024, 2, 29)) == Fraction(2, 360)
    assert fraction(date(2024, 12, 31)) == Fraction(1, 360)  # across the year end
    assert thirty_e_360_days(date(2024, 1, 31), date(2024, 12, 31)) == 330


@pytest.mark.parametrize(
    ("day_count", "per_day"), [(DayCount.ACT_365F, Fraction(1, 365)), (DayCount.ACT_360, Fraction(1, 360))]
)
def test_actual_day_counts_count_every_day(day_count: DayCount, per_day: Fraction) -> None:
    assert _sum(day_count, _month(2024, 2)) == 29 * per_day
    assert _sum(day_count, _month(2023, 2)) == 28 * per_day
    assert _sum(day_count, _month(2025, 1)) == 31 * per_day
    leap_year = days(date(2024, 1, 1), date(2024, 12, 31))
    assert _sum(day_count, leap_year) == 366 * per_day  # ACT/365F: a leap year is worth 366/365


def test_daily_interest_is_exact_and_signed() -> None:
    policy = InterestPolicy(ACCOUNT, date(2025, 1, 1), 1050, DayCount.ACT_365F, PAYER)
    assert policy.daily_interest(100_000, date(2025, 1, 1)) == Fraction(100_000 * 1050, 10_000 * 365)
    assert policy.daily_interest(-100_000, date(2025, 1, 1)) == -Fraction(100_000 * 1050, 10_000 * 365)


def test_settle_rounds_half_to_even_and_carries_the_rest() -> None:
    assert settle(Fraction(5, 2), Fraction(0)).amount == 2
    assert settle(Fraction(7, 2), Fraction(0)).amount == 4
    assert settle(Fraction(-5, 2), Fraction(0)).amount == -2
    result = settle(Fraction(10, 3), Fraction(1, 3))
    assert (result.amount, result.carry) == (4, Fraction(-1, 3))


@given(
    st.lists(st.integers(min_value=-(10**12), max_value=10**12), min_size=1, max_size=60),
    st.integers(min_value=0, max_value=100_000),
    st.sampled_from(list(DayCount)),
)
def test_the_carry_keeps_the_total_within_one_minor_unit(
    balances: list[int], rate_bps: int, day_count: DayCount
) -> None:
    """Over many periods, the amounts posted add up to the exact total within one minor unit (at most
    half of one, in fact: the carry is what rounding left over)."""
    policy = InterestPolicy(ACCOUNT, date(2020, 1, 1), rate_bps, day_count, PAYER)
    start = date(2020, 1, 1)
    found = periods(ACCOUNT, [policy], ((start + timedelta(days=30 * n), b) for n, b in enumerate(balances)))
    carry, posted, exact = Fraction(0), 0, Fraction(0)
    for period in found:
        settlement = settle(period.accrued, carry)
        carry, posted, exact = settlement.carry, posted + settlement.amount, exact + period.accrued
        assert abs(carry) <= Fraction(1, 2)
    assert posted + carry == exact
    assert abs(posted - exact) < 1


def test_periods_split_at_month_ends_and_policy_changes() -> None:
    first = InterestPolicy(ACCOUNT, date(2025, 1, 1), 1000, DayCount.ACT_365F, PAYER)
    second = InterestPolicy(ACCOUNT, date(2025, 2, 10), 500, DayCount.ACT_360, OTHER_PAYER)
    balances = [(d, 1000) for d in days(date(2024, 12, 30), date(2025, 3, 2))]
    found = periods(ACCOUNT, [second, first], balances)
    assert [(p.first_day, p.last_day, p.policy) for p in found] == [
        (date(2025, 1, 1), date(2025, 1, 31), first),  # no policy before 1 January: nothing accrues
        (date(2025, 2, 1), date(2025, 2, 9), first),
        (date(2025, 2, 10), date(2025, 2, 28), second),
        (date(2025, 3, 1), date(2025, 3, 2), second),
    ]
    assert found[2].accrued == 19 * 1000 * Fraction(500, 10_000) / 360
    assert len({p.transfer_id() for p in found}) == 4
    assert found[0].transfer_id() == periods(ACCOUNT, [first], balances)[0].transfer_id()  # deterministic


def test_policy_on_picks_the_latest_in_force() -> None:
    a = InterestPolicy(ACCOUNT, date(2025, 1, 1), 1, DayCount.ACT_360, PAYER)
    b = InterestPolicy(ACCOUNT, date(2025, 6, 1), 2, DayCount.ACT_360, PAYER)
    assert policy_on([b, a], date(2024, 12, 31)) is None
    assert policy_on([b, a], date(2025, 5, 31)) is a
    assert policy_on([b, a], date(2025, 6, 1)) is b


def test_posting_sides_follow_the_sign() -> None:
    assert posting_sides(Side.CREDIT, 10) == (Side.CREDIT, Side.DEBIT)
    assert posting_sides(Side.CREDIT, -10) == (Side.DEBIT, Side.CREDIT)
    assert posting_sides(Side.DEBIT, 10) == (Side.DEBIT, Side.CREDIT)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rate_bps": -1}, "rate_bps"),
        ({"rate_bps": True}, "rate_bps"),
        ({"day_count": "ACT/ACT"}, "day_count"),
        ({"counterpart_account_id": ACCOUNT}, "counterpart_account_id"),
    ],
)
def test_policy_validation(fields: dict[str, object], field: str) -> None:
    values: dict[str, object] = {
        "account_id": ACCOUNT,
        "effective_from": date(2025, 1, 1),
        "rate_bps": 100,
        "day_count": "ACT/360",
        "counterpart_account_id": PAYER,
        **fields,
    }
    with pytest.raises(ValidationError) as error:
        InterestPolicy(**values)  # type: ignore[arg-type]
    assert error.value.issues[0].field == field
