"""The outermost ASGI middleware: request id, body size limit, last-resort 500s and the access log.

For every HTTP request it takes the client's `X-Request-ID` (up to 128 printable characters) or makes a
new one, binds it to structlog's context, echoes it on the response (errors included), refuses bodies
over the limit with 413 (by `Content-Length` and by counting the bytes actually received), turns any
exception that escaped the application into a 500 problem, and logs the request exactly once.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from starlette.datastructures import MutableHeaders
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
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
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

    async def run(self) -> None:
        began = time.perf_counter()
        error: BaseException | None = None
        try:
            try:
                if self._declared_length() > self.owner.max_body_bytes:
                    self.too_large = True
                else:
                    await self.owner.app(self.scope, self._receive, self._send)
            except Exception as exc:
                if not self.too_large:
                    error = exc
            if self.too_large and not self.started:
                limit = self.owner.max_body_bytes
                await self._answer(
                    "payload_too_large", f"the request body exceeds the limit of {limit} bytes"
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
            if self.received > self.owner.max_body_bytes:
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
