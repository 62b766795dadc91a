"""Beat's schedule fired once, however many beats run: each firing is claimed in the database first.

Two beat processes (started by mistake, or a stand-by beat on another host) tick the same schedule. A
firing has a slot that every beat computes alike (`slot_of`): for a crontab entry the scheduled minute
(its latest occurrence at or before now), for an interval entry the start of the current window
(floor(epoch / seconds) * seconds; `ClaimingScheduler.is_due` fires interval entries at the start of
each window, so that every beat fires each window once and the windows do not drift with each beat's
start time). Before sending an entry's task, a beat inserts (entry, slot) (`BeatFirings.claim`,
`adapters.db.beat`): only the beat whose insert took sends the task; the others log `beat_firing_taken`.
If the database cannot be reached, the beat tries the claim again for a few seconds (`CLAIM_PAUSES`: a
failover takes 5-7 s, docs/failover.md), then skips that firing (`beat_claim_failed`): it never fires
unguarded, and the entry fires again at its next slot. A claimed firing whose task cannot be sent (the
broker is away) is given back (`release`), so that a beat whose turn comes later may still send it.
So a slot fires at most once, and exactly once unless the database is away for longer than the claim's
retries, or the broker at the moment of sending. Clocks must agree within a small part of the shortest
period (a second against 5 s).

At start-up, each entry's last run is the last slot claimed for it (by any beat), so a beat (re)started
catches up a missed crontab firing once, like Celery's persistent scheduler, with no schedule file
shared between processes.
"""

from __future__ import annotations

import math
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import structlog
from celery import Celery
from celery.beat import ScheduleEntry, Scheduler
from celery.schedules import BaseSchedule, crontab, schedstate, schedule

log = structlog.get_logger("razao.beat")

#: The Celery app's attribute that holds the factory of the firings store (set by `create_celery`).
FIRINGS_ATTRIBUTE = "razao_beat_firings"
#: How far back `slot_of` looks for a crontab's latest occurrence (steps of a minute, an hour or a day).
_MAX_STEPS = 5000
#: An interval entry wakes this long after its window's start (never just before it).
_WAKE_MARGIN = 0.05
#: Pauses (seconds) between the tries of a claim the database did not answer: about 10 s in all.
CLAIM_PAUSES = (0.5, 1.0, 2.0, 3.0, 3.5)


class BeatFirings(Protocol):
    """Where beats claim their firings (one row per entry and slot)."""

    def claim(self, entry: str, slot: datetime, fired_by: str) -> bool:
        """Insert (entry, slot) for `fired_by`; False when it was already there (another beat fired it)."""
        ...

    def release(self, entry: str, slot: datetime, fired_by: str) -> None:
        """Delete `fired_by`'s own claim of (entry, slot): its task could not be sent."""
        ...

    def last_slots(self) -> dict[str, datetime]:
        """The last slot claimed for each entry."""
        ...


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _window(seconds: float, at: datetime) -> int:
    return math.floor(_utc(at).timestamp() / seconds)


def last_occurrence(cron: crontab, now: datetime) -> datetime:
    """The latest minute at or before `now` that `cron` matches (in its time zone, returned in UTC)."""
    tz = getattr(cron, "tz", None) or UTC
    at = now.astimezone(tz).replace(second=0, microsecond=0)
    minute = timedelta(minutes=1)
    for _ in range(_MAX_STEPS):
        if at.month not in cron.month_of_year:
            at = at.replace(day=1, hour=0, minute=0) - minute
        elif at.day not in cron.day_of_month or at.isoweekday() % 7 not in cron.day_of_week:
            at = at.replace(hour=0, minute=0) - minute
        elif at.hour not in cron.hour:
            at = at.replace(minute=0) - minute
        elif at.minute not in cron.minute:
            at -= minute
        else:
            return at.astimezone(UTC)
    raise ValueError(f"{cron!r} has no occurrence in the {_MAX_STEPS} steps before {now.isoformat()}")


