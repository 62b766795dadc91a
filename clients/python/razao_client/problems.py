"""Typed exceptions for the API's RFC 9457 problems: each carries the problem's stable `code`.

The API answers every error as `application/problem+json` with `type` (`urn:razao:problem:<code>`),
`title`, `status`, `detail`, `code`, `request_id`, and for validation errors `errors` (the offending fields)
and for some `context` (machine-readable facts: ids, amounts). Catch `ProblemError` for any of them, a
subclass by status (`NotFound`, `Conflict`, ...), and branch on `code` for the precise reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One offending field of a validation problem, as `postings[0].amount`."""

    field: str
    message: str


@dataclass(eq=False)
class ProblemError(Exception):
    """An error answer of the API (status 4xx or 5xx)."""

    status: int
    code: str
    title: str = ""
    detail: str = ""
    type: str = ""
    request_id: str | None = None
    errors: tuple[FieldProblem, ...] = ()
    context: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.detail or self.title}"


class BadRequest(ProblemError):
    """400: the body could not be read at all (`validation_error`: not JSON, not UTF-8, nested too deep).
    A field that is not valid is a 422, raised as `Unprocessable` with `errors`."""


class Unauthorized(ProblemError):
    """401: no API key, or not a valid one."""


class Forbidden(ProblemError):
    """403: the key lacks the scope the operation needs."""


class NotFound(ProblemError):
    """404: no such account, transfer, job..."""


class Conflict(ProblemError):
    """409: the state forbids it (`idempotency_conflict`, `account_inactive`, `invalid_state`, `period_closed`)."""


class Gone(ProblemError):
    """410: a cursor too old to follow (`cursor_expired`): start the list again."""


class TooLarge(ProblemError):
    """413: the body is over the API's limit."""


class Unprocessable(ProblemError):
    """422: a field is not valid (`validation_error`, with `errors`: the offending fields), or a rule of
    the ledger refused it (`insufficient_funds`, `unbalanced_transfer`, `asset_mismatch`)."""


class ServerError(ProblemError):
    """5xx: the service failed; a retry of an idempotent request is safe."""


class Unavailable(ServerError):
    """503: the service is not ready or is overloaded (`Retry-After` says when to come back)."""


_BY_STATUS: dict[int, type[ProblemError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    413: TooLarge,
    422: Unprocessable,
    503: Unavailable,
}


def problem_error(status: int, content: bytes) -> ProblemError:
    """The exception for an error answer; a body that is not a problem document still gives one, with
    the code `http_<status>`."""
    try:
        body = json.loads(content) if content else {}
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    kind = _BY_STATUS.get(status) or (ServerError if status >= 500 else ProblemError)
    raw_errors = body.get("errors") or ()
    errors = tuple(
        FieldProblem(str(e.get("field", "")), str(e.get("message", "")))
        for e in raw_errors
        if isinstance(e, dict)
    )
    context = body.get("context")
    return kind(
        status=status,
        code=str(body.get("code") or f"http_{status}"),
        title=str(body.get("title") or ""),
        detail=str(body.get("detail") or content[:200].decode("utf-8", "replace")),
        type=str(body.get("type") or ""),
        request_id=body.get("request_id"),
        errors=errors,
        context=context if isinstance(context, dict) else {},
    )
