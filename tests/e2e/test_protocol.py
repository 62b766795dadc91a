"""The HTTP protocol around the use cases: authentication and scopes, problem documents for every kind
of failure, request ids, the body limit, the access log, health probes and the OpenAPI document."""

from __future__ import annotations

import json
import re
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from adapters.http.app import create_app
from adapters.http.groups import GroupCommit
from adapters.http.problems import PROBLEM_TYPES
from adapters.http.services import Readiness, Services
from application.api_keys import Forbidden, Unauthenticated, create_api_key, revoke_api_key
from application.ports import ExecutionUnavailable, RetryableConflict
from domain import kernel
from domain.errors import ALL_ERRORS, DomainError
from tests.conftest import kernel_mode
from tests.e2e.conftest import Api, KeyUow, make_api, new_id, problem_code

PROBLEM_FIELDS = {"type", "title", "status", "detail", "code", "request_id"}


def api_with(services: Services, key_uow: KeyUow, **changes: Any) -> AbstractContextManager[Api]:
    """The API on the same database with some services replaced."""
    return make_api(create_app(replace(services, **changes)), services, key_uow)


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert problem_code(response) == code
    body: dict[str, Any] = response.json()
    assert set(body) >= PROBLEM_FIELDS
    assert body["type"] == f"urn:razao:problem:{code}"
    assert body["status"] == status
    assert body["request_id"] == response.headers["x-request-id"]
    return body


# --- authentication and scopes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer rz_nope", f"Bearer rz_{'0' * 32}_{'A' * 43}"],
)
def test_missing_or_unknown_key_is_401_with_a_challenge(api: Api, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    response = api.client.get("/v1/accounts", headers=headers)

    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"


def test_scopes(api: Api) -> None:
    read_write = api.post("/v1/accounts", {}, as_="read")
    admin_reads = api.get("/v1/assets", as_="admin")
    admin_open = api.post(
        "/v1/accounts",
        {"code": f"adm-{new_id()}", "name": "A", "asset": "BRL", "normal_side": "debit"},
        as_="admin",
    )
    write_reads = api.get("/v1/assets", as_="write")

    body = assert_problem(read_write, 403, "forbidden")
    assert body["context"] == {"scope": "ledger:write"}
    assert admin_reads.status_code == 200 and admin_open.status_code == 201
    assert_problem(write_reads, 403, "forbidden")


def test_revoked_key_is_refused_once_the_cache_allows(services: Services, key_uow: KeyUow) -> None:
    key, token = create_api_key("temp", ["ledger:read"], key_uow(), services.clock, services.ids)
    headers = {"Authorization": f"Bearer {token}"}
    with api_with(services, key_uow, api_key_cache_seconds=60) as api:
        assert api.client.get("/v1/assets", headers=headers).status_code == 200
        revoke_api_key(key.id, key_uow(), services.clock)
        assert api.client.get("/v1/assets", headers=headers).status_code == 200  # still cached
    with api_with(services, key_uow, api_key_cache_seconds=0) as api:
        assert_problem(api.client.get("/v1/assets", headers=headers), 401, "unauthenticated")


def test_health_and_docs_are_public(api: Api) -> None:
    for path in ("/health/live", "/health/ready", "/openapi.json", "/docs"):
        assert api.client.get(path).status_code == 200, path


# --- problem documents ------------------------------------------------------------------------------


def test_unknown_route_is_404_and_wrong_method_is_405(api: Api) -> None:
    assert_problem(api.get("/v2/accounts"), 404, "not_found")
    response = api.client.delete("/v1/assets", headers=api.headers("admin"))
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        # a concrete path wins over a templated one that also matches it (as OpenAPI reads paths)
        ("GET", "/v1/periods/close", "OPTIONS, POST"),
        ("GET", "/v1/transfers/batch", "OPTIONS, POST"),
        ("POST", "/v1/jobs/00000000-0000-4000-8000-000000000000", "GET, OPTIONS"),
        ("POST", "/v1/jobs/compact-ledger", "GET, OPTIONS"),
        ("PUT", "/v1/accounts", "GET, OPTIONS, POST"),
    ],
)
def test_a_method_the_document_does_not_offer_is_405_with_its_allow(
    api: Api, method: str, path: str, allow: str
) -> None:
    response = api.client.request(method, path, headers=api.headers("admin"))
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == allow


