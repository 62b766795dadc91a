"""Webhooks through the API and the real container, in both execution modes: manage endpoints (admin),
refuse bad and internal targets naming `url`, deliver signed events produced in `app` and in `db` mode to
a real receiver, list deliveries with their attempts, re-send, rotate, delete; and `/metrics`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from sqlalchemy import Engine, text

from adapters.tasks.webhooks import drain
from adapters.webhooks.secrets import new_key
from razao.container import Container
from tests.e2e.conftest import UNREACHABLE_BROKER, Api, container_on, problem_code
from tests.outbox import settle_events
from tests.webhook_receiver import WebhookReceiver


@pytest.fixture(params=["app", "db"])
def container(request: pytest.FixtureRequest, database: Any) -> Iterator[Container]:
    with container_on(
        database,
        execution_mode=request.param,
        broker_url=UNREACHABLE_BROKER,
        result_backend=None,
        webhook_secret_key=new_key(),
        webhook_allowed_hosts="127.0.0.1",
        webhook_timeout_seconds=2,
    ) as container:
        yield container


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as started:
        yield started


def deliver_all(container: Container) -> list[Any]:
    """Fan out and deliver in this process until nothing is due (what the Celery tasks run)."""
    settle_events(container.engine())
    return drain(container.webhook_worker())


def create(api: Api, body: dict[str, Any]) -> Any:
    return api.post("/v1/webhooks", body, as_="admin")


def test_an_event_of_either_mode_is_delivered_signed_to_the_receiver(
    api: Api, container: Container, receiver: WebhookReceiver
) -> None:
    with structlog.testing.capture_logs() as logs:
        created = create(api, {"url": receiver.url, "event_types": ["transfer.posted"]})
    assert created.status_code == 201, created.text
    hook = created.json()
    assert hook["secret"].startswith("whsec_") and created.headers["Location"] == f"/v1/webhooks/{hook['id']}"
    receiver.secrets = [hook["secret"]]
    source, wallet = api.funding_pair()
    paid = api.transfer(source, wallet, 1_234)
    assert paid.status_code == 201, paid.text

    with structlog.testing.capture_logs() as more:
        deliver_all(container)

    (arrived,) = receiver.unique().values()
    assert arrived.payload["type"] == "transfer.posted"
    assert arrived.payload["data"]["data"] == paid.json()  # what the API answered
    feed = api.get("/v1/events", params={"types": "transfer.posted"}).json()["items"]
    assert arrived.payload["data"] == feed[-1]  # the same document as the feed's
    assert hook["secret"] not in repr(logs + more)
    assert "secret" not in api.get(f"/v1/webhooks/{hook['id']}", as_="admin").json()

    page = api.get(f"/v1/webhooks/{hook['id']}/deliveries", as_="admin").json()
    (delivery,) = page["items"]
    assert delivery["state"] == "succeeded" and delivery["event_id"] == arrived.webhook_id
    detail = api.get(f"/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}", as_="admin").json()
    assert [a["outcome"] for a in detail["history"]] == ["delivered"]
    assert [a["status_code"] for a in detail["history"]] == [200]

    metrics = api.get("/metrics", as_=None).text
    label = f'endpoint_id="{hook["id"]}"'
    assert f'razao_webhook_attempts_total{{{label},outcome="delivered"}} 1.0' in metrics
    assert f"razao_webhook_delivery_latency_seconds_count{{{label}}} 1.0" in metrics
    assert "razao_webhook_oldest_undelivered_seconds 0.0" in metrics


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://10.0.0.1/hook"}, "url"),
        ({"url": "http://169.254.169.254/latest/meta-data"}, "url"),
        ({"url": "http://[::1]:8080/"}, "url"),
        ({"url": "http://127.0.0.2:9/"}, "url"),  # loopback, but not the allowed 127.0.0.1
        ({"url": "ftp://example.com/hook"}, "url"),
        ({"url": "http://user:pw@example.com/"}, "url"),
        ({"url": "https://example.com/", "event_types": ["transfer.teleported"]}, "event_types"),
        ({"url": "https://example.com/", "event_types": []}, "event_types"),
        ({"url": "https://example.com/", "ordered": True, "max_in_flight": 3}, "max_in_flight"),
        ({"url": "https://example.com/", "account_code_prefix": ""}, "account_code_prefix"),
        ({"url": "https://example.com/", "secret": "mine"}, "secret"),
    ],
)
def test_bad_endpoints_are_refused_naming_the_field_and_leave_no_trace(
    api: Api, admin_engine: Engine, body: dict[str, Any], field: str
) -> None:
    response = create(api, body)

    assert response.status_code == 422, response.text
    assert problem_code(response) == "validation_error"
    assert field in {e["field"] for e in response.json()["errors"]}
    with admin_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM webhook_endpoints")).scalar_one() == 0


def test_webhooks_need_the_admin_scope(api: Api) -> None:
    assert problem_code(api.post("/v1/webhooks", {"url": "https://example.com/"}, as_="write")) == "forbidden"
    assert problem_code(api.get("/v1/webhooks", as_="read")) == "forbidden"
    assert problem_code(api.get("/v1/webhooks", as_=None)) == "unauthenticated"


def test_manage_an_endpoint(api: Api, receiver: WebhookReceiver) -> None:
    hooks = [create(api, {"url": receiver.url, "description": f"n{i}"}).json() for i in range(3)]
    first = api.get("/v1/webhooks", params={"limit": 2}, as_="admin").json()
    rest = api.get("/v1/webhooks", params={"cursor": first["next_cursor"]}, as_="admin").json()
    assert {h["id"] for h in first["items"] + rest["items"]} == {h["id"] for h in hooks}
    assert rest["next_cursor"] is None

    hook = hooks[0]
    changed = api.client.patch(
        f"/v1/webhooks/{hook['id']}",
        json={"ordered": False, "max_in_flight": 4, "account_code_prefix": "merchant:", "enabled": False},
        headers=api.headers("admin"),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["max_in_flight"] == 4 and changed.json()["enabled"] is False
    refused = api.client.patch(
        f"/v1/webhooks/{hook['id']}", json={"url": "http://192.168.0.1/"}, headers=api.headers("admin")
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "url"
    assert api.get(f"/v1/webhooks/{hook['id']}", as_="admin").json()["url"] == receiver.url

    rotated = api.post(f"/v1/webhooks/{hook['id']}/rotate-secret", {"overlap_seconds": 60}, as_="admin")
    assert rotated.status_code == 200 and rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != hook["secret"]
    assert api.get(f"/v1/webhooks/{hook['id']}", as_="admin").json()["previous_secret_expires_at"]

    assert api.client.delete(f"/v1/webhooks/{hook['id']}", headers=api.headers("admin")).status_code == 204
    gone = api.get(f"/v1/webhooks/{hook['id']}", as_="admin")
    assert gone.status_code == 404 and problem_code(gone) == "not_found"


def test_a_failed_delivery_is_resent_with_the_same_event_id(
    api: Api, container: Container, receiver: WebhookReceiver
) -> None:
    hook = create(api, {"url": receiver.url}).json()
    receiver.secrets = [hook["secret"]]
    receiver.fail_next(1, status=400)
    api.open_account()

    deliver_all(container)
    (failed,) = api.get(
        f"/v1/webhooks/{hook['id']}/deliveries", params={"state": "failed"}, as_="admin"
    ).json()["items"]
    busy = api.post(f"/v1/webhooks/{hook['id']}/deliveries/{failed['id']}/resend", as_="admin")
    assert busy.status_code == 200 and busy.json()["state"] == "pending"
    again = api.post(f"/v1/webhooks/{hook['id']}/deliveries/{failed['id']}/resend", as_="admin")
    assert again.status_code == 409 and problem_code(again) == "invalid_state"
    deliver_all(container)

    assert [r.status for r in receiver.received] == [400, 200]
    assert receiver.received[0].webhook_id == receiver.received[1].webhook_id == failed["event_id"]
    resent = api.post(f"/v1/webhooks/{hook['id']}/resend", {}, as_="admin")
    assert resent.status_code == 200 and resent.json() == {"resent": 0}


def test_without_a_secret_key_creating_an_endpoint_is_503_and_stores_nothing(
    database: Any, admin_engine: Engine
) -> None:
    from adapters.http.app import create_app
    from tests.e2e.conftest import make_api

    with container_on(database, broker_url=UNREACHABLE_BROKER, result_backend=None) as bare:
        services = bare.services()
        with make_api(create_app(services), services, bare.admin_uow) as api:
            response = create(api, {"url": "https://example.com/hook"})
    assert response.status_code == 503 and problem_code(response) == "service_unavailable"
    assert "RAZAO_WEBHOOK_SECRET_KEY" in response.json()["detail"]
    with admin_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM webhook_endpoints")).scalar_one() == 0
