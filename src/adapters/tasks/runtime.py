"""What the tasks need from the composition root: the ports they call, built once per worker process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.tasks.webhooks import WebhookWorker
from application.write_path import WritePath

#: Transfers expired per transaction by the expire-holds task.
EXPIRE_BATCH = 500


@dataclass(frozen=True, slots=True)
class TaskRuntime:
    write_path: WritePath
    #: Runs (or resumes) one job record to its end and returns its result summary: called with the job id
    #: and the task id (`adapters.tasks.jobs.JobRunner`); raises `application.jobs.JobHeld` when another
    #: run holds the job. (`...`: fakes taking the job id only still fit.)
    run_job: Callable[..., dict[str, Any]]
    #: Deletes the events older than the retention setting; how many (None: not wired).
    prune_events: Callable[[], int] | None = None
    #: Webhooks: fan-out and delivery (`adapters.tasks.webhooks.WebhookWorker`; None: not wired).
    webhooks: WebhookWorker | None = None


def expire_all_due(write_path: WritePath, batch: int = EXPIRE_BATCH) -> int:
    """Expire every pending transfer whose timeout has passed, `batch` per transaction; how many."""
    total = 0
    while True:
        expired = write_path.expire_due(batch)
        total += len(expired)
        if len(expired) < batch:
            return total
