"""Interest: policies, day counts and daily accrual in exact arithmetic, posted per period with a carry.

Interest accrues every day on the day's closing posted balance (`Fraction`: no rounding while
accruing). A period is a calendar month, cut short by a change of policy. Once a period has ended (its
month's last day, or the last day before another policy, has been accrued) its accrued amount plus the
remainder carried from earlier periods is rounded half to even to the account's minor unit and posted;
what rounding left over (an exact fraction of a minor unit) carries into the next period. Until then the
period is *open*: its days are accrued and their interest waits in the carry (`Carried`), so what is
posted, and when it takes effect, does not depend on how the days were split into runs. Over any number
of periods, the total posted differs from the exact total by less than one minor unit.

Day counts, applied to each daily period d -> d + 1:
- ACT/365F: 1/365 per day (366-day years included);
- ACT/360:  1/360 per day;
- 30E/360:  the 30E/360 fraction of (d, d + 1): days 31 count as day 30, so the 30th-to-31st step is
  worth 0 and the step into a new month makes up the rest: every whole month sums to 30/360.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from fractions import Fraction
from types import ModuleType
from uuid import UUID

from domain import kernel
from domain.accounts import Side
from domain.errors import ValidationError
from domain.transfers import Posting, TransferRequest

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
class Carried:
    """What an account carries from one accrual to the next: the exact interest accrued and not posted
    (the remainder rounding left, plus the interest of the open period), the last day accrued, and the
    first day of the open period (None: no period is open). The open period runs from `open_from` to
    `through`."""

    amount: Fraction = Fraction(0)
    through: date | None = None
    open_from: date | None = None


@dataclass(frozen=True, slots=True)
class Period:
    """Consecutive accrued days of one account under one policy within one calendar month. When the
    period continues one left open by an earlier accrual, `opened` is that period's first day and
    `accruals` only the days added since (the earlier days' interest is in the carry); a period closed
    as it was left has no accruals of its own and ends on `closes`."""

    policy: InterestPolicy
    accruals: tuple[Accrual, ...]
    opened: date | None = None
    closes: date | None = None
    _transfer_id: UUID = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        key = f"interest:{self.policy.account_id}:{self.first_day.isoformat()}:{self.last_day.isoformat()}"
        object.__setattr__(self, "_transfer_id", uuid.uuid5(INTEREST_NAMESPACE, key))

    @property
    def first_day(self) -> date:
        return self.opened if self.opened is not None else self.accruals[0].day

    @property
    def last_day(self) -> date:
        return self.accruals[-1].day if self.accruals else self.closes  # type: ignore[return-value]

    def has_ended(self, policies: Sequence[InterestPolicy]) -> bool:
        """Whether the period is over: its last day is its month's last, or another policy takes over
        the next day."""
        following = self.last_day + timedelta(days=1)
        return following.month != self.last_day.month or policy_on(policies, following) != self.policy

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
class Plan:
    """An account's accrual: the periods to post now, in order, and the period left open (if any)."""

    posted: list[Period]
    open: Period | None


def plan(
    account_id: UUID,
    policies: Sequence[InterestPolicy],
    balances: Iterable[tuple[date, int]],
    carried: Carried,
    post_open: bool = False,
) -> Plan:
    """Group the days to accrue (`periods`) and decide what posts now.

    - The open period (`carried.open_from` to `carried.through`) goes on with the first new day when that
      is the very next day, in the same month, under the same policy; otherwise it is posted as it was
      left, before the new periods.
    - Every period posts, but the last one stays open while it has not ended (`Period.has_ended`) and
      is the newest the account has accrued (older days filled in later post at once).
    - `post_open`: post the last period even if it has not ended (an account about to be closed, say);
      an open period with no new days is then posted as it was left."""
    found = periods(account_id, policies, balances)
    through = carried.through
    posted: list[Period] = []
    if carried.open_from is not None and through is not None and (found or post_open):
        policy = policy_on(policies, carried.open_from)
        assert policy is not None, "a policy in force on an accrued day stays in force on it"
        first = found[0] if found else None
        if (
            first is not None
            and first.first_day == through + timedelta(days=1)
            and (first.first_day.year, first.first_day.month) == (through.year, through.month)
            and first.policy == policy
        ):
            found[0] = Period(first.policy, first.accruals, opened=carried.open_from)
        else:
            posted.append(Period(policy, (), opened=carried.open_from, closes=through))
    if not found:
        return Plan(posted, None)
    last = found[-1]
    stays = not post_open and not last.has_ended(policies) and (through is None or last.last_day > through)
    return Plan(posted + found[:-1], last) if stays else Plan(posted + found, None)


def carry_on(plan: Plan, carried: Carried, carry: Fraction) -> Carried:
    """What the account carries after `plan`: `carry` (the remainder of its postings) plus the open
    period's interest, the last day accrued, and where the open period starts (as it was, when the plan
    has nothing to do)."""
    if not plan.posted and plan.open is None:
        return carried
    accrued = [p.last_day for p in plan.posted if p.accruals] + ([plan.open.last_day] if plan.open else [])
    through = max([*accrued, *([carried.through] if carried.through else [])], default=None)
    if plan.open is None:
        return Carried(carry, through, None)
    return Carried(carry + plan.open.accrued, through, plan.open.first_day)


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


# --- the request that posts a period -----------------------------------------------------------

#: Text that canonical JSON writes as it is (no escape): UUIDs, ISO dates, asset codes, day counts.
_PLAIN = re.compile(r"[0-9A-Za-z:/_. +-]*")
_METADATA_KEYS = frozenset({"account_id", "from", "to", "rate_bps", "day_count"})


def interest_request(
    account_id: UUID, normal_side: Side, asset: str, period: Period, amount: int
) -> InterestRequest:
    """The request that posts `amount` (signed, not 0) for `period` on the account (its normal side and
    asset) against the policy's counterpart: field for field and fingerprint for fingerprint the
    `TransferRequest` with the description and metadata below, made without checking again what this
    construction guarantees (`InterestRequest`)."""
    policy = period.policy
    account_side, counterpart_side = posting_sides(normal_side, amount)
    size = -amount if amount < 0 else amount
    postings = (
        Posting(account_id, account_side, size, asset),  # each posting checks its amount
        Posting(policy.counterpart_account_id, counterpart_side, size, asset),
    )
    if type(asset) is not str or _PLAIN.fullmatch(asset) is None:  # not an asset's code: check it all
        return _checked_request(account_id, period, postings)
    account = str(account_id)
    first, last = period.first_day.isoformat(), period.last_day.isoformat()
    effective = period.last_day + timedelta(days=1)
    description = f"Interest {first} to {last}"
    rate, day_count = policy.rate_bps, policy.day_count.value
    text = (
        f'{{"description":"{description}","effective_at":"{effective.isoformat()}T00:00:00+00:00",'
        f'"kind":"transfer","metadata":{{"interest":{{"account_id":"{account}","day_count":"{day_count}",'
        f'"from":"{first}","rate_bps":{rate},"to":"{last}"}}}},"pending":false,"postings":['
        f'["{account}","{account_side.value}",{size},"{asset}"],'
        f'["{policy.counterpart_account_id}","{counterpart_side.value}",{size},"{asset}"]],'
        '"timeout_seconds":null}'
    )
    request = object.__new__(InterestRequest)  # every field below, as `TransferRequest` would hold it
    for name, value in (
        ("id", period.transfer_id()),
        ("postings", postings),
        ("pending", False),
        ("timeout_seconds", None),
        ("effective_at", datetime.combine(effective, time(0), UTC)),
        ("description", description),
        (
            "metadata",
            {
                "interest": {
                    "account_id": account,
                    "from": first,
                    "to": last,
                    "rate_bps": rate,
                    "day_count": day_count,
                }
            },
        ),
        ("_fingerprint", hashlib.sha256(text.encode()).hexdigest()),
    ):
        object.__setattr__(request, name, value)
    return request


def _checked_request(account_id: UUID, period: Period, postings: tuple[Posting, ...]) -> InterestRequest:
    first, last = period.first_day.isoformat(), period.last_day.isoformat()
    policy = period.policy
    return InterestRequest(
        period.transfer_id(),
        postings,
        effective_at=datetime.combine(period.last_day + timedelta(days=1), time(0), UTC),
        description=f"Interest {first} to {last}",
        metadata={
            "interest": {
                "account_id": str(account_id),
                "from": first,
                "to": last,
                "rate_bps": policy.rate_bps,
                "day_count": policy.day_count.value,
            }
        },
    )


@dataclass(frozen=True, slots=True)
class InterestRequest(TransferRequest):
    """A `TransferRequest` of the shape `interest_request` makes, thousands of which an accrual job
    builds: `interest_request` fills its fields from values whose types and ranges it knows (a policy
    checked when it was made, dates, a UUID) and writes its fingerprint from a template instead of a
    general canonical JSON document; made any other way (`dataclasses.replace`, the constructor), it is
    checked by its shape, and in full when the shape is another.

    The shape (two postings, no hold, a UTC `effective_at`, the description "Interest <from> to <to>",
    metadata {"interest": {account_id, from, to, rate_bps, day_count}} of plain strings and an integer)
    satisfies every rule `TransferRequest` checks: an id that is a UUID, 2 to 128 postings, no timeout,
    an aware `effective_at`, a description of at most 1,000 characters, metadata a JSON object of 2 levels
    and well under 8 KiB without floats. The postings are `Posting`s, which check their own amounts. A
    request of any other shape (`dataclasses.replace` to something else) is checked in full, as any
    request is. tests/unit/test_interest_request.py proves the two equal, fingerprints included.
    """

    _fingerprint: str = field(default="", init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fingerprint = _interest_fingerprint(self)
        if fingerprint is None:
            TransferRequest.__post_init__(self)
            fingerprint = TransferRequest.fingerprint(self)
        else:  # a copy of its own, as `check_metadata` makes
            object.__setattr__(self, "metadata", {"interest": dict(self.metadata["interest"])})
        object.__setattr__(self, "_fingerprint", fingerprint)

    def fingerprint(self) -> str:
        return self._fingerprint


def _plain(value: object) -> bool:
    return type(value) is str and _PLAIN.fullmatch(value) is not None


def _interest_fingerprint(request: TransferRequest) -> str | None:
    """`request.fingerprint()` when the request has the shape of `interest_request`'s (what canonical
    JSON writes for it, written directly), else None."""
    metadata = request.metadata
    effective_at = request.effective_at
    if (
        type(request.id) is not UUID
        or request.pending is not False
        or request.timeout_seconds is not None
        or type(request.postings) is not tuple
        or len(request.postings) != 2
        or type(effective_at) is not datetime
        or effective_at.tzinfo is not UTC
        or type(metadata) is not dict
        or len(metadata) != 1
    ):
        return None
    inner = metadata.get("interest")
    if type(inner) is not dict or inner.keys() != _METADATA_KEYS:
        return None
    account, first, last, rate, day_count = (
        inner["account_id"],
        inner["from"],
        inner["to"],
        inner["rate_bps"],
        inner["day_count"],
    )
    if not (_plain(account) and _plain(first) and _plain(last) and _plain(day_count) and type(rate) is int):
        return None
    if request.description != f"Interest {first} to {last}":
        return None
    postings = []
    for posting in request.postings:
        if type(posting) is not Posting or not _plain(posting.asset) or type(posting.amount) is not int:
            return None
        postings.append(f'["{posting.account_id}","{posting.side.value}",{posting.amount},"{posting.asset}"]')
    text = (
        f'{{"description":"{request.description}","effective_at":"{effective_at.isoformat()}",'
        f'"kind":"transfer","metadata":{{"interest":{{"account_id":"{account}","day_count":"{day_count}",'
        f'"from":"{first}","rate_bps":{rate},"to":"{last}"}}}},"pending":false,'
        f'"postings":[{postings[0]},{postings[1]}],"timeout_seconds":null}}'
    )
    return hashlib.sha256(text.encode()).hexdigest()
