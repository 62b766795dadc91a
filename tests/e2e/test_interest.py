"""The interest-policy API end to end: set, change and read an account's policy (admin scope)."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Api, new_id, problem_code


def _policy(counterpart: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {
        "rate_bps": 1050,
        "day_count": "ACT/365F",
        "counterpart_account_id": counterpart["id"],
        "effective_from": "2025-01-01",
    }
    return {**body, **fields}


def _put(api: Api, account: dict[str, Any], body: Any, as_: str | None = "admin") -> Any:
    return api.client.put(
        f"/v1/accounts/{account['id']}/interest-policy", json=body, headers=api.headers(as_)
    )


def test_set_change_and_read_the_policy_history(api: Api) -> None:
    expense, savings = api.funding_pair()
    first = _put(api, savings, _policy(expense))
    assert first.status_code == 200, first.text
    assert first.json() == {"account_id": savings["id"], **_policy(expense)}

    assert _put(api, savings, _policy(expense, rate_bps=900, effective_from="2025-07-01")).status_code == 200
    assert _put(api, savings, _policy(expense, day_count="30E/360")).status_code == 200  # same date: replaces

    history = api.get(f"/v1/accounts/{savings['id']}/interest-policy", as_="admin")
    assert history.status_code == 200, history.text
    assert [(p["effective_from"], p["rate_bps"], p["day_count"]) for p in history.json()["items"]] == [
        ("2025-01-01", 1050, "30E/360"),
        ("2025-07-01", 900, "ACT/365F"),
    ]


def test_policy_rules_are_enforced(api: Api) -> None:
    expense, savings = api.funding_pair()
    dollars = api.open_account("USD", "debit")
    assert problem_code(_put(api, savings, _policy(dollars))) == "asset_mismatch"
    assert problem_code(_put(api, savings, _policy(savings))) == "validation_error"
    assert problem_code(_put(api, savings, _policy(expense, rate_bps=-1))) == "validation_error"
    assert problem_code(_put(api, savings, _policy(expense, day_count="ACT/ACT"))) == "validation_error"
    missing = {"id": new_id()}
    assert _put(api, missing, _policy(expense)).status_code == 404
    assert _put(api, savings, _policy(missing)).status_code == 404
    assert api.get(f"/v1/accounts/{missing['id']}/interest-policy", as_="admin").status_code == 404


def test_policies_need_the_admin_scope(api: Api) -> None:
    expense, savings = api.funding_pair()
    assert _put(api, savings, _policy(expense), as_="write").status_code == 403
    assert _put(api, savings, _policy(expense), as_=None).status_code == 401
    assert api.get(f"/v1/accounts/{savings['id']}/interest-policy", as_="read").status_code == 403