def test_options_lists_the_methods_of_the_document(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    for template, path in [
        ("/v1/periods/close", "/v1/periods/close"),
        ("/v1/jobs/expire-holds", "/v1/jobs/expire-holds"),
        ("/v1/transfers/bulk", "/v1/transfers/bulk"),
        ("/v1/accounts/{account_id}", f"/v1/accounts/{new_id()}"),
    ]:
        response = api.client.options(path)
        assert response.status_code == 204, path
        advertised = {m.strip().lower() for m in response.headers["allow"].split(",")} - {"options"}
        assert advertised == set(document["paths"][template]), path


def test_malformed_json_is_400(api: Api) -> None:
    response = api.post("/v1/accounts", content=b'{"code": ', headers={"Content-Type": "application/json"})

    body = assert_problem(response, 400, "validation_error")
    assert "not valid JSON" in body["detail"]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_body_that_is_not_json_is_415(api: Api, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    body = b'{"code": "x", "name": "x", "asset": "BRL", "normal_side": "debit"}'

    response = api.post("/v1/accounts", content=body, headers=headers)

    assert_problem(response, 415, "unsupported_media_type")
    assert api.get("/v1/accounts", params={"code_prefix": "x"}).json()["items"] == []


def test_json_with_a_charset_and_problem_json_bodies_are_accepted(api: Api) -> None:
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = api.post(
            "/v1/accounts",
            content=f'{{"code": "{new_id()}", "name": "n", "asset": "BRL", "normal_side": "debit"}}'.encode(),
            headers={"Content-Type": content_type},
        )
        assert response.status_code == 201, (content_type, response.text)


def test_validation_problem_lists_fields(api: Api) -> None:
    response = api.post("/v1/accounts", {"code": 5, "asset": "BRL", "normal_side": "sideways"})

    body = assert_problem(response, 422, "validation_error")
    assert {e["field"] for e in body["errors"]} == {"code", "name", "normal_side"}
    assert all(e["message"] for e in body["errors"])


def test_body_over_the_limit_is_413_by_length_and_by_counting(services: Services, key_uow: KeyUow) -> None:
    with api_with(services, key_uow, max_body_bytes=1024) as api:
        source, wallet = api.funding_pair()
        padded = {
            "id": new_id(),
            "debit_account_id": source["id"],
            "credit_account_id": wallet["id"],
            "amount": 5,
            "description": "x" * 1000,
        }
        declared = api.post("/v1/transfers", padded)

        head = {k: v for k, v in padded.items() if k != "description"} | {"id": new_id()}
        parts = [json.dumps(head)[:-1].encode() + b', "description": "', *[b"y" * 300] * 4, b'"}']

        streamed = api.post(
            "/v1/transfers", content=iter(parts), headers={"Content-Type": "application/json"}
        )

        assert "content-length" in {k.lower() for k in declared.request.headers}
        assert "content-length" not in {k.lower() for k in streamed.request.headers}
        for response in (declared, streamed):
            assert_problem(response, 413, "payload_too_large")
        assert api.balances(wallet)["posted"] == 0
        assert (
            api.post("/v1/transfers", {**padded, "description": "short", "id": new_id()}).status_code == 201
        )


def test_unexpected_error_is_a_bare_500_with_the_request_id(app: Any, api: Api) -> None:
    def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/v1/explode", explode)

    with capture_logs() as logs:
        response = api.get("/v1/explode", headers={"X-Request-ID": "trace-500"})

    body = assert_problem(response, 500, "internal_error")
    assert body["request_id"] == "trace-500" == response.headers["x-request-id"]
    assert "secret" not in response.text and "Traceback" not in response.text
    (line,) = [e for e in logs if e["event"] == "request"]
    assert (line["status"], line["log_level"]) == (500, "error")
    assert isinstance(line["exc_info"], RuntimeError)


def test_failing_service_is_a_500_too(services: Services, key_uow: KeyUow) -> None:
    def broken() -> Readiness:
        raise RuntimeError("boom")

    with api_with(services, key_uow, readiness=broken) as api:
        assert_problem(api.client.get("/health/ready"), 500, "internal_error")


class _AlwaysConflicting:
    CAUSE = "the database asked for a retry (40001)"

    def post_transfers(self, requests: Any) -> Any:
        raise RetryableConflict(self.CAUSE)

    post_each = post_transfers


def with_write_path(services: Services, key_uow: KeyUow, write_path: Any) -> AbstractContextManager[Api]:
    """The API whose write path (and the groups that book single transfers through it) is `write_path`."""
    return api_with(services, key_uow, write_path=write_path, groups=GroupCommit(write_path.post_each))


def test_conflict_that_escaped_retries_is_503_with_retry_after(services: Services, key_uow: KeyUow) -> None:
    with with_write_path(services, key_uow, _AlwaysConflicting()) as api:
        source, wallet = api.funding_pair()

        response = api.transfer(source, wallet, 5)

        problem = assert_problem(response, 503, "service_unavailable")
        assert response.headers["retry-after"] == "1"
        assert problem["detail"].startswith(f"{_AlwaysConflicting.CAUSE}, and again on every retry")


def test_every_domain_error_code_has_a_problem_type() -> None:
    errors: list[type[DomainError]] = [*ALL_ERRORS, Unauthenticated, Forbidden]
    codes = {e.code for e in errors}

    assert codes <= set(PROBLEM_TYPES)
    assert {PROBLEM_TYPES[c].status for c in codes} <= {401, 403, 404, 409, 422}


# --- request ids and the access log -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "echoed"),
    [("abc-123", "abc-123"), ("x" * 128, "x" * 128), ("x" * 129, None), ("", None), ("tab\there", None)],
)
def test_request_id_is_echoed_or_replaced(api: Api, sent: str, echoed: str | None) -> None:
    response = api.get("/health/live", headers={"X-Request-ID": sent})

    if echoed is None:
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
    else:
        assert response.headers["x-request-id"] == echoed


def test_request_id_is_on_error_responses(api: Api) -> None:
    for response in (
        api.get("/v1/accounts", as_=None, headers={"X-Request-ID": "r-401"}),
        api.get("/nowhere", headers={"X-Request-ID": "r-404"}),
        api.post(
            "/v1/accounts",
            content=b"{",
            headers={"X-Request-ID": "r-400", "Content-Type": "application/json"},
        ),
    ):
        assert response.headers["x-request-id"] == response.json()["request_id"]
        assert response.headers["x-request-id"].startswith("r-")


def test_request_id_is_bound_to_the_logging_context_of_handlers(app: Any, api: Api) -> None:
    def bound() -> dict[str, Any]:
        return structlog.contextvars.get_contextvars()

    app.add_api_route("/v1/bound", bound)

    assert api.get("/v1/bound", headers={"X-Request-ID": "ctx-1"}).json() == {"request_id": "ctx-1"}
    assert structlog.contextvars.get_contextvars() == {}


def test_each_request_is_logged_once(api: Api) -> None:
    with capture_logs() as logs:
        api.get("/v1/assets", headers={"X-Request-ID": "log-1"})
        api.get("/v1/nothing-here", headers={"X-Request-ID": "log-2"})

    lines = [e for e in logs if e["event"] == "request"]
    assert [(e["request_id"], e["method"], e["path"], e["status"]) for e in lines] == [
        ("log-1", "GET", "/v1/assets", 200),
        ("log-2", "GET", "/v1/nothing-here", 404),
    ]
    assert all(isinstance(e["duration_ms"], float) for e in lines)


# --- health -----------------------------------------------------------------------------------------


def test_live_and_ready(api: Api) -> None:
    live = api.client.get("/health/live")
    ready = api.client.get("/health/ready")

    assert live.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"
    assert ready.json()["checks"] == {"database": "ok", "code": "ok"}
    assert ready.json()["execution_mode"] == "db"
    assert ready.json()["app_code_version"] == ready.json()["database_code_version"]
    assert ready.json()["schema_revision"]
    assert _kernels(ready.json()["kernel"]) == {"app": _expected_kernel(), "database": _expected_kernel()}


def _expected_kernel() -> str:
    """What this run's kernel mode (RAZAO_KERNEL) runs on both sides: `make test` installs the kernel."""
    return "reference" if kernel_mode() == "reference" else f"razao_kernel {kernel.VERSION}"


def _kernels(sides: dict[str, Any]) -> dict[str, str]:
    return {side: info["kernel"] for side, info in sides.items()}


def test_not_ready_is_a_503_problem_with_the_checks(services: Services, key_uow: KeyUow) -> None:
    def down() -> Readiness:
        return Readiness(ok=False, checks={"database": "failed: refused"}, schema_revision=None)

    with api_with(services, key_uow, readiness=down) as api:
        response = api.client.get("/health/ready")

        body = assert_problem(response, 503, "not_ready")
        assert body["checks"] == {"database": "failed: refused"}


# --- OpenAPI ----------------------------------------------------------------------------------------


#: Operations that answer 201 with what they created, or 200 with what the same request created before.
REPLAYED = {
    ("post", "/v1/statements"): {"201", "200"},
    ("post", "/v1/statements/csv-mappings"): {"201", "200"},
}
#: Operations whose answer is not JSON.
NOT_JSON = {("get", "/v1/reconciliation/runs/{run_id}/results.csv"): "text/csv"}


def test_openapi_declares_problems_security_and_examples(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]

    assert doc["info"]["title"] == "Razão" and doc["info"]["version"]
    assert {t["name"] for t in doc["tags"]} >= {  # and the tags of newer resources
        "assets",
        "accounts",
        "transfers",
        "reports",
        "events",
        "admin",
        "jobs",
        "health",
        "webhooks",
        "periods",
        "groups",
        "statements",
        "reconciliation",
    }
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "rz_<key id>_<secret>",
        "description": doc["components"]["securitySchemes"]["bearer"]["description"],
    }
    assert "HTTPValidationError" not in schemas and "HTTPValidationError" not in str(doc)
    assert {"type", "title", "status", "detail", "code", "request_id", "errors"} <= set(
        schemas["Problem"]["properties"]
    )
    for name in (
        "TransferIn",
        "TransferOut",
        "AccountIn",
        "AccountOut",
        "Problem",
        "BatchIn",
        "BulkIn",
        "EventOut",
        "EventPage",
    ):
        assert schemas[name]["examples"], name

    operations = [(path, method, op) for path, item in doc["paths"].items() for method, op in item.items()]
    assert len(operations) >= 81  # and the operations of newer resources
    assert len({op["operationId"] for _, _, op in operations}) == len(operations)
    for path, method, op in operations:
        statuses = set(op["responses"])
        successes = {s for s in statuses if s.startswith("2")}
        assert successes == REPLAYED.get((method, path), successes) and len(successes) == (
            2 if (method, path) in REPLAYED else 1
        ), (path, method, successes)
        for success in successes:
            if success == "204":  # a deletion answers no body
                assert "content" not in op["responses"][success], (path, method)
            else:
                media = NOT_JSON.get((method, path), "application/json")
                assert media in op["responses"][success]["content"], (path, method)
        assert "500" in statuses
        for status in statuses - successes:
            content = op["responses"][status]["content"]
            assert list(content) == ["application/problem+json"], (path, method, status)
            assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
        if path.startswith("/v1/"):
            assert {"401", "403"} <= statuses, (path, method)
            assert list(op["security"][0]) == ["bearer"]
        if method == "post":
            assert {"400", "413", "415", "422"} <= statuses, (path, method)


def test_function_statistics_need_admin_and_list_the_ledger_functions(api: Api) -> None:
    source, wallet = api.funding_pair()
    assert api.transfer(source, wallet, 100).status_code == 201
    assert_problem(api.get("/v1/admin/functions", as_="read"), 403, "forbidden")
    response = api.get("/v1/admin/functions", as_="admin")
    assert response.status_code == 200, response.text
    for item in response.json()["items"]:
        assert set(item) == {"name", "calls", "total_time_ms", "self_time_ms"}
        assert item["calls"] >= 0
    assert _kernels(response.json()["kernel"]) == {"app": _expected_kernel(), "database": _expected_kernel()}


def test_a_write_path_that_cannot_run_is_a_503_problem(services: Services, key_uow: KeyUow) -> None:
    class _WrongVersion:
        def post_transfers(self, requests: Any) -> Any:
            raise ExecutionUnavailable("the database runs another code version")

        post_each = post_transfers

    with with_write_path(services, key_uow, _WrongVersion()) as api:
        source, wallet = api.funding_pair()
        response = api.transfer(source, wallet, 100)
        problem = assert_problem(response, 503, "service_unavailable")
        assert "another code version" in problem["detail"]
        assert response.headers["Retry-After"] == "30"
