"""The outermost ASGI middleware: request id, body size limit, last-resort 500s and the access log.

For every HTTP request it takes the client's `X-Request-ID` (up to 128 printable characters) or makes a
new one, binds it to structlog's context, echoes it on the response (errors included), refuses bodies
over the limit with 413 (by `Content-Length` and by counting the bytes actually received), turns any
exception that escaped the application into a 500 problem, and logs the request exactly once.

The limit is `RAZAO_MAX_BODY_BYTES`, except for the operations the app lists in `body_limits`
(`POST /v1/statements`: a statement file streamed and counted by its route, up to
`RAZAO_STATEMENT_MAX_BYTES`), which get theirs.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import structlog
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.http.problems import problem

REQUEST_ID_HEADER = "x-request-id"
#: Where the request id is kept in the ASGI scope for the exception handlers.
REQUEST_ID_SCOPE_KEY = "razao.request_id"

_ACCEPTABLE_ID = re.compile(r"^[\x20-\x7e]{1,128}$")


def request_id_of(scope: Scope) -> str | None:
    value = scope.get(REQUEST_ID_SCOPE_KEY)
    return value if isinstance(value, str) else None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _incoming_request_id(scope: Scope) -> str:
    value = _header(scope, REQUEST_ID_HEADER.encode())
    if value is not None and _ACCEPTABLE_ID.match(value):
        return value
    return uuid.uuid4().hex


class _BodyTooLarge(Exception):
    """Raised from `receive` once the body passes the limit; the middleware answers 413."""


class RequestContextMiddleware:
    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, body_limits: Mapping[tuple[str, str], int] | None = None
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        #: (method, path) -> the body limit of an operation that has its own.
        self.body_limits = dict(body_limits or {})
        self.log = structlog.get_logger("razao.http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope)
        scope[REQUEST_ID_SCOPE_KEY] = request_id
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            await _Exchange(self, scope, receive, send, request_id).run()


class _Exchange:
    """One request going through the middleware (the state its wrapped `receive` and `send` share)."""

    def __init__(
        self, owner: RequestContextMiddleware, scope: Scope, receive: Receive, send: Send, request_id: str
    ) -> None:
        self.owner = owner
        self.scope = scope
        self.receive = receive
        self.send = send
        self.request_id = request_id
        self.status = 500
        self.started = False
        self.received = 0
        self.too_large = False
        self.limit = owner.body_limits.get((scope["method"], scope["path"]), owner.max_body_bytes)

    async def run(self) -> None:
        began = time.perf_counter()
        error: BaseException | None = None
        try:
            try:
                if self._declared_length() > self.limit:
                    self.too_large = True
                else:
                    await self.owner.app(self.scope, self._receive, self._send)
            except Exception as exc:
                if not self.too_large:
                    error = exc
            if self.too_large and not self.started:
                await self._answer(
                    "payload_too_large", f"the request body exceeds the limit of {self.limit} bytes"
                )
            elif error is not None and not self.started:
                await self._answer("internal_error", "an unexpected error occurred; it was logged")
        finally:
            self._log(began, error)

    def _declared_length(self) -> int:
        value = _header(self.scope, b"content-length")
        return int(value) if value is not None and value.isdigit() else 0

    async def _receive(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.too_large = True
                raise _BodyTooLarge
        return message

    async def _send(self, message: Message) -> None:
        if self.too_large:
            return  # whatever the application answers, the client gets the 413
        if message["type"] == "http.response.start":
            self.started = True
            self.status = message["status"]
            MutableHeaders(scope=message)[REQUEST_ID_HEADER] = self.request_id
        await self.send(message)

    async def _answer(self, code: str, detail: str) -> None:
        response = problem(
            code, detail, request_id=self.request_id, headers={REQUEST_ID_HEADER: self.request_id}
        )
        self.started, self.status = True, response.status_code
        await response(self.scope, self.receive, self.send)

    def _log(self, began: float, error: BaseException | None) -> None:
        fields: dict[str, Any] = {
            "method": self.scope["method"],
            "path": self.scope["path"],
            "status": self.status,
            "duration_ms": round((time.perf_counter() - began) * 1000, 2),
            "request_id": self.request_id,
        }
        if error is not None:
            self.owner.log.error("request", exc_info=error, **fields)
        elif self.status >= 500:
            self.owner.log.warning("request", **fields)
        else:
            self.owner.log.info("request", **fields)


_TEMPLATED = re.compile(r"\{[^}/]+\}")
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


class MethodMiddleware:
    """405 and OPTIONS as the OpenAPI document states them, before routing.

    A path that a concrete path of the document (`/v1/periods/close`) and a templated one
    (`/v1/periods/{period_id}`) both match belongs to the concrete one, as OpenAPI reads paths (the
    fewest templated segments win): its methods are the ones allowed there. A request whose method
    that path does not offer is answered 405 with `Allow` (before authentication, as routing does);
    `OPTIONS` is answered 204 with `Allow`. Paths outside the document (the docs pages, the console)
    go on to routing. `document` is the app's `openapi`, read once, at the first request."""

    def __init__(self, app: ASGIApp, *, document: Callable[[], dict[str, Any]]) -> None:
        self.app = app
        self.document = document
        self._table: list[tuple[re.Pattern[str], int, frozenset[str]]] | None = None

    def _paths(self) -> list[tuple[re.Pattern[str], int, frozenset[str]]]:
        if self._table is None:
            table = []
            for template, item in self.document().get("paths", {}).items():
                parts = _TEMPLATED.split(template)
                regex = "[^/]+".join(re.escape(part) for part in parts)
                methods = frozenset(m.upper() for m in item if m in _HTTP_METHODS)
                table.append((re.compile(f"^{regex}$"), len(parts) - 1, methods))
            self._table = table
        return self._table

    def _allowed(self, path: str) -> frozenset[str] | None:
        best, allowed = None, frozenset[str]()
        for regex, templated, methods in self._paths():
            if (best is None or templated <= best) and regex.match(path):
                if best is None or templated < best:
                    best, allowed = templated, methods
                else:
                    allowed |= methods
        return None if best is None else allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        allowed = self._allowed(scope["path"])
        method = scope["method"]
        if allowed is None or (method in allowed and method != "OPTIONS"):
            await self.app(scope, receive, send)
            return
        listed = ", ".join(sorted(allowed | {"OPTIONS"}))
        if method == "OPTIONS":
            response = Response(status_code=204, headers={"Allow": listed})
        else:
            response = problem(
                "method_not_allowed",
                f"{scope['path']} does not accept {method}",
                status=405,
                headers={"Allow": listed},
                request_id=request_id_of(scope),
            )
        await response(scope, receive, send)
