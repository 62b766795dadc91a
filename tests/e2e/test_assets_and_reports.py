"""Assets (custom registration is admin-only and idempotent) and the trial balance over HTTP."""

from __future__ import annotations

import uuid

from tests.e2e.conftest import REPLAYED, Api, problem_code


def custom_code() -> str:
    return "PTS_" + uuid.uuid4().hex[:8].upper()


def test_register_replay_and_conflict(api: Api) -> None:
    code = custom_code()

    first = api.post("/v1/assets", {"code": code, "scale": 0}, as_="admin")
    again = api.post("/v1/assets", {"code": code, "scale": 0}, as_="admin")
    other = api.post("/v1/assets", {"code": code, "scale": 2}, as_="admin")

    assert first.status_code == again.status_code == 201
    assert first.json() == {"code": code, "scale": 0, "builtin": False}
    assert again.headers[REPLAYED] == "true" and REPLAYED not in first.headers
    assert again.content == first.content
    assert (other.status_code, problem_code(other)) == (409, "idempotency_conflict")


def test_register_needs_admin(api: Api) -> None:
    code = custom_code()

    response = api.post("/v1/assets", {"code": code, "scale": 0}, as_="write")

    assert (response.status_code, problem_code(response)) == (403, "forbidden")
    assert code not in {a["code"] for a in api.get("/v1/assets").json()["items"]}


def test_register_refuses_invalid_assets(api: Api) -> None:
    iso = api.post("/v1/assets", {"code": "BRL", "scale": 2}, as_="admin")
    lower = api.post("/v1/assets", {"code": "pts", "scale": 0}, as_="admin")
    fractional = api.post("/v1/assets", {"code": custom_code(), "scale": 2.0}, as_="admin")

    assert [(r.status_code, r.json()["errors"][0]["field"]) for r in (iso, lower, fractional)] == [
        (422, "code"),
        (422, "code"),
        (422, "scale"),
    ]


def test_list_has_builtin_and_custom_assets(api: Api) -> None:
    code = custom_code()
    api.post("/v1/assets", {"code": code, "scale": 3}, as_="admin")

    items = {a["code"]: a for a in api.get("/v1/assets").json()["items"]}

    assert items["BRL"] == {"code": "BRL", "scale": 2, "builtin": True}
    assert items["JPY"]["scale"] == 0
    assert items[code] == {"code": code, "scale": 3, "builtin": False}


def test_trial_balance_of_one_asset(api: Api) -> None:
    code = custom_code()
    api.post("/v1/assets", {"code": code, "scale": 0}, as_="admin")
    source, wallet = api.funding_pair(code)
    api.transfer(source, wallet, 70)
    api.transfer(source, wallet, 5, pending=True)

    response = api.get("/v1/trial-balance", params={"asset": code})

    assert response.status_code == 200
    assert response.json() == {
        "assets": [
            {
                "asset": code,
                "accounts": 2,
                "posted_debits": 70,
                "posted_credits": 70,
                "pending_debits": 5,
                "pending_credits": 5,
                "debit_balances": 70,
                "credit_balances": 70,
                "balanced": True,
            }
        ],
        "balanced": True,
        "basis": "booked",
        "through": None,
    }


def test_trial_balance_of_every_asset(api: Api) -> None:
    source, wallet = api.funding_pair("BRL")
    api.transfer(source, wallet, 10)

    body = api.get("/v1/trial-balance").json()

    assert body["balanced"] is True
    assert "BRL" in {a["asset"] for a in body["assets"]}
