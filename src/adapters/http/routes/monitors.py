"""Balance monitors of an account: create, list, read, delete.

Scopes follow the account's own: creating and deleting a monitor is a write (`ledger:write`), reading
one a read (`ledger:read`). Creating evaluates the monitor at once (`application.monitors`).
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from adapters.http.deps import JsonResponse, ServicesDep, blocking, json_response
from adapters.http.problems import problem_responses
from adapters.http.routes import READ, READ_ERRORS, WRITE, WRITE_ERRORS
from adapters.http.schemas.monitors import MonitorIn, MonitorList, MonitorOut
from application import monitors
from application.retry import retrying

router = APIRouter(prefix="/v1/accounts/{account_id}/monitors", tags=["monitors"])


@router.post(
    "",
    status_code=201,
    summary="Create a balance monitor",
    description="A condition on one of the account's balances: `balance.monitor_triggered` is recorded "
    "when it becomes true, once, and again only after it has been false in between. It is evaluated "
    "at once: if it already holds, it fires now. A closed account is `409 invalid_state`.",
    dependencies=WRITE,
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def create_monitor(account_id: UUID, body: MonitorIn, services: ServicesDep) -> MonitorOut:
    command = body.command(account_id)
    created = retrying(lambda: monitors.create_monitor(command, services.uow(), services.clock, services.ids))
    return MonitorOut.of(created)


@router.get(
    "",
    summary="List an account's balance monitors",
    dependencies=READ,
    response_model=MonitorList,
    responses=problem_responses(*READ_ERRORS, 404),
)
async def list_monitors(account_id: UUID, services: ServicesDep) -> JsonResponse:
    found = await blocking(monitors.list_monitors, account_id, services.read_uow())
    return json_response({"items": [MonitorOut.document(m) for m in found]})


@router.get(
    "/{monitor_id}",
    summary="Get a balance monitor",
    dependencies=READ,
    response_model=MonitorOut,
    responses=problem_responses(*READ_ERRORS, 404),
)
async def get_monitor(account_id: UUID, monitor_id: UUID, services: ServicesDep) -> JsonResponse:
    monitor = await blocking(monitors.get_monitor, account_id, monitor_id, services.read_uow())
    return json_response(MonitorOut.document(monitor))


@router.delete(
    "/{monitor_id}",
    status_code=204,
    summary="Delete a balance monitor",
    dependencies=WRITE,
    responses=problem_responses(*WRITE_ERRORS, 404),
)
def delete_monitor(account_id: UUID, monitor_id: UUID, services: ServicesDep) -> Response:
    retrying(lambda: monitors.delete_monitor(account_id, monitor_id, services.uow()))
    return Response(status_code=204)
