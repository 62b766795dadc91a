"""The Celery application: reliable delivery settings, the tasks and beat's schedule.

Delivery is at least once: a task is acknowledged only after it finished (`task_acks_late`), a worker
killed mid-task gets its task redelivered (`task_reject_on_worker_lost`; on Redis after the visibility
timeout, on RabbitMQ when the connection drops), and a worker reserves one task at a time. Every task's
effects are idempotent, so a redelivery never doubles them; and a job runs in one place at a time: a
redelivered `razao.run_job` whose job another worker still holds (its lease, `application.jobs`) waits
for the lease's end (`retry`) instead of running it beside the holder.

Beat's schedule is fired once however many beats run: with `beat_firings` wired, beat uses
`adapters.tasks.beat.ClaimingScheduler`, which claims each firing in the database before sending it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from celery import Celery, Task, signals
from celery.schedules import crontab

from adapters.tasks.beat import FIRINGS_ATTRIBUTE, BeatFirings
from adapters.tasks.runtime import TaskRuntime, expire_all_due
from adapters.tasks.signals import connect_signals
from adapters.tasks.webhooks import summary_of
from application.jobs import JobHeld
from application.ports import ExecutionUnavailable, RetryableConflict

EXPIRE_HOLDS = "razao.expire_holds"
RUN_JOB = "razao.run_job"
VERIFY_LEDGER = "razao.verify_ledger"
PRUNE_EVENTS = "razao.prune_events"
DISPATCH_WEBHOOKS = "razao.dispatch_webhooks"
DELIVER_WEBHOOKS = "razao.deliver_webhooks"
PRUNE_WEBHOOKS = "razao.prune_webhooks"
SEAL_JOURNAL = "razao.seal_journal"

#: Beat's scheduler when firings are claimed in the database (`adapters.tasks.beat`).
SCHEDULER = "adapters.tasks.beat:ClaimingScheduler"
#: A job held by another run is looked at again this long after its lease's end (clocks differ a bit).
LEASE_MARGIN_SECONDS = 2.0
#: ... and at least this often, and within half the visibility timeout (Redis would redeliver a message
#: whose countdown outlasts it: a harmless but useless copy).
MAX_DEFER_SECONDS = 600.0
#: How long a worker restoring expired reservations (Redis) may hold the lock that serialises restores.
UNACKED_RESTORE_LOCK_SECONDS = 10
#: A job whose run met a database outage longer than the runner waits out is tried again this much later.
OUTAGE_RETRY_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class CeleryConfig:
    broker_url: str
    result_backend: str | None = None
    queue: str = "razao"
    #: Seconds before Redis redelivers an unacknowledged task: longer than the longest task.
    visibility_timeout: int = 3600
    #: Hour (UTC) of the daily verification job; None: not scheduled.
    verification_hour_utc: int | None = 3
    #: Seconds between two fan-outs of the events to the webhook endpoints; None: not scheduled.
    webhook_dispatch_seconds: float | None = 5.0
    #: Seconds between two sealings of the journal (docs/audit/seals.md); None: not scheduled.
    seal_interval_seconds: float | None = None


def _schedule(config: CeleryConfig) -> dict[str, Any]:
    schedule: dict[str, Any] = {
        "expire-holds": {"task": EXPIRE_HOLDS, "schedule": timedelta(minutes=1), "options": {"expires": 55}},
        # Retention of the events feed, hourly (at :17, away from the top of the hour's other work).
        "prune-events": {
            "task": PRUNE_EVENTS,
            "schedule": crontab(minute=17),
            "options": {"expires": 3000},
        },
        # Retention of finished webhook deliveries and their attempts, hourly beside the events'.
        "prune-webhooks": {
            "task": PRUNE_WEBHOOKS,
            "schedule": crontab(minute=47),
            "options": {"expires": 3000},
        },
    }
    if config.webhook_dispatch_seconds is not None:
        # Cheap when idle (one read of the endpoints, one of the due work); expires before the next run.
        schedule["dispatch-webhooks"] = {
            "task": DISPATCH_WEBHOOKS,
            "schedule": timedelta(seconds=config.webhook_dispatch_seconds),
            "options": {"expires": max(1.0, config.webhook_dispatch_seconds * 2)},
        }
    if config.seal_interval_seconds is not None:
        # Seals what committed since the last run (cheap when idle: one read past the head); a run that
        # outlasts the period overlaps the next harmlessly (one sealer at a time, under a lock).
        schedule["seal-journal"] = {
            "task": SEAL_JOURNAL,
            "schedule": timedelta(seconds=config.seal_interval_seconds),
            "options": {"expires": max(1.0, config.seal_interval_seconds * 2)},
        }
    if config.verification_hour_utc is not None:
        schedule["verify-ledger"] = {
            "task": VERIFY_LEDGER,
            "schedule": crontab(minute=0, hour=config.verification_hour_utc),
        }
    return schedule


def create_celery(
    config: CeleryConfig,
    runtime: Callable[[], TaskRuntime],
    *,
    start_verification: Callable[[], UUID] | None = None,
    setup_logging: Callable[[], None] | None = None,
    beat_firings: Callable[[], BeatFirings] | None = None,
    seal_journal: Callable[[], dict[str, Any]] | None = None,
) -> Celery:
    """The Celery app. `runtime` is called inside tasks (first use builds engines, in the worker
    process); `start_verification` records a verification job for beat's daily run; `setup_logging`
    replaces Celery's own logging set-up (so workers log structlog JSON like the API); `beat_firings`
    (called in the beat process) is where beats claim each firing, so that however many beats run,
    each is sent once (`adapters.tasks.beat`; None: Celery's own scheduler, unguarded). `seal_journal` (called in
    the worker) seals what is sealable (`adapters.tasks.jobs.seal_all`; None: the task skips)."""
    app = Celery("razao", broker=config.broker_url, backend=config.result_backend, set_as_current=False)
    transport = {
        "visibility_timeout": config.visibility_timeout,
        # Redis: look for expired reservations every few seconds (kombu's default scans every ~100 s).
        "unacked_restore_interval": min(10, max(1, config.visibility_timeout // 3)),
        "unacked_restore_throttle": 1,
        # A worker killed while it restores expired reservations keeps their Redis lock until it expires
        # (kombu's default: 300 s), and no task is redelivered meanwhile; a restore takes milliseconds.
        "unacked_mutex_expire": UNACKED_RESTORE_LOCK_SECONDS,
    }
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        worker_send_task_events=True,
        task_send_sent_event=True,
        task_track_started=True,
        task_default_queue=config.queue,
        result_expires=timedelta(days=1),
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        enable_utc=True,
        timezone="UTC",
        beat_schedule=_schedule(config),
    )
    if beat_firings is not None:
        setattr(app, FIRINGS_ATTRIBUTE, beat_firings)
        app.conf.beat_scheduler = SCHEDULER
    if setup_logging is not None:
        signals.setup_logging.connect(
            lambda **_: setup_logging(), weak=False, dispatch_uid="razao.setup_logging"
        )
    connect_signals()

    def expire_holds() -> dict[str, int]:
        """Expire the pending transfers whose timeout passed (beat runs it every minute)."""
        return {"expired": expire_all_due(runtime().write_path)}

    def run_job(task: Task, job_id: str) -> dict[str, Any]:
        """Run, or resume after a redelivery, the job record `job_id` (started through the API). While
        another run holds the job's lease, this delivery is acknowledged and the task sent again for
        just after the lease's end (`retry`): then the holder has renewed it (alive: again later),
        finished the job (nothing to do), or died (this run takes the job over and resumes it). A database
        outage longer than the runner waits out sends the task again for later, the same way."""
        try:
            return runtime().run_job(UUID(job_id), task.request.id)
        except (RetryableConflict, ExecutionUnavailable) as away:  # longer than the runner waits
            raise task.retry(countdown=OUTAGE_RETRY_SECONDS, exc=away) from away
        except JobHeld as held:
            wait = (held.until - datetime.now(UTC)).total_seconds() + LEASE_MARGIN_SECONDS
            longest = min(MAX_DEFER_SECONDS, config.visibility_timeout / 2)  # not redelivered meanwhile
            raise task.retry(countdown=max(min(wait, longest), 1.0), exc=held) from held

    def prune_events() -> dict[str, Any]:
        """Delete the events older than the retention setting (beat runs it hourly)."""
        prune = runtime().prune_events
        if prune is None:
            return {"skipped": "retention is not wired"}
        return {"deleted": prune()}

    def dispatch_webhooks() -> dict[str, Any]:
        """Fan the new events out to the webhook endpoints; send a delivery task per endpoint with due work."""
        worker = runtime().webhooks
        if worker is None:
            return {"skipped": "webhooks are not wired"}
        summary = worker.fan_out()
        expires = max(10.0, 3 * (config.webhook_dispatch_seconds or 5.0))
        for endpoint_id in summary.due:
            app.send_task(DELIVER_WEBHOOKS, args=[str(endpoint_id)], expires=expires)
        return {"fanned_out": summary.fanned_out, "due": len(summary.due)}

    def deliver_webhooks(endpoint_id: str) -> dict[str, Any]:
        """Deliver the due work of ONE webhook endpoint, for at most the task budget."""
        worker = runtime().webhooks
        if worker is None:
            return {"skipped": "webhooks are not wired"}
        return summary_of(worker.deliver(UUID(endpoint_id)))

    def prune_webhooks() -> dict[str, Any]:
        """Delete the finished webhook deliveries older than the retention setting (beat, hourly)."""
        worker = runtime().webhooks
        if worker is None:
            return {"skipped": "webhooks are not wired"}
        return {"deleted": worker.prune()}

    def seal_journal_task() -> dict[str, Any]:
        """Seal the journal's committed rows, a block per transaction (beat, every few seconds)."""
        if seal_journal is None:
            return {"skipped": "sealing is not wired"}
        return seal_journal()

    def verify_ledger() -> dict[str, Any]:
        """Beat's daily verification: record a job, then run it like one started through the API."""
        if start_verification is None:
            return {"skipped": "verification is not wired"}
        return runtime().run_job(start_verification())

    app.task(name=EXPIRE_HOLDS)(expire_holds)
    # bound (the retry above), retried for as long as another run holds the job
    app.task(name=RUN_JOB, bind=True, max_retries=None, shared=False)(run_job)
    app.task(name=VERIFY_LEDGER)(verify_ledger)
    app.task(name=PRUNE_EVENTS)(prune_events)
    # not shared: each app (tests build several in one process) keeps its own runtime
    app.task(name=DISPATCH_WEBHOOKS, shared=False)(dispatch_webhooks)
    app.task(name=DELIVER_WEBHOOKS, shared=False)(deliver_webhooks)
    app.task(name=PRUNE_WEBHOOKS, shared=False)(prune_webhooks)
    app.task(name=SEAL_JOURNAL, shared=False)(seal_journal_task)
    return app
