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
from adapters.http.schemas.jobs import AccrualIn, JobIn, JobKind, JobOut, NoParamsIn
from adapters.http.services import JobServices, Services
from application import interest, jobs
from application.jobs import Job
from application.ports import ExecutionUnavailable
from domain.errors import FieldIssue, ValidationError

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
log = structlog.get_logger("razao.http")


def _jobs(services: Services) -> JobServices:
    if services.jobs is None:
        raise ExecutionUnavailable("background jobs are not configured")
    return services.jobs


def job_params(kind: JobKind, body: JobIn, now: datetime) -> dict[str, str | bool]:
    """A kind's parameters from the request (the API's and the console's): only interest accrual takes
    days, days that have ended, and whether to post the periods still open at the end."""
    given = [name for name in ("start", "end", "post_open_periods") if getattr(body, name) is not None]
    if kind != "interest-accrual":
        if given:
            issues = [FieldIssue(name, f"a {kind} job takes no parameters") for name in given]
            raise ValidationError(f"{', '.join(given)}: a {kind} job takes no parameters", *issues)
        return {}
    if body.start is None or body.end is None:
        missing = [name for name in ("start", "end") if name not in given]
        raise ValidationError(
            f"{', '.join(missing)}: is required", *(FieldIssue(name, "is required") for name in missing)
        )
    interest.check_range(body.start, body.end)  # end not before start, at most MAX_DAYS days
    interest.check_ended(body.end, now)  # only days that have ended accrue
    params: dict[str, str | bool] = {"start": body.start.isoformat(), "end": body.end.isoformat()}
    if body.post_open_periods:
        params["post_open_periods"] = True
    return params


_KINDS = {
    "expire-holds": "Expire every pending transfer past its timeout.",
    "interest-accrual": "Accrue interest for the days `start` to `end`, both included (days that have "
    "ended; idempotent per account and day), and post each period (a month, or a policy) that has ended; "
    "`post_open_periods` posts the periods still open at `end` too.",
    "ledger-verification": "Recompute balances from the journal and report discrepancies.",
    "journal-sealing": "Seal every committed journal row not sealed yet, a block per transaction (beat "
    "also does it every `RAZAO_SEAL_INTERVAL_SECONDS`: docs/audit/seals.md).",
    "seal-verification": "Recompute every sealed block and report the first block and row that differ.",
}
_STARTED = " Answers 202 with the job; follow it at `Location`. Needs the `admin` scope."


def start_job(kind: JobKind, body: JobIn, request_id: str | None, services: Services) -> Job:
    """Record a job (`queued`) and hand it to the workers; a job the broker does not take is marked
    failed and answered 503 (`ExecutionUnavailable`). The API's operations and the console start jobs
    this way."""
    gateway = _jobs(services)
    params = job_params(kind, body, services.clock.now())
    job = jobs.create_job(kind, params, request_id, gateway.uow(), services.clock, services.ids)
    try:
        task_id = gateway.queue.enqueue(job.id, request_id)
    except Exception as error:
        log.error("job_not_enqueued", job_id=str(job.id), error=str(error))
        failed = [{"code": "service_unavailable", "detail": "the task broker could not be reached"}]
        jobs.fail_job(job.id, failed, gateway.uow(), services.clock)
        raise ExecutionUnavailable("the task broker could not be reached") from error
    log.info("job_enqueued", job_id=str(job.id), kind=kind, task_id=task_id)
    return job


def _start(kind: JobKind, body: JobIn, request: Request, response: Response, services: Services) -> JobOut:
    job = start_job(kind, body, request_id_of(request.scope), services)
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return JobOut.of(job)


def _without_params(kind: JobKind, summary: str) -> None:
    """The operation that starts a `kind` taking no parameters (`{}` or no body)."""

    def start(
        request: Request,
        response: Response,
        services: ServicesDep,
        body: Annotated[NoParamsIn | None, Body()] = None,
    ) -> JobOut:
        return _start(kind, JobIn(), request, response, services)

    start.__name__ = f"start_{kind.replace('-', '_')}"
    router.post(
        f"/{kind}",
        status_code=202,
        summary=summary,
        description=_KINDS[kind] + _STARTED,
        dependencies=ADMIN,
        responses=problem_responses(*WRITE_ERRORS),
    )(start)


# One operation per kind, so that the document states each kind's body (the paths are the kinds').
_without_params("expire-holds", "Start a job: expire holds")


@router.post(
    "/interest-accrual",
    status_code=202,
    summary="Start a job: accrue interest",
    description=_KINDS["interest-accrual"] + _STARTED,
    dependencies=ADMIN,
    responses=problem_responses(*WRITE_ERRORS),
)
def start_interest_accrual(
    body: AccrualIn, request: Request, response: Response, services: ServicesDep
) -> JobOut:
    return _start("interest-accrual", body.job(), request, response, services)


_without_params("ledger-verification", "Start a job: verify the ledger")
_without_params("journal-sealing", "Start a job: seal the journal")
_without_params("seal-verification", "Start a job: verify the seals")


@router.get(
    "/{job_id}",
    summary="Get a job",
    description="State (`queued`, `running`, `succeeded`, `failed`), progress, result and errors. Needs `admin`.",
    dependencies=ADMIN[:1],
    responses=problem_responses(*READ_ERRORS, 404),
)
def get_job(job_id: UUID, services: ServicesDep) -> JobOut:
    return JobOut.of(jobs.get_job(job_id, _jobs(services).uow()))
