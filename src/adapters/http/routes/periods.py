"""Accounting periods (admin): close the books through a day, reopen a close, list the closes, read a
close's closing-balance snapshot (`application.periods`; docs/periods.md).

Who closes or reopens is the API key of the request, recorded as its name and id. Closing waits for the
journal's writers in flight (a few milliseconds, at most 10 seconds) and answers once the snapshot is
written; the same close again answers the existing one with `Idempotent-Replayed: true`.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from adapters.http import cursors
from adapters.http.auth import authorize
from adapters.http.deps import ServicesDep, json_body, mark_replayed, replayable
from adapters.http.problems import problem_responses
from adapters.http.routes import READ_ERRORS, WRITE_ERRORS
from adapters.http.schemas.common import Cursor
from adapters.http.schemas.periods import (
    CloseIn,
    PeriodBalanceOut,
    PeriodBalancePage,
    PeriodOut,
    PeriodPage,
    ReopenIn,
)
from application import periods
from application.api_keys import ApiKey, Scope
from application.pages import DEFAULT_LIMIT, MAX_LIMIT
from application.retry import retrying

router = APIRouter(prefix="/v1/periods", tags=["periods"])

#: One dependency object for the route guard and the parameter that names the caller: resolved once.
_ADMIN = authorize(Scope.ADMIN)
AdminKey = Annotated[ApiKey, _ADMIN]
_WRITE = [_ADMIN, Depends(json_body)]


def _who(key: ApiKey) -> str:
    """How a close or a reopening records who did it: the API key's name and id."""
    return f"{key.name} ({key.id})"


@router.post(
    "/close",
    status_code=201,
    summary="Close an accounting period",
    description=(
        "Closes the books through `through` (a day that has ended, UTC), for one `asset` or, without it, "
        "the whole ledger: from then on nothing dated (`effective_at`) on or before that day is booked "
        "in that scope (`409 period_closed`), and the answer carries the size of the closing-balance "
        "snapshot (`GET /v1/periods/{id}/balances`). A close must be later than the scope's current one "
        "(`409 invalid_state`); the same close again answers the existing one. Records `period.closed`. "
        "Needs the `admin` scope."
    ),
    dependencies=_WRITE,
    response_model=PeriodOut,
    responses={**problem_responses(*WRITE_ERRORS, 404, 409), **replayable(201)},
)
def close_period(body: CloseIn, key: AdminKey, response: Response, services: ServicesDep) -> PeriodOut:
    request = body.request()
    closing = retrying(
        lambda: periods.close_period(request, _who(key), services.uow(), services.clock, services.ids)
    )
    mark_replayed(response, closing.replayed)
    return PeriodOut.of(closing.period)


@router.post(
    "/{period_id}/reopen",
    summary="Reopen a closed period",
    description=(
        "Reopens a close, the latest active one of its scope (else `409 invalid_state`): its days accept "
        "postings again. Who, when and `reason` are recorded, the snapshot stays; records "
        "`period.reopened`. Needs the `admin` scope."
    ),
    dependencies=_WRITE,
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def reopen_period(period_id: UUID, body: ReopenIn, key: AdminKey, services: ServicesDep) -> PeriodOut:
    reopened = retrying(
        lambda: periods.reopen_period(period_id, body.reason, _who(key), services.uow(), services.clock)
    )
    return PeriodOut.of(reopened)


@router.get(
    "",
    summary="List accounting period closes",
    description="Every close, reopened ones too, newest first. Needs the `admin` scope.",
    dependencies=[_ADMIN],
    responses=problem_responses(*READ_ERRORS),
)
def list_periods(
    services: ServicesDep,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> PeriodPage:
    page = periods.list_periods(services.read_uow(), after=cursors.after_period(cursor), limit=limit)
    return PeriodPage(
        items=[PeriodOut.of(p) for p in page.items], next_cursor=cursors.period_cursor(page.next_cursor)
    )


@router.get(
    "/{period_id}",
    summary="Get an accounting period close",
    dependencies=[_ADMIN],
    responses=problem_responses(*READ_ERRORS, 404),
)
def get_period(period_id: UUID, services: ServicesDep) -> PeriodOut:
    return PeriodOut.of(periods.get_period(period_id, services.read_uow()))


@router.get(
    "/{period_id}/balances",
    summary="A close's closing-balance snapshot",
    description=(
        "Per account with posted entries dated on or before the closed day (in the close's asset, or "
        "any), by account id: its posted sums by value date at the end of that day. Written once, when "
        "the period was closed. Needs the `admin` scope."
    ),
    dependencies=[_ADMIN],
    responses=problem_responses(*READ_ERRORS, 404),
)
def period_balances(
    period_id: UUID,
    services: ServicesDep,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> PeriodBalancePage:
    page = periods.period_balances(
        period_id, services.read_uow(), after=cursors.after_period_balance(cursor), limit=limit
    )
    return PeriodBalancePage(
        items=[PeriodBalanceOut.of(b) for b in page.items],
        next_cursor=cursors.period_balance_cursor(page.next_cursor),
    )
