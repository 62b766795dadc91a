"""Administration: how the ledger's database functions are doing (calls and time), and which kernel runs."""

from __future__ import annotations

from fastapi import APIRouter

from adapters.http.auth import authorize
from adapters.http.deps import ServicesDep
from adapters.http.problems import problem_responses
from adapters.http.routes import READ_ERRORS
from adapters.http.schemas.admin import FunctionStatsOut
from application.api_keys import Scope

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.get(
    "/functions",
    summary="Database function statistics",
    description=(
        "Calls, total and self time (ms) of each of Razão's functions inside PostgreSQL, from "
        "`pg_stat_user_functions` (`track_functions = 'pl'`), busiest first, and what runs the hot pure "
        "functions on each side (`kernel`: the Rust kernel at its version, or the Python reference, and "
        "why). Needs the `admin` scope."
    ),
    dependencies=[authorize(Scope.ADMIN)],
    responses=problem_responses(*READ_ERRORS),
)
def function_stats(services: ServicesDep) -> FunctionStatsOut:
    return FunctionStatsOut.of(services.function_stats(), services.kernels())
