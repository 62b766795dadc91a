"""Background jobs: what was asked (kind, parameters, the request that asked), and how it is going.

A job is created `queued` by the API, moves to `running` when a worker takes it, reports progress
(`processed` of `total`, with a partial `result` that may hold where to resume), and ends `succeeded`
with its result or `failed` with its errors. Each step is its own short transaction, separate from the
work the job does. A redelivered task calls `start_job` again: a running job stays running (the work
resumes), a finished one is returned as it is so the task can stop. The end of a job records its event
(`job.succeeded` or `job.failed`, `application.events`) in the transaction that ends it, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID

from application import events
from application.events import EventLog, EventType
from application.ports import Clock, IdSource
from domain.errors import InvalidState, NotFound, ValidationError
from domain.values import check_metadata, check_text


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(slots=True)
class Job:
    id: UUID
    kind: str
    state: JobState
    params: dict[str, Any]
    created_at: datetime
    request_id: str | None = None
    processed: int = 0
    total: int | None = None
    result: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.state in (JobState.SUCCEEDED, JobState.FAILED)

    def _ensure_not_finished(self, action: str) -> None:
        if self.finished:
            raise InvalidState(
                f"job {self.id} is {self.state.value} and cannot {action}", job_id=str(self.id)
            )


class JobRepository(Protocol):
    def add(self, job: Job) -> None: ...
    def get(self, job_id: UUID) -> Job | None: ...

    def lock(self, job_id: UUID) -> Job | None:
        """Load the job for an update (locked until the transaction ends)."""
        ...

    def save(self, job: Job) -> None: ...


class JobUnitOfWork(Protocol):
    jobs: JobRepository
    events: EventLog

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


def _check_count(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValidationError.of(name, "must be a non-negative integer")
    return value


def create_job(
    kind: str,
    params: dict[str, Any],
    request_id: str | None,
    uow: JobUnitOfWork,
    clock: Clock,
    ids: IdSource,
) -> Job:
    job = Job(
        id=ids.new_id(),
        kind=check_text(kind, "kind", required=True, max_length=100),
        state=JobState.QUEUED,
        params=check_metadata(params, "params"),
        created_at=clock.now(),
        request_id=None if request_id is None else check_text(request_id, "request_id", required=False),
    )
    with uow:
        uow.jobs.add(job)
        uow.commit()
    return job


def _update(job_id: UUID, uow: JobUnitOfWork, change: Any, ended: EventType | None = None) -> Job:
    """Apply `change` to the locked job and save it, unless it returns False; a job that `ended`
    records that event (`job.succeeded`, `job.failed`) at its `finished_at`."""
    with uow:
        job = uow.jobs.lock(job_id)
        if job is None:
            raise NotFound(f"job {job_id} does not exist", job_id=str(job_id))
        if change(job) is not False:
            uow.jobs.save(job)
            if ended is not None and job.finished_at is not None:
                uow.events.add([events.of_job(ended, job, job.finished_at)])
            uow.commit()
        return job


def start_job(job_id: UUID, uow: JobUnitOfWork, clock: Clock, total: int | None = None) -> Job:
    """Mark the job running (again, after a redelivery: progress is kept). A finished job is
    returned unchanged: check `job.finished`."""

    def change(job: Job) -> bool:
        if job.finished:
            return False
        if job.state is JobState.QUEUED:
            job.state, job.started_at = JobState.RUNNING, clock.now()
        if total is not None:
            job.total = _check_count(total, "total")
        return True

    return _update(job_id, uow, change)


def progress_job(
    job_id: UUID,
    processed: int,
    uow: JobUnitOfWork,
    total: int | None = None,
    result: dict[str, Any] | None = None,
) -> Job:
    """Record how far the job got (absolute count) and, optionally, a partial result."""

    def change(job: Job) -> None:
        job._ensure_not_finished("progress")
        job.processed = _check_count(processed, "processed")
        if total is not None:
            job.total = _check_count(total, "total")
        if result is not None:
            job.result = check_metadata(result, "result")

    return _update(job_id, uow, change)


def finish_job(job_id: UUID, result: dict[str, Any], uow: JobUnitOfWork, clock: Clock) -> Job:
    def change(job: Job) -> bool:
        if job.state is JobState.SUCCEEDED:
            return False  # a redelivered task finishing again
        job._ensure_not_finished("succeed")
        job.state, job.result, job.finished_at = (
            JobState.SUCCEEDED,
            check_metadata(result, "result"),
            clock.now(),
        )
        job.started_at = job.started_at or job.finished_at
        if job.total is not None:
            job.processed = max(job.processed, job.total)
        return True

    return _update(job_id, uow, change, EventType.JOB_SUCCEEDED)


def fail_job(job_id: UUID, errors: list[dict[str, Any]], uow: JobUnitOfWork, clock: Clock) -> Job:
    def change(job: Job) -> bool:
        if job.finished:
            return False
        job.state, job.finished_at = JobState.FAILED, clock.now()
        job.started_at = job.started_at or job.finished_at
        job.errors = [check_metadata(e, "errors") for e in errors]
        return True

    return _update(job_id, uow, change, EventType.JOB_FAILED)


def get_job(job_id: UUID, uow: JobUnitOfWork) -> Job:
    with uow:
        job = uow.jobs.get(job_id)
    if job is None:
        raise NotFound(f"job {job_id} does not exist", job_id=str(job_id))
    return job
