"""What the routes share: the app's `Services`, the JSON body checks, the replay header, and the JSON
response of the read fast path.

Dependencies are coroutines: FastAPI runs a plain-function dependency in its thread pool, a hop that
costs more than the work these do. Routes run their blocking use case with `blocking(...)` (one hop).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool

from adapters.http.schemas.common import dump_json
from adapters.http.services import Services
from domain.errors import ValidationError

REPLAYED_HEADER = "Idempotent-Replayed"


class UnsupportedMediaType(Exception):
    """A request body that is not JSON (answered 415)."""


#: Runs a blocking call (a use case over the database) in the thread pool, from a coroutine route.
blocking = run_in_threadpool


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_services(request: Request) -> Services:
    return services_of(request)


ServicesDep = Annotated[Services, Depends(get_services)]


class JsonResponse(Response):
    """A response whose body is already-built JSON; see `json_response`."""

    media_type = "application/json"


def json_response(document: Any, status_code: int = 200) -> JsonResponse:
    """`document` (plain dicts and lists of JSON values, UUIDs, enums and UTC datetimes) as a JSON
    response, encoded by orjson. A route returning it skips FastAPI's validation and serialization of
    its `response_model`, which stays the documented schema (see `schemas.common.dump_json`)."""
    return JsonResponse(dump_json(document), status_code=status_code)


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def not_json(reason: str) -> RequestValidationError:
    """The error of a body that cannot be read as JSON (answered 400)."""
    return RequestValidationError(
        [{"type": "json_invalid", "loc": ("body",), "msg": "JSON decode error", "ctx": {"error": reason}}]
    )


def _check_text(text: str, where: str) -> None:
    if "\x00" in text:
        raise ValidationError.of(where or "body", "must not contain NUL characters")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError.of(where or "body", "must be Unicode text (no lone surrogates)") from None


def _check_strings(document: Any) -> None:
    """Refuse text PostgreSQL cannot store, anywhere in the body (keys too): NUL characters and lone
    surrogates, which JSON can carry as `\\u0000` and `\\ud800`. Iterative, for any depth json parses."""
    pending: list[tuple[Any, str]] = [(document, "")]
    while pending:
        value, where = pending.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(key, where)
                pending.append((item, f"{where}.{key}" if where else key))
        elif isinstance(value, list):
            pending.extend((item, f"{where}[{index}]") for index, item in enumerate(value))
        elif isinstance(value, str):
            _check_text(value, where)


async def json_body(request: Request) -> None:
    """Refuse a non-empty body whose Content-Type is not `application/json` (or `application/*+json`),
    that is not UTF-8 (RFC 8259), or that holds a string no column can store."""
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    if not body:
        return
    if not _is_json(content_type):
        raise UnsupportedMediaType(
            f"expected an application/json body, got {content_type or 'no Content-Type'}"
        )
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise not_json("the body must be encoded in UTF-8") from None
    try:  # parsed already where the route takes a body; here first where it takes none
        document = await request.json()
    except (ValueError, RecursionError) as error:
        raise not_json(
            str(error) if isinstance(error, json.JSONDecodeError) else "it could not be decoded"
        ) from None
    _check_strings(document)


def mark_replayed(response: Response, replayed: bool) -> None:
    """Flag a response that repeats the original result of an idempotent request."""
    if replayed:
        response.headers[REPLAYED_HEADER] = "true"


def replayable(status: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI: the success response of an idempotent operation, with its replay header."""
    return {
        status: {
            "headers": {
                REPLAYED_HEADER: {
                    "description": "`true` when this repeats the original result of the same request.",
                    "schema": {"type": "string", "enum": ["true"]},
                }
            }
        }
    }
