"""Beat's firings claimed in the database: however many beats tick the schedule, each slot is sent once.

The slot arithmetic is checked on its own; then two `ClaimingScheduler`s (two beats) tick the same
schedule against one real database for a few seconds (a memory broker: what they send is recorded, not
delivered), and each slot must have been sent once, by one of them.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from celery import Celery
from celery.schedules import crontab, schedule
from sqlalchemy import Engine, text

from adapters.db.beat import SqlBeatFirings
from adapters.tasks import beat as beat_module
from adapters.tasks.beat import (
    FIRINGS_ATTRIBUTE,
    BeatFirings,
    ClaimingScheduler,
    interval_due,
    last_occurrence,
    slot_of,
)
from adapters.tasks.celery_app import SCHEDULER, CeleryConfig, create_celery

AT = datetime(2026, 12, 6, 10, 17, 42, 123456, tzinfo=UTC)


def test_a_crontab_slot_is_its_latest_occurrence() -> None:
    assert last_occurrence(crontab(minute=17), AT) == datetime(2026, 12, 6, 10, 17, tzinfo=UTC)
    assert last_occurrence(crontab(minute=47), AT) == datetime(2026, 12, 6, 9, 47, tzinfo=UTC)
    assert last_occurrence(crontab(minute=0, hour=3), AT) == datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    assert last_occurrence(crontab(minute=0, hour=12), AT) == datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    # Sundays at 23:30 (6 December 2026 is a Sunday): the previous one
    assert last_occurrence(crontab(minute=30, hour=23, day_of_week=0), AT) == datetime(
        2026, 11, 29, 23, 30, tzinfo=UTC
    )
    assert last_occurrence(crontab(minute=0, hour=0, day_of_month=1, month_of_year=3), AT) == datetime(
        2026, 3, 1, tzinfo=UTC
    )


def test_an_interval_slot_is_the_start_of_its_window() -> None:
    assert slot_of(schedule(timedelta(seconds=5)), AT) == datetime(2026, 12, 6, 10, 17, 40, tzinfo=UTC)
    assert slot_of(schedule(timedelta(minutes=1)), AT) == datetime(2026, 12, 6, 10, 17, tzinfo=UTC)
    # two beats firing the same window a little apart compute the same slot
    assert slot_of(schedule(timedelta(seconds=5)), AT + timedelta(seconds=2.5)) == slot_of(
        schedule(timedelta(seconds=5)), AT
    )


def test_an_interval_entry_is_due_once_per_window() -> None:
    due, wait = interval_due(60, AT - timedelta(seconds=50), AT)  # last run in the previous window
    assert due and 17.9 < wait < 18  # until 10:18:00, and a margin
    due, wait = interval_due(60, AT - timedelta(seconds=1), AT)  # already in this window
    assert not due and 17.9 < wait < 18


def test_the_app_uses_the_claiming_scheduler_only_when_firings_are_wired() -> None:
    def unused() -> Any:
        raise AssertionError("not built")

    wired = create_celery(CeleryConfig("memory://"), unused, beat_firings=unused)
    assert wired.conf.beat_scheduler == SCHEDULER and getattr(wired, FIRINGS_ATTRIBUTE) is unused
    assert create_celery(CeleryConfig("memory://"), unused).conf.beat_scheduler != SCHEDULER


class RecordingScheduler(ClaimingScheduler):
    """Records what it would send instead of sending it."""

    def __init__(self, *args: Any, sent: list[tuple[str, str]], **kwargs: Any) -> None:
        self.sent = sent
        super().__init__(*args, **kwargs)

    def apply_async(self, entry: Any, producer: Any = None, advance: bool = True, **_: Any) -> None:
        self.sent.append((entry.name, self.fired_by))


def _app(every: float) -> Celery:
    app = Celery("beat-test", broker="memory://", set_as_current=False)
    app.conf.update(
        enable_utc=True,
        timezone="UTC",
        beat_schedule={
            "tick": {"task": "t.tick", "schedule": timedelta(seconds=every)},
            "hourly": {"task": "t.hourly", "schedule": crontab(minute=17)},
        },
    )
    return app


@pytest.fixture
def firings(app_engine: Engine) -> SqlBeatFirings:
    return SqlBeatFirings(app_engine)  # as razao_app: what a beat process runs as


def _slots(engine: Engine, entry: str) -> list[tuple[datetime, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT slot, fired_by FROM beat_firings WHERE entry = :e ORDER BY slot"), {"e": entry}
        ).all()
    return [(slot, fired_by) for slot, fired_by in rows]


def _tick(scheduler: ClaimingScheduler, until: float) -> None:
    while time.monotonic() < until:
        time.sleep(min(max(scheduler.tick(), 0.0), 0.2, max(until - time.monotonic(), 0.0)))


def test_two_beats_ticking_one_schedule_fire_each_slot_once(
    firings: SqlBeatFirings, app_engine: Engine
) -> None:
    sent: list[tuple[str, str]] = []
    app = _app(every=1.0)
    beats = [RecordingScheduler(app, firings=lambda: firings, sent=sent) for _ in range(2)]
    until = time.monotonic() + 4.2
    threads = [threading.Thread(target=_tick, args=(b, until)) for b in beats]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    ticks = [fired_by for name, fired_by in sent if name == "tick"]
    claimed = _slots(app_engine, "tick")
    assert 3 <= len(ticks) <= 5, sent  # one per second-long window, not two
    assert len(claimed) == len(ticks)  # each slot sent by the one beat that claimed it
    assert Counter(ticks) == Counter(fired_by for _, fired_by in claimed)
    windows = [slot.timestamp() for slot, _ in claimed]
    assert windows == [float(int(w)) for w in windows] and len(set(windows)) == len(windows)


def test_a_firing_already_claimed_is_not_sent_again(firings: SqlBeatFirings) -> None:
    sent: list[tuple[str, str]] = []
    app = _app(every=60)
    first, second = (RecordingScheduler(app, firings=lambda: firings, sent=sent) for _ in range(2))
    entry = first.schedule["hourly"]

    first.apply_entry(entry)
    second.apply_entry(second.schedule["hourly"])
    first.apply_entry(entry)

    assert sent == [("hourly", first.fired_by)]


class DownFirings:
    """A database that is away for the first `failures` calls (all of them by default)."""

    def __init__(self, failures: int = 10**6, then: BeatFirings | None = None) -> None:
        self.failures, self.then = failures, then

    def _away(self) -> BeatFirings:
        if self.failures > 0 or self.then is None:
            self.failures -= 1
            raise ConnectionError("the database is down")
        return self.then

    def claim(self, entry: str, slot: datetime, fired_by: str) -> bool:
        return self._away().claim(entry, slot, fired_by)

    def release(self, entry: str, slot: datetime, fired_by: str) -> None:
        self._away().release(entry, slot, fired_by)

    def last_slots(self) -> dict[str, datetime]:
        return self._away().last_slots()


@pytest.fixture
def no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(beat_module, "CLAIM_PAUSES", (0.0, 0.0, 0.0))


@pytest.mark.usefixtures("no_pauses")
def test_a_beat_that_cannot_claim_skips_the_firing() -> None:
    sent: list[tuple[str, str]] = []
    down: BeatFirings = DownFirings()
    beat = RecordingScheduler(_app(every=1.0), firings=lambda: down, sent=sent)  # starts anyway

    beat.apply_entry(beat.schedule["tick"])

    assert sent == []


@pytest.mark.usefixtures("no_pauses")
def test_a_claim_is_tried_again_while_the_database_is_briefly_away(firings: SqlBeatFirings) -> None:
    sent: list[tuple[str, str]] = []
    flaky: BeatFirings = DownFirings(failures=2, then=firings)
    beat = RecordingScheduler(_app(every=60), firings=lambda: flaky, sent=sent)

    beat.apply_entry(beat.schedule["hourly"])

    assert sent == [("hourly", beat.fired_by)]


class BrokerAway(RecordingScheduler):
    def apply_async(self, entry: Any, producer: Any = None, advance: bool = True, **_: Any) -> None:
        raise ConnectionError("the broker is away")


def test_a_firing_that_could_not_be_sent_is_given_back_for_another_beat(
    firings: SqlBeatFirings, app_engine: Engine
) -> None:
    sent: list[tuple[str, str]] = []
    app = _app(every=60)
    failing = BrokerAway(app, firings=lambda: firings, sent=sent)
    other = RecordingScheduler(app, firings=lambda: firings, sent=sent)

    failing.apply_entry(failing.schedule["hourly"])
    assert _slots(app_engine, "hourly") == []  # released
    other.apply_entry(other.schedule["hourly"])

    assert sent == [("hourly", other.fired_by)]
    assert [fired_by for _, fired_by in _slots(app_engine, "hourly")] == [other.fired_by]


def test_a_beat_starts_from_the_last_slots_claimed(firings: SqlBeatFirings) -> None:
    last = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    assert firings.claim("hourly", last, "an earlier beat")

    beat = RecordingScheduler(_app(every=60), firings=lambda: firings, sent=[])

    assert beat.schedule["hourly"].last_run_at == last
    assert beat.schedule["hourly"].is_due().is_due  # the missed occurrence is caught up, once


@pytest.fixture
def old_firings(admin_engine: Engine) -> Iterator[None]:
    with admin_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO beat_firings (entry, slot, fired_by)"
                " SELECT 'old', now() - interval '9 days' - n * interval '1 minute', 'x'"
                " FROM generate_series(1, 150) AS n"
            )
        )
    yield


@pytest.mark.usefixtures("old_firings")
def test_claims_prune_old_firings_a_few_at_a_time(firings: SqlBeatFirings, app_engine: Engine) -> None:
    now = datetime.now(UTC)
    assert firings.claim("tick", now, "beat")
    assert len(_slots(app_engine, "old")) == 50  # 100 deleted by the claim
    assert firings.claim("tick", now + timedelta(seconds=1), "beat")
    assert _slots(app_engine, "old") == [] and len(_slots(app_engine, "tick")) == 2
