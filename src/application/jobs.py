"""Background jobs: what was asked (kind, parameters, the request that asked), and how it is going.

A job is created `queued` by the API, moves to `running` when a worker takes it, reports progress
(`processed` of `total`, with a partial `result` that may hold where to resume), and ends `succeeded`
with its result or `failed` with its errors. Each step is its own short transaction, separate from the
work the job does. A redelivered task calls `start_job` again: a running job stays running (the work
resumes), a finished one is returned as it is so the task can stop. The end of a job records its event
(`job.succeeded` or `job.failed`, `application.events`) in the transaction that ends it, once.

A job runs in one place at a time: a run that passes a `Lease` claims the record (`holder`,
`leased_until`) when it starts, renews the lease with each progress write (the same transaction: no
extra round trip) and releases it when it finishes or fails. A second run that starts while another
holder's lease is alive gets `JobHeld` and does no work; once the lease has lapsed (its holder died or
hung), the next run takes the job over and resumes from the recorded progress. A holder whose lease was
taken over gets `LeaseLost` at its next write and stops. Lease times come from the caller's clock:
processes whose clocks agree within a small fraction of the lease (seconds against minutes) agree on
who holds a job. No session state is used (the deployment may pool connections per transaction).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from application import events
from application.events import EventLog, EventType
from application.ports import Clock, IdSource, Transaction
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
    #: The run that may work on the job, until `leased_until` (None: no run holds it).
    holder: str | None = None
    leased_until: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.state in (JobState.SUCCEEDED, JobState.FAILED)

    def _ensure_not_finished(self, action: str) -> None:
        if self.finished:
            raise InvalidState(
                f"job {self.id} is {self.state.value} and cannot {action}", job_id=str(self.id)
            )


@dataclass(frozen=True, slots=True)
class Lease:
    """Who runs a job (`holder`: unique per run, e.g. host, process, task id and a nonce), for how long
    after each write (`length`), on which clock."""

    holder: str
    length: timedelta
    clock: Clock

    def held_elsewhere(self, job: Job) -> bool:
        """Another holder's lease on the job is still alive."""
        return (
            job.holder is not None
            and job.holder != self.holder
            and job.leased_until is not None
            and job.leased_until > self.clock.now()
        )

    def take(self, job: Job) -> None:
        job.holder, job.leased_until = self.holder, self.clock.now() + self.length

    def check(self, job: Job) -> None:
        """This run still holds the job (a lease that lapsed but was not taken over still counts)."""
        if job.holder is not None and job.holder != self.holder:
            raise LeaseLost(job.id, job.holder)


class JobHeld(Exception):
    """Another run holds the job's lease: this run must not work on it (try again after `until`)."""

    def __init__(self, job_id: UUID, holder: str, until: datetime) -> None:
        super().__init__(f"job {job_id} is held by {holder} until {until.isoformat()}")
        self.job_id, self.holder, self.until = job_id, holder, until


class LeaseLost(Exception):
    """This run's lease lapsed and another run took the job over: this run stops (nothing it did is
    lost: the new holder resumes from the recorded progress, and the work is idempotent)."""

    def __init__(self, job_id: UUID, holder: str) -> None:
        super().__init__(f"job {job_id} was taken over by {holder}")
        self.job_id, self.holder = job_id, holder


class JobRepository(Protocol):
    def add(self, job: Job) -> None: ...
    def get(self, job_id: UUID) -> Job | None: ...

    def lock(self, job_id: UUID) -> Job | None:
        """Load the job for an update (locked until the transaction ends)."""
        ...

    def save(self, job: Job) -> None: ...


class JobUnitOfWork(Transaction, Protocol):
    jobs: JobRepository
    events: EventLog


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


def start_job(
    job_id: UUID, uow: JobUnitOfWork, clock: Clock, total: int | None = None, lease: Lease | None = None
) -> Job:
    """Mark the job running (again, after a redelivery: progress is kept). A finished job is
    returned unchanged: check `job.finished`. With a `lease`, the job is claimed for its holder, unless
    another holder's lease is alive: then `JobHeld`, and nothing changes."""

    def change(job: Job) -> bool:
        if job.finished:
            return False
        if lease is not None:
            if lease.held_elsewhere(job):
                assert job.holder is not None and job.leased_until is not None
                raise JobHeld(job.id, job.holder, job.leased_until)
            lease.take(job)
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
    lease: Lease | None = None,
) -> Job:
    """Record how far the job got (absolute count) and, optionally, a partial result. With a `lease`,
    only while its holder holds the job (else `LeaseLost`), renewing the lease in the same write."""

    def change(job: Job) -> None:
        job._ensure_not_finished("progress")
        if lease is not None:
            lease.check(job)
            lease.take(job)
        job.processed = _check_count(processed, "processed")
        if total is not None:
            job.total = _check_count(total, "total")
        if result is not None:
            job.result = check_metadata(result, "result")

    return _update(job_id, uow, change)


def _release(job: Job, lease: Lease | None) -> None:
    if lease is not None:
        lease.check(job)
    job.holder = job.leased_until = None


def finish_job(
    job_id: UUID, result: dict[str, Any], uow: JobUnitOfWork, clock: Clock, lease: Lease | None = None
) -> Job:
    """End the job with its result and release its lease (with a `lease`: only while its holder holds
    the job, else `LeaseLost`)."""

    def change(job: Job) -> bool:
        if job.state is JobState.SUCCEEDED:
            return False  # a redelivered task finishing again
        job._ensure_not_finished("succeed")
        _release(job, lease)
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


def fail_job(
    job_id: UUID, errors: list[dict[str, Any]], uow: JobUnitOfWork, clock: Clock, lease: Lease | None = None
) -> Job:
    """End the job with its errors and release its lease (with a `lease`: as `finish_job`)."""

    def change(job: Job) -> bool:
        if job.finished:
            return False
        _release(job, lease)
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
