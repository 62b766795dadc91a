"""Reports: the trial balance."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Query

from adapters.http.deps import ServicesDep, blocking
from adapters.http.problems import problem_responses
from adapters.http.routes import READ, READ_ERRORS
from adapters.http.schemas.common import AssetCode, DayIn
from adapters.http.schemas.reports import TrialBalanceOut
from domain.time_basis import Basis

router = APIRouter(prefix="/v1", tags=["reports"])


@router.get(
    "/trial-balance",
    summary="Trial balance per asset",
    description="Debit and credit totals per asset; every asset must balance. `basis=effective` counts "
    "the posted entries by value date, through the end of the UTC day `through` (default: today); holds "
    "are always as booked.",
    dependencies=READ,
    responses=problem_responses(*READ_ERRORS),
)
async def get_trial_balance(
    services: ServicesDep,
    asset: AssetCode | None = None,
    basis: Annotated[Basis, Query(description="`booked` (default) or `effective` (by value date).")] = (
        Basis.BOOKED
    ),
    through: Annotated[
        DayIn | None,
        Query(description="Last value day counted, `YYYY-MM-DD` (effective basis; default today, UTC)."),
    ] = None,
) -> TrialBalanceOut:
    if basis is Basis.EFFECTIVE and through is None:
        through = services.clock.now().astimezone(UTC).date()
    totals = await blocking(services.read_path.trial_balance, asset, basis, through)
    return TrialBalanceOut.of(totals, basis, through)
