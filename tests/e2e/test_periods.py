"""Accounting periods through the API and the real container, in both execution modes: close (201, the
same close again replayed), reopen (recorded), list and read, the snapshot's pages; what a closed
period refuses (`409 period_closed`: a single transfer, a batch, an item of a bulk, a capture, a
reversal); the events; the problems of bad requests and the `admin` scope.

The app's clock is the real one: "last month" is the month before today (UTC).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from razao.container import Container
from tests.e2e.conftest import REPLAYED, Api, container_on, new_id, problem_code
from tests.e2e.test_events import feed_of

TODAY = datetime.now(UTC).date()
LAST_DAY = TODAY.replace(day=1) - timedelta(days=1)
#: An instant in the middle of last month, and one in this month, before today when it can be.
IN_LAST_MONTH = datetime.combine(LAST_DAY.replace(day=15), time(12), UTC).isoformat()
IN_THIS_MONTH = datetime.combine(TODAY.replace(day=1), time(0, 0, 1), UTC).isoformat()


@pytest.fixture(params=["app", "db"])
def container(request: pytest.FixtureRequest, database: Any) -> Iterator[Container]:
    with container_on(database, execution_mode=request.param) as container:
        yield container


def close(api: Api, through: date = LAST_DAY, **fields: Any) -> Any:
    return api.post("/v1/periods/close", {"through": through.isoformat(), **fields}, as_="admin")


def closed(api: Api, through: date = LAST_DAY, **fields: Any) -> dict[str, Any]:
    response = close(api, through, **fields)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_closing_answers_the_close_and_the_same_close_again_replays(api: Api) -> None:
    source, wallet = api.funding_pair()
    assert api.transfer(source, wallet, 1000, effective_at=IN_LAST_MONTH).status_code == 201
    first = close(api, reason="month-end")
    assert first.status_code == 201 and REPLAYED not in first.headers
    made = first.json()
    assert made["through"] == LAST_DAY.isoformat() and made["asset"] is None
    assert (made["status"], made["reason"], made["snapshot_accounts"]) == ("closed", "month-end", 2)
    assert made["closed_by"].startswith("admin (") and made["reopened_at"] is None
    again = close(api)
    assert again.status_code == 201 and again.headers[REPLAYED] == "true"
    assert again.json()["id"] == made["id"]
    got = api.get(f"/v1/periods/{made['id']}", as_="admin")
    assert got.status_code == 200 and got.json() == made


def test_a_closed_period_refuses_backdated_writes_until_reopened(api: Api) -> None:
    source, wallet = api.funding_pair()
    hold = new_id()
    held = api.transfer(source, wallet, 300, id=hold, pending=True, effective_at=IN_LAST_MONTH)
    assert held.status_code == 201, held.text
    original = api.transfer(source, wallet, 500, effective_at=IN_LAST_MONTH)
    assert original.status_code == 201
    made = closed(api)

    refused = api.transfer(source, wallet, 100, effective_at=IN_LAST_MONTH)
    assert refused.status_code == 409 and problem_code(refused) == "period_closed"
    assert refused.json()["context"]["closed_through"] == LAST_DAY.isoformat()
    late = {"id": new_id(), "debit_account_id": source["id"], "credit_account_id": wallet["id"], "amount": 7}
    batch = api.post("/v1/transfers/batch", {"transfers": [{**late, "effective_at": IN_LAST_MONTH}]})
    assert batch.status_code == 409 and problem_code(batch) == "period_closed"
    bulk = api.post(
        "/v1/transfers/bulk",
        {"transfers": [{**late, "id": new_id(), "effective_at": IN_LAST_MONTH}, {**late, "id": new_id()}]},
    )
    assert bulk.status_code == 200, bulk.text
    first, second = bulk.json()["results"]
    assert (first["status"], first["problem"]["code"]) == (409, "period_closed")  # refused alone
    assert second["status"] == 201
    assert problem_code(api.post(f"/v1/transfers/{hold}/post")) == "period_closed"
    reversal = api.post(
        f"/v1/transfers/{original.json()['id']}/reverse", {"id": new_id(), "effective_at": IN_LAST_MONTH}
    )
    assert reversal.status_code == 409 and problem_code(reversal) == "period_closed"
    assert api.transfer(source, wallet, 100, effective_at=IN_THIS_MONTH).status_code == 201
    assert api.transfer(source, wallet, 100).status_code == 201

    reopened = api.post(f"/v1/periods/{made['id']}/reopen", {"reason": "late invoice"}, as_="admin")
    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["status"], reopened.json()["reopen_reason"]) == ("reopened", "late invoice")
    assert reopened.json()["reopened_by"].startswith("admin (")
    assert api.transfer(source, wallet, 100, effective_at=IN_LAST_MONTH).status_code == 201
    assert api.post(f"/v1/transfers/{hold}/post").status_code == 200


def test_closes_are_listed_newest_first_and_their_snapshot_paged(api: Api) -> None:
    source, wallet = api.funding_pair()
    other, _ = api.funding_pair()
    api.transfer(source, wallet, 1000, effective_at=IN_LAST_MONTH)
    api.transfer(other, wallet, 50, effective_at=IN_LAST_MONTH)
    older = closed(api, LAST_DAY - timedelta(days=LAST_DAY.day))  # the month before
    newer = closed(api)
    assert newer["snapshot_accounts"] == 3
    first = api.get("/v1/periods", params={"limit": 1}, as_="admin").json()
    assert [p["id"] for p in first["items"]] == [newer["id"]]
    second = api.get("/v1/periods", params={"limit": 1, "cursor": first["next_cursor"]}, as_="admin").json()
    assert [p["id"] for p in second["items"]] == [older["id"]] and second["next_cursor"] is None

    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get(f"/v1/periods/{newer['id']}/balances", params=params, as_="admin").json()
        rows += page["items"]
        if not (cursor := page["next_cursor"]):
            break
    by_id = {r["account_id"]: (r["posted_debits"], r["posted_credits"], r["posted"]) for r in rows}
    assert by_id == {source["id"]: (1000, 0, 1000), other["id"]: (50, 0, 50), wallet["id"]: (0, 1050, 1050)}


def test_closing_and_reopening_are_events_of_the_feed(api: Api, container: Container) -> None:
    made = closed(api)
    api.post(f"/v1/periods/{made['id']}/reopen", {"reason": "late invoice"}, as_="admin")
    events = [e for e in feed_of(api, container) if e["type"].startswith("period.")]
    assert [(e["type"], e["data"]["id"], e["data"]["status"]) for e in events] == [
        ("period.closed", made["id"], "closed"),
        ("period.reopened", made["id"], "reopened"),
    ]


def test_bad_requests_get_their_problems(api: Api) -> None:
    today = close(api, TODAY)
    assert today.status_code == 422 and today.json()["errors"][0]["field"] == "through"
    unknown = close(api, asset="XYZ")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "asset"
    assert close(api, asset="JPY").status_code == 201  # a currency not used yet is an asset all the same
    assert (
        problem_code(api.post("/v1/periods/close", {"through": "31/01/2025"}, as_="admin"))
        == "validation_error"
    )
    made = closed(api)
    earlier = close(api, LAST_DAY - timedelta(days=1))
    assert earlier.status_code == 409 and problem_code(earlier) == "invalid_state"
    no_reason = api.post(f"/v1/periods/{made['id']}/reopen", {}, as_="admin")
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    unknown = api.post(f"/v1/periods/{new_id()}/reopen", {"reason": "x"}, as_="admin")
    assert unknown.status_code == 404
    assert api.get(f"/v1/periods/{new_id()}/balances", as_="admin").status_code == 404
    assert api.get("/v1/periods", params={"cursor": "nonsense"}, as_="admin").status_code == 422


def test_periods_need_the_admin_scope(api: Api) -> None:
    body = {"through": LAST_DAY.isoformat()}
    assert problem_code(api.post("/v1/periods/close", body, as_="write")) == "forbidden"
    assert problem_code(api.post("/v1/periods/close", body, as_=None)) == "unauthenticated"
    assert problem_code(api.get("/v1/periods", as_="read")) == "forbidden"
