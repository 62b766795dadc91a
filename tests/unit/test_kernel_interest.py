"""The interest kernel (`razao_kernel.interest_settle`) against the reference (`settle_periods_reference`).

Each test calls both paths explicitly: `settle_periods_native(NATIVE, ...)` for the kernel and
`settle_periods_reference(...)` for the specification, on periods made by `domain.interest.periods` from
random balances, policies and days (every day count, month ends, leap days), with random carries. Where
a number leaves the kernel's i128, it answers None and `settle_periods` falls back to the reference.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, timedelta
from fractions import Fraction
from types import ModuleType
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import kernel
from domain.interest import (
    MAX_RATE_BPS,
    Accrual,
    DayCount,
    InterestPolicy,
    Period,
    days,
    periods,
    settle_periods,
    settle_periods_native,
    settle_periods_reference,
)

try:
    import razao_kernel as _installed
except ImportError:  # no kernel on this machine: only the reference runs
    _installed = None

#: The kernel module at the version the code pins (None: not installed, or another version).
NATIVE: ModuleType | None = kernel.choose("auto", _installed).module
needs_kernel = pytest.mark.skipif(
    NATIVE is None, reason="razao_kernel is not installed at the pinned version"
)

ACCOUNT = UUID(int=1)
PAYER = UUID(int=2)
I128 = 2**127
#: Balances the kernel always handles: with rates up to MAX_RATE_BPS, 31 days a period and carries of
#: denominators up to 10**12, every intermediate stays far inside i128.
SMALL = 10**15


@contextlib.contextmanager
def _kernel_mode(mode: str) -> Iterator[None]:
    kernel.configure(mode)
    try:
        yield
    finally:
        kernel.configure("auto")


def _native() -> ModuleType:
    assert NATIVE is not None
    return NATIVE


# --- strategies ----------------------------------------------------------------------------------

balances = st.one_of(
    st.integers(-SMALL, SMALL),
    st.sampled_from([0, 1, -1, 10**38, -(10**38), I128 - 1, -I128, 10**38 // 3]),
    st.integers(-(10**38), 10**38),
)
carries = st.one_of(
    st.just(Fraction(0)),
    st.builds(Fraction, st.integers(-(10**6), 10**6), st.integers(1, 10**12)).map(lambda f: f - round(f)),
    st.builds(Fraction, st.integers(-(10**40), 10**40), st.integers(1, 10**40)),
)
#: Starts near the edges that matter: month ends, February of leap and common years, the year end.
starts = st.one_of(
    st.dates(date(1999, 1, 1), date(2101, 12, 31)),
    st.sampled_from(
        [date(2024, 2, 27), date(2023, 2, 27), date(2100, 2, 27), date(2000, 2, 28), date(2025, 12, 30)]
    ),
)


@st.composite
def accounts(draw: st.DrawFn, small: bool = False) -> tuple[list[Period], Fraction]:
    """An account's periods (one to three policies, any day count, up to 70 days) and its carry."""
    start = draw(starts)
    span = days(start, start + timedelta(days=draw(st.integers(0, 69))))
    count = draw(st.integers(1, 3))
    policies = [
        InterestPolicy(
            ACCOUNT,
            start if n == 0 else draw(st.sampled_from(span)),
            draw(st.one_of(st.integers(0, MAX_RATE_BPS), st.sampled_from([0, 1, 1050, MAX_RATE_BPS]))),
            draw(st.sampled_from(list(DayCount))),
            PAYER,
        )
        for n in range(count)
    ]
    money = st.integers(-SMALL, SMALL) if small else balances
    found = periods(ACCOUNT, policies, [(d, draw(money)) for d in span])
    carry = draw(st.builds(Fraction, st.integers(-(10**6), 10**6), st.integers(1, 10**12))) if small else None
    return found, draw(carries) if carry is None else carry


def _period(amounts: list[Fraction], day: date = date(2025, 1, 1)) -> Period:
    policy = InterestPolicy(ACCOUNT, date(2020, 1, 1), 1000, DayCount.ACT_365F, PAYER)
    accruals = tuple(
        Accrual(ACCOUNT, day + timedelta(days=n), 0, 1000, DayCount.ACT_365F, a)
        for n, a in enumerate(amounts)
    )
    return Period(policy, accruals)


# --- kernel and reference ---------------------------------------------------------------------------


@needs_kernel
@given(accounts())
def test_kernel_settles_as_the_reference_or_declines(account: tuple[list[Period], Fraction]) -> None:
    found, carry = account
    expected = settle_periods_reference(found, carry)
    answer = settle_periods_native(_native(), found, carry)
    assert answer is None or answer == expected
    with _kernel_mode("auto"):
        assert settle_periods(found, carry) == expected  # the kernel's answer, or the reference's


@needs_kernel
@given(accounts(small=True))
def test_kernel_answers_every_ordinary_account(account: tuple[list[Period], Fraction]) -> None:
    found, carry = account
    assert settle_periods_native(_native(), found, carry) == settle_periods_reference(found, carry)


