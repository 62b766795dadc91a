"""The events feed: events in a commit-safe order, from a cursor, with filters; and their retention.

Order. The store gives each event a position (txid, n): the id of the transaction that wrote it and a
number that grows within that transaction. A read returns only events below the watermark, the oldest
transaction still running when the read began (`pg_snapshot_xmin(pg_current_snapshot())`): every
transaction below it has ended, so its events are all visible, and an event that becomes visible later
was written by a transaction at or above the watermark, hence sorts after everything the read
returned. A client that resumes from the last position it saw therefore never skips an event and never
sees one twice, and everyone sees the same order. The price is latency: a long transaction holds the
watermark back, and every event committed after it started waits until it ends (docs/events.md).

`read_events` answers a page and the cursor to resume from, always: the last event of a full page; for
a shorter page the watermark itself (everything below it has been considered), so that a filtered tail
does not read the same unmatched events again; at least the cursor it was given.

Retention deletes the oldest events (`prune_events`); the store remembers the last position it
deleted (the horizon). A cursor before the horizon may have missed events: `cursor_expired`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from application.events import EventType
from application.pages import DEFAULT_LIMIT, check_limit
from application.ports import Clock, Transaction
from application.retention import delete_older
from domain.errors import DomainError, ValidationError

#: Events deleted per transaction by `prune_events`.
PRUNE_BATCH = 10_000


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """Where an event sits in the order: its transaction id (xid8), then its number within it."""

    txid: int
    n: int


#: Before every event.
START = Position(0, 0)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the feed gives it: with the id and the position the store assigned."""

    id: UUID
    position: Position
    type: str
    occurred_at: datetime
    account_ids: tuple[UUID, ...]
    transfer_id: UUID | None
    job_id: UUID | None
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class FeedPage:
    """A page of the feed and where to resume: never None (see `read_events`)."""

    items: list[StoredEvent]
    next_cursor: Position


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Only events of these types (None: all), and only those concerning this account (None: all)."""

    types: frozenset[EventType] | None = None
    account_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class FeedRead:
    """What one read of the store saw, in one snapshot."""

    #: The events after the cursor, below the watermark, matching the filter, in position order.
    items: list[StoredEvent]
    #: (oldest running transaction, 0): every event before it has ended up in `items` or was filtered out.
    watermark: Position
    #: The last position retention deleted (START when nothing was ever deleted).
    horizon: Position


class EventFeed(Protocol):
    def read(self, where: EventFilter, after: Position, limit: int) -> FeedRead:
        """Up to `limit` events after `after`, in position order, only below the watermark."""
        ...

    def prune(self, before: datetime, limit: int) -> int:
        """Delete at most `limit` of the oldest events (a prefix of the order, each occurred before
        `before`) and move the horizon past them; how many were deleted."""
        ...


class FeedUnitOfWork(Transaction, Protocol):
    @property
    def events(self) -> EventFeed: ...


class CursorExpired(DomainError):
    code = "cursor_expired"
    title = "The cursor is older than the events kept"


def parse_types(names: Iterable[str]) -> frozenset[EventType]:
    """The event types a filter names; an unknown one is a `validation_error` on `types`."""
    found = set()
    for name in names:
        try:
            found.add(EventType(name))
        except ValueError:
            known = ", ".join(t.value for t in EventType)
            raise ValidationError.of("types", f"{name!r} is not an event type (known: {known})") from None
    if not found:
        raise ValidationError.of("types", "must name at least one event type")
    return frozenset(found)


def read_events(
    uow: FeedUnitOfWork,
    where: EventFilter = EventFilter(),
    *,
    after: Position | None = None,
    limit: int = DEFAULT_LIMIT,
) -> FeedPage:
    """A page of events after `after` (None: from the oldest kept), and the position to resume from."""
    check_limit(limit)
    start = after or START
    with uow:
        seen = uow.events.read(where, start, limit)
    if after is not None and after < seen.horizon:
        raise CursorExpired(
            "the cursor is older than the events kept: some events after it were deleted by retention;"
            " start again without a cursor (from the oldest event kept)",
        )
    last = seen.items[-1].position if seen.items else start
    resume = last if len(seen.items) == limit else max(last, seen.watermark)
    return FeedPage(seen.items, resume)


def prune_events(
    uow: Callable[[], FeedUnitOfWork], clock: Clock, keep: timedelta, batch: int = PRUNE_BATCH
) -> int:
    """Delete the events that occurred more than `keep` ago, `batch` per transaction; how many."""
    return delete_older(uow, clock, keep, lambda tx, before, n: tx.events.prune(before, n), batch)
