"""Background jobs: start one (admin), then follow its state, progress and result.

Starting a job records it (`queued`) and sends it to the workers with the request id of this call,
which the worker's log lines carry. A job that could not be handed to the broker is marked failed and
answered 503.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import structlog
from fastapi import APIRouter, Body, Request, Response

from adapters.http.deps import ServicesDep
from adapters.http.middleware import request_id_of
from adapters.http.problems import problem_responses
from adapters.http.routes import ADMIN, READ_ERRORS, WRITE_ERRORS
from adapters.http.schemas.jobs import JobIn, JobKind, JobOut
from adapters.http.services import JobServices, Services
from application import interest, jobs
from application.ports import ExecutionUnavailable
from domain.errors import FieldIssue, ValidationError

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
log = structlog.get_logger("razao.http")


def _jobs(services: Services) -> JobServices:
    if services.jobs is None:
        raise ExecutionUnavailable("background jobs are not configured")
    return services.jobs


def _params(kind: JobKind, body: JobIn, now: datetime) -> dict[str, str]:
    given = [name for name in ("start", "end") if getattr(body, name) is not None]
    if kind != "interest-accrual":
        if given:
            issues = [FieldIssue(name, f"a {kind} job takes no dates") for name in given]
            raise ValidationError(f"{', '.join(given)}: a {kind} job takes no dates", *issues)
        return {}
    if body.start is None or body.end is None:
        missing = [name for name in ("start", "end") if name not in given]
        raise ValidationError(
            f"{', '.join(missing)}: is required", *(FieldIssue(name, "is required") for name in missing)
        )
    interest.check_range(body.start, body.end)  # end not before start, at most MAX_DAYS days
    interest.check_ended(body.end, now)  # only days that have ended accrue
    return {"start": body.start.isoformat(), "end": body.end.isoformat()}


@router.post(
    "/{kind}",
    status_code=202,
    summary="Start a background job",
    description=(
        "Kinds: `expire-holds` (expire every pending transfer past its timeout), `interest-accrual` "
        "(accrue and post interest for the days `start` to `end`, both included; idempotent per account "
        "and day) and `ledger-verification` (recompute balances from the journal and report "
        "discrepancies). Answers 202 with the job; follow it at `Location`. Needs the `admin` scope."
    ),
    dependencies=ADMIN,
    responses=problem_responses(*WRITE_ERRORS),
)
def start_job(
    kind: JobKind,
    request: Request,
    response: Response,
    services: ServicesDep,
    body: Annotated[JobIn | None, Body()] = None,
) -> JobOut:
    gateway = _jobs(services)
    request_id = request_id_of(request.scope)
    job = jobs.create_job(
        kind,
        _params(kind, body or JobIn(), services.clock.now()),
        request_id,
        gateway.uow(),
        services.clock,
        services.ids,
    )
    try:
        task_id = gateway.queue.enqueue(job.id, request_id)
    except Exception as error:
        log.error("job_not_enqueued", job_id=str(job.id), error=str(error))
        failed = [{"code": "service_unavailable", "detail": "the task broker could not be reached"}]
        jobs.fail_job(job.id, failed, gateway.uow(), services.clock)
        raise ExecutionUnavailable("the task broker could not be reached") from error
    log.info("job_enqueued", job_id=str(job.id), kind=kind, task_id=task_id)
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return JobOut.of(job)


@router.get(
    "/{job_id}",
    summary="Get a job",
    description="State (`queued`, `running`, `succeeded`, `failed`), progress, result and errors. Needs `admin`.",
    dependencies=ADMIN[:1],
    responses=problem_responses(*READ_ERRORS, 404),
)
def get_job(job_id: UUID, services: ServicesDep) -> JobOut:
    return JobOut.of(jobs.get_job(job_id, _jobs(services).uow()))
