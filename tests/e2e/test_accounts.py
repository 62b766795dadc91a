"""Accounts over HTTP: opening (idempotent by code), reading, listing, status changes, balances and
statements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import REPLAYED, Api, new_id, problem_code, unique


def opening(**fields: Any) -> dict[str, Any]:
    return {"code": unique("acc"), "name": "Alice", "asset": "BRL", "normal_side": "credit", **fields}


def test_open_returns_the_account_with_zero_balances(api: Api) -> None:
    body = opening(min_balance=-500, metadata={"customer": "c-1"})

    response = api.post("/v1/accounts", body)

    assert response.status_code == 201
    account = response.json()
    assert {k: account[k] for k in body} == body
    assert account["status"] == "active"
    assert account["created_at"].endswith("+00:00")
    assert account["balances"] == {
        "posted_debits": 0,
        "posted_credits": 0,
        "pending_debits": 0,
        "pending_credits": 0,
        "posted": 0,
        "available": 0,
    }


def test_open_defaults_and_unbounded_minimum(api: Api) -> None:
    defaults = api.post("/v1/accounts", opening()).json()
    unbounded = api.post("/v1/accounts", opening(min_balance=None)).json()

    assert (defaults["min_balance"], defaults["metadata"]) == (0, {})
    assert unbounded["min_balance"] is None


def test_open_again_is_a_replay_and_other_attributes_conflict(api: Api) -> None:
    body = opening(metadata={"b": 1, "aa": {"y": 2, "x": 1}})

    first = api.post("/v1/accounts", body)
    again = api.post("/v1/accounts", body)
    other = api.post("/v1/accounts", {**body, "name": "Bob"})

    assert first.status_code == again.status_code == 201
    assert again.headers[REPLAYED] == "true" and REPLAYED not in first.headers
    assert again.content == first.content
    assert (other.status_code, problem_code(other)) == (409, "idempotency_conflict")
    assert api.get(f"/v1/accounts/{first.json()['id']}").json()["name"] == "Alice"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"min_balance": 10.5}, "min_balance"),
        ({"min_balance": 10.0}, "min_balance"),
        ({"min_balance": "0"}, "min_balance"),
        ({"normal_side": "left"}, "normal_side"),
        ({"asset": "XYZ"}, "asset"),
        ({"code": " bad code"}, "code"),
        ({"name": ""}, "name"),
        ({"metadata": {"rate": 1.5}}, "metadata"),
        ({"metadata": []}, "metadata"),
    ],
)
def test_open_refuses_invalid_fields(api: Api, fields: dict[str, Any], field: str) -> None:
    body = opening(**fields)

    response = api.post("/v1/accounts", body)

    assert (response.status_code, problem_code(response)) == (422, "validation_error")
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert api.get("/v1/accounts", params={"code_prefix": body["code"]}).json()["items"] == []


def test_get_and_unknown_account(api: Api) -> None:
    account = api.open_account()

    found = api.get(f"/v1/accounts/{account['id']}")
    unknown = api.get(f"/v1/accounts/{new_id()}")

    assert found.status_code == 200 and found.json() == account
    assert (unknown.status_code, problem_code(unknown)) == (404, "account_not_found")


def test_list_by_prefix_and_asset_in_pages(api: Api) -> None:
    prefix = unique("list")
    codes = [f"{prefix}:{n}" for n in range(5)]
    for code in codes:
        api.post("/v1/accounts", opening(code=code))
    api.post("/v1/accounts", opening(code=f"{prefix}:usd", asset="USD"))

    pages, cursor = [], None
    while True:
        params = {"code_prefix": prefix, "asset": "BRL", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/accounts", params=params).json()
        pages.append([a["code"] for a in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == [codes[0:2], codes[2:4], codes[4:5]]


def test_list_refuses_bad_paging(api: Api) -> None:
    for params in ({"limit": 0}, {"limit": 1001}, {"limit": "ten"}, {"cursor": "@@"}):
        response = api.get("/v1/accounts", params=params)
        assert (response.status_code, problem_code(response)) == (422, "validation_error"), params


def test_freeze_unfreeze_close(api: Api) -> None:
    account = api.open_account()
    path = f"/v1/accounts/{account['id']}"

    frozen = api.post(f"{path}/freeze")
    active = api.post(f"{path}/unfreeze")
    closed = api.post(f"{path}/close")
    refrozen = api.post(f"{path}/freeze")
    unknown = api.post(f"/v1/accounts/{new_id()}/freeze")

    assert (frozen.status_code, frozen.json()["status"]) == (200, "frozen")
    assert (active.status_code, active.json()["status"]) == (200, "active")
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    assert (refrozen.status_code, problem_code(refrozen)) == (409, "invalid_state")
    assert (unknown.status_code, problem_code(unknown)) == (404, "account_not_found")
    assert api.get(path).json()["status"] == "closed"


def test_close_with_a_balance_is_refused(api: Api) -> None:
    source, wallet = api.funding_pair()
    api.transfer(source, wallet, 10)

    response = api.post(f"/v1/accounts/{wallet['id']}/close")

    assert (response.status_code, problem_code(response)) == (409, "invalid_state")
    assert api.get(f"/v1/accounts/{wallet['id']}").json()["status"] == "active"


def test_balance_now_and_as_of_the_past(api: Api) -> None:
    source, wallet = api.funding_pair()
    api.transfer(source, wallet, 1234)
    before_opening = (datetime.now(UTC) - timedelta(days=1)).isoformat()

    now = api.get(f"/v1/accounts/{wallet['id']}/balance")
    past = api.get(f"/v1/accounts/{wallet['id']}/balance", params={"as_of": before_opening})
    naive = api.get(f"/v1/accounts/{wallet['id']}/balance", params={"as_of": "2025-01-01T00:00:00"})
    unknown = api.get(f"/v1/accounts/{new_id()}/balance")

    assert now.status_code == 200
    assert {k: now.json()[k] for k in ("account_id", "asset", "posted_balance")} == {
        "account_id": wallet["id"],
        "asset": "BRL",
        "posted_balance": 1234,
    }
    assert past.json()["posted_balance"] == 0
    assert past.json()["as_of"] == datetime.fromisoformat(before_opening).isoformat()
    assert (naive.status_code, naive.json()["errors"][0]["field"]) == (422, "as_of")
    assert (unknown.status_code, problem_code(unknown)) == (404, "account_not_found")


def test_statement_pages_with_running_balance(api: Api) -> None:
    source, wallet = api.funding_pair()
    for amount, description in ((100, "one"), (200, "two"), (300, "three")):
        api.transfer(source, wallet, amount, description=description)
    path = f"/v1/accounts/{wallet['id']}/entries"

    first = api.get(path, params={"limit": 2}).json()
    rest = api.get(path, params={"limit": 2, "cursor": first["next_cursor"]}).json()

    lines = first["items"] + rest["items"]
    assert [(e["seq"], e["amount"], e["balance_after"], e["description"]) for e in lines] == [
        (1, 100, 100, "one"),
        (2, 200, 300, "two"),
        (3, 300, 600, "three"),
    ]
    assert {e["side"] for e in lines} == {"credit"}
    assert rest["next_cursor"] is None


def test_statement_time_window(api: Api) -> None:
    source, wallet = api.funding_pair()
    api.transfer(source, wallet, 100)
    path = f"/v1/accounts/{wallet['id']}/entries"
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()

    until_later = api.get(path, params={"to": later}).json()["items"]
    from_later = api.get(path, params={"from": later}).json()["items"]
    reversed_window = api.get(path, params={"from": later, "to": "2020-01-01T00:00:00Z"})

    assert len(until_later) == 1 and from_later == []
    assert (reversed_window.status_code, reversed_window.json()["errors"][0]["field"]) == (422, "to")
