"""When writes were acknowledged, and the longest silence around each failover.

`TimedClient` is the storm's `Client` (same operations, same retries with the same ids) that also notes
the moment each acknowledgement arrived (`AckTimes`). Seconds of write unavailability around a kill are
the longest gap between two consecutive acknowledgements in a window from just before the kill to the
clients' recovery: with several clients writing all the time, gaps are otherwise milliseconds long, so
the longest one is the outage as the clients lived it (the kill, detection, promotion, reconnection and
the retry that finally got an answer).
"""

from __future__ import annotations

import bisect
import itertools
import threading
import time
from dataclasses import dataclass, field

from tests.suites.storm.clients import Client, Line


@dataclass
class AckTimes:
    """Monotonic times of acknowledgements, shared between client threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    times: list[float] = field(default_factory=list)

    def note(self) -> None:
        now = time.monotonic()
        with self.lock:
            bisect.insort(self.times, now)

    def count(self) -> int:
        with self.lock:
            return len(self.times)

    def longest_gap(self, start: float, end: float) -> tuple[float, float, float]:
        """(gap in seconds, from, to): the longest time between consecutive acknowledgements that
        overlaps [start, end] (from the last one before `start` to the first one after `end`)."""
        with self.lock:
            times = list(self.times)
        first = max(bisect.bisect_right(times, start) - 1, 0)
        last = min(bisect.bisect_left(times, end) + 1, len(times))
        window = times[first:last]
        best = (0.0, start, start)
        for before, after in itertools.pairwise(window):
            if after - before > best[0]:
                best = (after - before, before, after)
        return best


@dataclass(eq=False)
class TimedClient(Client):
    """A storm client that also notes when each of its acknowledgements arrived."""

    clock: AckTimes = field(default_factory=AckTimes)

    def acknowledge(self, transfer_id: str, layer: str, lines: tuple[Line, ...]) -> None:
        super().acknowledge(transfer_id, layer, lines)
        self.clock.note()
