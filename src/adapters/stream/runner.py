"""The broker stream's publisher process (`razao stream`): passes of `application.stream.publish_pending`
for as long as it runs, surviving broker outages and database restarts.

Why a long-running process rather than a Celery beat task: a pass every second or so through beat would
queue behind the jobs on the worker (an interest accrual holds a worker for minutes), pay a task's
round trips through the Celery broker for each pass, and open a new AMQP connection per task or keep
one per worker process; this process keeps one connection with confirms open, publishes in each pass
everything readable, reads again `RAZAO_EVENT_POLL_SECONDS` later, and one `stream:` line in the
Procfile runs it beside the worker and beat. Two of them (two hosts) are safe: the cursor's lease lets one
publish at a time, and the other waits for the lease (`application.stream`).

Failures never lose an event, because the cursor only moves past what the broker confirmed: after any
error (broker down or refusing, connection lost, database restarting), the publisher's connection is
closed, the failure is logged and counted in the cursor's row (`failures`, `last_error`: `/metrics`
reads them from there, so the API's metrics show this process's state), and the next pass starts again
from the cursor after a delay that doubles up to 30 s, with jitter. A cursor behind retention is
logged as an error on every attempt (`event_stream_cursor_expired`) and shown by
`razao_event_stream_cursor_expired`: only an operator can decide to skip what was deleted
(docs/runbooks.md).

Metrics of the process itself would not reach `/metrics` (served by the API processes), hence the
counts in PostgreSQL, read at scrape time (`adapters.db.stream.stream_stats`).
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable

import structlog

from application.feed import CursorExpired, FeedUnitOfWork
from application.stream import BATCH, Backoff, Publisher, StreamCursors, StreamPass, publish_pending

log = structlog.get_logger("razao.stream")


def holder_name() -> str:
    """Who holds a stream's lease: this host and process, and a random part (a pid can come back)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class StreamRunner:
    """Runs passes of one stream until `stop` is set; `step()` runs one and says how long to wait."""

    def __init__(
        self,
        name: str,
        feed: Callable[[], FeedUnitOfWork],
        cursors: StreamCursors,
        publisher: Publisher,
        *,
        close: Callable[[], None] = lambda: None,
        poll_seconds: float = 0.5,
        holder: str | None = None,
        backoff: Backoff | None = None,
        batch: int = BATCH,
    ) -> None:
        self.name = name
        self.holder = holder or holder_name()
        self._feed = feed
        self._cursors = cursors
        self._publisher = publisher
        self._close = close
        self._poll = poll_seconds
        self._backoff = backoff or Backoff()
        self._batch = batch

    def run(self, stop: threading.Event) -> None:
        log.info("event_stream_started", stream=self.name, holder=self.holder)
        try:
            while not stop.is_set():
                stop.wait(self.step())
        finally:
            self._close()
            try:
                self._cursors.release(self.name, self.holder)
            except Exception as error:  # the lease then lapses by itself
                log.warning("event_stream_release_failed", stream=self.name, error=str(error))
            log.info("event_stream_stopped", stream=self.name, holder=self.holder)

    def step(self) -> float:
        """One pass: the seconds to wait before the next (the poll interval, or a backoff after a failure)."""
        try:
            done: StreamPass | None = publish_pending(
                self.name, self.holder, self._feed, self._cursors, self._publisher, batch=self._batch
            )
        except CursorExpired as error:
            log.error("event_stream_cursor_expired", stream=self.name, error=str(error))
            return self._failed(error)
        except Exception as error:
            log.warning("event_stream_failed", stream=self.name, error=f"{type(error).__name__}: {error}")
            return self._failed(error)
        self._backoff.reset()
        if done is None:
            log.debug("event_stream_held_elsewhere", stream=self.name)
            return self._poll
        if done.published:
            log.info("event_stream_published", stream=self.name, events=done.published)
        return self._poll

    def _failed(self, error: Exception) -> float:
        self._close()
        try:
            self._cursors.record_failure(self.name, f"{type(error).__name__}: {error}")
        except Exception as second:  # the database may be what failed
            log.warning("event_stream_failure_not_recorded", stream=self.name, error=str(second))
        return self._backoff.next()
