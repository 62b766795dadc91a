"""Grouped single transfers and the bulk endpoint over HTTP, in both execution modes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from razao.container import Container, build_container, dispose_engines
from razao.settings import Settings
from tests.e2e.conftest import Api, new_id, problem_code


@pytest.fixture(params=["app", "db"])
def container(request: pytest.FixtureRequest, database: Any) -> Iterator[Container]:
    settings = Settings(
        database_url=database.app_url,
        admin_database_url=database.admin_url,
        db_pool_size=8,
        execution_mode=request.param,
        group_max_wait_ms=20,
    )
    container = build_container(settings)
    yield container
    dispose_engines(container)


def simple(debit: dict[str, Any], credit: dict[str, Any], amount: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "debit_account_id": debit["id"],
        "credit_account_id": credit["id"],
        "amount": amount,
    }


def post_each_calls(api: Api) -> float:
    metrics = api.get("/metrics", as_=None).text
    found = re.findall(r'razao_use_case_calls_total\{[^}]*use_case="post_each"[^}]*\} ([0-9.e+]+)', metrics)
    return sum(float(v) for v in found)


def test_concurrent_single_transfers_are_booked_in_groups(api: Api) -> None:
    source, wallet = api.funding_pair()
    before = post_each_calls(api)
    bodies = [simple(source, wallet, 1 + i) for i in range(24)]

    with ThreadPoolExecutor(24) as pool:
        answers = list(pool.map(lambda body: api.post("/v1/transfers", body), bodies))

    assert [a.status_code for a in answers] == [201] * 24, [a.text for a in answers if a.status_code != 201]
    assert [a.json()["id"] for a in answers] == [b["id"] for b in bodies]
    assert api.balances(wallet)["posted"] == sum(range(1, 25))
    calls = post_each_calls(api) - before
    assert 1 <= calls < 24, f"{calls} transactions for 24 concurrent requests: no group formed"


def test_a_refused_request_in_a_group_gets_its_own_problem_and_the_others_book(api: Api) -> None:
    source, wallet = api.funding_pair()
    assert api.transfer(source, wallet, 100).status_code == 201
    other = api.open_account()
    bodies = [simple(wallet, other, 60), simple(wallet, other, 60), simple(wallet, other, 30)]

    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda body: api.post("/v1/transfers", body), bodies))

    assert sorted(a.status_code for a in answers) == [201, 201, 422]
    refused = next(a for a in answers if a.status_code == 422)
    assert problem_code(refused) == "insufficient_funds"
    assert api.balances(wallet)["posted"] == 10
    assert api.balances(other)["posted"] == 90


def test_bulk_books_or_refuses_each_transfer_on_its_own(api: Api) -> None:
    source, wallet = api.funding_pair()
    other = api.open_account()
    twice = simple(source, wallet, 500)
    body = {
        "transfers": [
            twice,
            simple(wallet, other, 200),
            simple(wallet, other, 400),  # 300 left: refused
            twice,  # the same request again: a replay of the first
            {**twice, "amount": 501},  # the same id, another request: a conflict
            simple(wallet, wallet, 1),  # an account on both sides: refused alone
            simple(wallet, other, 300),
        ]
    }

    response = api.post("/v1/transfers/bulk", body)

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 201, 422, 201, 409, 422, 201]
    assert [r["replayed"] for r in results] == [False, False, False, True, False, False, False]
    assert results[0]["transfer"]["id"] == twice["id"] and results[3]["transfer"]["id"] == twice["id"]
    assert [r["problem"]["code"] for r in results if r["problem"]] == [
        "insufficient_funds",
        "idempotency_conflict",
        "validation_error",
    ]
    assert results[2]["problem"]["type"] == "urn:razao:problem:insufficient_funds"
    assert results[5]["problem"]["errors"][0]["field"] == "postings"
    assert api.balances(wallet)["posted"] == 0
    assert api.balances(other)["posted"] == 500

    again = api.post("/v1/transfers/bulk", body).json()["results"]
    assert [r["replayed"] for r in again if r["status"] == 201] == [True, True, True, True]


def test_bulk_takes_one_to_10000_transfers_and_a_malformed_one_refuses_the_whole_request(api: Api) -> None:
    source, wallet = api.funding_pair()
    assert problem_code(api.post("/v1/transfers/bulk", {"transfers": []})) == "validation_error"

    malformed = api.post(
        "/v1/transfers/bulk",
        {"transfers": [simple(source, wallet, 5), {**simple(source, wallet, 5), "amount": "x"}]},
    )
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "transfers[1].amount"
    assert api.balances(wallet)["posted"] == 0

    too_many = api.post("/v1/transfers/bulk", {"transfers": [simple(source, wallet, 1)] * 10_001})
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "transfers"


def test_bulk_needs_the_write_scope(api: Api) -> None:
    source, wallet = api.funding_pair()
    response = api.post("/v1/transfers/bulk", {"transfers": [simple(source, wallet, 5)]}, as_="read")
    assert response.status_code == 403
    assert api.balances(wallet)["posted"] == 0
