"""Balance monitors through the API: create (201, evaluated at once), list, read, delete (204); the
events they record in the feed with the API's own documents; the problems a bad request gets (each
naming its field), an unknown account (404), a closed account (409), the scopes; a refusal leaves no trace.

The app runs in the execution mode the container resolves (the database mode when the code is deployed);
tests/integration/test_monitors_differential.py runs both modes explicitly.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text

from razao.container import Container
from tests.e2e.conftest import Api, new_id, problem_code
from tests.e2e.test_events import feed_of

TRIGGERED = "balance.monitor_triggered"
LOW = {"balance": "available", "comparison": "below", "threshold": 1000}


def monitors_path(account: dict[str, Any]) -> str:
    return f"/v1/accounts/{account['id']}/monitors"


def create(api: Api, account: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(monitors_path(account), body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def count_monitors(container: Container) -> int:
    engine: Engine = container.engine()
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM balance_monitors")).scalar_one())


def test_a_monitor_is_created_read_listed_and_deleted(api: Api) -> None:
    source, wallet = api.funding_pair()
    assert api.transfer(source, wallet, 5000).status_code == 201
    body = {**LOW, "description": "Tell Alice", "metadata": {"b": 1, "a": 2}}
    created = create(api, wallet, body)
    assert created["account_id"] == wallet["id"]
    assert {k: created[k] for k in ("balance", "comparison", "threshold", "description")} == {
        **LOW,
        "description": "Tell Alice",
    }
    assert list(created["metadata"]) == ["a", "b"]
    assert (created["triggered"], created["triggered_at"]) == (False, None)

    one = api.get(f"{monitors_path(wallet)}/{created['id']}")
    assert one.status_code == 200 and one.json() == created
    listed = api.get(monitors_path(wallet))
    assert listed.status_code == 200 and listed.json() == {"items": [created]}

    gone = api.client.delete(f"{monitors_path(wallet)}/{created['id']}", headers=api.headers("write"))
    assert gone.status_code == 204 and gone.content == b""
    assert api.get(f"{monitors_path(wallet)}/{created['id']}").status_code == 404
    again = api.client.delete(f"{monitors_path(wallet)}/{created['id']}", headers=api.headers("write"))
    assert again.status_code == 404 and problem_code(again) == "not_found"
    assert api.get(monitors_path(wallet)).json() == {"items": []}


def test_the_owner_is_told_once_when_the_balance_drops_below_and_again_after_it_recovered(
    api: Api, container: Container
) -> None:
    source, wallet = api.funding_pair()
    assert api.transfer(source, wallet, 5000).status_code == 201
    monitor = create(api, wallet, LOW)
    for amount in (4500, 100):  # 500 then 400: told once
        assert api.transfer(wallet, source, amount).status_code == 201
    assert api.transfer(source, wallet, 2000).status_code == 201  # 2400: re-armed
    last = api.transfer(wallet, source, 1500)  # 900: told again
    assert last.status_code == 201
    told = feed_of(api, container, types=TRIGGERED, account_id=wallet["id"])
    assert [(e["data"]["monitor"]["id"], e["data"]["value"]) for e in told] == [
        (monitor["id"], 500),
        (monitor["id"], 900),
    ]
    last_event = told[-1]
    assert last_event["account_ids"] == [wallet["id"]] and last_event["transfer_id"] is None
    assert last_event["data"]["account"] == {**api.get(f"/v1/accounts/{wallet['id']}").json()}
    now = api.get(f"{monitors_path(wallet)}/{monitor['id']}").json()
    assert now["triggered"] is True
    assert last_event["data"]["monitor"] == now


def test_a_monitor_whose_condition_already_holds_fires_at_creation(api: Api, container: Container) -> None:
    wallet = api.open_account()
    monitor = create(api, wallet, LOW)
    assert monitor["triggered"] is True and monitor["triggered_at"] is not None
    [event] = feed_of(api, container, types=TRIGGERED, account_id=wallet["id"])
    assert event["data"]["monitor"] == monitor and event["data"]["value"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**LOW, "balance": "overdraft"}, "balance"),
        ({**LOW, "comparison": "under"}, "comparison"),
        ({**LOW, "threshold": 10.5}, "threshold"),
        ({**LOW, "threshold": "1000"}, "threshold"),
        ({**LOW, "threshold": 10**38}, "threshold"),
        ({"balance": "available", "comparison": "below"}, "threshold"),
        ({**LOW, "description": "x" * 201}, "description"),
        ({**LOW, "metadata": [1]}, "metadata"),
        ({**LOW, "unknown": 1}, "unknown"),
    ],
)
def test_a_bad_monitor_is_a_problem_naming_its_field_and_leaves_no_trace(
    api: Api, container: Container, body: dict[str, Any], field: str
) -> None:
    wallet = api.open_account()
    response = api.post(monitors_path(wallet), body)
    assert response.status_code == 422, response.text
    assert problem_code(response) == "validation_error"
    assert any(field in e["field"] for e in response.json()["errors"]), response.json()
    assert count_monitors(container) == 0


def test_an_unknown_account_is_404_and_a_closed_one_is_409(api: Api, container: Container) -> None:
    missing = {"id": new_id()}
    for response in (
        api.post(monitors_path(missing), LOW),
        api.get(monitors_path(missing)),
        api.get(f"{monitors_path(missing)}/{new_id()}"),
        api.client.delete(f"{monitors_path(missing)}/{new_id()}", headers=api.headers("write")),
    ):
        assert response.status_code == 404 and problem_code(response) == "account_not_found", response.text
    closed = api.open_account()
    assert api.post(f"/v1/accounts/{closed['id']}/close").status_code == 200
    refused = api.post(monitors_path(closed), LOW)
    assert refused.status_code == 409 and problem_code(refused) == "invalid_state"
    assert "closed" in refused.json()["detail"]
    assert count_monitors(container) == 0
    assert feed_of(api, container, types=TRIGGERED) == []


def test_scopes_follow_the_accounts(api: Api) -> None:
    wallet = api.open_account()
    assert api.post(monitors_path(wallet), LOW, as_="read").status_code == 403
    assert api.post(monitors_path(wallet), LOW, as_=None).status_code == 401
    monitor = create(api, wallet, LOW)
    assert api.get(monitors_path(wallet), as_="read").status_code == 200
    assert api.get(monitors_path(wallet), as_=None).status_code == 401
    delete = f"{monitors_path(wallet)}/{monitor['id']}"
    assert api.client.delete(delete, headers=api.headers("read")).status_code == 403
    assert api.client.delete(delete, headers=api.headers("write")).status_code == 204
