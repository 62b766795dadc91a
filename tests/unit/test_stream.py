"""The broker stream's use case on in-memory fakes: every event published in the feed's order, the cursor
moved only after the publisher returned (the broker confirmed), failures leaving it where it was, the
lease, retention; and the runner's loop (backoff, failures recorded) around it.

The fakes of the stream's ports live here (`FakeStreamCursors`, `RecordingPublisher`): the contract test
in tests/integration/test_event_stream.py runs the same lease checks on them and on the SQL store.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from adapters.stream.runner import StreamRunner
from application import feed
from application.feed import START, Position, StoredEvent
from application.stream import Backoff, LeaseLost, StreamCursor, publish_pending
from domain.accounts import Account
from tests.fakes import FakeClock, InMemoryStore
from tests.unit.builders import MoveFn, OpenFn

NAME = "razao.events"


@dataclass
class _Row:
    position: Position = START
    published: int = 0
    failures: int = 0
    last_error: str | None = None
    holder: str | None = None


@dataclass
class FakeStreamCursors:
    """`application.stream.StreamCursors` in memory. A lease never lapses by itself here (no clock):
    `expire(name)` lapses it."""

    rows: dict[str, _Row] = field(default_factory=dict)
    #: Positions the cursor moved to, in order.
    moves: list[Position] = field(default_factory=list)
    #: Claims made (each one a write in the database).
    claims: int = 0

    def peek(self, name: str) -> StreamCursor | None:
        row = self.rows.get(name)
        return None if row is None else StreamCursor(row.position, row.published)

    def claim(self, name: str, holder: str, lease: timedelta) -> StreamCursor | None:
        self.claims += 1
        row = self.rows.setdefault(name, _Row())
        if row.holder not in (None, holder):
            return None
        row.holder = holder
        return StreamCursor(row.position, row.published)

    def advance(
        self, name: str, holder: str, start: Position, to: Position, published: int, lease: timedelta
    ) -> bool:
        row = self.rows[name]
        if row.holder != holder or row.position != start:
            return False
        row.position, row.published = to, row.published + published
        self.moves.append(to)
        return True

    def record_failure(self, name: str, error: str) -> None:
        row = self.rows.setdefault(name, _Row())
        row.failures, row.last_error = row.failures + 1, error

    def release(self, name: str, holder: str) -> None:
        if name in self.rows and self.rows[name].holder == holder:
            self.rows[name].holder = None

    def expire(self, name: str) -> None:
        self.rows[name].holder = None


@dataclass
class RecordingPublisher:
    """`application.stream.Publisher`: what it was given, page by page; fails the pages it is told to
    (their messages then count as not confirmed: nothing is recorded)."""

    cursors: FakeStreamCursors
    pages: list[list[StoredEvent]] = field(default_factory=list)
    #: The cursor's position at each call: it must not have moved past the page being published.
    cursor_at_call: list[Position] = field(default_factory=list)
    fail_pages: set[int] = field(default_factory=set)
    calls: int = 0

    def publish(self, events: Sequence[StoredEvent]) -> None:
        self.calls += 1
        self.cursor_at_call.append(self.cursors.rows[NAME].position)
        if self.calls in self.fail_pages:
            raise ConnectionError("broker unreachable")
        self.pages.append(list(events))

    @property
    def published(self) -> list[StoredEvent]:
        return [e for page in self.pages for e in page]


@pytest.fixture
def cursors() -> FakeStreamCursors:
    return FakeStreamCursors()


@pytest.fixture
def publisher(cursors: FakeStreamCursors) -> RecordingPublisher:
    return RecordingPublisher(cursors)


@pytest.fixture
def busy(store: InMemoryStore, open_: OpenFn, move: MoveFn) -> list[StoredEvent]:
    """Some events: two accounts opened and five payments; all of the feed, in its order."""
    bank: Account = open_("bank", normal_side="debit", min_balance=None)
    alice = open_("alice")
    for amount in range(1, 6):
        move(bank, alice, amount)
    return feed.read_events(store.unit_of_work(), limit=1000).items


def _pass(store: InMemoryStore, cursors: FakeStreamCursors, publisher: Any, **options: Any) -> Any:
    return publish_pending(NAME, "me", store.unit_of_work, cursors, publisher, **options)


def test_every_event_is_published_once_in_the_feeds_order_page_by_page(
    store: InMemoryStore, cursors: FakeStreamCursors, publisher: RecordingPublisher, busy: list[StoredEvent]
) -> None:
    done = _pass(store, cursors, publisher, batch=3)

    assert publisher.published == busy
    assert [len(p) for p in publisher.pages] == [3, 3, 1]
    assert done.published == len(busy) == cursors.rows[NAME].published
    assert cursors.rows[NAME].position >= busy[-1].position
    # Each page went out while the cursor still stood before it: it moved only after the publisher returned.
    assert publisher.cursor_at_call == [START, busy[2].position, busy[5].position]
    assert _pass(store, cursors, publisher).published == 0  # nothing new: nothing published again
    assert publisher.published == busy


def test_a_failed_page_leaves_the_cursor_after_the_last_confirmed_one_and_the_next_pass_resumes(
    store: InMemoryStore, cursors: FakeStreamCursors, publisher: RecordingPublisher, busy: list[StoredEvent]
) -> None:
    publisher.fail_pages = {2}
    with pytest.raises(ConnectionError):
        _pass(store, cursors, publisher, batch=3)
    assert cursors.rows[NAME].position == busy[2].position
    assert cursors.rows[NAME].published == 3

    _pass(store, cursors, publisher, batch=3)
    assert publisher.published == busy  # each once, in order: the failed page was not confirmed


def test_a_crash_between_confirm_and_cursor_write_publishes_the_page_again_with_the_same_ids(
    store: InMemoryStore, cursors: FakeStreamCursors, publisher: RecordingPublisher, busy: list[StoredEvent]
) -> None:
    class Crashing(FakeStreamCursors):
        def advance(self, *args: Any) -> bool:
            raise ConnectionError("the database went away")

    crashing = Crashing(rows=cursors.rows)
    with pytest.raises(ConnectionError):
        publish_pending(NAME, "me", store.unit_of_work, crashing, publisher, batch=3)
    _pass(store, cursors, publisher, batch=3)

    ids = [e.id for e in publisher.published]
    assert ids[:3] == ids[3:6] == [e.id for e in busy[:3]]  # at least once: de-duplicate on the id
    assert list(dict.fromkeys(ids)) == [e.id for e in busy]


def test_an_idle_stream_writes_nothing(
    store: InMemoryStore, cursors: FakeStreamCursors, publisher: RecordingPublisher, busy: list[StoredEvent]
) -> None:
    assert _pass(store, cursors, publisher).published == len(busy)
    claims = cursors.claims
    for _ in range(3):
        assert _pass(store, cursors, publisher).published == 0
    assert cursors.claims == claims and publisher.calls == 1


def test_a_stream_held_by_another_publisher_is_left_alone_until_its_lease_ends(
    store: InMemoryStore, cursors: FakeStreamCursors, publisher: RecordingPublisher, busy: list[StoredEvent]
) -> None:
    assert cursors.claim(NAME, "other", timedelta(seconds=30)) is not None
    assert _pass(store, cursors, publisher) is None
    assert publisher.calls == 0

    cursors.expire(NAME)
    assert _pass(store, cursors, publisher).published == len(busy)


def test_a_publisher_whose_lease_was_taken_over_stops_at_its_next_move(
    store: InMemoryStore, cursors: FakeStreamCursors, busy: list[StoredEvent]
) -> None:
    class TakenOver(RecordingPublisher):
        def publish(self, events: Sequence[StoredEvent]) -> None:
            super().publish(events)
            cursors.expire(NAME)
            cursors.claim(NAME, "other", timedelta(seconds=30))

    with pytest.raises(LeaseLost):
        _pass(store, cursors, TakenOver(cursors), batch=3)
    assert cursors.rows[NAME].position == START


def test_a_new_stream_starts_from_the_oldest_event_kept_and_an_expired_cursor_is_refused(
    store: InMemoryStore,
    cursors: FakeStreamCursors,
    publisher: RecordingPublisher,
    clock: FakeClock,
    open_: OpenFn,
) -> None:
    for n in range(3):
        open_(f"old-{n}")
    clock.advance(timedelta(days=10).total_seconds())
    young = open_("young")
    feed.prune_events(store.unit_of_work, clock, timedelta(days=7))

    _pass(store, cursors, publisher)
    assert [e.account_ids for e in publisher.published] == [(young.id,)]

    cursors.rows[NAME].position = Position(1, 1)  # behind what retention deleted
    with pytest.raises(feed.CursorExpired):
        _pass(store, cursors, publisher)
    assert cursors.rows[NAME].position == Position(1, 1)


def test_backoff_doubles_up_to_its_cap_with_jitter_and_starts_again_after_a_success() -> None:
    backoff = Backoff(first=0.5, cap=4.0)
    highest = [backoff.next(lambda: 1.0) for _ in range(6)]
    assert highest == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert Backoff(first=0.5, cap=4.0, failures=3).next(lambda: 0.0) == 2.0  # half of it at least
    backoff.reset()
    assert backoff.next(lambda: 1.0) == 0.5


def test_the_runner_records_each_failure_closes_the_connection_backs_off_then_publishes(
    store: InMemoryStore, cursors: FakeStreamCursors, publisher: RecordingPublisher, busy: list[StoredEvent]
) -> None:
    closed: list[int] = []
    publisher.fail_pages = {1, 2}
    runner = StreamRunner(
        NAME,
        store.unit_of_work,
        cursors,
        publisher,
        close=lambda: closed.append(1),
        poll_seconds=0.25,
        holder="me",
        backoff=Backoff(first=1.0, cap=8.0),
    )
    waits = [runner.step() for _ in range(3)]

    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0 and waits[2] == 0.25
    assert cursors.rows[NAME].failures == 2 and "broker unreachable" in (cursors.rows[NAME].last_error or "")
    assert len(closed) == 2
    assert publisher.published == busy


def test_the_runner_releases_its_lease_when_stopped(
    store: InMemoryStore, cursors: FakeStreamCursors, publisher: RecordingPublisher, busy: list[StoredEvent]
) -> None:
    stop = threading.Event()

    class StopAfterOne(RecordingPublisher):
        def publish(self, events: Sequence[StoredEvent]) -> None:
            super().publish(events)
            stop.set()

    runner = StreamRunner(NAME, store.unit_of_work, cursors, StopAfterOne(cursors), holder="me")
    runner.run(stop)
    assert cursors.rows[NAME].holder is None
    assert cursors.rows[NAME].published == len(busy)
