"""The job repository: background jobs and their progress (`application.jobs`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update

from adapters.db.models import jobs
from adapters.db.tx import Tx
from application.jobs import Job, JobState


def _job(row: Any) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        state=JobState(row.state),
        params=row.params,
        created_at=row.created_at,
        request_id=row.request_id,
        processed=row.processed,
        total=row.total,
        result=row.result,
        errors=row.errors,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def _values(job: Job) -> dict[str, Any]:
    return {
        "kind": job.kind,
        "state": job.state.value,
        "params": job.params,
        "processed": job.processed,
        "total": job.total,
        "result": job.result,
        "errors": job.errors,
        "request_id": job.request_id,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


class SqlJobRepository:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def add(self, job: Job) -> None:
        self._tx.execute(insert(jobs).values(id=job.id, **_values(job)))

    def get(self, job_id: UUID) -> Job | None:
        row = self._tx.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return None if row is None else _job(row)

    def lock(self, job_id: UUID) -> Job | None:
        row = self._tx.execute(select(jobs).where(jobs.c.id == job_id).with_for_update()).first()
        return None if row is None else _job(row)

    def save(self, job: Job) -> None:
        self._tx.execute(update(jobs).where(jobs.c.id == job.id).values(**_values(job)))
