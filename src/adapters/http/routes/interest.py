"""Interest policies: set an account's policy from a date, and read its history."""

from __future__ import annotations

from typing import cast
from uuid import UUID

from fastapi import APIRouter

from adapters.http.auth import authorize
from adapters.http.deps import ServicesDep
from adapters.http.problems import problem_responses
from adapters.http.routes import ADMIN, READ_ERRORS, WRITE_ERRORS
from adapters.http.schemas.interest import InterestPolicyHistory, InterestPolicyIn, InterestPolicyOut
from application import interest
from application.api_keys import Scope
from application.interest import InterestUnitOfWork
from application.retry import retrying

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])


def _uow(services: ServicesDep) -> InterestUnitOfWork:
    # The composition root's unit of work carries the interest repository (adapters.db.SqlUnitOfWork).
    return cast(InterestUnitOfWork, services.uow())


@router.put(
    "/{account_id}/interest-policy",
    summary="Set the account's interest policy",
    description=(
        "From `effective_from` on, interest accrues daily on the account's closing posted balance at "
        "`rate_bps` a year under `day_count`, paid by the counterpart account (same asset, another "
        "account). The same date again replaces that policy; days already accrued are not recomputed. "
        "Needs the `admin` scope."
    ),
    dependencies=ADMIN,
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def put_interest_policy(account_id: UUID, body: InterestPolicyIn, services: ServicesDep) -> InterestPolicyOut:
    command = body.command(account_id)
    policy = retrying(lambda: interest.set_policy(command, _uow(services), services.clock))
    return InterestPolicyOut.of(policy)


@router.get(
    "/{account_id}/interest-policy",
    summary="The account's interest policy history",
    description="Every policy set on the account, oldest `effective_from` first. Needs the `admin` scope.",
    dependencies=[authorize(Scope.ADMIN)],
    responses=problem_responses(*READ_ERRORS, 404),
)
def get_interest_policy(account_id: UUID, services: ServicesDep) -> InterestPolicyHistory:
    history = interest.policy_history(account_id, _uow(services))
    return InterestPolicyHistory(items=[InterestPolicyOut.of(p) for p in history])
