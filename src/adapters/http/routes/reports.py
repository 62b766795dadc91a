"""Reports: the trial balance."""

from __future__ import annotations

from fastapi import APIRouter

from adapters.http.deps import ServicesDep, blocking
from adapters.http.problems import problem_responses
from adapters.http.routes import READ, READ_ERRORS
from adapters.http.schemas.common import AssetCode
from adapters.http.schemas.reports import TrialBalanceOut

router = APIRouter(prefix="/v1", tags=["reports"])


@router.get(
    "/trial-balance",
    summary="Trial balance per asset",
    description="Debit and credit totals per asset; every asset must balance.",
    dependencies=READ,
    responses=problem_responses(*READ_ERRORS),
)
async def get_trial_balance(services: ServicesDep, asset: AssetCode | None = None) -> TrialBalanceOut:
    return TrialBalanceOut.of(await blocking(services.read_path.trial_balance, asset))
