"""Health: liveness (the process answers) and readiness (database, schema, code versions); both public."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from adapters.http.deps import ServicesDep
from adapters.http.middleware import request_id_of
from adapters.http.problems import problem, problem_responses
from adapters.http.schemas.health import LiveOut, ReadyOut

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", summary="Liveness", responses=problem_responses())
async def liveness() -> LiveOut:
    return LiveOut(status="ok")


@router.get(
    "/ready",
    summary="Readiness",
    description="503 (a `not_ready` problem with the same `checks`) when a dependency is down.",
    response_model=ReadyOut,
    responses=problem_responses(503),
)
def readiness(request: Request, services: ServicesDep) -> ReadyOut | Response:
    state = services.readiness()
    versions = {
        "execution_mode": state.execution_mode,
        "app_code_version": state.app_code_version,
        "database_code_version": state.database_code_version,
    }
    sides = {"kernel": state.kernel, "replicas": state.replicas}
    if state.ok:
        return ReadyOut.model_validate(
            {
                "status": "ok",
                "checks": state.checks,
                "schema_revision": state.schema_revision,
                **versions,
                **sides,
            }
        )
    # a replica that is down is skipped, never a reason to be unready: it is not among the failing checks
    failed = ", ".join(n for n, result in state.checks.items() if result != "ok" and n != "replicas")
    return problem(
        "not_ready",
        f"failing checks: {failed or 'unknown'}",
        request_id=request_id_of(request.scope),
        extra={"checks": state.checks, "schema_revision": state.schema_revision, **versions, **sides},
    )
