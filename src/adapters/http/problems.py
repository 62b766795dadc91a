"""Problem details (RFC 9457): the one table from error codes to HTTP status and title, and the model.

Every error response of the API is an `application/problem+json` document built here, whether it comes
from a domain rule, request validation, authentication, routing or an unexpected failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from application.api_keys import Forbidden, Unauthenticated
from application.feed import CursorExpired
from application.search import FilterNeedsIndex
from domain import errors
from domain.categories import CategoryCycle
from domain.statements import InvalidStatement

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:razao:problem:"


@dataclass(frozen=True, slots=True)
class ProblemType:
    code: str
    status: int
    title: str


def _domain(error: type[errors.DomainError], status: int) -> ProblemType:
    return ProblemType(error.code, status, error.title)


#: The one table: every error code the API emits, with its HTTP status and title.
PROBLEM_TYPES: dict[str, ProblemType] = {
    p.code: p
    for p in (
        _domain(errors.ValidationError, 422),
        _domain(InvalidStatement, 422),
        _domain(FilterNeedsIndex, 422),
        _domain(errors.UnbalancedTransfer, 422),
        _domain(errors.AssetMismatch, 422),
        _domain(errors.InsufficientFunds, 422),
        _domain(errors.AccountNotFound, 404),
        _domain(errors.AccountInactive, 409),
        _domain(errors.IdempotencyConflict, 409),
        _domain(errors.InvalidState, 409),
        _domain(errors.NotFound, 404),
        _domain(errors.PeriodClosed, 409),
        _domain(errors.NotSealedYet, 409),
        _domain(CategoryCycle, 409),
        _domain(CursorExpired, 410),
        _domain(errors.DomainError, 422),
        _domain(Unauthenticated, 401),
        _domain(Forbidden, 403),
        ProblemType("method_not_allowed", 405, "Method not allowed"),
        ProblemType("not_acceptable", 406, "No representation the request accepts"),
        ProblemType("payload_too_large", 413, "The request body is too large"),
        ProblemType("unsupported_media_type", 415, "The request body must be JSON"),
        ProblemType("service_unavailable", 503, "The request cannot be served now; retry it"),
        ProblemType("not_ready", 503, "The service is not ready"),
        ProblemType("internal_error", 500, "Internal error"),
    )
}

#: Codes for the statuses that the router and request parsing raise on their own.
CODE_BY_STATUS: dict[int, str] = {
    400: errors.ValidationError.code,
    401: Unauthenticated.code,
    403: Forbidden.code,
    404: errors.NotFound.code,
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    500: "internal_error",
    503: "service_unavailable",
}


#: How `errors[].field` names a field: the error catalogue's words (docs/api/errors.md), and what
#: tests/e2e/test_field_errors.py checks of every operation of the OpenAPI document.
FIELD_NAMING = """\
Each item of `errors` names one offending value in `field`, by its JSON path from the root of the
body: `amount`, `postings[1].side`, `transfers[3].amount` (items of a list counted from 0),
`metadata.order` for a key inside an object. A path, query or header parameter is named by its own
name (`account_id`, `limit`). A required field is named whether it is missing or `null`. A transfer
has two forms, `postings` or `debit_account_id` + `credit_account_id` + `amount`: the fields named are
those missing from the form the body uses (the two-posting form as soon as one of its fields is
given, so a body with neither names `postings`), and a field of the two-posting form sent beside
`postings` is named as not allowed. `body` is named only when the body as a whole is wrong (absent,
or not a JSON object).
"""


class FieldError(BaseModel):
    field: str = Field(
        description="The offending value's JSON path from the body's root (`amount`, `postings[1].side`, "
        "`transfers[3].amount`), or the name of the path, query or header parameter (`limit`)."
    )
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document. `code` is stable and machine-readable."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:razao:problem:insufficient_funds",
                    "title": "The account's available balance would fall below its minimum",
                    "status": 422,
                    "detail": "account wallet:alice would have an available balance of -500, below its "
                    "minimum of 0",
                    "code": "insufficient_funds",
                    "request_id": "5f0c6b1e2d3a4b5c8d9e0f1a2b3c4d5e",
                    "context": {"account_id": "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90", "available": -500},
                },
                {
                    "type": "urn:razao:problem:validation_error",
                    "title": "The request is not valid",
                    "status": 422,
                    "detail": "postings[0].amount: Input should be a valid integer",
                    "code": "validation_error",
                    "request_id": "5f0c6b1e2d3a4b5c8d9e0f1a2b3c4d5e",
                    "errors": [{"field": "postings[0].amount", "message": "Input should be a valid integer"}],
                },
            ]
        }
    )

    type: str = Field(description="`urn:razao:problem:<code>`.")
    title: str
    status: int
    detail: str
    code: str
    request_id: str | None = None
    errors: list[FieldError] | None = Field(
        default=None, description="The offending fields (validation errors only)."
    )
    context: dict[str, Any] | None = Field(
        default=None, description="Machine-readable facts about the error (ids, amounts, statuses)."
    )


def problem_of(error: errors.DomainError, *, request_id: str | None) -> dict[str, Any]:
    """The problem document of a domain error, as a JSON-able dict (an item of a bulk answer)."""
    kind = PROBLEM_TYPES.get(error.code) or PROBLEM_TYPES[errors.DomainError.code]
    issues = error.issues if isinstance(error, errors.ValidationError) else ()
    return Problem(
        type=TYPE_PREFIX + error.code,
        title=kind.title,
        status=kind.status,
        detail=error.detail,
        code=error.code,
        request_id=request_id,
        errors=[FieldError(field=i.field, message=i.message) for i in issues] or None,
        context=dict(error.context) or None,
    ).model_dump(mode="json", exclude_none=True)


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem(
    code: str,
    detail: str,
    *,
    request_id: str | None,
    status: int | None = None,
    field_errors: Sequence[tuple[str, str]] = (),
    context: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> ProblemResponse:
    """The problem response for `code`; `status` overrides the table (400 for malformed JSON)."""
    kind = PROBLEM_TYPES.get(code)
    if kind is None:
        status = status or 500
        kind = ProblemType(code, status, HTTPStatus(status).phrase)
    body = Problem(
        type=TYPE_PREFIX + code,
        title=kind.title,
        status=status or kind.status,
        detail=detail,
        code=code,
        request_id=request_id,
        errors=[FieldError(field=f, message=m) for f, m in field_errors] if field_errors else None,
        context=dict(context) if context else None,
    ).model_dump(mode="json", exclude_none=True)
    return ProblemResponse({**body, **(extra or {})}, status_code=body["status"], headers=headers)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` declaring these error statuses (and 500) as problem documents."""
    declared: dict[int | str, dict[str, Any]] = {}
    for status in sorted({*statuses, 500}):
        codes = [p.code for p in PROBLEM_TYPES.values() if p.status == status and p.code != "domain_error"]
        codes = codes or [CODE_BY_STATUS[status]]
        declared[status] = {
            "description": f"{HTTPStatus(status).phrase} (problem codes with this status: "
            + ", ".join(f"`{c}`" for c in codes)
            + ")",
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return declared
