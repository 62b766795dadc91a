"""The storm's feed reader: a client tailing `GET /v1/events` through every fault.

It long-polls from the oldest event on, following `next_cursor`, and re-sends the same read after a
connection error, a timeout or a 5xx (the API and PostgreSQL die under it). What it saw is compared,
after the storm, with every event in the table in position order: a commit-safe feed makes the two equal,
each event once, none skipped, in the same order, whatever was in flight when each page was read.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Engine, text

PAGE = 500
WAIT_SECONDS = 1


@dataclass
class FeedTail:
    """Tails the feed in a thread until `stop` is set; `drain` then reads to the end."""

    base_url: str
    token: str
    stop: threading.Event
    seen: list[str] = field(default_factory=list)
    reads: int = 0
    retries: Counter[str] = field(default_factory=Counter)
    error: BaseException | None = None
    _cursor: str | None = None

    def run(self) -> None:
        try:
            with self._client() as http:
                while not self.stop.is_set():
                    self._read(http, WAIT_SECONDS)
        except BaseException as error:  # reported by the storm, not lost in a thread
            self.error = error

    def drain(self, timeout: float = 120.0) -> None:
        """Read until a page comes back empty (the writers have stopped: everything is below the
        watermark), re-sending through faults."""
        deadline = time.monotonic() + timeout
        with self._client() as http:
            while time.monotonic() < deadline:
                if self._read(http, 0) == 0:
                    return
        raise AssertionError(f"the feed was not read to its end in {timeout}s")

    def _client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {self.token}"}, timeout=20.0
        )

    def _read(self, http: httpx.Client, wait: float) -> int | None:
        """One page (its number of events), or None when it must be read again."""
        params: dict[str, Any] = {"limit": PAGE, "wait": wait}
        if self._cursor is not None:
            params["after"] = self._cursor
        try:
            response = http.get("/v1/events", params=params)
        except httpx.TransportError as error:
            self.retries[type(error).__name__] += 1
            time.sleep(0.2)
            return None
        if response.status_code >= 500:
            self.retries[str(response.status_code)] += 1
            time.sleep(0.2)
            return None
        assert response.status_code == 200, f"the feed answered {response.status_code}: {response.text}"
        page = response.json()
        self.reads += 1
        self.seen.extend(item["id"] for item in page["items"])
        self._cursor = page["next_cursor"]
        return len(page["items"])


_ALL = text("SELECT id::text FROM events ORDER BY txid, n")


def feed_problems(engine: Engine, tail: FeedTail) -> list[str]:
    """How what the tail saw differs from the table: twice, missing, invented, out of order."""
    with engine.connect() as conn:
        stored = list(conn.execute(_ALL).scalars())
    if tail.seen == stored:
        return []
    twice = [event for event, n in Counter(tail.seen).items() if n > 1]
    missing = set(stored) - set(tail.seen)
    invented = set(tail.seen) - set(stored)
    problems = [f"seen twice: {event}" for event in twice[:10]]
    problems += [f"never seen: {event}" for event in sorted(missing)[:10]]
    problems += [f"seen but not stored: {event}" for event in sorted(invented)[:10]]
    if not (twice or missing or invented):
        first = next(i for i, (a, b) in enumerate(zip(tail.seen, stored, strict=True)) if a != b)
        problems.append(
            f"out of order from the {first}th event: {tail.seen[first]} instead of {stored[first]}"
        )
    return problems
