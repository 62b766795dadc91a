"""Assets: register a custom asset (admin), list every known asset."""

from __future__ import annotations

from fastapi import APIRouter, Response

from adapters.http.deps import ServicesDep, blocking, mark_replayed, replayable
from adapters.http.problems import problem_responses
from adapters.http.routes import ADMIN, READ, WRITE_ERRORS
from adapters.http.schemas.assets import AssetIn, AssetList, AssetOut
from application import assets
from application.retry import retrying

router = APIRouter(prefix="/v1/assets", tags=["assets"])


@router.post(
    "",
    status_code=201,
    summary="Register a custom asset",
    description="Needs the `admin` scope. Registering the same code and scale again is a replay.",
    dependencies=ADMIN,
    responses={**problem_responses(*WRITE_ERRORS, 409), **replayable(201)},
)
def register_asset(body: AssetIn, response: Response, services: ServicesDep) -> AssetOut:
    registered = retrying(lambda: assets.register_asset(body.code, body.scale, services.uow()))
    mark_replayed(response, registered.replayed)
    return AssetOut.of(registered.asset)


@router.get(
    "",
    summary="List assets",
    description="Every ISO 4217 currency and every registered asset, by code. Needs `ledger:read`.",
    dependencies=READ,
    responses=problem_responses(401, 403),
)
async def list_assets(services: ServicesDep) -> AssetList:
    known = await blocking(assets.list_assets, services.read_uow())
    return AssetList(items=[AssetOut.of(a) for a in known])
