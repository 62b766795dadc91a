"""Did everything that must run once run once? Read from the processes' logs and the firings table.

- Beat: each beat logs `beat_firing` (entry, slot) when it sends a firing it claimed, and
  `beat_firing_taken` when another beat claimed it first. A firing sent by two beats is a duplicate;
  every row of `beat_firings` must match one `beat_firing` line (a claim whose answer was lost to a
  terminated backend leaves a row without a send: a skipped firing, counted apart, never a duplicate).
- Jobs: every worker logs `job_started`, `job_progress` and `job_succeeded` with the job id and the
  holder of its lease, each after a write that held the lease. Per job, the span of each holder (its
  first to its last such line) must not overlap another holder's: two overlapping spans are two runs
  of one job at once. `job_held_elsewhere` (a run that deferred to the holder) and `job_lease_lost`
  (a run that stopped) are counted.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import Engine, text

from tests.suites.storm.processes import Process

_HOLDING = ("job_started", "job_progress", "job_succeeded")


def _lines(processes: Iterable[Process]) -> Iterator[tuple[Process, dict[str, Any]]]:
    for process in processes:
        for line in process.output().splitlines():
            if line.startswith("{"):
                try:
                    yield process, json.loads(line)
                except ValueError:
                    continue


@dataclass
class Firings:
    """What the beats sent, and what the table holds."""

    beats: int = 0
    sent: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_beat: Counter[str] = field(default_factory=Counter)
    taken: int = 0
    claim_failures: int = 0
    rows: int = 0
    rows_not_sent: int = 0

    @property
    def duplicated(self) -> int:
        """Firings sent by more than one beat (each extra send counted)."""
        return sum(n - 1 for n in self.sent.values() if n > 1)

    def details(self) -> dict[str, Any]:
        return {
            "beats": self.beats,
            "firings_sent": sum(self.sent.values()),
            "firings_duplicated": self.duplicated,
            "sent_by_beat": dict(self.by_beat),
            "taken_by_the_other_beat": self.taken,
            "claims_failed_skipped": self.claim_failures,
            "rows": self.rows,
            "rows_without_a_send": self.rows_not_sent,
        }


def beat_firings(beats: list[Process], engine: Engine) -> Firings:
    found = Firings(beats=len(beats))
    for process, line in _lines(beats):
        event = line.get("event")
        if event == "beat_firing":
            found.sent[(line["entry"], line["slot"])] += 1
            found.by_beat[process.log.name] += 1
        elif event == "beat_firing_taken":
            found.taken += 1
        elif event == "beat_claim_failed":
            found.claim_failures += 1
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT entry, slot FROM beat_firings")).all()
    found.rows = len(rows)
    sent_slots = {(entry, datetime.fromisoformat(slot)) for entry, slot in found.sent}
    found.rows_not_sent = sum(1 for entry, slot in rows if (entry, slot) not in sent_slots)
    return found


@dataclass
class JobRuns:
    """Per job, the holders' spans; overlaps are runs of one job at once."""

    spans: dict[str, dict[str, tuple[datetime, datetime]]] = field(default_factory=dict)
    held_elsewhere: int = 0
    lease_lost: int = 0

    @property
    def concurrent(self) -> list[str]:
        overlaps = []
        for job_id, holders in self.spans.items():
            ordered = sorted(holders.items(), key=lambda item: item[1][0])
            for (a, (_, a_end)), (b, (b_start, _)) in pairwise(ordered):
                if b_start <= a_end:
                    overlaps.append(f"job {job_id}: {a} until {a_end}, {b} from {b_start}")
        return overlaps

    def details(self) -> dict[str, Any]:
        return {
            "jobs": len(self.spans),
            "runs": sum(len(h) for h in self.spans.values()),
            "jobs_run_concurrently": len(self.concurrent),
            "deferred_to_the_holder": self.held_elsewhere,
            "stopped_lease_lost": self.lease_lost,
        }


def job_runs(workers: list[Process]) -> JobRuns:
    found = JobRuns()
    times: dict[str, dict[str, list[datetime]]] = defaultdict(lambda: defaultdict(list))
    for _, line in _lines(workers):
        event = line.get("event")
        if event in _HOLDING and "holder" in line and "job_id" in line:
            times[line["job_id"]][line["holder"]].append(datetime.fromisoformat(line["timestamp"]))
        elif event == "job_held_elsewhere":
            found.held_elsewhere += 1
        elif event == "job_lease_lost":
            found.lease_lost += 1
    found.spans = {
        job_id: {holder: (min(at), max(at)) for holder, at in holders.items()}
        for job_id, holders in times.items()
    }
    return found
