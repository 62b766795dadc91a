"""The sealed journal: a transfer's inclusion proofs (`GET /v1/transfers/{id}/proof`) and the sealer's
status (`GET /v1/admin/seals`). docs/audit/seals.md."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from adapters.http.auth import authorize
from adapters.http.deps import JsonResponse, json_response, services_of
from adapters.http.middleware import request_id_of
from adapters.http.problems import problem, problem_responses
from adapters.http.routes import READ, READ_ERRORS
from adapters.http.schemas.seals import SealStatusOut, TransferProofOut
from application.api_keys import Scope
from application.seals import SealPath
from domain.errors import NotSealedYet

router = APIRouter(tags=["transfers"])

#: Seconds a client asking for a proof too early is told to wait (beat seals every 10 s by default).
RETRY_AFTER = "10"


def _seals(request: Request) -> SealPath | None:
    """This process's seal path (None: it serves no sealing endpoints)."""
    return services_of(request).seals


def _not_wired(request: Request) -> Any:
    return problem(
        "service_unavailable", "sealing is not wired in this process", request_id=request_id_of(request.scope)
    )


@router.get(
    "/v1/transfers/{transfer_id}/proof",
    summary="Prove a transfer's lines are in the sealed journal",
    description="For each journal line of the transfer, its inclusion proof: the line's canonical text, "
    "its index and Merkle audit path in its block, and the block's header, which an outside party checks "
    "with SHA-256 alone (docs/audit/seals.md). A line not sealed yet says `sealed: false`; when none is, "
    "409 `not_sealed_yet` with `Retry-After`.",
    dependencies=READ,
    response_model=TransferProofOut,
    responses=problem_responses(*READ_ERRORS, 404, 409, 503),
)
def transfer_proof(transfer_id: UUID, request: Request) -> Any:
    seals = _seals(request)
    if seals is None:
        return _not_wired(request)
    try:
        lines = seals.prove(transfer_id)
    except NotSealedYet as error:
        return problem(
            error.code,
            error.detail,
            request_id=request_id_of(request.scope),
            context=error.context,
            headers={"Retry-After": RETRY_AFTER},
        )
    return json_response(TransferProofOut.document(transfer_id, lines))


@router.get(
    "/v1/admin/seals",
    tags=["admin"],
    summary="The sealed journal's state",
    description="The head block (height and hash: an anchor to publish), the rows sealed, and the rows "
    "waiting for the sealer with the oldest one's booking time. Needs the `admin` scope.",
    dependencies=[authorize(Scope.ADMIN)],
    response_model=SealStatusOut,
    responses=problem_responses(401, 403, 503),
)
def seal_status(request: Request) -> JsonResponse | Any:
    seals = _seals(request)
    if seals is None:
        return _not_wired(request)
    return json_response(SealStatusOut.document(seals.status()))