@given(accounts())
def test_reference_mode_never_calls_the_kernel(account: tuple[list[Period], Fraction]) -> None:
    found, carry = account
    with _kernel_mode("reference"):
        assert kernel.native() is None
        assert settle_periods(found, carry) == settle_periods_reference(found, carry)


@needs_kernel
@pytest.mark.parametrize(
    ("accrued", "amount"),
    [
        (Fraction(5, 2), 2),
        (Fraction(7, 2), 4),
        (Fraction(-5, 2), -2),
        (Fraction(-7, 2), -4),
        (Fraction(1, 2), 0),
        (Fraction(-1, 2), 0),
        (Fraction(3, 2), 2),
        (Fraction(1, 3), 0),
        (Fraction(-2, 3), -1),
        (Fraction(0), 0),
    ],
)
def test_rounds_half_to_even(accrued: Fraction, amount: int) -> None:
    found = [_period([accrued])]
    assert settle_periods_native(_native(), found, Fraction(0)) == ([amount], accrued - amount)
    assert settle_periods_reference(found, Fraction(0)) == ([amount], accrued - amount)


@needs_kernel
@pytest.mark.parametrize("day_count", list(DayCount))
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2024, 2, 1), date(2024, 3, 31)),  # a leap February and a 31-day month
        (date(2023, 2, 1), date(2023, 3, 31)),  # a common February
        (date(2025, 12, 15), date(2026, 1, 15)),  # across the year end
        (date(2100, 2, 27), date(2100, 3, 2)),  # 2100 is not a leap year
    ],
)
def test_every_day_count_across_month_ends(day_count: DayCount, start: date, end: date) -> None:
    policy = InterestPolicy(ACCOUNT, start, 1050, day_count, PAYER)
    found = periods(ACCOUNT, [policy], [(d, 123_456_789 - 1000 * n) for n, d in enumerate(days(start, end))])
    assert len(found) >= 2
    carry = Fraction(-1, 3)
    assert settle_periods_native(_native(), found, carry) == settle_periods_reference(found, carry)


@needs_kernel
def test_carries_run_through_the_periods() -> None:
    found = [_period([Fraction(1, 3)], date(2025, m, 1)) for m in range(1, 13)]
    amounts, carry = settle_periods_native(_native(), found, Fraction(1, 6)) or ([], None)
    assert (amounts, carry) == settle_periods_reference(found, Fraction(1, 6))
    assert sum(amounts) + carry == 12 * Fraction(1, 3) + Fraction(1, 6)  # nothing lost to rounding


@needs_kernel
@pytest.mark.parametrize(
    ("amounts", "carry"),
    [
        ([Fraction(I128)], Fraction(0)),  # a day's amount outside i128
        ([Fraction(1, I128)], Fraction(0)),  # a denominator outside i128
        ([Fraction(I128 - 1), Fraction(I128 - 1)], Fraction(0)),  # the sum overflows
        ([Fraction(1, 3)], Fraction(1, I128 - 1)),  # the common denominator overflows
        ([Fraction(1, 3)], Fraction(10**40, 7)),  # the carry is outside i128
        ([Fraction(-I128, 3), Fraction(-I128, 3)], Fraction(0)),
    ],
)
def test_overflow_declines_and_the_reference_answers(amounts: list[Fraction], carry: Fraction) -> None:
    found = [_period(amounts)]
    assert settle_periods_native(_native(), found, carry) is None
    with _kernel_mode("auto"):
        assert settle_periods(found, carry) == settle_periods_reference(found, carry)


@needs_kernel
def test_balances_near_the_limit() -> None:
    policy = InterestPolicy(ACCOUNT, date(2024, 1, 1), 1050, DayCount.ACT_365F, PAYER)
    for balance in (10**38, -(10**38), 10**30, -(10**30)):
        found = periods(ACCOUNT, [policy], [(date(2024, 1, 1), balance)])
        expected = settle_periods_reference(found, Fraction(0))
        answer = settle_periods_native(_native(), found, Fraction(0))
        assert answer is None or answer == expected
        with _kernel_mode("auto"):
            assert settle_periods(found, Fraction(0)) == expected
    found = periods(ACCOUNT, [policy], [(date(2024, 1, 1), 10**30)])
    assert settle_periods_native(_native(), found, Fraction(0)) is not None  # 10**30 * 1050 fits


@needs_kernel
def test_no_periods_keep_the_carry() -> None:
    assert settle_periods_native(_native(), [], Fraction(-2, 7)) == ([], Fraction(-2, 7))


@needs_kernel
def test_kernel_refuses_ends_that_do_not_fit_the_days() -> None:
    with pytest.raises(ValueError, match="ends"):
        _native().interest_settle(0, 1, [1, 2], [2])
    with pytest.raises(ValueError, match="ends"):
        _native().interest_settle(0, 1, [1, 2, 1, 2], [2, 1])
