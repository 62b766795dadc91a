"""Read-your-writes over read replicas: the consistency token and the read source, as HTTP headers.

With read replicas (docs/replicas.md), for a request under `/v1/`:

- a write (POST, PUT, PATCH, DELETE) answered with 2xx carries `Razao-Consistency-Token`: the primary's
  WAL position after the write committed (the answer is sent after the commit, so reading it when the
  answer starts is late enough). Its reads, if any, go to the primary;
- a read (GET, HEAD) other than the events feed (`PRIMARY_READS`, always on the primary) may send
  that token back in the same header: its reads then see that write, served
  by a replica that has replayed it, or by the primary after a bounded wait. A malformed token is a 422
  problem naming the header, raised by the route's key check once the key passed (a caller without a
  valid key gets its 401 or 403 first). The answer says where its reads went in `Razao-Read-Source`
  (`replica` or `primary`; absent when it read nothing from the database before answering).

Without replicas every read is the primary's, so every token is already satisfied: a well-formed one is
accepted and ignored, a malformed one is still the 422 (the document states the header's form, and the
contract is the same whatever the deployment), and nothing else runs.

The routing itself (the database side) is behind `ReadRouting`, which the composition root provides.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from typing import Any, Protocol

import structlog
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import ValidationError

TOKEN_HEADER = "Razao-Consistency-Token"
SOURCE_HEADER = "Razao-Read-Source"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
READS = frozenset({"GET", "HEAD"})
#: Reads that stay on the primary: the events feed. On a hot standby its watermark (the snapshot's
#: xmin) is safe, never past the primary's, but it can trail it after the replay position caught up
#: (a transaction that took an xid and wrote no WAL looks running there until the primary's next
#: running-transactions record), so a token could not promise the write's events; docs/replicas.md.
PRIMARY_READS = ("/v1/events",)
#: What a token looks like (a PostgreSQL WAL position, `pg_lsn`), for the OpenAPI document.
TOKEN_PATTERN = r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$"
_TOKEN_KEY = TOKEN_HEADER.lower().encode()
_TOKEN = re.compile(TOKEN_PATTERN)
#: Where the middleware leaves why a request's token is malformed, for `refuse_malformed_token`.
MALFORMED_TOKEN_SCOPE_KEY = "razao.malformed_token"

log = structlog.get_logger("razao.http")


class ReadSource(Protocol):
    @property
    def source(self) -> str | None:
        """`replica` or `primary` once a read was made, else None."""
        ...


class ReadRouting(Protocol):
    def route_reads(
        self, token: str | None, *, primary_only: bool = False
    ) -> AbstractContextManager[ReadSource]:
        """Route the reads made inside the block; ValueError when `token` is malformed."""
        ...

    def write_token(self) -> str:
        """The token of a write that committed before this call (blocking: one database read)."""
        ...


def _token_of(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == _TOKEN_KEY:
            return bytes(value).decode("latin-1")
    return None


def _malformed(token: str | None) -> str | None:
    """Why `token` is not a token (None: it is one, or there is none). HTTP ignores the spaces around a
    header's value."""
    if token is None or _TOKEN.match(token.strip()):
        return None
    return f"not a WAL position (like 16/B374D848): {token[:40]!r}"


class ConsistencyMiddleware:
    """`routing` None: no replicas, tokens are only checked for their form."""

    def __init__(self, app: ASGIApp, *, routing: ReadRouting | None) -> None:
        self.app = app
        self.routing = routing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method in READS:
            primary_only = scope["path"].startswith(PRIMARY_READS)
            token = None if primary_only else _token_of(scope)  # not read there: nor checked
            if (reason := _malformed(token)) is not None:
                # refused by the route's key check once the key passed (`refuse_malformed_token`): a
                # caller without a valid key learns nothing else first
                scope[MALFORMED_TOKEN_SCOPE_KEY] = reason
                await self.app(scope, receive, send)
            elif self.routing is None:
                await self.app(scope, receive, send)
            else:
                await self._read(
                    self.routing, None if primary_only else token, scope, receive, send, primary_only
                )
        elif method in WRITES and self.routing is not None:
            await self._write(self.routing, scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _write(self, routing: ReadRouting, scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                try:
                    token = await run_in_threadpool(routing.write_token)
                except Exception as error:  # the write succeeded: answer it, without a token
                    log.warning("consistency_token_failed", error=str(error))
                else:
                    MutableHeaders(scope=message)[TOKEN_HEADER] = token
            await send(message)

        with routing.route_reads(None, primary_only=True):
            await self.app(scope, receive, sending)

    async def _read(
        self,
        routing: ReadRouting,
        token: str | None,
        scope: Scope,
        receive: Receive,
        send: Send,
        primary_only: bool,
    ) -> None:
        with routing.route_reads(token, primary_only=primary_only) as reads:

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start" and reads.source is not None:
                    MutableHeaders(scope=message)[SOURCE_HEADER] = reads.source
                await send(message)

            await self.app(scope, receive, sending)


def refuse_malformed_token(scope: Scope) -> None:
    """Raise the 422 of a malformed token, which the middleware left in the scope (called by the key
    check, after the key passed)."""
    reason = scope.get(MALFORMED_TOKEN_SCOPE_KEY)
    if reason is not None:
        raise ValidationError.of(TOKEN_HEADER, f"must be the token a write answered with ({reason})")


def document_headers(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare the two headers in an OpenAPI document: the token on the 2xx answers of the writes
    under `/v1/` and as an optional parameter of the reads, the read source on the reads' 2xx answers."""
    token_schema = {
        "type": "string",
        "format": "pg-lsn",
        "pattern": TOKEN_PATTERN,
        "examples": ["16/B374D848"],
    }
    only = " (Read replicas only: docs/replicas.md.)"
    for path, item in schema.get("paths", {}).items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in item.items():
            verb = method.upper()
            if verb not in WRITES and verb not in READS:
                continue
            answers = [
                r for status, r in operation.get("responses", {}).items() if str(status).startswith("2")
            ]
            if verb in WRITES:
                for answer in answers:
                    answer.setdefault("headers", {})[TOKEN_HEADER] = {
                        "description": "Send it back on a read to read this write." + only,
                        "schema": token_schema,
                    }
                continue
            operation["responses"].setdefault(
                "422",
                {
                    "description": "Unprocessable Entity (problem codes with this status: `validation_error`)",
                    "content": {
                        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                    },
                },
            )
            if path.startswith(PRIMARY_READS):  # read on the primary: a token is checked, not needed
                continue
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("name") == TOKEN_HEADER for p in parameters):
                parameters.append(
                    {
                        "name": TOKEN_HEADER,
                        "in": "header",
                        "required": False,
                        "description": "A write's `Razao-Consistency-Token`: the answer includes that write."
                        + only,
                        "schema": token_schema,
                    }
                )
            for answer in answers:
                answer.setdefault("headers", {})[SOURCE_HEADER] = {
                    "description": "Where the reads went: `replica` or `primary`." + only,
                    "schema": {"type": "string", "enum": ["replica", "primary"]},
                }
    return schema
