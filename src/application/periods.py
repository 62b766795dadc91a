"""Use cases for accounting periods: close the books through a day, reopen, list, read a close's snapshot;
and `closed_for`, which the write path asks before it books anything backdated.

Closing runs in two transactions. The first serialises closes and reopenings, checks the rules
(`domain.periods.plan_close`), holds the journal's writers (`hold_writers`: it waits for those in flight
and stops new ones until it commits), records the close and its `period.closed` event, and commits: from
then on the database refuses any entry dated in the period (SQLSTATE RZ120), whoever writes it. The
second writes the closing-balance snapshot (posted sums by value date through the end of the day, per
account in scope), which nothing can change any more. The same close again answers the existing one
(and writes its snapshot if a failure had left it unwritten).

Reopening (the latest active close of its scope only) records who, when and why, and `period.reopened`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application import events
from application.assets import resolve_asset
from application.events import EventType
from application.pages import Page, check_limit, paginate
from application.ports import Clock, ClosedPeriodsSource, IdSource, UnitOfWork
from domain.errors import NotFound
from domain.periods import (
    ClosedPeriods,
    CloseRequest,
    PeriodBalance,
    PeriodClose,
    plan_close,
    start_of,
    today,
)


def closed_for(uow: UnitOfWork, effective: Iterable[datetime | None], now: datetime) -> ClosedPeriods | None:
    """The closed periods, read (one small query) only when one of the value dates `effective` is
    before today (UTC), the only ones a close can cover (`domain.periods.may_be_closed`); None: no check
    is needed (None in `effective`: takes effect now)."""
    start = start_of(today(now))
    if any(at is not None and at < start for at in effective):
        return uow.periods.closed_through()
    return None


@dataclass(frozen=True, slots=True)
class PeriodCursor:
    """Position in the newest-first list of closes."""

    closed_at: datetime
    id: UUID


class PeriodRepository(ClosedPeriodsSource, Protocol):
    def active(self) -> list[PeriodClose]:
        """Every active (not reopened) close: a handful."""
        ...

    def get(self, close_id: UUID) -> PeriodClose | None: ...

    def serialize(self) -> None:
        """Wait for any other close or reopening in progress, and hold them off until this transaction
        ends (so that each sees the closes the previous one committed)."""
        ...

    def hold_writers(self) -> datetime | None:
        """Wait for the journal's writers in flight and stop new ones until this transaction ends; the
        journal's clock once they are held (None: the caller's clock is the journal's). Every entry
        committed before the close was created before that instant: the close's `closed_at`."""
        ...

    def add(self, close: PeriodClose) -> None: ...

    def save(self, close: PeriodClose) -> None:
        """Store a reopening (`reopened_at`, `reopened_by`, `reopen_reason`)."""
        ...

    def query(self, *, after: PeriodCursor | None, limit: int) -> list[PeriodClose]:
        """Closes newest first (closed_at, then id, descending), after the cursor."""
        ...

    def write_snapshot(self, close: PeriodClose) -> int:
        """Write the close's snapshot unless it is written (one statement), and answer its number of
        accounts."""
        ...

    def snapshot_sizes(self, close_ids: Iterable[UUID]) -> dict[UUID, int]:
        """The number of accounts in each close's snapshot (closes without one are left out)."""
        ...

    def balances(self, close_id: UUID, *, after: UUID | None, limit: int) -> list[PeriodBalance]:
        """One page of the close's snapshot, by account id."""
        ...


class PeriodUnitOfWork(UnitOfWork, Protocol):
    periods: PeriodRepository


@dataclass(frozen=True, slots=True)
class ClosedPeriod:
    """A close with the size of its snapshot (accounts in it)."""

    close: PeriodClose
    accounts: int


@dataclass(frozen=True, slots=True)
class Closing:
    """What a close request did: the close (new, or the same one again: `replayed`) and its snapshot."""

    period: ClosedPeriod
    replayed: bool


def close_period(
    request: CloseRequest,
    by: str,
    uow: PeriodUnitOfWork,
    clock: Clock,
    ids: IdSource,
) -> Closing:
    """Close the books of the request's scope through its day (`domain.periods.plan_close`), then write
    the snapshot: see the module's docstring. `by` names who closes (the API key)."""
    with uow:
        uow.periods.serialize()
        if request.asset is not None:  # a registered asset, or a currency (stored on first use)
            resolve_asset(request.asset, uow)
        now = clock.now()
        close, new = plan_close(request, uow.periods.active(), close_id=ids.new_id(), by=by, at=now)
        if new:
            # Stamped once the writers are held, so that it follows every entry committed before it.
            close.closed_at = uow.periods.hold_writers() or clock.now()
            uow.periods.add(close)
            uow.events.add([events.of_period(EventType.PERIOD_CLOSED, close, close.closed_at)])
            uow.commit()
    with uow:
        # One at a time with other closes and reopenings (a replay of this close may be writing the
        # same snapshot); a close reopened meanwhile gets none.
        uow.periods.serialize()
        current = uow.periods.get(close.id)
        if current is not None and current.active:
            accounts = uow.periods.write_snapshot(close)
        else:
            accounts = uow.periods.snapshot_sizes([close.id]).get(close.id, 0)
        uow.commit()
    return Closing(ClosedPeriod(close, accounts), replayed=not new)


def reopen_period(close_id: UUID, reason: str, by: str, uow: PeriodUnitOfWork, clock: Clock) -> ClosedPeriod:
    """Reopen a close, the latest active one of its scope; recorded (who, when, why) with
    `period.reopened`. Entries dated in the period are accepted again; the snapshot stays."""
    with uow:
        uow.periods.serialize()
        close = _found(uow.periods.get(close_id), close_id)
        now = clock.now()
        close.reopen(uow.periods.active(), by=by, reason=reason, at=now)
        uow.periods.save(close)
        uow.events.add([events.of_period(EventType.PERIOD_REOPENED, close, now)])
        sizes = uow.periods.snapshot_sizes([close.id])
        uow.commit()
    return ClosedPeriod(close, sizes.get(close.id, 0))


def get_period(close_id: UUID, uow: PeriodUnitOfWork) -> ClosedPeriod:
    with uow:
        close = _found(uow.periods.get(close_id), close_id)
        return ClosedPeriod(close, uow.periods.snapshot_sizes([close_id]).get(close_id, 0))


def list_periods(
    uow: PeriodUnitOfWork, *, after: PeriodCursor | None = None, limit: int = 100
) -> Page[ClosedPeriod, PeriodCursor]:
    """Every close, reopened ones too, newest first."""
    check_limit(limit)
    with uow:
        rows = uow.periods.query(after=after, limit=limit + 1)
        sizes = uow.periods.snapshot_sizes(c.id for c in rows[:limit])
    page = paginate(rows, limit, lambda c: PeriodCursor(c.closed_at, c.id))
    return Page([ClosedPeriod(c, sizes.get(c.id, 0)) for c in page.items], page.next_cursor)


def period_balances(
    close_id: UUID, uow: PeriodUnitOfWork, *, after: UUID | None = None, limit: int = 100
) -> Page[PeriodBalance, UUID]:
    """One page of a close's closing-balance snapshot, by account id."""
    check_limit(limit)
    with uow:
        _found(uow.periods.get(close_id), close_id)
        rows = uow.periods.balances(close_id, after=after, limit=limit + 1)
    return paginate(rows, limit, lambda b: b.account_id)


def _found(close: PeriodClose | None, close_id: UUID) -> PeriodClose:
    if close is None:
        raise NotFound(f"period close {close_id} does not exist", close_id=str(close_id))
    return close
