"""Value dates over HTTP, in both execution modes: balances, statements, daily history and the trial
balance with `basis=effective` beside the default `booked`, and the refusals of their parameters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from razao.container import Container, build_container, dispose_engines
from razao.settings import Settings
from tests.e2e.conftest import Api, new_id, problem_code

#: A value date long before anything is booked (bookings are stamped now).
JAN = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["app", "db"])
def container(request: pytest.FixtureRequest, database: Any) -> Iterator[Container]:
    settings = Settings(
        database_url=database.app_url,
        admin_database_url=database.admin_url,
        db_pool_size=4,
        execution_mode=request.param,
    )
    container = build_container(settings)
    yield container
    dispose_engines(container)


def field_of(response: Any) -> tuple[int, str, str]:
    return response.status_code, problem_code(response), response.json()["errors"][0]["field"]


def test_a_backdated_payment_changes_the_effective_balance_but_not_the_booked_one(api: Api) -> None:
    source, wallet = api.funding_pair()
    path = f"/v1/accounts/{wallet['id']}/balance"
    api.transfer(source, wallet, 1_000)
    value_date = datetime.now(UTC) - timedelta(hours=1)
    response = api.transfer(source, wallet, 250, effective_at=value_date.isoformat())
    assert response.status_code == 201, response.text
    booked_at = datetime.fromisoformat(response.json()["created_at"])
    before = (booked_at - timedelta(minutes=30)).isoformat()

    booked = api.get(path, params={"as_of": before}).json()
    effective = api.get(path, params={"as_of": before, "basis": "effective"}).json()
    now = api.get(path, params={"basis": "effective"}).json()

    assert (booked["posted_balance"], booked["basis"]) == (0, "booked")
    assert (effective["posted_balance"], effective["basis"]) == (250, "effective")
    assert now["posted_balance"] == 1_250
    assert field_of(api.get(path, params={"basis": "value"})) == (422, "validation_error", "basis")


def _books(api: Api) -> dict[str, Any]:
    """Four payments into a wallet: value dates JAN+2h, JAN, JAN+2h (out, booked after the first) and
    JAN+1d."""
    source, wallet = api.funding_pair()
    for amount, hours, description in ((100, 2, "b"), (200, 0, "a"), (7, 24, "d")):
        at = (JAN + timedelta(hours=hours)).isoformat()
        assert (
            api.transfer(source, wallet, amount, effective_at=at, description=description).status_code == 201
        )
        if description == "b":
            out = api.transfer(wallet, source, 50, effective_at=at, description="c")
            assert out.status_code == 201, out.text
    return wallet


def test_a_statement_by_value_date_pages_in_that_order(api: Api) -> None:
    wallet = _books(api)
    path = f"/v1/accounts/{wallet['id']}/entries"

    first = api.get(path, params={"basis": "effective", "limit": 3}).json()
    rest = api.get(path, params={"basis": "effective", "limit": 3, "cursor": first["next_cursor"]}).json()
    window = api.get(
        path,
        params={
            "basis": "effective",
            "from": (JAN + timedelta(hours=1)).isoformat(),
            "to": (JAN + timedelta(days=1)).isoformat(),
        },
    ).json()
    booked = api.get(path).json()

    lines = [
        (e["description"], e["balance_after"], e["effective_at"]) for e in first["items"] + rest["items"]
    ]
    assert [(d, b) for d, b, _ in lines] == [("a", 200), ("b", 300), ("c", 250), ("d", 257)]
    assert lines[0][2] == JAN.isoformat()
    assert (first["basis"], rest["next_cursor"], booked["basis"]) == ("effective", None, "booked")
    assert [(e["description"], e["balance_after"]) for e in window["items"]] == [("b", 300), ("c", 250)]
    assert [(e["description"], e["balance_after"]) for e in booked["items"]] == [
        ("b", 100),
        ("c", 50),
        ("a", 250),
        ("d", 257),
    ]
    other = api.get(
        path,
        params={"basis": "effective", "cursor": api.get(path, params={"limit": 1}).json()["next_cursor"]},
    )
    assert field_of(other) == (422, "validation_error", "cursor")


def test_history_gives_closing_balances_per_day(api: Api) -> None:
    wallet = _books(api)
    path = f"/v1/accounts/{wallet['id']}/history"
    today = datetime.now(UTC).date()

    effective = api.get(path, params={"from": "2025-01-09", "to": "2025-01-12", "basis": "effective"})
    booked = api.get(path, params={"from": "2025-01-09", "to": "2025-01-12"}).json()
    recent = api.get(path, params={"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()})

    assert effective.status_code == 200, effective.text
    assert effective.json() == {
        "account_id": wallet["id"],
        "asset": "BRL",
        "basis": "effective",
        "from": "2025-01-09",
        "to": "2025-01-12",
        "days": [
            {"date": "2025-01-09", "balance": 0},
            {"date": "2025-01-10", "balance": 250},
            {"date": "2025-01-11", "balance": 257},
            {"date": "2025-01-12", "balance": 257},
        ],
    }
    assert [d["balance"] for d in booked["days"]] == [0, 0, 0, 0] and booked["basis"] == "booked"
    assert [d["balance"] for d in recent.json()["days"]] == [0, 257]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),  # 367 days
        ({"from": "2025-01-02", "to": "2025-01-01"}, "to"),
        ({"to": "2025-01-01"}, "from"),
        ({"from": "2025-01-01"}, "to"),
        ({"from": "2025-01-01T00:00:00Z", "to": "2025-01-02"}, "from"),
        ({"from": "2025-01-01", "to": "2025-01-02", "basis": "later"}, "basis"),
    ],
)
def test_history_refuses_bad_ranges_naming_the_field(api: Api, params: dict[str, str], field: str) -> None:
    wallet = api.open_account()
    assert field_of(api.get(f"/v1/accounts/{wallet['id']}/history", params=params)) == (
        422,
        "validation_error",
        field,
    )


def test_history_of_a_whole_leap_year_and_of_nobody(api: Api) -> None:
    wallet = api.open_account()
    year = api.get(f"/v1/accounts/{wallet['id']}/history", params={"from": "2024-01-01", "to": "2024-12-31"})
    nobody = api.get(f"/v1/accounts/{new_id()}/history", params={"from": "2024-01-01", "to": "2024-01-01"})
    assert year.status_code == 200 and len(year.json()["days"]) == 366
    assert (nobody.status_code, problem_code(nobody)) == (404, "account_not_found")


def test_the_trial_balance_by_value_date(api: Api) -> None:
    _books(api)
    through_jan = api.get("/v1/trial-balance", params={"basis": "effective", "through": "2025-01-10"}).json()
    today = api.get("/v1/trial-balance", params={"basis": "effective"}).json()
    booked = api.get("/v1/trial-balance").json()

    [brl] = [a for a in through_jan["assets"] if a["asset"] == "BRL"]
    assert (brl["posted_debits"], brl["posted_credits"], brl["debit_balances"]) == (350, 350, 250)
    assert (through_jan["basis"], through_jan["through"], through_jan["balanced"]) == (
        "effective",
        "2025-01-10",
        True,
    )
    assert (today["through"], today["assets"]) == (datetime.now(UTC).date().isoformat(), booked["assets"])
    assert (booked["basis"], booked["through"]) == ("booked", None)
    misplaced = api.get("/v1/trial-balance", params={"through": "2025-01-10"})
    assert field_of(misplaced) == (422, "validation_error", "through")
    assert field_of(api.get("/v1/trial-balance", params={"basis": "x"})) == (422, "validation_error", "basis")
