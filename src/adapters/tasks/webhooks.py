"""The webhook tasks' bodies: fan the feed out to the endpoints, and deliver one endpoint's due work.

`razao.dispatch_webhooks` (beat, every RAZAO_WEBHOOK_DISPATCH_SECONDS) runs `WebhookWorker.fan_out`
and sends `razao.deliver_webhooks(endpoint_id)` for each endpoint with due work; a message expires
after a few dispatch periods, so an endpoint whose task is still running does not pile tasks up (the
claim lets several run safely anyway: it is serialized per endpoint). `razao.deliver_webhooks` runs
`WebhookWorker.deliver`: only that endpoint, for at most RAZAO_WEBHOOK_TASK_BUDGET_SECONDS, so one dead
or slow endpoint holds one worker slot for a bounded time and never starves the others.

`razao.prune_webhooks` (beat, hourly, beside the events' retention) runs `WebhookWorker.prune`: the
deliveries finished more than RAZAO_WEBHOOK_RETENTION_DAYS ago go, with their attempts.

`drain` runs both in-process until nothing is due: for tests, the storm suite and the BDD steps.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

import structlog

from application.ports import Clock
from application.webhooks import (
    AttemptReport,
    DeliveryPolicy,
    FanOutSummary,
    SecretBox,
    Sender,
    WebhookUnitOfWork,
    deliver_endpoint,
    fan_out,
    prune_deliveries,
)

log = structlog.get_logger("razao.webhooks")


@dataclass
class WebhookWorker:
    """What the webhook tasks run, built once per worker process by the container."""

    uow: Callable[[], WebhookUnitOfWork]
    box: SecretBox
    sender: Sender
    clock: Clock
    rules: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    #: Seconds one delivery task may work on its endpoint.
    budget_seconds: float = 20.0
    #: Deliveries sent at once for an unordered endpoint (at most its max_in_flight are claimed).
    threads: int = 8
    jitter: Callable[[], float] = random.random
    #: How long finished deliveries (and their attempts) are kept.
    retention: timedelta = timedelta(days=7)

    def prune(self) -> int:
        deleted = prune_deliveries(self.uow, self.clock, self.retention)
        log.info(
            "webhook_deliveries_pruned", deleted=deleted, retention_days=self.retention / timedelta(days=1)
        )
        return deleted

    def fan_out(self) -> FanOutSummary:
        summary = fan_out(self.uow, self.clock)
        for endpoint_id in summary.expired:
            log.error("webhook_cursor_expired", endpoint_id=str(endpoint_id))
        return summary

    def deliver(self, endpoint_id: UUID, budget_seconds: float | None = None) -> list[AttemptReport]:
        deadline = time.monotonic() + (self.budget_seconds if budget_seconds is None else budget_seconds)
        with ThreadPoolExecutor(self.threads, thread_name_prefix="webhook") as pool:
            reports = deliver_endpoint(
                endpoint_id,
                self.uow,
                self.box,
                self.sender,
                self.clock,
                self.rules,
                jitter=self.jitter,
                time_left=lambda: time.monotonic() < deadline,
                each=lambda send, items: list(pool.map(send, items)),
                parallel=self.threads,
            )
        for r in reports:
            log.info(
                "webhook_delivery",
                endpoint_id=str(r.endpoint_id),
                delivery_id=str(r.delivery_id),
                event_id=str(r.event_id),
                event_type=r.event_type,
                attempt=r.attempt,
                outcome=r.outcome.value,
                status=r.status,
                error=r.error,
                duration_ms=r.duration_ms,
                next_try_at=None if r.next_try_at is None else r.next_try_at.isoformat(),
            )
        return reports


def summary_of(reports: list[AttemptReport]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for r in reports:
        counts[r.outcome.value] = counts.get(r.outcome.value, 0) + 1
    return {"attempts": len(reports), **counts}


def drain(worker: WebhookWorker, rounds: int = 50) -> list[AttemptReport]:
    """Fan out and deliver, in this process, until no endpoint has due work (at most `rounds` passes);
    every attempt made. Deliveries waiting for a later retry are not due: move the clock to reach them."""
    reports: list[AttemptReport] = []
    for _ in range(rounds):
        due = worker.fan_out().due
        if not due:
            return reports
        made = [r for endpoint_id in due for r in worker.deliver(endpoint_id)]
        if not made:  # due work that cannot be claimed now (an ordered endpoint's head waits)
            return reports
        reports += made
    return reports
