"""Webhook endpoints (admin scope): manage them, rotate their secrets, follow and re-send deliveries.

The signing secret is answered once, by the create and the rotate operations, and never again. A URL is
checked on create and update (http or https; only global addresses unless RAZAO_WEBHOOK_ALLOWED_HOSTS
names the target): a refusal is a `422` naming `url`, and like every refused request leaves no trace.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Query, Response

from adapters.http import cursors
from adapters.http.deps import ServicesDep
from adapters.http.problems import problem_responses
from adapters.http.routes import ADMIN, READ_ERRORS, WRITE_ERRORS
from adapters.http.schemas.common import Cursor
from adapters.http.schemas.webhooks import (
    AttemptOut,
    DeliveryDetail,
    DeliveryOut,
    DeliveryPage,
    DeliveryStateName,
    ResendIn,
    ResendOut,
    RotateIn,
    SecretOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookPage,
    WebhookPatch,
)
from adapters.http.services import Services, WebhookServices
from application import webhooks
from application.pages import DEFAULT_LIMIT, MAX_LIMIT
from application.ports import ExecutionUnavailable

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
ADMIN_READ = ADMIN[:1]


def _hooks(services: Services) -> WebhookServices:
    if services.webhooks is None:
        raise ExecutionUnavailable("webhooks are not configured")
    return services.webhooks


@router.post(
    "",
    status_code=201,
    summary="Create a webhook endpoint",
    description="Events committed from now on that match the filters are delivered to `url`, signed "
    "(Standard Webhooks). The answer holds the signing `secret`: it is shown only once. Needs `admin`.",
    dependencies=ADMIN,
    responses=problem_responses(*WRITE_ERRORS),
)
def create_webhook(body: WebhookIn, response: Response, services: ServicesDep) -> WebhookCreated:
    hooks = _hooks(services)
    endpoint, secret = webhooks.create_endpoint(
        webhooks.EndpointSpec(
            url=body.url,
            description=body.description,
            event_types=body.event_types,
            account_code_prefix=body.account_code_prefix,
            enabled=body.enabled,
            ordered=body.ordered,
            max_in_flight=body.max_in_flight,
        ),
        hooks.uow(),
        hooks.box,
        hooks.new_secret,
        services.clock,
        services.ids,
        hooks.check_url,
    )
    response.headers["Location"] = f"/v1/webhooks/{endpoint.id}"
    shown = WebhookOut.of(endpoint, services.clock.now())
    return WebhookCreated(**shown.model_dump(), secret=secret)


@router.get(
    "",
    summary="List webhook endpoints",
    dependencies=ADMIN_READ,
    responses=problem_responses(*READ_ERRORS),
)
def list_webhooks(
    services: ServicesDep,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> WebhookPage:
    rows = webhooks.list_endpoints(_hooks(services).uow(), cursors.after_webhook(cursor), limit)
    now = services.clock.now()
    items = rows[:limit]
    more = len(rows) > limit
    return WebhookPage(
        items=[WebhookOut.of(e, now) for e in items],
        next_cursor=cursors.webhook_cursor(items[-1].id if more and items else None),
    )


@router.get(
    "/{webhook_id}",
    summary="Get a webhook endpoint",
    dependencies=ADMIN_READ,
    responses=problem_responses(*READ_ERRORS, 404),
)
def get_webhook(webhook_id: UUID, services: ServicesDep) -> WebhookOut:
    return WebhookOut.of(webhooks.get_endpoint(webhook_id, _hooks(services).uow()), services.clock.now())


@router.patch(
    "/{webhook_id}",
    summary="Change a webhook endpoint",
    description="Only the fields sent change. Re-enabling an endpoint delivers what was fanned out "
    "meanwhile: a disabled endpoint's cursor does not move, so nothing is lost.",
    dependencies=ADMIN,
    responses=problem_responses(*WRITE_ERRORS, 404),
)
def update_webhook(webhook_id: UUID, body: WebhookPatch, services: ServicesDep) -> WebhookOut:
    hooks = _hooks(services)
    values = {name: getattr(body, name) for name in body.model_fields_set}
    endpoint = webhooks.update_endpoint(
        webhook_id, webhooks.EndpointChanges(values), hooks.uow(), services.clock, hooks.check_url
    )
    return WebhookOut.of(endpoint, services.clock.now())


@router.delete(
    "/{webhook_id}",
    status_code=204,
    summary="Delete a webhook endpoint",
    description="Deletes the endpoint with its deliveries and their history.",
    dependencies=ADMIN,
    responses=problem_responses(*WRITE_ERRORS, 404),
)
def delete_webhook(webhook_id: UUID, services: ServicesDep) -> Response:
    webhooks.delete_endpoint(webhook_id, _hooks(services).uow())
    return Response(status_code=204)


@router.post(
    "/{webhook_id}/rotate-secret",
    summary="Rotate the signing secret",
    description="Answers a new secret (once). For `overlap_seconds` the deliveries carry two signatures, "
    "with the new and with the previous secret, so receivers can switch without losing a delivery.",
    dependencies=ADMIN,
    responses=problem_responses(*WRITE_ERRORS, 404),
)
def rotate_webhook_secret(
    webhook_id: UUID, services: ServicesDep, body: Annotated[RotateIn | None, Body()] = None
) -> SecretOut:
    hooks = _hooks(services)
    overlap = timedelta(seconds=(body or RotateIn()).overlap_seconds)
    secret, until = webhooks.rotate_secret(
        webhook_id, overlap, hooks.uow(), hooks.box, hooks.new_secret, services.clock
    )
    return SecretOut(secret=secret, previous_secret_expires_at=until)


@router.get(
    "/{webhook_id}/deliveries",
    summary="List an endpoint's deliveries",
    description="Oldest first; `state` filters (`failed`: what gave up).",
    dependencies=ADMIN_READ,
    responses=problem_responses(*READ_ERRORS, 404),
)
def list_webhook_deliveries(
    webhook_id: UUID,
    services: ServicesDep,
    state: DeliveryStateName | None = None,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> DeliveryPage:
    rows = webhooks.list_deliveries(
        webhook_id, _hooks(services).uow(), state=state, after=cursors.after_delivery(cursor), limit=limit
    )
    items = rows[:limit]
    more = len(rows) > limit
    last = items[-1] if items else None
    return DeliveryPage(
        items=[DeliveryOut.of(d) for d in items],
        next_cursor=cursors.delivery_cursor((last.created_at, last.id) if more and last else None),
    )


@router.get(
    "/{webhook_id}/deliveries/{delivery_id}",
    summary="Get a delivery with its attempts",
    dependencies=ADMIN_READ,
    responses=problem_responses(*READ_ERRORS, 404),
)
def get_webhook_delivery(webhook_id: UUID, delivery_id: UUID, services: ServicesDep) -> DeliveryDetail:
    delivery, attempts = webhooks.get_delivery(webhook_id, delivery_id, _hooks(services).uow())
    shown = DeliveryOut.of(delivery)
    return DeliveryDetail(**shown.model_dump(), history=[AttemptOut.of(a) for a in attempts])


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/resend",
    summary="Re-send a delivery",
    description="A failed (or succeeded) delivery becomes pending again, due now, with the same event id "
    "(`webhook-id`). A pending or delivering one is `409 invalid_state`.",
    dependencies=ADMIN,
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def resend_webhook_delivery(webhook_id: UUID, delivery_id: UUID, services: ServicesDep) -> DeliveryOut:
    delivery = webhooks.resend_delivery(webhook_id, delivery_id, _hooks(services).uow(), services.clock)
    return DeliveryOut.of(delivery)


@router.post(
    "/{webhook_id}/resend",
    summary="Re-send every failed delivery",
    description="Every failed delivery of the endpoint (created at or after `since`) becomes pending again.",
    dependencies=ADMIN,
    responses=problem_responses(*WRITE_ERRORS, 404),
)
def resend_failed_webhooks(
    webhook_id: UUID, services: ServicesDep, body: Annotated[ResendIn | None, Body()] = None
) -> ResendOut:
    since = (body or ResendIn()).since
    count = webhooks.resend_failed(webhook_id, since, _hooks(services).uow(), services.clock)
    return ResendOut(resent=count)
