"""Reconciliation: saved rules, runs of a statement against the ledger, their results, manual matches.

A run is a background job (kind `reconciliation`): `POST /v1/reconciliation/runs` records the run, creates
its job through the usual job path and answers 202 with the run; follow it at `Location` (or at the job).
Results are listed a page at a time, or exported as CSV, streamed a page at a time. Reading needs
`ledger:read`; rules, runs and matches need `ledger:write`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated, Any, Literal
from uuid import UUID

import structlog
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from adapters.http import cursors
from adapters.http.auth import authorize
from adapters.http.deps import ServicesDep, json_body
from adapters.http.exports import guard
from adapters.http.middleware import request_id_of
from adapters.http.problems import problem_responses
from adapters.http.routes import READ_ERRORS, WRITE_ERRORS
from adapters.http.schemas.common import Cursor
from adapters.http.schemas.reconciliation import (
    ReconBookedOut,
    ReconBookIn,
    ReconMatchIn,
    ReconMatchOut,
    ReconResultOut,
    ReconResultPage,
    ReconRuleSetIn,
    ReconRuleSetOut,
    ReconRuleSetPage,
    ReconRunIn,
    ReconRunOut,
)
from adapters.http.services import JobServices, ReconciliationServices, Services
from application import jobs, reconciliation
from application.api_keys import ApiKey, Scope
from application.pages import DEFAULT_LIMIT, MAX_LIMIT
from application.ports import ExecutionUnavailable
from application.reconciliation import BookLine, ManualMatch, StartRun

router = APIRouter(prefix="/v1/reconciliation", tags=["reconciliation"])
log = structlog.get_logger("razao.http")

_READ = authorize(Scope.LEDGER_READ)
_WRITE = authorize(Scope.LEDGER_WRITE)
ReaderKey = Annotated[ApiKey, _READ]
WriterKey = Annotated[ApiKey, _WRITE]
#: A write with a JSON body: the key is checked before the body, so a refused caller learns nothing of it.
_WRITE_JSON = [_WRITE, Depends(json_body)]


def _recon(request: Request, services: Services) -> ReconciliationServices:
    found = services.reconciliation
    if found is None:
        raise ExecutionUnavailable("reconciliation is not configured")
    return found


def _jobs(services: Services) -> JobServices:
    if services.jobs is None:
        raise ExecutionUnavailable("background jobs are not configured")
    return services.jobs


def _who(key: ApiKey) -> str:
    return f"{key.name} ({key.id})"


# --- rules ------------------------------------------------------------------------------------------


@router.post(
    "/rules",
    status_code=201,
    summary="Save a reconciliation rule set",
    description=(
        "A named rule: which ledger field holds the reference, the amount tolerance, the value-date window, "
        "description and counterparty criteria, each criterion's weight, the lowest score and the margin "
        "the best candidate must win by. A regular expression that does not compile is a 422 on "
        "`rule.description_regex`; a name in use is `409 invalid_state`. Needs `ledger:write`."
    ),
    dependencies=_WRITE_JSON,
    responses=problem_responses(*WRITE_ERRORS, 409),
)
def save_reconciliation_rule(
    body: ReconRuleSetIn, key: WriterKey, request: Request, response: Response, services: ServicesDep
) -> ReconRuleSetOut:
    saved = reconciliation.save_rule(
        body.name,
        body.rule.settings(),
        _who(key),
        _recon(request, services).uow(),
        services.clock,
        services.ids,
    )
    response.headers["Location"] = f"/v1/reconciliation/rules/{saved.id}"
    return ReconRuleSetOut.of(saved)


@router.get(
    "/rules",
    summary="List reconciliation rule sets",
    description="By name. Needs `ledger:read`.",
    dependencies=[_READ],
    responses=problem_responses(*READ_ERRORS, 503),
)
def list_reconciliation_rules(
    request: Request,
    services: ServicesDep,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> ReconRuleSetPage:
    page = reconciliation.list_rules(
        _recon(request, services).uow(), cursors.after_reconciliation("rules", cursor), limit
    )
    return ReconRuleSetPage(
        items=[ReconRuleSetOut.of(r) for r in page.items],
        next_cursor=cursors.reconciliation_cursor("rules", page.next_cursor),
    )


@router.get(
    "/rules/{rules_id}",
    summary="Get a reconciliation rule set",
    dependencies=[_READ],
    responses=problem_responses(*READ_ERRORS, 404, 503),
)
def get_reconciliation_rule(rules_id: UUID, request: Request, services: ServicesDep) -> ReconRuleSetOut:
    return ReconRuleSetOut.of(reconciliation.get_rule(rules_id, _recon(request, services).uow()))


# --- runs -------------------------------------------------------------------------------------------


@router.post(
    "/runs",
    status_code=202,
    summary="Reconcile a statement",
    description=(
        "Starts a matching run of an imported statement against its mirror account's posted entries, by a "
        "saved rule set (`rules_id`), a rule given inline (`rule`) or the default rule, as a background job "
        "(kind `reconciliation`). With `dry_run` it computes and reports but stores no match. Answers 202 "
        "with the run; follow it at `Location`. Needs `ledger:write`."
    ),
    dependencies=_WRITE_JSON,
    responses=problem_responses(*WRITE_ERRORS, 404),
)
def start_reconciliation_run(
    body: ReconRunIn, key: WriterKey, request: Request, response: Response, services: ServicesDep
) -> ReconRunOut:
    recon, gateway = _recon(request, services), _jobs(services)
    command = StartRun(
        body.statement_id,
        body.rules_id,
        None if body.rule is None else body.rule.settings(),
        body.dry_run,
        _who(key),
    )
    run = reconciliation.create_run(command, recon.uow(), services.clock, services.ids)
    request_id = request_id_of(request.scope)
    job = jobs.create_job(
        reconciliation.JOB_KIND,
        {"run_id": str(run.id)},
        request_id,
        gateway.uow(),
        services.clock,
        services.ids,
    )
    run = reconciliation.attach_job(run.id, job.id, recon.uow())
    try:
        task_id = gateway.queue.enqueue(job.id, request_id)
    except Exception as error:
        log.error("job_not_enqueued", job_id=str(job.id), error=str(error))
        failed = [{"code": "service_unavailable", "detail": "the task broker could not be reached"}]
        jobs.fail_job(job.id, failed, gateway.uow(), services.clock)
        raise ExecutionUnavailable("the task broker could not be reached") from error
    log.info(
        "job_enqueued", job_id=str(job.id), kind=reconciliation.JOB_KIND, task_id=task_id, run_id=str(run.id)
    )
    response.headers["Location"] = f"/v1/reconciliation/runs/{run.id}"
    return ReconRunOut.of(run)


@router.get(
    "/runs/{run_id}",
    summary="Get a reconciliation run",
    description=(
        "Its state and, when finished, its summary (matched, ambiguous and unmatched lines and entries) and "
        "the closing balance check. Its progress is its job's (`GET /v1/jobs/{job_id}`). Needs `ledger:read`."
    ),
    dependencies=[_READ],
    responses=problem_responses(*READ_ERRORS, 404, 503),
)
def get_reconciliation_run(run_id: UUID, request: Request, services: ServicesDep) -> ReconRunOut:
    return ReconRunOut.of(reconciliation.get_run(run_id, _recon(request, services).uow()))


Side = Literal["bank", "ledger"]
State = Literal["matched", "unmatched", "ambiguous"]


@router.get(
    "/runs/{run_id}/results",
    summary="A run's results",
    description=(
        "Statement lines (`side=bank`: matched, ambiguous with their candidates, unmatched) or ledger "
        "entries (`side=ledger`: those the run matched; `state=unmatched`: the mirror account's entries in "
        "the statement's range that no result and no active match names, as they stand now), by key. "
        "Needs `ledger:read`."
    ),
    dependencies=[_READ],
    responses=problem_responses(*READ_ERRORS, 404, 503),
)
def list_reconciliation_results(
    run_id: UUID,
    request: Request,
    services: ServicesDep,
    side: Side = "bank",
    state: State | None = None,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> ReconResultPage:
    kind = f"results:{side}:{state or ''}"
    page = reconciliation.results(
        run_id,
        _recon(request, services).uow(),
        side=side,
        state=state,
        after=cursors.after_reconciliation(kind, cursor),
        limit=limit,
    )
    return ReconResultPage(
        items=[ReconResultOut.of(r) for r in page.items],
        next_cursor=cursors.reconciliation_cursor(kind, page.next_cursor),
    )


CSV_COLUMNS = (
    "side",
    "state",
    "line_no",
    "entry",
    "transfer_id",
    "value_date",
    "amount",
    "group",
    "match_id",
    "strategy",
    "score",
    "candidates",
)


def _csv(rows: Iterator[Any]) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for count, row in enumerate(rows, 1):
        result = ReconResultOut.of(row)
        candidates = (
            ""
            if result.candidates is None
            else " ".join(f"{'+'.join(c.entries)}@{c.score}" for c in result.candidates)
        )
        writer.writerow(
            [
                result.side,
                result.state,
                result.line_no,
                result.entry,
                result.transfer_id,
                result.value_date,
                result.amount,
                guard(result.group or ""),
                result.match_id,
                result.strategy,
                result.score,
                guard(candidates),
            ]
        )
        if count % 1000 == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


@router.get(
    "/runs/{run_id}/results.csv",
    summary="A run's results as CSV",
    description=(
        "Every result of the run, streamed as it is read (RFC 4180, UTF-8): its statement lines, the "
        "entries it matched, then the entries left unmatched. Needs `ledger:read`."
    ),
    dependencies=[_READ],
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The results."},
        **problem_responses(*READ_ERRORS, 404, 503),
    },
)
def export_reconciliation_results(run_id: UUID, request: Request, services: ServicesDep) -> StreamingResponse:
    recon = _recon(request, services)
    reconciliation.get_run(run_id, recon.uow())  # 404 before the stream starts
    return StreamingResponse(
        _csv(reconciliation.all_results(run_id, recon.uow)),
        media_type="text/csv; charset=utf-8; header=present",
        headers={"Content-Disposition": f'attachment; filename="reconciliation-{run_id}.csv"'},
    )


# --- manual matches ---------------------------------------------------------------------------------


@router.post(
    "/matches",
    status_code=201,
    summary="Match by hand",
    description=(
        "Links statement lines to ledger entries (by entry, or every posted entry of the statement's account "
        "in the given transfers): one line to one or several entries, or several lines to one entry. A line "
        "or entry another active match holds is `409 invalid_state`. The journal is not changed. Records who "
        "(the API key) and when. Needs `ledger:write`."
    ),
    dependencies=_WRITE_JSON,
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def create_reconciliation_match(
    body: ReconMatchIn, key: WriterKey, request: Request, services: ServicesDep
) -> ReconMatchOut:
    command = ManualMatch(body.statement_id, body.line_nos, body.entries, body.transfer_ids, _who(key))
    record = reconciliation.manual_match(
        command, _recon(request, services).uow(), services.clock, services.ids
    )
    return ReconMatchOut.of(record)


@router.get(
    "/matches/{match_id}",
    summary="Get a match",
    dependencies=[_READ],
    responses=problem_responses(*READ_ERRORS, 404, 503),
)
def get_reconciliation_match(match_id: UUID, request: Request, services: ServicesDep) -> ReconMatchOut:
    return ReconMatchOut.of(reconciliation.get_match(match_id, _recon(request, services).uow()))


@router.post(
    "/matches/{match_id}/unmatch",
    summary="Unmatch",
    description=(
        "Undoes a match: it stays recorded, with who undid it and when, and its lines and entries are free "
        "to match again. An unmatched match is `409 invalid_state`. Needs `ledger:write`."
    ),
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def unmatch_reconciliation_match(
    match_id: UUID, key: WriterKey, request: Request, services: ServicesDep
) -> ReconMatchOut:
    return ReconMatchOut.of(
        reconciliation.unmatch(match_id, _who(key), _recon(request, services).uow(), services.clock)
    )


@router.post(
    "/statements/{statement_id}/lines/{line_no}/book",
    status_code=201,
    summary="Book the transfer a line shows",
    description=(
        "For an unmatched line the ledger has no transfer for (a bank fee, interest): books it through the "
        "normal write path, between the statement's account (moving as the bank says) and `account_id`, "
        "dated the line's value date, with `statement_id` and `statement_line` in its metadata, then matches "
        "the line to it. The transfer's id comes from the line: calling again books nothing twice. A matched "
        "line is `409 invalid_state`. Needs `ledger:write`."
    ),
    dependencies=_WRITE_JSON,
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def book_statement_line(
    statement_id: UUID,
    line_no: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: ReconBookIn,
    key: WriterKey,
    request: Request,
    services: ServicesDep,
) -> ReconBookedOut:
    command = BookLine(statement_id, line_no, body.account_id, body.description, _who(key))
    outcome, record = reconciliation.book_line(
        command, _recon(request, services).uow, services.write_path, services.clock, services.ids
    )
    return ReconBookedOut(
        transfer_id=outcome.transfer.id, replayed=outcome.replayed, match=ReconMatchOut.of(record)
    )
