"""The FastAPI application factory: routers, exception handlers (all answering problem+json), OpenAPI.

`create_app(services)` is the only entry point; the composition root builds `services`. Nothing here
reads settings, builds engines or keeps global state: everything hangs off the returned app.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.responses import Response

from adapters.http.auth import ApiKeyCache, check_route_key
from adapters.http.consistency import ConsistencyMiddleware, document_headers
from adapters.http.console.routes import add_console
from adapters.http.deps import UnsupportedMediaType
from adapters.http.docs_pages import add_docs_pages
from adapters.http.metrics import MetricsMiddleware
from adapters.http.metrics import router as metrics_router
from adapters.http.middleware import MethodMiddleware, RequestContextMiddleware, request_id_of
from adapters.http.problems import CODE_BY_STATUS, Problem, problem
from adapters.http.routes import (
    accounts,
    admin,
    assets,
    events,
    groups,
    health,
    interest,
    jobs,
    journal,
    monitors,
    periods,
    reconciliation,
    reports,
    seals,
    statements,
    transfers,
    webhooks,
)
from adapters.http.schemas.common import document_components
from adapters.http.schemas.rules import document_rules
from adapters.http.services import Services
from application.api_keys import Unauthenticated
from application.ports import ExecutionUnavailable, RetryableConflict
from domain.errors import DomainError, ValidationError

DESCRIPTION = """
Razão is a double-entry ledger. Amounts are JSON integers in the asset's minor unit (cents for BRL);
every write is idempotent under a client-chosen key, and a repeated request answers with the original
result and `Idempotent-Replayed: true`. Errors are RFC 9457 problem documents
(`application/problem+json`) whose `code` is stable.

Authenticate with `Authorization: Bearer rz_...`. Reads need `ledger:read`, writes `ledger:write`,
registering assets `admin` (which implies every scope).
"""

log = structlog.get_logger("razao.http")

TAGS = [
    {"name": "assets", "description": "Currencies and other units of value."},
    {"name": "accounts", "description": "Accounts, their balances and statements."},
    {"name": "transfers", "description": "Balanced movements of value, single- or two-phase."},
    {"name": "reports", "description": "Whole-ledger reports."},
    {"name": "groups", "description": "Groups of accounts (code prefixes, categories) and their balances."},
    {"name": "events", "description": "What happened to the ledger, in order: the feed, with long polling."},
    {
        "name": "webhooks",
        "description": "Signed deliveries of the events to your endpoints (Standard Webhooks).",
    },
    {"name": "periods", "description": "Accounting periods: close the books through a day, reopen."},
    {"name": "statements", "description": "Bank statements imported for reconciliation, and CSV mappings."},
    {
        "name": "reconciliation",
        "description": "Matching statements against the ledger: rule sets, runs, results, manual matches.",
    },
    {"name": "admin", "description": "Operators' views: statistics of the ledger's database functions."},
    {
        "name": "jobs",
        "description": "Background jobs: expire holds, accrue interest, verify the ledger, seal the journal"
        " and verify the seals, reconcile a statement.",
    },
    {"name": "health", "description": "Liveness and readiness probes (no authentication)."},
]

_LOCATIONS = {"body", "query", "path", "header", "cookie"}
_RESOURCES = (
    assets,
    accounts,
    monitors,
    interest,
    transfers,
    reports,
    journal,
    groups,
    events,
    webhooks,
    periods,
    statements,
    reconciliation,
    seals,
    admin,
    jobs,
    health,
)


def _version() -> str:
    try:
        return version("razao")
    except PackageNotFoundError:
        return "0.0.0"


def _operation_id(route: APIRoute) -> str:
    return route.name


def _field(loc: Sequence[int | str]) -> str:
    """`("body", "postings", 0, "amount")` as `postings[0].amount`."""
    parts = loc[1:] if loc and loc[0] in _LOCATIONS else loc
    if loc and loc[0] != "body":  # a parameter is named by its name (`metadata`, not `metadata[0]`)
        parts = [part for part in parts if not isinstance(part, int)]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or str(loc[0] if loc else "body")


async def _key_problem(request: Request) -> Response | None:
    """The 401 or 403 of the route's key check, for errors raised before FastAPI ran it (the body is
    read first): a caller without a valid key learns nothing about the body."""
    try:
        await check_route_key(request)
    except DomainError as error:
        return await _domain_error(request, error)
    return None


async def _unreadable_body(request: Request, reason: str) -> Response:
    refused = await _key_problem(request)
    if refused is not None:
        return refused
    return problem(
        "validation_error",
        f"the body is not valid JSON: {reason}",
        status=400,
        request_id=request_id_of(request.scope),
    )


async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
    errors = exc.errors()
    request_id = request_id_of(request.scope)
    broken = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if broken is not None:
        return await _unreadable_body(request, broken.get("ctx", {}).get("error", "malformed"))
    issues = [(_field(e["loc"]), str(e["msg"])) for e in errors]
    detail = "; ".join(f"{f}: {m}" for f, m in issues)
    return problem("validation_error", detail, field_errors=issues, request_id=request_id)


async def _domain_error(request: Request, exc: DomainError) -> Response:
    issues = [(i.field, i.message) for i in exc.issues] if isinstance(exc, ValidationError) else []
    return problem(
        exc.code,
        exc.detail,
        field_errors=issues,
        context=exc.context,
        headers={"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None,
        request_id=request_id_of(request.scope),
    )


def _allowed_methods(path: str) -> str:
    """Every method our routes offer at `path` (Starlette's own `Allow` names only the first route's)."""
    methods = {
        method
        for module in _RESOURCES
        for route in module.router.routes
        if isinstance(route, APIRoute) and route.path_regex.match(path)
        for method in route.methods or ()
    }
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 400:  # FastAPI could not decode the body (not UTF-8, nested too deep, ...)
        return await _unreadable_body(request, "it could not be decoded")
    code = CODE_BY_STATUS.get(exc.status_code, "http_error")
    headers = dict(exc.headers or {})
    detail = str(exc.detail)
    if exc.status_code == 404:
        detail = f"no resource at {request.url.path}"
    elif exc.status_code == 405:
        detail = f"{request.url.path} does not accept {request.method}"
        headers["Allow"] = _allowed_methods(request.url.path) or headers.get("Allow", "")
    return problem(
        code, detail, status=exc.status_code, headers=headers, request_id=request_id_of(request.scope)
    )


async def _retry_later(request: Request, exc: RetryableConflict) -> Response:
    """Retries ran out: say why the last attempt failed (a lost connection, a standby, a conflict)."""
    cause = str(exc).removesuffix("; try again") or "a concurrent write got in the way"
    return problem(
        "service_unavailable",
        f"{cause}, and again on every retry; send the request again (it is idempotent)",
        headers={"Retry-After": "1"},
        request_id=request_id_of(request.scope),
    )


async def _execution_unavailable(request: Request, exc: ExecutionUnavailable) -> Response:
    log.error("execution_unavailable", error=str(exc))
    return problem(
        "service_unavailable",
        f"the ledger cannot run this operation now: {exc}",
        headers={"Retry-After": "30"},
        request_id=request_id_of(request.scope),
    )


async def _not_json(request: Request, exc: UnsupportedMediaType) -> Response:
    return problem("unsupported_media_type", str(exc), request_id=request_id_of(request.scope))


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document plus the Problem schema that every error response refers to, and the read
    replicas' headers (`adapters.http.consistency`)."""
    schema = FastAPI.openapi(app)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "Problem" not in components:
        problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(problem_schema.pop("$defs", {}))
        components["Problem"] = problem_schema
    for name, component in document_components().items():  # the shared field types' (`schemas.common`)
        components.setdefault(name, component)
    document_rules(schema)  # what JSON Schema cannot state (`schemas.rules`)
    return document_headers(schema)


