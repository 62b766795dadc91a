"""The events feed through the API: each change once, in order, with the API's own documents as payload;
filters, cursors, long polling, retention (410) and the problems its parameters get.

The app runs in the execution mode the container resolves (the database mode when the code is deployed);
tests/integration/test_events.py runs the outbox in both modes explicitly.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from application import feed
from application.accounts import OpenAccount, open_account
from domain.transfers import TransferRequest
from razao.container import Container
from tests.e2e.conftest import UNREACHABLE_BROKER, Api, container_on, new_id, problem_code
from tests.fakes import FakeClock, SequentialIds
from tests.outbox import settle_events


def _engine(api: Api, container: Container) -> Engine:
    engine: Engine = container.engine()
    return engine


def feed_of(api: Api, container: Container, **params: Any) -> list[dict[str, Any]]:
    """Every event the feed has for `params`, page by page (once what was committed is readable)."""
    settle_events(_engine(api, container))
    items: list[dict[str, Any]] = []
    after = None
    while True:
        query = {**params, **({"after": after} if after else {}), "limit": params.get("limit", 3)}
        response = api.get("/v1/events", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        if not page["items"]:
            return items
        after = page["next_cursor"]


def _decoded(cursor: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def test_each_change_is_in_the_feed_once_in_order_with_what_the_api_answered(
    api: Api, container: Container
) -> None:
    source, wallet = api.funding_pair()
    shop = api.open_account()
    answers: dict[str, Any] = {"opened": wallet}

    paid = api.transfer(source, wallet, 10_000)
    assert paid.status_code == 201, paid.text
    answers["posted"] = paid.json()
    hold = api.transfer(wallet, shop, 3_000, pending=True)
    answers["pending"] = hold.json()
    answers["captured"] = api.post(f"/v1/transfers/{hold.json()['id']}/post", {"amount": 1_000}).json()
    voided = api.transfer(wallet, shop, 500, pending=True)
    answers["pending 2"] = voided.json()
    answers["voided"] = api.post(f"/v1/transfers/{voided.json()['id']}/void").json()
    small = api.transfer(source, wallet, 200)
    answers["posted 2"] = small.json()
    refund = api.post(f"/v1/transfers/{small.json()['id']}/reverse", {"id": new_id()})
    assert refund.status_code == 201, refund.text
    answers["reversal"] = refund.json()
    answers["reversed"] = api.get(f"/v1/transfers/{small.json()['id']}").json()
    assert api.transfer(wallet, shop, 10**9).status_code == 422  # refused: no event
    assert api.transfer(source, wallet, 1, id=paid.json()["id"]).status_code == 409  # a conflict: none
    answers["frozen"] = api.post(f"/v1/accounts/{wallet['id']}/freeze").json()
    api.post(f"/v1/accounts/{wallet['id']}/freeze")  # already frozen: nothing happens, no event
    answers["unfrozen"] = api.post(f"/v1/accounts/{wallet['id']}/unfreeze").json()

    events = feed_of(api, container, account_id=wallet["id"])

    assert [(e["type"], e["data"]) for e in events] == [
        ("account.opened", answers["opened"]),
        ("transfer.posted", answers["posted"]),
        ("transfer.pending", answers["pending"]),
        ("transfer.captured", answers["captured"]),
        ("transfer.pending", answers["pending 2"]),
        ("transfer.voided", answers["voided"]),
        ("transfer.posted", answers["posted 2"]),
        ("transfer.posted", answers["reversal"]),
        ("transfer.reversed", answers["reversed"]),
        ("account.frozen", answers["frozen"]),
        ("account.unfrozen", answers["unfrozen"]),
    ]
    assert answers["reversed"]["reversed_by_id"] == answers["reversal"]["id"]
    assert len({e["id"] for e in events}) == len(events)
    by_type = {e["type"]: e for e in events}
    assert by_type["transfer.reversed"]["transfer_id"] == small.json()["id"]
    assert sorted(by_type["transfer.posted"]["account_ids"]) == sorted([source["id"], wallet["id"]])
    assert by_type["account.frozen"]["account_ids"] == [wallet["id"]]
    assert all(e["job_id"] is None for e in events)
    assert all(datetime.fromisoformat(e["occurred_at"]).utcoffset() == timedelta(0) for e in events)
    # The payload is what GET answers: for objects that did not change since, the same document now.
    assert by_type["transfer.voided"]["data"] == api.get(f"/v1/transfers/{voided.json()['id']}").json()
    assert by_type["account.unfrozen"]["data"] == api.get(f"/v1/accounts/{wallet['id']}").json()


def test_the_order_is_stable_and_resuming_from_any_position_gives_the_rest(
    api: Api, container: Container
) -> None:
    source, wallet = api.funding_pair()
    for amount in range(1, 6):
        assert api.transfer(source, wallet, amount).status_code == 201
    everything = feed_of(api, container, limit=1000)
    assert feed_of(api, container) == everything  # page by page, the same order

    positions = [e["position"] for e in everything]
    for k, position in enumerate(positions):
        rest = api.get("/v1/events", params={"after": position, "limit": 1000}).json()["items"]
        assert [e["id"] for e in rest] == [e["id"] for e in everything[k + 1 :]]


def test_filters_by_type_and_by_account(api: Api, container: Container) -> None:
    source, wallet = api.funding_pair()
    other = api.open_account()
    api.transfer(source, wallet, 100)
    hold = api.transfer(source, other, 50, pending=True).json()
    api.post(f"/v1/transfers/{hold['id']}/void")

    holds = feed_of(api, container, types="transfer.pending,transfer.voided")
    assert [(e["type"], e["transfer_id"]) for e in holds] == [
        ("transfer.pending", hold["id"]),
        ("transfer.voided", hold["id"]),
    ]
    of_other = feed_of(api, container, account_id=other["id"], types="transfer.voided")
    assert [e["type"] for e in of_other] == ["transfer.voided"]
    assert feed_of(api, container, account_id=str(uuid.uuid4())) == []


def test_an_empty_page_keeps_a_cursor_to_tail_from(api: Api, container: Container) -> None:
    source, wallet = api.funding_pair()
    settle_events(_engine(api, container))
    first = api.get("/v1/events", params={"types": "job.failed"}).json()
    assert first["items"] == [] and first["next_cursor"]

    api.transfer(source, wallet, 7)
    settle_events(_engine(api, container))
    tail = api.get("/v1/events", params={"after": first["next_cursor"]}).json()
    assert [e["type"] for e in tail["items"]] == ["transfer.posted"]
    again = api.get("/v1/events", params={"after": tail["next_cursor"]}).json()
    assert again["items"] == [] and again["next_cursor"]


def test_long_polling_answers_as_soon_as_an_event_arrives(api: Api, container: Container) -> None:
    source, wallet = api.funding_pair()
    settle_events(_engine(api, container))
    cursor = api.get("/v1/events", params={"limit": 1000}).json()["next_cursor"]
    request = TransferRequest.simple(
        uuid.uuid4(),
        debit_account_id=uuid.UUID(source["id"]),
        credit_account_id=uuid.UUID(wallet["id"]),
        amount=9,
    )
    later = threading.Timer(0.5, lambda: api.services.write_path.post_transfers([request]))
    began = time.monotonic()
    later.start()
    try:
        page = api.get("/v1/events", params={"after": cursor, "wait": 25}).json()
    finally:
        later.join()
    waited = time.monotonic() - began

    assert [e["transfer_id"] for e in page["items"]] == [str(request.id)]
    assert 0.4 < waited < 20


def test_long_polling_gives_up_after_wait_seconds_with_a_cursor(api: Api) -> None:
    began = time.monotonic()
    response = api.get("/v1/events", params={"types": "job.succeeded", "wait": 1})
    waited = time.monotonic() - began

    assert response.status_code == 200 and response.json()["items"] == []
    assert 0.9 < waited < 10
    resumed = api.get("/v1/events", params={"after": response.json()["next_cursor"]})
    assert resumed.status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"types": "transfer.posted,transfer.exploded"}, "types"),
        ({"types": ""}, "types"),
        ({"types": ","}, "types"),
        ({"after": "not-a-cursor"}, "after"),
        ({"after": base64.urlsafe_b64encode(b'["transfers",1]').decode().rstrip("=")}, "after"),
        ({"after": base64.urlsafe_b64encode(b'["events",["-1",0]]').decode().rstrip("=")}, "after"),
        ({"after": base64.urlsafe_b64encode(b'["events",["1",-1]]').decode().rstrip("=")}, "after"),
        ({"after": base64.urlsafe_b64encode(b'["events",[1,1]]').decode().rstrip("=")}, "after"),
        ({"account_id": "nope"}, "account_id"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"wait": "31"}, "wait"),
        ({"wait": "-1"}, "wait"),
        ({"wait": "soon"}, "wait"),
    ],
)
def test_bad_parameters_are_422_problems_naming_the_field(
    api: Api, params: dict[str, str], field: str
) -> None:
    response = api.get("/v1/events", params=params)
    assert response.status_code == 422, response.text
    assert problem_code(response) == "validation_error"
    assert field in {e["field"] for e in response.json()["errors"]}


def test_the_feed_needs_the_read_scope(api: Api) -> None:
    assert problem_code(api.get("/v1/events", as_=None)) == "unauthenticated"
    assert api.get("/v1/events", as_="read").status_code == 200


def test_a_cursor_older_than_retention_is_410_and_a_fresh_start_works(
    api: Api, container: Container, services: Any
) -> None:
    """Events that occurred long ago (booked by the use cases with a clock in the past) are deleted by
    retention; a cursor from before them is told so instead of silently missing them."""
    past = FakeClock(datetime.now(UTC) - timedelta(days=30))
    ids = SequentialIds(namespace=0xE7)
    old = [
        open_account(OpenAccount(f"old:{n}", "Old", "BRL", "credit"), services.uow(), past, ids).account
        for n in range(3)
    ]
    settle_events(_engine(api, container))
    start = api.get("/v1/events", params={"limit": 1}).json()
    assert start["items"][0]["data"]["id"] == str(old[0].id)
    recent = api.open_account()

    deleted = feed.prune_events(services.uow, services.clock, timedelta(days=7), batch=2)

    assert deleted == 3
    response = api.get("/v1/events", params={"after": start["next_cursor"]})
    assert response.status_code == 410
    assert problem_code(response) == "cursor_expired"
    assert response.headers["content-type"] == "application/problem+json"
    kept = feed_of(api, container)
    assert [e["data"]["id"] for e in kept] == [recent["id"]]


def test_the_metrics_show_the_watermark_lag(api: Api) -> None:
    body = api.client.get("/metrics").text
    assert "razao_events_held_back" in body
    assert "razao_events_watermark_lag_seconds" in body


# --- a job's end is an event too -------------------------------------------------------------------


@pytest.fixture
def jobs_container(database: Any) -> Iterator[Container]:
    with container_on(database, broker_url=UNREACHABLE_BROKER, result_backend=None) as container:
        yield container


def test_a_failed_job_is_in_the_feed_with_its_record(
    database: Any, jobs_container: Container, admin_engine: Engine
) -> None:
    from adapters.http.app import create_app
    from tests.e2e.conftest import make_api

    services = jobs_container.services()
    with make_api(create_app(services), services, jobs_container.admin_uow) as api:
        response = api.post("/v1/jobs/ledger-verification", as_="admin", headers={"X-Request-ID": "req-ev"})
        assert response.status_code == 503
        with admin_engine.connect() as conn:
            job_id = conn.execute(text("SELECT id FROM razao.jobs WHERE request_id = 'req-ev'")).scalar_one()
        events = feed_of(api, jobs_container, types="job.failed,job.succeeded")
        record = api.get(f"/v1/jobs/{job_id}", as_="admin").json()

    assert [(e["type"], e["job_id"]) for e in events] == [("job.failed", str(job_id))]
    assert events[0]["data"] == record
    assert events[0]["account_ids"] == [] and events[0]["transfer_id"] is None
