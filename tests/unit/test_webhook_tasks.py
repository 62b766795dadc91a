"""The webhook tasks: registered, scheduled by beat (or not), and their bodies run in-process over a
fake worker (no broker, no database)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.tasks.celery_app import (
    DELIVER_WEBHOOKS,
    DISPATCH_WEBHOOKS,
    PRUNE_WEBHOOKS,
    CeleryConfig,
    create_celery,
)
from adapters.tasks.runtime import TaskRuntime
from application.webhook_policy import Outcome
from application.webhooks import AttemptReport, FanOutSummary


class FakeWorker:
    def __init__(self) -> None:
        self.delivered: list[uuid.UUID] = []

    def fan_out(self) -> FanOutSummary:
        return FanOutSummary(0, [])

    def deliver(self, endpoint_id: uuid.UUID) -> list[AttemptReport]:
        self.delivered.append(endpoint_id)
        at = datetime(2026, 1, 1, tzinfo=UTC)
        report = AttemptReport(
            endpoint_id,
            uuid.uuid4(),
            uuid.uuid4(),
            "transfer.posted",
            1,
            Outcome.RETRY,
            503,
            None,
            3,
            at,
            None,
        )
        return [report, report]

    def prune(self) -> int:
        return 3


def _runtime(worker: Any) -> TaskRuntime:
    return TaskRuntime(write_path=None, run_job=lambda _: {}, webhooks=worker)  # type: ignore[arg-type]


def test_beat_fans_out_every_few_seconds_with_messages_that_expire() -> None:
    app = create_celery(CeleryConfig("redis://x", webhook_dispatch_seconds=5), lambda: _runtime(None))
    entry = app.conf.beat_schedule["dispatch-webhooks"]
    assert entry["task"] == DISPATCH_WEBHOOKS and entry["schedule"] == timedelta(seconds=5)
    assert entry["options"]["expires"] == 10
    assert {DISPATCH_WEBHOOKS, DELIVER_WEBHOOKS} <= set(app.tasks)
    off = create_celery(CeleryConfig("redis://x", webhook_dispatch_seconds=None), lambda: _runtime(None))
    assert "dispatch-webhooks" not in off.conf.beat_schedule


def test_the_delivery_task_works_on_its_endpoint_only_and_summarizes() -> None:
    worker = FakeWorker()
    app = create_celery(CeleryConfig("redis://x"), lambda: _runtime(worker))
    endpoint = uuid.uuid4()

    result = app.tasks[DELIVER_WEBHOOKS].run(str(endpoint))

    assert worker.delivered == [endpoint]
    assert result == {"attempts": 2, "retry": 2}


def test_beat_prunes_finished_deliveries_hourly_through_the_worker() -> None:
    app = create_celery(CeleryConfig("redis://x"), lambda: _runtime(FakeWorker()))
    entry = app.conf.beat_schedule["prune-webhooks"]
    assert entry["task"] == PRUNE_WEBHOOKS and entry["schedule"].minute == {47}
    assert app.tasks[PRUNE_WEBHOOKS].run() == {"deleted": 3}
    unwired = create_celery(CeleryConfig("redis://x"), lambda: _runtime(None))
    assert unwired.tasks[PRUNE_WEBHOOKS].run() == {"skipped": "webhooks are not wired"}
