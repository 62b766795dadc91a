"""Accounting periods: closing the books through a day, ledger-wide or for one asset, and reopening them.

A close through day D (UTC) of a scope (the whole ledger, or one asset) means that nothing may take effect
on or before D any more: a journal entry whose value date (its transfer's `effective_at`) is before the
first instant of D + 1 day is refused with `period_closed`, whatever writes it (the database's trigger
refuses it too, SQLSTATE RZ120). An asset is closed through the later of its own close and the ledger's.

Rules of the closes themselves:
- a close is through a day that has ended (before today, UTC), so a request that takes effect today or
  later can never be in a closed period: only a backdated one needs the closed periods at all
  (`may_be_closed`);
- a scope closes forward only: a new close must be later than the scope's current closed-through (the
  same close again is the existing one: `plan_close` returns it);
- only the latest active close of a scope can be reopened, with a reason; reopening is recorded (who,
  when, why) and the close stays in the history.

Standard library only; time is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from domain.accounts import Side
from domain.errors import InvalidState, PeriodClosed, ValidationError
from domain.values import check_text, check_timestamp

#: Longest reason a close or a reopening takes.
MAX_REASON = 1000


def start_of(day: date) -> datetime:
    """The first instant of a UTC day."""
    return datetime.combine(day, time(0), UTC)


def end_of(day: date) -> datetime:
    """The first instant after a UTC day: what takes effect before it is on or before `day`."""
    return start_of(day + timedelta(days=1))


def today(now: datetime) -> date:
    """The UTC day of an instant."""
    return now.astimezone(UTC).date()


def may_be_closed(effective_at: datetime | None, now: datetime) -> bool:
    """Whether an instant can be in a closed period at `now`: only one before today (UTC) can, since
    every close is through a day before the day it was made. None (takes effect now) never is."""
    return effective_at is not None and effective_at < start_of(today(now))


def _scope(asset: str | None) -> str:
    return "the ledger" if asset is None else asset


@dataclass(frozen=True, slots=True)
class ClosedPeriods:
    """The days the books are closed through: ledger-wide (`ledger`) and per asset (`assets`), from
    the active closes. What the write path checks value dates against."""

    ledger: date | None = None
    assets: Mapping[str, date] = field(default_factory=dict)

    @classmethod
    def of(cls, closes: Iterable[tuple[str | None, date]]) -> ClosedPeriods:
        """From the active closes as (asset or None for ledger-wide, through): the latest per scope."""
        ledger: date | None = None
        assets: dict[str, date] = {}
        for asset, through in closes:
            if asset is None:
                ledger = through if ledger is None else max(ledger, through)
            else:
                assets[asset] = max(assets.get(asset, through), through)
        return cls(ledger, assets)

    def __bool__(self) -> bool:
        return self.ledger is not None or bool(self.assets)

    def through(self, asset: str) -> date | None:
        """The day postings in `asset` are closed through (the later of its own and the ledger's)."""
        own = self.assets.get(asset)
        if own is None or self.ledger is None:
            return own if own is not None else self.ledger
        return max(own, self.ledger)

    def ensure_open(self, effective_at: datetime, asset: str, *, transfer_id: UUID | None = None) -> None:
        ensure_open(effective_at, asset, self, transfer_id=transfer_id)


#: No period closed.
OPEN = ClosedPeriods()


def ensure_open(
    effective_at: datetime, asset: str, closed: ClosedPeriods, *, transfer_id: UUID | None = None
) -> None:
    """Refuse (`period_closed`) an entry in `asset` taking effect at `effective_at` if that falls on or
    before the day the asset is closed through."""
    through = closed.through(asset)
    if through is None or effective_at >= end_of(through):
        return
    subject = "an entry" if transfer_id is None else f"transfer {transfer_id}"
    context: dict[str, str] = {
        "asset": asset,
        "closed_through": through.isoformat(),
        "effective_at": effective_at.astimezone(UTC).isoformat(),
    }
    if transfer_id is not None:
        context["transfer_id"] = str(transfer_id)
    raise PeriodClosed(
        f"{subject} takes effect at {context['effective_at']}, in a period closed through "
        f"{through.isoformat()} for {asset}",
        **context,
    )


#: The database's refusal (SQLSTATE RZ120, trigger `entries_book`, revision 0015), as its message says it.
_REFUSAL = re.compile(
    r"transfer (?P<transfer_id>[0-9a-f-]{36}): value date (?P<effective_at>.+?) falls in a closed period "
    r"\((?P<asset>\S+) closed through (?P<through>\d{4}-\d{2}-\d{2})\)"
)


def refusal_of_database(message: str) -> PeriodClosed:
    """`period_closed` for the database's own refusal of entries in a closed period (RZ120), with the
    context `ensure_open` gives when the message says it (the database's wording otherwise)."""
    found = _REFUSAL.search(message or "")
    if found is None:
        return PeriodClosed(message or "the value date falls in a closed accounting period")
    through = found["through"]
    try:  # the trigger writes it as ISO 8601 in UTC; said as `ensure_open` says it
        effective_at = datetime.fromisoformat(found["effective_at"]).astimezone(UTC).isoformat()
    except ValueError:
        effective_at = found["effective_at"]
    return PeriodClosed(
        f"transfer {found['transfer_id']} takes effect at {effective_at}, in a period closed "
        f"through {through} for {found['asset']}",
        transfer_id=found["transfer_id"],
        asset=found["asset"],
        closed_through=through,
        effective_at=effective_at,
    )


def check_reason(value: object, field: str = "reason", *, required: bool) -> str:
    """A close's or a reopening's reason: text of at most `MAX_REASON` characters."""
    return check_text(value, field, required=required, max_length=MAX_REASON)


@dataclass(eq=False, slots=True)
class PeriodClose:
    """One close: the books of `asset` (None: the whole ledger) closed through `through`, by whom and
    why; once reopened, it says by whom, when and why, and no longer closes anything."""

    id: UUID
    asset: str | None
    through: date
    closed_at: datetime
    closed_by: str
    reason: str = ""
    reopened_at: datetime | None = None
    reopened_by: str | None = None
    reopen_reason: str | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PeriodClose) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    @property
    def active(self) -> bool:
        return self.reopened_at is None

    def reopen(self, active: Iterable[PeriodClose], *, by: str, reason: str, at: datetime) -> None:
        """Reopen this close, the latest active one of its scope (`active`: the active closes); else
        `invalid_state`."""
        reason = check_reason(reason, required=True)
        check_timestamp(at, "at")
        if not self.active:
            raise InvalidState(
                f"period close {self.id} was already reopened at {self.reopened_at}",
                close_id=str(self.id),
            )
        later = [c for c in active if c.asset == self.asset and c.active and c.through > self.through]
        if later:
            latest = max(later, key=lambda c: c.through)
            raise InvalidState(
                f"{_scope(self.asset)} is closed through {latest.through.isoformat()} by close "
                f"{latest.id}: only the latest close of a scope can be reopened",
                close_id=str(self.id),
                latest_close_id=str(latest.id),
            )
        self.reopened_at, self.reopened_by, self.reopen_reason = at, by, reason


