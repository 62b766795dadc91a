"""Groups of accounts through the API: categories (create, replay, read, list, change, move, a refused
cycle), membership (PUT/DELETE, idempotent), the members listing, and the balances of a code prefix and
of a category, now and as of an instant; the scopes (reads `ledger:read`, writes `admin`) and the
problems of bad requests.

The app runs in the execution mode the container resolves; tests/integration/test_groups.py and
test_groups_differential.py read the balances in both modes explicitly.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.conftest import Api, new_id, problem_code


def create(api: Api, code: str, **fields: Any) -> dict[str, Any]:
    response = api.post("/v1/categories", {"code": code, "name": code.title(), **fields}, as_="admin")
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def put(api: Api, category: dict[str, Any], account: dict[str, Any]) -> Any:
    path = f"/v1/categories/{category['id']}/accounts/{account['id']}"
    return api.client.put(path, headers=api.headers("admin"))


def test_a_category_is_created_replayed_read_listed_and_moved(api: Api) -> None:
    root = create(api, "assets", description="What we own", metadata={"gl": "1000"})
    assert (root["parent_id"], root["description"], root["metadata"]) == (None, "What we own", {"gl": "1000"})
    again = api.post(
        "/v1/categories",
        {"code": "assets", "name": "Assets", "description": "What we own", "metadata": {"gl": "1000"}},
        as_="admin",
    )
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == root["id"]
    other = api.post("/v1/categories", {"code": "assets", "name": "Other"}, as_="admin")
    assert problem_code(other) == "idempotency_conflict" and other.status_code == 409

    cash = create(api, "assets:cash", parent_code="assets")
    bank = create(api, "assets:cash:bank", parent_id=cash["id"])
    assert (cash["parent_id"], bank["parent_id"]) == (root["id"], cash["id"])
    assert api.get(f"/v1/categories/{bank['id']}").json() == bank

    first = api.get("/v1/categories", params={"limit": 2})
    assert [c["code"] for c in first.json()["items"]] == ["assets", "assets:cash"]
    rest = api.get("/v1/categories", params={"cursor": first.json()["next_cursor"]})
    assert [c["code"] for c in rest.json()["items"]] == ["assets:cash:bank"]

    admin = api.headers("admin")
    cycle = api.client.patch(f"/v1/categories/{root['id']}", json={"parent_id": bank["id"]}, headers=admin)
    assert cycle.status_code == 409 and problem_code(cycle) == "category_cycle"
    renamed = api.client.patch(
        f"/v1/categories/{bank['id']}", json={"name": "Bank", "parent_id": None}, headers=admin
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["parent_id"], renamed.json()["code"]) == (
        "Bank",
        None,
        "assets:cash:bank",
    )
    unknown = api.client.patch(f"/v1/categories/{uuid.uuid4()}", json={"name": "X"}, headers=admin)
    assert unknown.status_code == 404 and problem_code(unknown) == "not_found"


def test_accounts_go_in_and_out_of_a_category_idempotently(api: Api) -> None:
    category = create(api, "vip")
    wallet = api.open_account()
    for _ in range(2):
        assert put(api, category, wallet).status_code == 204
    members = api.get(f"/v1/categories/{category['id']}/accounts")
    assert members.status_code == 200 and [a["id"] for a in members.json()["items"]] == [wallet["id"]]
    path = f"/v1/categories/{category['id']}/accounts/{wallet['id']}"
    for _ in range(2):
        assert api.client.delete(path, headers=api.headers("admin")).status_code == 204
    assert api.get(f"/v1/categories/{category['id']}/accounts").json()["items"] == []
    missing = put(api, category, {"id": str(uuid.uuid4())})
    assert missing.status_code == 404 and problem_code(missing) == "account_not_found"


def test_a_category_balance_counts_each_account_once(api: Api) -> None:
    source, alice = api.funding_pair()
    bob = api.open_account()
    assert api.transfer(source, alice, 1_000).status_code == 201
    assert api.transfer(source, bob, 250).status_code == 201
    deposits = create(api, "deposits")
    br = create(api, "deposits:br", parent_id=deposits["id"])
    vip = create(api, "deposits:vip", parent_id=deposits["id"])
    for category, account in ((br, alice), (br, bob), (vip, alice)):
        assert put(api, category, account).status_code == 204

    found = api.get(f"/v1/categories/{deposits['id']}/balance")
    assert found.status_code == 200, found.text
    body = found.json()
    totals = {"asset": "BRL", "accounts": 2, "posted": 1_250, "pending_debits": 0, "pending_credits": 0}
    assert body["totals"] == [{**totals, "available": 1_250}]
    assert (body["descendants"], body["basis"], body["as_of"]) == (True, "booked", None)
    assert [(c["category"]["code"], c["totals"][0]["posted"]) for c in body["children"]] == [
        ("deposits:br", 1_250),
        ("deposits:vip", 1_000),
    ]
    own = api.get(f"/v1/categories/{deposits['id']}/balance", params={"descendants": "false"}).json()
    assert own["totals"] == [] and own["descendants"] is False
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    as_of = api.get(f"/v1/categories/{br['id']}/balance", params={"as_of": later}).json()
    assert as_of["totals"] == [
        {
            "asset": "BRL",
            "accounts": 2,
            "posted": 1_250,
            "pending_debits": None,
            "pending_credits": None,
            "available": None,
        }
    ]
    gone = api.get(f"/v1/categories/{uuid.uuid4()}/balance")
    assert gone.status_code == 404 and problem_code(gone) == "not_found"


def test_a_prefix_balance_with_children_a_page_at_a_time(api: Api) -> None:
    group = f"g{uuid.uuid4().hex[:8]}:"
    source = api.open_account(normal_side="debit", min_balance=None)
    for name, amount in (("a", 100), ("b", 20), ("c", 3)):
        wallet = api.open_account(code=f"{group}{name}")
        assert api.transfer(source, wallet, amount).status_code == 201
    api.open_account(code=f"{group}a:savings")
    first = api.get("/v1/groups/balance", params={"prefix": group, "limit": 2})
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["prefix"], body["totals"][0]["accounts"], body["totals"][0]["posted"]) == (group, 4, 123)
    assert [(c["segment"], c["code"], c["totals"][0]["accounts"]) for c in body["children"]] == [
        ("a", f"{group}a", 2),
        ("b", f"{group}b", 1),
    ]
    rest = api.get("/v1/groups/balance", params={"prefix": group, "cursor": body["next_cursor"]}).json()
    assert [c["segment"] for c in rest["children"]] == ["c"] and rest["next_cursor"] is None
    other = api.get("/v1/groups/balance", params={"prefix": "x:", "cursor": body["next_cursor"]})
    assert other.status_code == 422 and problem_code(other) == "validation_error"
    effective = api.get("/v1/groups/balance", params={"prefix": group, "basis": "effective"}).json()
    assert effective["basis"] == "effective" and effective["as_of"] is not None
    assert effective["totals"][0]["posted"] == 123 and effective["totals"][0]["available"] is None
    bad = api.get("/v1/groups/balance", params={"prefix": "no-colon"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "prefix"


def test_reads_need_ledger_read_and_writes_admin(api: Api) -> None:
    assert api.get("/v1/groups/balance", as_=None).status_code == 401
    assert api.get("/v1/categories", as_=None).status_code == 401
    body = {"code": "nope", "name": "Nope"}
    refused = api.post("/v1/categories", body, as_="write")
    assert refused.status_code == 403 and problem_code(refused) == "forbidden"
    category = create(api, "scoped")
    wallet = api.open_account()
    path = f"/v1/categories/{category['id']}/accounts/{wallet['id']}"
    assert api.client.put(path, headers=api.headers("write")).status_code == 403
    assert api.client.delete(path, headers=api.headers("read")).status_code == 403
    assert (
        api.client.patch(
            f"/v1/categories/{category['id']}", json={}, headers=api.headers("write")
        ).status_code
        == 403
    )
    assert api.get("/v1/categories").status_code == 200
    bad = api.post("/v1/categories", {"code": " x", "name": "X", "id": new_id()}, as_="admin")
    assert bad.status_code == 422 and problem_code(bad) == "validation_error"