def slot_of(due: BaseSchedule, now: datetime) -> datetime:
    """The slot of a firing at `now`: what every beat firing the same occurrence computes alike."""
    if isinstance(due, crontab):
        return last_occurrence(due, now)
    if isinstance(due, schedule):
        seconds = due.run_every.total_seconds()
        return datetime.fromtimestamp(_window(seconds, now) * seconds, UTC)
    return _utc(now).replace(second=0, microsecond=0)  # another kind (solar): its minute


def interval_due(seconds: float, last_run_at: datetime, now: datetime) -> tuple[bool, float]:
    """An interval entry is due once per window: when `now` is in a later window than its last run;
    either way, the seconds until the next window starts."""
    window = _window(seconds, now)
    until_next = (window + 1) * seconds - _utc(now).timestamp() + _WAKE_MARGIN
    return window > _window(seconds, last_run_at), until_next


def fired_by() -> str:
    """This beat's name in the firings: host, process, and a nonce (two schedulers in one process)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class ClaimingScheduler(Scheduler):  # type: ignore[misc]  # celery is untyped
    """Celery's in-memory scheduler, sending an entry's task only when its claim of the slot succeeds.

    Set as `beat_scheduler` by `create_celery` when a firings store is wired; the store's factory is
    the app's `FIRINGS_ATTRIBUTE` (or the `firings` argument, for tests)."""

    def __init__(
        self, app: Celery, *args: Any, firings: Callable[[], BeatFirings] | None = None, **kwargs: Any
    ) -> None:
        self._firings = firings or getattr(app, FIRINGS_ATTRIBUTE)
        self.fired_by = fired_by()
        super().__init__(app, *args, **kwargs)

    def setup_schedule(self) -> None:
        super().setup_schedule()
        try:
            last = self._firings().last_slots()
        except Exception as error:  # beat starts anyway: the claims still keep firings single
            log.error("beat_last_slots_unavailable", error=str(error))
            return
        for name, entry in self.schedule.items():
            if name in last:
                entry.last_run_at = last[name]
        log.info(
            "beat_schedule_loaded",
            fired_by=self.fired_by,
            last_slots={k: v.isoformat() for k, v in last.items()},
        )

    def is_due(self, entry: ScheduleEntry) -> schedstate:
        due = entry.schedule
        if type(due) is schedule and not due.relative:  # an interval: at the start of each window
            is_due, next_time = interval_due(due.run_every.total_seconds(), entry.last_run_at, due.now())
            return schedstate(is_due, next_time)
        return super().is_due(entry)

    def apply_entry(self, entry: ScheduleEntry, producer: Any = None) -> None:
        slot = slot_of(entry.schedule, entry.schedule.now())
        claimed = self._claim(entry.name, slot)
        if claimed is None:  # never fire unguarded: the next slot will be claimed again
            return
        if not claimed:
            log.info("beat_firing_taken", entry=entry.name, slot=slot.isoformat())
            return
        log.info("beat_firing", entry=entry.name, slot=slot.isoformat(), fired_by=self.fired_by)
        try:  # Celery's own apply_entry, which would swallow a failed send
            self.apply_async(entry, producer=producer, advance=False)
        except Exception as error:
            log.error("beat_send_failed", entry=entry.name, slot=slot.isoformat(), error=str(error))
            try:
                self._firings().release(entry.name, slot, self.fired_by)
            except Exception as release_error:  # the slot stays claimed: that firing is lost (logged)
                log.error("beat_release_failed", entry=entry.name, error=str(release_error))

    def _claim(self, name: str, slot: datetime) -> bool | None:
        """The claim's answer, tried again while the database does not answer; None: it never did."""
        for pause in (*CLAIM_PAUSES, None):
            try:
                return self._firings().claim(name, slot, self.fired_by)
            except Exception as error:
                if pause is None:
                    log.error("beat_claim_failed", entry=name, slot=slot.isoformat(), error=str(error))
                    return None
                log.warning("beat_claim_retry", entry=name, slot=slot.isoformat(), error=str(error))
                time.sleep(pause)
        raise AssertionError("unreachable")