@dataclass(frozen=True, slots=True)
class CloseRequest:
    """A request to close the books of `asset` (None: ledger-wide) through the day `through`."""

    through: date
    asset: str | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.through, date) or isinstance(self.through, datetime):
            raise ValidationError.of("through", "must be a date")
        if self.asset is not None and not isinstance(self.asset, str):
            raise ValidationError.of("asset", "must be an asset code")
        object.__setattr__(self, "reason", check_reason(self.reason, required=False))


def plan_close(
    request: CloseRequest, active: Iterable[PeriodClose], *, close_id: UUID, by: str, at: datetime
) -> tuple[PeriodClose, bool]:
    """The close `request` makes, and whether it is new: the same active close (scope and day) is
    answered as it is (False); otherwise the day must have ended (before today, UTC) and be later than
    the scope's current closed-through (an asset's: the later of its own and the ledger's)."""
    check_timestamp(at, "at")
    active = [c for c in active if c.active]
    for close in active:
        if close.asset == request.asset and close.through == request.through:
            return close, False
    if request.through >= today(at):
        raise ValidationError.of(
            "through", f"must be a day that has ended: before {today(at).isoformat()} (UTC)"
        )
    covering = [c for c in active if c.asset is None or c.asset == request.asset]
    if covering:
        current = max(covering, key=lambda c: c.through)
        if request.through <= current.through:
            raise InvalidState(
                f"{_scope(request.asset)} is already closed through {current.through.isoformat()} "
                f"(close {current.id}); a new close must be later",
                closed_through=current.through.isoformat(),
                close_id=str(current.id),
            )
    close = PeriodClose(close_id, request.asset, request.through, at, by, request.reason)
    return close, True


@dataclass(frozen=True, slots=True)
class PeriodBalance:
    """One line of a close's snapshot: an account's posted sums by value date through the end of the
    closed day (effective basis), and its posted balance then, read from its normal side."""

    account_id: UUID
    code: str
    asset: str
    normal_side: Side
    posted_debits: int
    posted_credits: int

    @property
    def posted(self) -> int:
        if self.normal_side is Side.DEBIT:
            return self.posted_debits - self.posted_credits
        return self.posted_credits - self.posted_debits
