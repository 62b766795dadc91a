"""Interest: policies, day counts and daily accrual in exact arithmetic, posted per period with a carry.

Interest accrues every day on the day's closing posted balance (`Fraction`: no rounding while
accruing). At the end of each period (a calendar month, clipped to the range being accrued and to the
policy in force) the accrued amount plus the remainder carried from earlier periods is rounded half to
even to the account's minor unit and posted; what rounding left over (an exact fraction of a minor
unit) carries into the next period. Over any number of periods, the total posted therefore differs from
the exact total by less than one minor unit.

Day counts, applied to each daily period d -> d + 1:
- ACT/365F: 1/365 per day (366-day years included);
- ACT/360:  1/360 per day;
- 30E/360:  the 30E/360 fraction of (d, d + 1): days 31 count as day 30, so the 30th-to-31st step is
  worth 0 and the step into a new month makes up the rest: every whole month sums to 30/360.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from types import ModuleType
from uuid import UUID

from domain import kernel
from domain.accounts import Side
from domain.errors import ValidationError

BASIS_POINTS = 10_000
MAX_RATE_BPS = 1_000_000  # 10,000 % a year: anything above is surely a typing error
#: Namespace of the deterministic ids of interest postings (uuid5 of account and days).
INTEREST_NAMESPACE = UUID("6f1d2c1e-4a57-5e0b-9c3f-8d2b7a9e4f10")


class DayCount(StrEnum):
    ACT_365F = "ACT/365F"
    ACT_360 = "ACT/360"
    THIRTY_E_360 = "30E/360"

    @classmethod
    def parse(cls, value: object) -> DayCount:
        try:
            return cls(value if isinstance(value, str) else "")
        except ValueError:
            allowed = ", ".join(d.value for d in cls)
            raise ValidationError.of("day_count", f"must be one of {allowed}") from None

    def day_fraction(self, day: date) -> Fraction:
        """The year fraction of the daily period from `day` to the next day."""
        return Fraction(*self.day_parts(day))

    def day_parts(self, day: date) -> tuple[int, int]:
        """`day_fraction(day)` as (days, days in the year), not reduced: (1, 365), (1, 360) or (n, 360)."""
        if self is DayCount.ACT_365F:
            return 1, 365
        if self is DayCount.ACT_360:
            return 1, 360
        return thirty_e_360_days(day, day + timedelta(days=1)), 360


def thirty_e_360_days(start: date, end: date) -> int:
    """Days between two dates under 30E/360 (Eurobond basis): a 31st counts as the 30th."""
    d1, d2 = min(start.day, 30), min(end.day, 30)
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)


@dataclass(frozen=True, slots=True)
class InterestPolicy:
    """An account's interest terms from `effective_from` on (until a later policy takes over)."""

    account_id: UUID
    effective_from: date
    rate_bps: int
    day_count: DayCount
    counterpart_account_id: UUID

    def __post_init__(self) -> None:
        if not isinstance(self.rate_bps, int) or isinstance(self.rate_bps, bool):
            raise ValidationError.of("rate_bps", "must be an integer number of basis points")
        if not 0 <= self.rate_bps <= MAX_RATE_BPS:
            raise ValidationError.of("rate_bps", f"must be between 0 and {MAX_RATE_BPS}")
        object.__setattr__(self, "day_count", DayCount.parse(self.day_count))
        if not isinstance(self.effective_from, date):
            raise ValidationError.of("effective_from", "must be a date")
        if self.counterpart_account_id == self.account_id:
            raise ValidationError.of("counterpart_account_id", "must be another account than the one it pays")

    def daily_interest(self, balance: int, day: date) -> Fraction:
        """Exact interest for one day on a closing balance (negative for a negative balance):
        balance * rate_bps / 10,000 * day_fraction(day), as one fraction (reduced once)."""
        days_, year = self.day_count.day_parts(day)
        return Fraction(balance * self.rate_bps * days_, BASIS_POINTS * year)


def policy_on(policies: Sequence[InterestPolicy], day: date) -> InterestPolicy | None:
    """The policy in force on `day`: the one with the latest `effective_from` on or before it."""
    current = None
    for policy in sorted(policies, key=lambda p: p.effective_from):
        if policy.effective_from <= day:
            current = policy
    return current


def days(start: date, end: date) -> list[date]:
    """Every day from `start` to `end`, both included."""
    if end < start:
        raise ValidationError.of("end", "must not be before start")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


@dataclass(frozen=True, slots=True)
class Accrual:
    """One day's interest on one account (what the unique (account, day) row stores)."""

    account_id: UUID
    day: date
    balance: int
    rate_bps: int
    day_count: DayCount
    amount: Fraction


