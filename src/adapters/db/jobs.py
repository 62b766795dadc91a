"""The job repository: background jobs, their progress and their lease (`application.jobs`); and the
latest jobs, newest first, that the console's jobs page lists (`SqlRecentJobs`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Engine, insert, select, update

from adapters.db.models import jobs
from adapters.db.tx import Tx
from application.jobs import Job, JobState

#: The columns read and written, all of the table's. Revision 0019_single_schedulers added the lease's
#: (`LEASE_COLUMNS`); this code needs them. The migrations suite, which runs the app against each older
#: schema, leaves them out of this tuple there (and a job read without them holds no lease).
COLUMNS: tuple[str, ...] = tuple(column.name for column in jobs.columns)
LEASE_COLUMNS = ("holder", "leased_until")


def _job(row: Any) -> Job:
    values = row._mapping
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
        holder=values.get("holder"),
        leased_until=values.get("leased_until"),
    )


def _values(job: Job) -> dict[str, Any]:
    values = {
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
        "holder": job.holder,
        "leased_until": job.leased_until,
    }
    return {name: value for name, value in values.items() if name in COLUMNS}


def _select() -> Any:
    return select(*(jobs.c[name] for name in COLUMNS))


class SqlJobRepository:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def add(self, job: Job) -> None:
        self._tx.execute(insert(jobs).values(id=job.id, **_values(job)))

    def get(self, job_id: UUID) -> Job | None:
        row = self._tx.execute(_select().where(jobs.c.id == job_id)).first()
        return None if row is None else _job(row)

    def lock(self, job_id: UUID) -> Job | None:
        row = self._tx.execute(_select().where(jobs.c.id == job_id).with_for_update()).first()
        return None if row is None else _job(row)

    def save(self, job: Job) -> None:
        self._tx.execute(update(jobs).where(jobs.c.id == job.id).values(**_values(job)))


class SqlRecentJobs:
    """The latest background jobs, newest first (the console's jobs page; the API reads one by id): each
    call is one statement on its own connection."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def latest(self, limit: int) -> list[Job]:
        query = _select().order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(limit)
        with self._engine.connect() as connection:
            return [_job(row) for row in connection.execute(query)]