def create_app(services: Services) -> FastAPI:
    """The API over `services`."""
    app = FastAPI(
        title="Razão",
        version=_version(),
        description=DESCRIPTION,
        openapi_tags=TAGS,
        generate_unique_id_function=_operation_id,
        docs_url=None,  # /docs and /redoc: adapters/http/docs_pages.py, with local assets (no CDN)
        redoc_url=None,
        exception_handlers={
            RequestValidationError: _invalid_request,
            DomainError: _domain_error,
            HTTPException: _http_error,
            RetryableConflict: _retry_later,
            ExecutionUnavailable: _execution_unavailable,
            UnsupportedMediaType: _not_json,
        },
    )
    app.state.services = services
    app.state.api_key_cache = ApiKeyCache(services.api_key_cache_seconds)
    for module in _RESOURCES:
        app.include_router(module.router)
    add_docs_pages(app)
    if services.console is not None:  # the operator console, /console (not in the OpenAPI document)
        add_console(app, services.console)
    # 405 and OPTIONS by the document's paths (concrete before templated), inside the request context
    app.add_middleware(MethodMiddleware, document=lambda: app.openapi())
    # inside the request context (its request id); without replicas it only checks a token's form
    app.add_middleware(ConsistencyMiddleware, routing=services.read_routing)
    # RAZAO_MAX_BODY_BYTES, but a statement upload is bounded by its own limit (its route counts)
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=services.max_body_bytes,
        body_limits=statements.body_limits(services.statements),
    )
    if services.metrics is not None:
        app.state.metrics_registry = services.metrics.registry
        app.include_router(metrics_router)
        app.add_middleware(MetricsMiddleware, metrics=services.metrics)  # outermost: sees every answer
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app
