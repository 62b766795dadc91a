"""The OpenAPI document states the constraints the API enforces (schemas.common's shared types)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema_rs import Draft202012Validator
from pydantic import TypeAdapter, ValidationError

from adapters.http.schemas.common import Amount, Metadata
from razao.api import create_app
from razao.settings import Settings


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app(Settings(execution_mode="app")).openapi()


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema or ("allOf" in schema and len(schema["allOf"]) == 1):
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        else:
            schema = schema["allOf"][0]
    return schema


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    assert len(options) == 1, schema
    return options[0]


def _query(document: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    parameters = document["paths"][path]["get"]["parameters"]
    return _not_null(next(p for p in parameters if p["name"] == name)["schema"])


def _validator(document: dict[str, Any], component: str) -> Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    return Draft202012Validator(schema)


def test_every_cursor_is_a_non_empty_base64url_text(document: dict[str, Any]) -> None:
    cursors = [
        (path, p["name"], _not_null(p["schema"]))
        for path, item in document["paths"].items()
        for p in item.get("get", {}).get("parameters", [])
        if p["name"] in ("cursor", "after")
    ]
    assert len(cursors) >= 10
    for path, name, schema in cursors:
        assert schema["minLength"] == 1, (path, name)
        assert re.fullmatch(schema["pattern"], "WyJldmVudHMiLFsiNzQxIiwzXV0"), (path, name)
        assert not re.search(schema["pattern"], "a=b"), (path, name)


def test_an_asset_scale_is_bounded(document: dict[str, Any]) -> None:
    scale = document["components"]["schemas"]["AssetIn"]["properties"]["scale"]
    assert (scale["minimum"], scale["maximum"]) == (0, 18)
    assert not _validator(document, "AssetIn").is_valid({"code": "POINTS", "scale": -535})


def test_asset_codes_are_stated_by_their_pattern(document: dict[str, Any]) -> None:
    code = document["components"]["schemas"]["AssetIn"]["properties"]["code"]
    assert re.search(code["pattern"], "A0") and not re.search(code["pattern"], "a0")
    assert re.search(_query(document, "/v1/accounts", "asset")["pattern"], "BRL")


def test_metadata_holds_integers_text_booleans_and_null_eight_levels_deep(document: dict[str, Any]) -> None:
    metadata = _validator(document, "Metadata")
    assert metadata.is_valid({"a": [1, "x", True, None, {"b": {}}]})
    assert not metadata.is_valid({"price": 10.5})
    assert not metadata.is_valid({"a": "\x00"})
    deep: Any = []  # a list at level 2 (the object is level 1)
    for _ in range(6):
        deep = [deep]
    assert metadata.is_valid({"a": deep})  # lists at levels 2 to 8
    assert not metadata.is_valid({"a": [deep]})  # and one at level 9
    account_in = document["components"]["schemas"]["AccountIn"]["properties"]["metadata"]
    assert _resolve(document, account_in) == document["components"]["schemas"]["Metadata"]


def test_integers_are_written_as_digits() -> None:
    assert TypeAdapter(Amount).validate_python(10) == 10
    assert TypeAdapter(Metadata).validate_python({"n": [2]}) == {"n": [2]}
    # 10.0000000000000001 reads as the float 10.0: a float is never taken for an integer
    for refused in (10.0, 10.0000000000000001, 1e3, 10.5, "10", True, float(2**60)):
        with pytest.raises(ValidationError):
            TypeAdapter(Amount).validate_python(refused)
    for fraction in (2.0, 2.5):
        with pytest.raises(ValidationError):
            TypeAdapter(Metadata).validate_python({"n": [fraction]})


def test_the_document_declares_how_integers_are_written(document: dict[str, Any]) -> None:
    from adapters.http.schemas.rules import WHOLE_NUMBERS

    rules = document["paths"]["/v1/transfers/bulk"]["post"]["x-razao-rules"]
    declared = [r["fields"] for r in rules if r["rule"] == WHOLE_NUMBERS]
    assert declared == [
        ["transfers[].amount", "transfers[].postings[].amount", "transfers[].timeout_seconds"]
    ]


def test_texts_and_codes_state_their_rules(document: dict[str, Any]) -> None:
    account = _validator(document, "AccountIn")
    base = {"code": "wallet:1", "name": "Wallet", "asset": "BRL", "normal_side": "credit"}
    assert account.is_valid(base)
    assert not account.is_valid({**base, "name": "   "})
    assert not account.is_valid({**base, "code": "-x"})
    assert not _validator(document, "ReverseIn").is_valid(
        {"id": "7d3c1f9e-8a2b-4c5d-9e0f-1a2b3c4d5e6f", "description": "a\x00b"}
    )


def test_a_transfer_states_its_two_forms_and_the_timeout_of_holds(document: dict[str, Any]) -> None:
    transfer = _validator(document, "TransferIn")
    simple = {
        "id": "7d3c1f9e-8a2b-4c5d-9e0f-1a2b3c4d5e6f",
        "debit_account_id": "1f2e3d4c-5b6a-4789-8abc-def012345678",
        "credit_account_id": "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90",
        "amount": 10050,
    }
    assert transfer.is_valid(simple)
    assert transfer.is_valid({**simple, "pending": True, "timeout_seconds": 60})
    assert not transfer.is_valid({**simple, "timeout_seconds": 60})
    postings = [{"account_id": simple["debit_account_id"], "side": "debit", "amount": 1}] * 2
    assert not transfer.is_valid({**simple, "postings": postings})


def test_search_metadata_terms_are_key_colon_value(document: dict[str, Any]) -> None:
    term = _query(document, "/v1/accounts", "metadata")
    assert term["maxItems"] == 16
    assert re.search(term["items"]["pattern"], "tier:gold")
    assert not re.search(term["items"]["pattern"], ":gold")
    assert not re.search(term["items"]["pattern"], "")


def test_each_job_kind_states_its_body(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert "/v1/jobs/{kind}" not in paths
    accrual = _validator(document, "AccrualIn")
    assert accrual.is_valid({"start": "2026-01-01", "end": "2026-01-31"})
    assert not accrual.is_valid({})
    assert not _validator(document, "NoParamsIn").is_valid({"start": "2026-01-01"})


def test_webhook_urls_are_http_or_https(document: dict[str, Any]) -> None:
    url = document["components"]["schemas"]["WebhookIn"]["properties"]["url"]["pattern"]
    assert re.search(url, "https://hooks.example.com:8443/razao?x=1")
    for refused in ("0", "ftp://x", "https://user@host/", "https://host:70000/", "https://host/#f"):
        assert not re.search(url, refused), refused


def test_every_bound_is_stated_as_json_schema_says_it(document: dict[str, Any]) -> None:
    """pydantic writes a bound it cannot place (after a validator) as `ge`/`le`, which no one reads."""
    stray: list[str] = []

    def walk(value: Any, where: str) -> None:
        if isinstance(value, dict):
            stray.extend(
                f"{where}/{k}" for k in ("ge", "le", "gt", "lt") if isinstance(value.get(k), int | float)
            )
            for key, item in value.items():
                walk(item, f"{where}/{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{where}/{index}")

    walk(document, "")
    assert stray == []


def test_rules_json_schema_cannot_state_are_declared_on_their_operations(document: dict[str, Any]) -> None:
    from tests.suites.schemathesis_checks import declared_refusal

    journal = document["paths"]["/v1/journal"]["get"]
    assert {tuple(r["fields"]) for r in journal["x-razao-rules"]} >= {("to",), ("cursor",)}
    batch = document["paths"]["/v1/transfers/batch"]["post"]

    def refusal(code: str, *fields: str) -> dict[str, Any]:
        return {"code": code, "errors": [{"field": f, "message": "..."} for f in fields]}

    assert declared_refusal(batch, 422, refusal("validation_error", "transfers[7].id"))
    assert declared_refusal(batch, 422, refusal("insufficient_funds"))
    assert not declared_refusal(batch, 422, refusal("validation_error", "transfers[7].amount"))
    written_as_float = {"transfers": [{"amount": 10}, {"amount": 10.0}]}
    assert declared_refusal(batch, 422, refusal("validation_error", "transfers[1].amount"), written_as_float)
    assert not declared_refusal(
        batch, 422, refusal("validation_error", "transfers[0].amount"), written_as_float
    )
    assert not declared_refusal(batch, 422, refusal("validation_error"))
    assert not declared_refusal(journal, 422, refusal("insufficient_funds"))
    assert not declared_refusal(journal, 400, refusal("validation_error", "to"))


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/razao",
        "http://[2606:4700:4700::1111]/hook",
        "https://[2001:4860:4860::8888]:8443/x?y=1",
    ],
)
def test_the_webhook_url_pattern_admits_what_the_policy_admits(url: str) -> None:
    from adapters.http.schemas.webhooks import URL_PATTERN
    from application.webhook_policy import parse_target

    parse_target(url)  # the rule itself: a global address, http(s), no credentials
    assert re.match(URL_PATTERN, url)


@pytest.mark.parametrize("url", ["http://user@example.com/", "http://[example.com]/", "ftp://example.com/"])
def test_the_webhook_url_pattern_refuses_what_is_no_target(url: str) -> None:
    from adapters.http.schemas.webhooks import URL_PATTERN

    assert not re.match(URL_PATTERN, url)