@dataclass(frozen=True, slots=True)
class Period:
    """Consecutive accrued days of one account under one policy within one calendar month."""

    policy: InterestPolicy
    accruals: tuple[Accrual, ...]
    _transfer_id: UUID = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        key = f"interest:{self.policy.account_id}:{self.first_day.isoformat()}:{self.last_day.isoformat()}"
        object.__setattr__(self, "_transfer_id", uuid.uuid5(INTEREST_NAMESPACE, key))

    @property
    def first_day(self) -> date:
        return self.accruals[0].day

    @property
    def last_day(self) -> date:
        return self.accruals[-1].day

    @property
    def accrued(self) -> Fraction:
        return sum((a.amount for a in self.accruals), Fraction(0))

    def transfer_id(self) -> UUID:
        """Deterministic: the same account and days always give the same id (days are accrued once).
        Worked out once, when the period is made (a uuid5 is a SHA-1 and a UUID object)."""
        return self._transfer_id


def periods(
    account_id: UUID, policies: Sequence[InterestPolicy], balances: Iterable[tuple[date, int]]
) -> list[Period]:
    """Group the days (with their closing balances, in date order) into periods: a new period starts
    with each calendar month and each change of policy. Days before any policy accrue nothing."""
    result: list[Period] = []
    current: list[Accrual] = []
    current_policy: InterestPolicy | None = None
    ordered = sorted(policies, key=lambda p: p.effective_from)  # `policy_on`, without a sort per day
    for day, balance in balances:
        policy = None
        for candidate in ordered:
            if candidate.effective_from <= day:
                policy = candidate
        if policy is None:
            continue
        if current and (
            policy is not current_policy
            or (day.year, day.month) != (current[-1].day.year, current[-1].day.month)
        ):
            assert current_policy is not None
            result.append(Period(current_policy, tuple(current)))
            current = []
        current_policy = policy
        current.append(
            Accrual(
                account_id,
                day,
                balance,
                policy.rate_bps,
                policy.day_count,
                policy.daily_interest(balance, day),
            )
        )
    if current:
        assert current_policy is not None
        result.append(Period(current_policy, tuple(current)))
    return result


@dataclass(frozen=True, slots=True)
class Settlement:
    """What one period posts (minor units, signed: negative pays the counterpart) and carries on."""

    amount: int
    carry: Fraction


def settle(accrued: Fraction, carried: Fraction) -> Settlement:
    """Round accrued + carried half to even to a whole minor unit; the exact remainder carries."""
    total = accrued + carried
    amount = round(total)
    return Settlement(amount, total - amount)


def settle_periods(found: Sequence[Period], carried: Fraction) -> tuple[list[int], Fraction]:
    """Settle an account's periods in order, each one's remainder carrying into the next: what each
    posts, and the carry left after the last (`settle_periods_reference`). The kernel does it when there
    is one, unless a number leaves its range."""
    native = kernel.native()
    if native is not None and (answer := settle_periods_native(native, found, carried)) is not None:
        return answer
    return settle_periods_reference(found, carried)


def settle_periods_native(
    native: ModuleType, found: Sequence[Period], carried: Fraction
) -> tuple[list[int], Fraction] | None:
    """`settle_periods_reference` by the kernel module `native` (`interest_settle`, which takes the daily
    amounts as flat integers); None when a number leaves the kernel's range."""
    daily: list[int] = []  # numerator, denominator of each day, flat
    ends: list[int] = []  # days up to and including each period's last
    for period in found:
        for accrual in period.accruals:
            amount = accrual.amount
            daily += (amount.numerator, amount.denominator)
        ends.append(len(daily) // 2)
    answer = native.interest_settle(carried.numerator, carried.denominator, daily, ends)
    if answer is None:
        return None
    amounts, numerator, denominator = answer
    return amounts, Fraction(numerator, denominator)


def settle_periods_reference(found: Sequence[Period], carried: Fraction) -> tuple[list[int], Fraction]:
    """The specification of `settle_periods`: `settle` each period's accrued amount with the carry."""
    amounts = []
    for period in found:
        settlement = settle(period.accrued, carried)
        amounts.append(settlement.amount)
        carried = settlement.carry
    return amounts, carried


def posting_sides(normal_side: Side, amount: int) -> tuple[Side, Side]:
    """(side on the account, side on the counterpart): a positive amount increases the account on its
    normal side; a negative one (interest on a negative balance) decreases it."""
    account_side = normal_side if amount > 0 else normal_side.opposite
    return account_side, account_side.opposite
