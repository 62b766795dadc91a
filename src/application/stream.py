"""The broker stream: every event of the feed, in the feed's order, published to a message broker.

One pass (`publish_pending`) leases the stream's cursor, reads the feed from it (`feed.read_events`: the
commit-safe order, nothing skipped), hands each page to the publisher, which returns only once the
broker has confirmed every message of the page, and only then moves the cursor past the page. So the
cursor never passes an event the broker has not confirmed. The converse is not guaranteed: a process
that dies after the confirm and before the cursor write publishes that page again on its next pass. The
stream is therefore at least once; each message carries the event's id, on which consumers de-duplicate.

No database transaction stays open while the publisher waits for the broker: the lease, the reads and
the cursor's move are each one short transaction. (An open transaction that has written something holds
an xid, and every transaction younger than it waits behind the feed's watermark until it ends.)

The lease keeps two publishers (two processes, two hosts) from publishing the same stream at once, which
would interleave their messages out of order: a pass that finds events to publish first claims the cursor
for a while (`LEASE`) and renews the claim with every move. A pass that finds none writes nothing (it
reads the cursor and one page of the feed): an idle stream costs the database two reads per poll, no
write, no transaction id. A holder whose lease lapsed and was taken over notices it when its
move fails (the cursor moves only from where that holder read it: compare and set), and stops.

A cursor behind the feed's retention horizon (retention deleted events it never published) cannot be
resumed without losing them: `read_events` refuses it with `CursorExpired`, which the runner reports
loudly and retries until an operator decides (docs/runbooks.md). A new stream (its cursor at `START`)
starts from the oldest event kept.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from application.feed import START, FeedPage, FeedUnitOfWork, Position, StoredEvent, read_events

#: Events per page: one read, one batch of confirmed publishes, one cursor move.
BATCH = 500
#: How long a pass holds the stream once it claimed or moved it; a holder that died is replaced after it.
#: Longer than a page may take (the publisher waits up to 30 s for the broker's confirms), so that a slow
#: page never lets another publisher take over and publish it again meanwhile.
LEASE = timedelta(seconds=90)


@dataclass(frozen=True, slots=True)
class StreamCursor:
    """Where the stream stands: every event up to `position` was confirmed by the broker."""

    position: Position
    #: Events published so far (confirmed; a re-published page counts again).
    published: int = 0


class StreamCursors(Protocol):
    """The streams' cursors, each in its own short transaction (never one left open while publishing)."""

    def peek(self, name: str) -> StreamCursor | None:
        """The cursor of stream `name` as it stands (None: the stream has no cursor yet); writes nothing."""
        ...

    def claim(self, name: str, holder: str, lease: timedelta) -> StreamCursor | None:
        """The cursor of stream `name` (a new one at START), now leased to `holder` for `lease`; None
        when another holder's lease still runs."""
        ...

    def advance(
        self, name: str, holder: str, start: Position, to: Position, published: int, lease: timedelta
    ) -> bool:
        """Move the cursor from `start` to `to`, count `published` more events and renew the lease, only
        if `holder` still holds it and it is still at `start`; whether it moved."""
        ...

    def record_failure(self, name: str, error: str) -> None:
        """Count a failed pass and keep its error (for the metrics and the operator)."""
        ...

    def release(self, name: str, holder: str) -> None:
        """End `holder`'s lease now (at shutdown), so another publisher need not wait for it to lapse."""
        ...


class Publisher(Protocol):
    def publish(self, events: Sequence[StoredEvent]) -> None:
        """Publish `events` in this order and return once the broker confirmed every one of them; raise
        otherwise (then none of them counts as published)."""
        ...


class LeaseLost(Exception):
    """Another publisher took the stream over (this one's lease lapsed): this pass stops."""


@dataclass(frozen=True, slots=True)
class StreamPass:
    """What one pass did: events published (confirmed), and where the cursor now stands."""

    published: int
    position: Position


def publish_pending(
    name: str,
    holder: str,
    feed: Callable[[], FeedUnitOfWork],
    cursors: StreamCursors,
    publisher: Publisher,
    *,
    batch: int = BATCH,
    lease: timedelta = LEASE,
) -> StreamPass | None:
    """Publish every event readable after the stream's cursor, page by page, moving the cursor after
    each confirmed page; None when another publisher holds the stream. Raises `CursorExpired` for a
    cursor behind retention, `LeaseLost`, and whatever the publisher or the database raise (the cursor
    then stays after the last confirmed page)."""
    seen = cursors.peek(name)
    position = START if seen is None else seen.position
    page = _page(feed, position, batch)
    if not page.items and seen is not None:  # idle: nothing to claim, nothing written
        return StreamPass(0, position)
    cursor = cursors.claim(name, holder, lease)
    if cursor is None:
        return None
    if cursor.position != position:  # it moved since the peek: read from where it is now
        position = cursor.position
        page = _page(feed, position, batch)
    total = 0
    while True:
        if not page.items:  # nothing new: the cursor stays where it is
            return StreamPass(total, position)
        publisher.publish(page.items)
        if not cursors.advance(name, holder, position, page.next_cursor, len(page.items), lease):
            raise LeaseLost(f"stream {name!r}: another publisher took it over")
        position, total = page.next_cursor, total + len(page.items)
        if len(page.items) < batch:
            return StreamPass(total, position)
        page = _page(feed, position, batch)


def _page(feed: Callable[[], FeedUnitOfWork], position: Position, batch: int) -> FeedPage:
    return read_events(feed(), after=None if position == START else position, limit=batch)


@dataclass(slots=True)
class Backoff:
    """Delays between failed attempts: doubling from `first` to `cap` seconds, each drawn between half
    and all of that (jitter, so that publishers that failed together do not retry together)."""

    first: float = 0.5
    cap: float = 30.0
    failures: int = 0

    def next(self, draw: Callable[[], float] = random.random) -> float:
        ceiling = min(self.cap, self.first * 2.0 ** min(self.failures, 60))
        self.failures += 1
        return ceiling / 2 + draw() * ceiling / 2

    def reset(self) -> None:
        self.failures = 0
