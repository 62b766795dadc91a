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
from domain.values import MAX_METADATA_BYTES, MAX_METADATA_DEPTH, MAX_TEXT

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


def _whole(value: Any) -> Any:
    """An integer is written as digits: `10`, never `10.0`, `1e1`, `10.5`, `"10"` or `true`. A number
    written with a fraction or an exponent is read as a binary float before any check sees it, and a
    float cannot tell `10.0` from `10.0000000000000001`: accepting one as an integer could change an
    amount without a word. JSON Schema's `integer` admits `10.0`; the document declares this rule
    (`schemas.rules.WHOLE_NUMBERS`)."""
    if isinstance(value, float):
        raise PydanticCustomError(
            "int_type", "must be an integer written as digits (no fraction, no exponent)"
        )
    return value


#: Refuses a number written with a fraction or an exponent, with a message that says so. Goes last in an
#: `Annotated` type, after the bounds, which pydantic then states as `minimum` and `maximum`:
#: `Annotated[StrictInt, Field(ge=1, le=100), WHOLE]`.
WHOLE = BeforeValidator(_whole)

#: An integer in a request: a JSON number written as digits (`10`; not `10.0`, `10.5` or `"10"`). Bounds
#: go on the field (`scale: WholeInt = Field(ge=0, le=18)`), or before `WHOLE`.
WholeInt = Annotated[StrictInt, WHOLE]

#: A positive number of minor units: a JSON integer (10.5 and "10" are refused).
Amount = Annotated[
    StrictInt, Field(gt=0, lt=MAX_AMOUNT + 1, description="Minor units (cents for BRL)."), WHOLE
]

#: A signed number of minor units that fits the NUMERIC(38, 0) balance columns (a minimum balance).
Balance = Annotated[StrictInt, Field(gt=-(10**MAX_DIGITS), lt=10**MAX_DIGITS), WHOLE]

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

# --- stating a constraint in the document -------------------------------------------------------------
# Every rule a request's field must meet is stated in its JSON Schema (pattern, bounds, lengths), so that
# generated clients and contract tests (schemathesis, `tests/suites/test_hostile.py`) see what the API
# enforces; the domain keeps checking the same rules. docs/architecture.md#stating-a-constraint.

#: Text PostgreSQL can store: no NUL character (the JSON body check refuses them anywhere).
NO_NUL = r"^[^\x00]*$"
#: Text that must say something: at least one character other than white space, and no NUL.
NOT_BLANK = r"^[^\x00]*[^\x00\s\x1c-\x1f][^\x00]*$"  # \x1c-\x1f: white space to Python too


def text(max_length: int = MAX_TEXT, *, required: bool = False) -> Any:
    """A text field of at most `max_length` characters, without NUL; `required`: not blank either
    (`domain.values.check_text`). Use as `Annotated[str, text(200, required=True)]`."""
    if required:
        return Field(min_length=1, max_length=max_length, pattern=NOT_BLANK)
    return Field(max_length=max_length, pattern=NO_NUL)


#: An optional free text of at most 1000 characters (a description, a reason).
Text = Annotated[str, text()]

#: An account's or a category's code (`domain.accounts`, `domain.categories`).
Code = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9:._@/-]{0,127}$",
        description="1 to 128 letters, digits or `:._@/-`, starting with a letter or a digit.",
    ),
]

#: A page's `next_cursor`, passed back as it came: unpadded base64url.
Cursor = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2048,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="`next_cursor` of the previous page (opaque, unpadded base64url).",
    ),
]


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


def _metadata_ref(depth: int) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{'Metadata' if depth == 1 else f'MetadataValue{depth}'}"}


def _metadata_level(depth: int) -> dict[str, Any]:
    """A metadata value `depth` levels down (the object itself is level 1): text without NUL, integers,
    booleans, null, and arrays and objects of the next level (empty ones at the deepest level)."""
    if depth >= MAX_METADATA_DEPTH:
        containers: list[dict[str, Any]] = [
            {"type": "array", "maxItems": 0},
            {"type": "object", "maxProperties": 0},
        ]
    else:
        inner = _metadata_ref(depth + 1)
        containers = [
            {"type": "array", "items": inner},
            {"type": "object", "propertyNames": {"pattern": NO_NUL}, "additionalProperties": inner},
        ]
    scalars = [
        {"type": "string", "pattern": NO_NUL},
        {"type": "integer"},
        {"type": "boolean"},
        {"type": "null"},
    ]
    return {"anyOf": [*scalars, *containers]}


def document_components() -> dict[str, dict[str, Any]]:
    """The component schemas the shared types refer to, for the OpenAPI document (`app._openapi`)."""
    components = {f"MetadataValue{d}": _metadata_level(d) for d in range(2, MAX_METADATA_DEPTH + 1)}
    components["Metadata"] = {
        "type": "object",
        "propertyNames": {"pattern": NO_NUL},
        "additionalProperties": _metadata_ref(2),
        "description": (
            f"A JSON object of your own: at most {MAX_METADATA_BYTES} bytes as JSON and "
            f"{MAX_METADATA_DEPTH} levels deep (the object is the first); numbers are integers written as "
            'digits (send other numbers as strings: `"2.5"`, not `2.5` nor `2.0`); no NUL character in keys or '
            "text."
        ),
    }
    return components


def _metadata_values(value: Any, depth: int = 1) -> Any:
    """Metadata as the document states it (`document_components`): a number written with a fraction or an
    exponent (`2.5`, `2.0`), or a value deeper than 8 levels, is refused here, with the request (the
    domain checks them too, and the size)."""
    if depth > MAX_METADATA_DEPTH:
        raise PydanticCustomError("metadata_depth", f"is nested more than {MAX_METADATA_DEPTH} levels deep")
    if isinstance(value, float):
        raise PydanticCustomError(
            "metadata_fraction", "may hold integers written as digits only; send other numbers as strings"
        )
    if isinstance(value, dict):
        return {k: _metadata_values(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_metadata_values(v, depth + 1) for v in value]
    return value


#: Client metadata: a JSON object (integers only, at most 8 KiB and 8 levels; `metadata_schema`).
Metadata = Annotated[
    dict[str, Any],
    BeforeValidator(_metadata_values),
    PlainSerializer(metadata_document, return_type=dict[str, Any], when_used="json"),
    WithJsonSchema({"allOf": [_metadata_ref(1)]}, mode="validation"),  # pydantic resolves a bare $ref
    WithJsonSchema(
        {"type": "object", "description": "The JSON object given when it was written."}, mode="serialization"
    ),
]
