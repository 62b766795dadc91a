"""The job queue adapter: hands a recorded job to the workers, with the caller's request id."""

from __future__ import annotations

from uuid import UUID

from celery import Celery

from adapters.tasks.celery_app import RUN_JOB
from adapters.tasks.signals import REQUEST_ID_HEADER

#: A few quick retries while the broker reconnects; a broker that stays down fails the request fast.
RETRY_POLICY = {"max_retries": 3, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


class CeleryJobQueue:
    """Sends `razao.run_job` for a job id; the worker's logs carry `request_id` from the header."""

    def __init__(self, app: Celery) -> None:
        self._app = app

    def enqueue(self, job_id: UUID, request_id: str | None = None) -> str:
        headers = {REQUEST_ID_HEADER: request_id} if request_id else {}
        result = self._app.send_task(
            RUN_JOB, args=[str(job_id)], headers=headers, retry=True, retry_policy=RETRY_POLICY
        )
        return str(result.id)
