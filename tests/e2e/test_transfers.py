"""Transfers over HTTP: both request forms, idempotent replays, two-phase, reversals, batches, listing,
and the rule that a rejected request changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import REPLAYED, Api, new_id, problem_code


def funded(api: Api, amount: int = 10_000) -> tuple[dict[str, Any], dict[str, Any]]:
    source, wallet = api.funding_pair()
    assert api.transfer(source, wallet, amount).status_code == 201
    return source, wallet


def test_two_posting_form_books_and_moves_balances(api: Api) -> None:
    source, wallet = api.funding_pair()

    response = api.transfer(source, wallet, 1050, description="Top-up")

    assert response.status_code == 201
    assert REPLAYED not in response.headers
    body = response.json()
    assert body["status"] == "posted" and body["two_phase"] is False
    assert body["postings"] == [
        {"account_id": source["id"], "side": "debit", "amount": 1050, "asset": "BRL"},
        {"account_id": wallet["id"], "side": "credit", "amount": 1050, "asset": "BRL"},
    ]
    assert body["posted"] == body["postings"]
    assert body["created_at"].endswith("+00:00")
    assert api.balances(wallet)["posted"] == 1050
    assert api.balances(source)["posted"] == 1050


def test_postings_form_with_asset_checks(api: Api) -> None:
    source, wallet = api.funding_pair()
    other = api.open_account()
    postings = [
        {"account_id": source["id"], "side": "debit", "amount": 300, "asset": "BRL"},
        {"account_id": wallet["id"], "side": "credit", "amount": 100},
        {"account_id": other["id"], "side": "credit", "amount": 200},
    ]

    response = api.post("/v1/transfers", {"id": new_id(), "postings": postings})

    assert response.status_code == 201, response.text
    assert [p["amount"] for p in response.json()["posted"]] == [300, 100, 200]
    assert api.balances(other)["posted"] == 200


def test_replay_answers_the_same_bytes_with_the_replay_header(api: Api) -> None:
    source, wallet = api.funding_pair()
    body = {
        "id": new_id(),
        "debit_account_id": source["id"],
        "credit_account_id": wallet["id"],
        "amount": 700,
        "effective_at": "2025-01-31T09:00:00-03:00",
        # jsonb stores keys in its own order; the API answers in one canonical order either way
        "metadata": {"zz": 1, "a": {"y": [1, "x"], "b": None}, "mid": "é"},
    }

    first = api.post("/v1/transfers", body)
    again = api.post("/v1/transfers", body)

    assert first.status_code == again.status_code == 201
    assert again.headers[REPLAYED] == "true"
    assert again.content == first.content
    assert first.json()["effective_at"] == "2025-01-31T12:00:00+00:00"
    assert api.balances(wallet)["posted"] == 700


def test_same_id_for_another_request_is_an_idempotency_conflict(api: Api) -> None:
    source, wallet = api.funding_pair()
    first = api.transfer(source, wallet, 100)
    body = {"id": first.json()["id"], "debit_account_id": source["id"], "credit_account_id": wallet["id"]}

    response = api.post("/v1/transfers", {**body, "amount": 101})

    assert response.status_code == 409
    assert problem_code(response) == "idempotency_conflict"
    assert api.balances(wallet)["posted"] == 100


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"amount": 10.5}, "amount"),
        ({"amount": 10.0}, "amount"),
        ({"amount": 1e3}, "amount"),
        ({"amount": "10"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": 10**30}, "amount"),
        ({"pending": "yes"}, "pending"),
        ({"effective_at": "2025-01-01T00:00:00"}, "effective_at"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_field_rules_are_checked_at_the_edge(api: Api, extra: dict[str, Any], field: str) -> None:
    source, wallet = api.funding_pair()
    body = {"id": new_id(), "debit_account_id": source["id"], "credit_account_id": wallet["id"], "amount": 5}

    response = api.post("/v1/transfers", {**body, **extra})

    assert response.status_code == 422
    assert problem_code(response) == "validation_error"
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert api.balances(wallet)["posted"] == 0


def test_both_forms_or_neither_is_a_validation_error(api: Api) -> None:
    source, wallet = api.funding_pair()
    postings = [
        {"account_id": source["id"], "side": "debit", "amount": 5},
        {"account_id": wallet["id"], "side": "credit", "amount": 5},
    ]
    simple = {"debit_account_id": source["id"], "credit_account_id": wallet["id"], "amount": 5}

    both = api.post("/v1/transfers", {"id": new_id(), "postings": postings, **simple})
    neither = api.post("/v1/transfers", {"id": new_id()})
    half = api.post("/v1/transfers", {"id": new_id(), "debit_account_id": source["id"], "amount": 5})

    for response in (both, neither, half):
        assert response.status_code == 422
        assert problem_code(response) == "validation_error"
    assert api.balances(wallet)["posted"] == 0


def test_nested_field_paths_in_validation_errors(api: Api) -> None:
    response = api.post(
        "/v1/transfers",
        {"id": new_id(), "postings": [{"account_id": new_id(), "side": "up", "amount": 1.5}, {}]},
    )

    fields = {e["field"] for e in response.json()["errors"]}
    assert response.status_code == 422
    assert {"postings[0].side", "postings[0].amount", "postings[1].account_id"} <= fields


def test_domain_rules_refuse_and_change_nothing(api: Api) -> None:
    source, wallet = funded(api, 1000)
    sink = api.open_account(normal_side="debit")
    usd = api.open_account("USD")
    before = {a["id"]: api.balances(a) for a in (source, wallet, sink)}

    overdraw = api.transfer(wallet, sink, 1001)
    unbalanced = api.post(
        "/v1/transfers",
        {
            "id": new_id(),
            "postings": [
                {"account_id": wallet["id"], "side": "debit", "amount": 10},
                {"account_id": sink["id"], "side": "credit", "amount": 9},
            ],
        },
    )
    mismatch = api.transfer(wallet, usd, 10)
    wrong_asset = api.transfer(wallet, sink, 10, asset="EUR")
    missing = api.transfer(wallet, {"id": new_id()}, 10)

    assert (overdraw.status_code, problem_code(overdraw)) == (422, "insufficient_funds")
    assert overdraw.json()["context"]["available"] == -1
    assert (unbalanced.status_code, problem_code(unbalanced)) == (422, "unbalanced_transfer")
    assert (mismatch.status_code, problem_code(mismatch)) == (422, "asset_mismatch")
    assert (wrong_asset.status_code, problem_code(wrong_asset)) == (422, "asset_mismatch")
    assert (missing.status_code, problem_code(missing)) == (404, "account_not_found")
    assert {a["id"]: api.balances(a) for a in (source, wallet, sink)} == before
    assert api.balances(usd)["posted"] == 0
    listed = api.get("/v1/transfers", params={"account_id": wallet["id"]}).json()["items"]
    assert len(listed) == 1


def test_frozen_account_refuses_postings(api: Api) -> None:
    source, wallet = funded(api, 500)
    assert api.post(f"/v1/accounts/{wallet['id']}/freeze").status_code == 200

    response = api.transfer(source, wallet, 10)

    assert (response.status_code, problem_code(response)) == (409, "account_inactive")
    assert api.balances(wallet)["posted"] == 500


def test_get_transfer_and_unknown_transfer(api: Api) -> None:
    source, wallet = api.funding_pair()
    created = api.transfer(source, wallet, 42).json()

    found = api.get(f"/v1/transfers/{created['id']}")
    unknown = api.get(f"/v1/transfers/{new_id()}")
    not_a_uuid = api.get("/v1/transfers/not-a-uuid")

    assert found.status_code == 200 and found.json() == created
    assert (unknown.status_code, problem_code(unknown)) == (404, "not_found")
    assert (not_a_uuid.status_code, problem_code(not_a_uuid)) == (422, "validation_error")
    assert not_a_uuid.json()["errors"][0]["field"] == "transfer_id"


def test_list_filters_and_pages_newest_first(api: Api) -> None:
    source, wallet = api.funding_pair()
    ids = [api.transfer(source, wallet, n).json()["id"] for n in (1, 2, 3)]
    pending = api.transfer(source, wallet, 4, pending=True).json()["id"]

    first = api.get("/v1/transfers", params={"account_id": wallet["id"], "limit": 2}).json()
    second = api.get(
        "/v1/transfers", params={"account_id": wallet["id"], "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    only_pending = api.get("/v1/transfers", params={"account_id": wallet["id"], "status": "pending"}).json()

    assert [t["id"] for t in first["items"] + second["items"]] == [pending, *reversed(ids)]
    assert second["next_cursor"] is None
    assert [t["id"] for t in only_pending["items"]] == [pending]


@pytest.mark.parametrize("cursor", ["!!!", "e30", "WyJhY2NvdW50cyIsImEiXQ"])
def test_malformed_or_foreign_cursor_is_a_validation_error(api: Api, cursor: str) -> None:
    response = api.get("/v1/transfers", params={"cursor": cursor})

    assert (response.status_code, problem_code(response)) == (422, "validation_error")
    assert response.json()["errors"][0]["field"] == "cursor"


def test_bad_status_filter_is_a_validation_error(api: Api) -> None:
    response = api.get("/v1/transfers", params={"status": "lost"})

    assert (response.status_code, problem_code(response)) == (422, "validation_error")


# --- two-phase --------------------------------------------------------------------------------------


def test_pending_then_partial_post_and_its_replay(api: Api) -> None:
    source, wallet = api.funding_pair()
    held = api.transfer(source, wallet, 1000, pending=True, timeout_seconds=3600).json()
    assert held["status"] == "pending" and held["posted"] == [] and held["timeout_at"] is not None
    assert api.balances(wallet)["pending_credits"] == 1000

    posted = api.post(f"/v1/transfers/{held['id']}/post", {"amount": 600})
    again = api.post(f"/v1/transfers/{held['id']}/post", {"amount": 600})

    assert posted.status_code == again.status_code == 200
    assert posted.json()["status"] == "posted"
    assert [p["amount"] for p in posted.json()["posted"]] == [600, 600]
    assert again.headers[REPLAYED] == "true" and REPLAYED not in posted.headers
    assert again.content == posted.content
    balances = api.balances(wallet)
    assert (balances["posted"], balances["pending_credits"]) == (600, 0)


def test_replaying_the_creation_of_a_resolved_transfer_answers_as_created(api: Api) -> None:
    source, wallet = api.funding_pair()
    body = {
        "id": new_id(),
        "debit_account_id": source["id"],
        "credit_account_id": wallet["id"],
        "amount": 90,
        "pending": True,
    }
    created = api.post("/v1/transfers", body)
    api.post(f"/v1/transfers/{body['id']}/post")

    again = api.post("/v1/transfers", body)

    assert again.status_code == 201 and again.headers[REPLAYED] == "true"
    assert again.content == created.content
    assert api.get(f"/v1/transfers/{body['id']}").json()["status"] == "posted"


def test_post_in_full_without_a_body(api: Api) -> None:
    source, wallet = api.funding_pair()
    held = api.transfer(source, wallet, 250, pending=True).json()

    posted = api.post(f"/v1/transfers/{held['id']}/post")

    assert posted.status_code == 200, posted.text
    assert api.balances(wallet)["posted"] == 250


def test_void_its_replay_and_posting_after_void(api: Api) -> None:
    source, wallet = api.funding_pair()
    held = api.transfer(source, wallet, 300, pending=True).json()

    voided = api.post(f"/v1/transfers/{held['id']}/void")
    again = api.post(f"/v1/transfers/{held['id']}/void")
    post_after = api.post(f"/v1/transfers/{held['id']}/post")

    assert voided.status_code == again.status_code == 200
    assert voided.json()["status"] == "voided"
    assert again.headers[REPLAYED] == "true" and again.content == voided.content
    assert (post_after.status_code, problem_code(post_after)) == (409, "invalid_state")
    assert api.balances(wallet) == {
        "posted_debits": 0,
        "posted_credits": 0,
        "pending_debits": 0,
        "pending_credits": 0,
        "posted": 0,
        "available": 0,
    }


def test_post_more_than_held_is_refused(api: Api) -> None:
    source, wallet = api.funding_pair()
    held = api.transfer(source, wallet, 100, pending=True).json()

    response = api.post(f"/v1/transfers/{held['id']}/post", {"amount": 101})
    unknown = api.post(f"/v1/transfers/{new_id()}/void")

    assert (response.status_code, problem_code(response)) == (422, "validation_error")
    assert api.balances(wallet)["pending_credits"] == 100
    assert (unknown.status_code, problem_code(unknown)) == (404, "not_found")


# --- reversals --------------------------------------------------------------------------------------


def test_reverse_once_with_replay(api: Api) -> None:
    _, wallet = funded(api, 800)
    original = api.get("/v1/transfers", params={"account_id": wallet["id"]}).json()["items"][0]
    body = {"id": new_id(), "description": "Refund", "metadata": {"ticket": 7}}

    reversal = api.post(f"/v1/transfers/{original['id']}/reverse", body)
    again = api.post(f"/v1/transfers/{original['id']}/reverse", body)
    second = api.post(f"/v1/transfers/{original['id']}/reverse", {"id": new_id()})

    assert reversal.status_code == again.status_code == 201
    assert reversal.json()["reverses_id"] == original["id"]
    assert again.headers[REPLAYED] == "true" and again.content == reversal.content
    assert (second.status_code, problem_code(second)) == (409, "invalid_state")
    assert api.balances(wallet)["posted"] == 0
    assert api.get(f"/v1/transfers/{original['id']}").json()["reversed_by_id"] == body["id"]


def test_reverse_needs_its_own_id(api: Api) -> None:
    _, wallet = funded(api, 100)
    original = api.get("/v1/transfers", params={"account_id": wallet["id"]}).json()["items"][0]

    response = api.post(f"/v1/transfers/{original['id']}/reverse", {"id": original["id"]})

    assert (response.status_code, problem_code(response)) == (422, "validation_error")
    assert api.balances(wallet)["posted"] == 100


# --- batches ----------------------------------------------------------------------------------------


def _item(debit: dict[str, Any], credit: dict[str, Any], amount: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "debit_account_id": debit["id"],
        "credit_account_id": credit["id"],
        "amount": amount,
    } | extra


def test_batch_books_all_and_replays_all(api: Api) -> None:
    source, wallet = api.funding_pair()
    batch = {"transfers": [_item(source, wallet, 10), _item(source, wallet, 20)]}

    first = api.post("/v1/transfers/batch", batch)
    again = api.post("/v1/transfers/batch", batch)

    assert first.status_code == again.status_code == 201
    assert [t["posted"][0]["amount"] for t in first.json()["transfers"]] == [10, 20]
    assert again.headers[REPLAYED] == "true" and again.content == first.content
    assert api.balances(wallet)["posted"] == 30


def test_batch_with_a_new_item_is_not_a_replay(api: Api) -> None:
    source, wallet = api.funding_pair()
    old = _item(source, wallet, 10)
    assert api.post("/v1/transfers/batch", {"transfers": [old]}).status_code == 201

    response = api.post("/v1/transfers/batch", {"transfers": [old, _item(source, wallet, 5)]})

    assert response.status_code == 201 and REPLAYED not in response.headers
    assert api.balances(wallet)["posted"] == 15


def test_batch_is_atomic(api: Api) -> None:
    source, wallet = funded(api, 100)
    good = _item(source, wallet, 10)
    overdraw = _item(wallet, source, 1000)

    response = api.post("/v1/transfers/batch", {"transfers": [good, overdraw]})

    assert (response.status_code, problem_code(response)) == (422, "insufficient_funds")
    assert api.get(f"/v1/transfers/{good['id']}").status_code == 404
    assert api.balances(wallet)["posted"] == 100


def test_batch_errors_name_the_item(api: Api) -> None:
    source, wallet = api.funding_pair()
    first = _item(source, wallet, 10)

    domain_rule = api.post(
        "/v1/transfers/batch", {"transfers": [first, _item(source, wallet, 5, timeout_seconds=9)]}
    )
    edge_rule = api.post(
        "/v1/transfers/batch", {"transfers": [first, _item(source, wallet, 5) | {"amount": "5"}]}
    )
    duplicate = api.post("/v1/transfers/batch", {"transfers": [first, first]})
    empty = api.post("/v1/transfers/batch", {"transfers": []})

    assert domain_rule.json()["errors"] == [
        {"field": "transfers[1].timeout_seconds", "message": "applies only to pending transfers"}
    ]
    assert edge_rule.json()["errors"][0]["field"] == "transfers[1].amount"
    assert duplicate.json()["errors"][0]["field"] == "transfers[1].id"
    assert empty.json()["errors"][0]["field"] == "transfers"
    for response in (domain_rule, edge_rule, duplicate, empty):
        assert (response.status_code, problem_code(response)) == (422, "validation_error")
    assert api.balances(wallet)["posted"] == 0
