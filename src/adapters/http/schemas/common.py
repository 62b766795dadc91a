"""Field types shared by the API's models: amounts, asset codes, UTC timestamps, days, metadata objects."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

import orjson
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    PlainSerializer,
    StrictInt,
    WithJsonSchema,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core import ValidationError as PydanticValidationError

from application.documents import metadata_document as metadata_document  # re-exported for the schemas
from application.documents import utc as utc
from domain.assets import MAX_AMOUNT, MAX_DIGITS

#: A number, which pydantic would otherwise read as seconds since 1970 where a date or instant is due.
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


# --- the fast path of responses: plain documents, encoded by orjson ----------------------------------
# The read endpoints build their bodies as plain dicts (`*Out.document(...)`, next to each model; the
# ledger's objects from `application.documents`, which the events' payloads share) and encode them
# here, skipping pydantic's validation of data that came from the ledger; the models stay the
# documented schema, and tests/unit/test_http_documents.py checks that both spell the same JSON.


def _fallback(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return _utc_iso(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dump_json(document: Any) -> bytes:
    """Compact UTF-8 JSON, as pydantic and Starlette write it. orjson refuses integers beyond 64 bits,
    which balances in NUMERIC(38, 0) can reach: those documents take the standard library's encoder."""
    try:
        return orjson.dumps(document)
    except orjson.JSONEncodeError:
        return json.dumps(
            document, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_fallback
        ).encode()


def raise_issues(issues: Sequence[tuple[str, str, str]], *, title: str = "request") -> None:
    """Refuse, from a model validator, with one error per `(field, type, message)` located AT the
    field: a `PydanticCustomError` raised there would name the model (`body`, `transfers[3]`) instead,
    and the caller needs `amount` or `transfers[3].amount`. Pydantic prefixes each location with the
    model's own place in the document. No issues: nothing is raised."""
    if issues:
        raise PydanticValidationError.from_exception_data(
            title,
            [
                InitErrorDetails(type=PydanticCustomError(kind, message), loc=(field,), input=None)
                for field, kind, message in issues
            ],
        )


def _iso_text(value: Any) -> Any:
    """Dates and instants come as ISO 8601 text only, never as a count of seconds."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or _NUMBER.match(value):
        raise PydanticCustomError("iso_8601", "must be an ISO 8601 string")
    return value


def _day_text(value: Any) -> Any:
    """A day comes as `YYYY-MM-DD` only (not as a number, nor as an instant at midnight)."""
    if isinstance(value, date) or (isinstance(value, str) and _DAY.match(value)):
        return value
    raise PydanticCustomError("iso_8601_date", "must be a date as YYYY-MM-DD")


def _in_utc_range(value: datetime) -> datetime:
    """An instant that has a UTC spelling (0001-01-01T00:00+14:00 would fall in the year 0)."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_range", "is out of range in UTC") from None
    return value


#: A positive number of minor units: a JSON integer (10.0 and "10" are refused).
Amount = Annotated[StrictInt, Field(gt=0, lt=MAX_AMOUNT + 1, description="Minor units (cents for BRL).")]

#: A signed number of minor units that fits the NUMERIC(38, 0) balance columns (a minimum balance).
Balance = Annotated[StrictInt, Field(gt=-(10**MAX_DIGITS), lt=10**MAX_DIGITS)]

#: An asset code, checked here so that no lookup ever sees another string (the domain checks it too).
AssetCode = Annotated[
    str,
    Field(
        pattern=r"^[A-Z][A-Z0-9_]{1,31}$",
        description="2 to 32 upper-case letters, digits or `_`, starting with a letter.",
    ),
]

#: Text in a query parameter: anything PostgreSQL can compare, so no NUL character.
QueryText = Annotated[str, Field(max_length=1000, pattern=r"^[^\x00]*$")]

#: A time-zone-aware instant in a request.
InstantIn = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_text),
    AfterValidator(_in_utc_range),
    Field(description="ISO 8601 with a time zone offset."),
]

#: A day in a request: `YYYY-MM-DD`.
DayIn = Annotated[date, BeforeValidator(_day_text)]

#: An instant in a response: ISO 8601 in UTC with an explicit `+00:00` offset.
Instant = Annotated[
    datetime,
    PlainSerializer(_utc_iso, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]

#: Client metadata: a JSON object (no fractional numbers, at most 8 KiB).
Metadata = Annotated[
    dict[str, Any],
    PlainSerializer(metadata_document, return_type=dict[str, Any], when_used="json"),
    Field(description="A JSON object of your own (at most 8 KiB, no fractional numbers)."),
]
