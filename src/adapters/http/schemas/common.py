"""Field types shared by the API's models: amounts, UTC timestamps, metadata objects."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, Field, PlainSerializer, StrictInt, WithJsonSchema

from domain.assets import MAX_AMOUNT
from domain.values import canonical_json


def _utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _sorted_json(value: dict[str, Any]) -> dict[str, Any]:
    """Keys in one order however the object was stored, so a replay answers byte for byte the same."""
    result: dict[str, Any] = json.loads(canonical_json(value))
    return result


#: A positive number of minor units: a JSON integer (10.0 and "10" are refused).
Amount = Annotated[StrictInt, Field(gt=0, lt=MAX_AMOUNT + 1, description="Minor units (cents for BRL).")]

#: A time-zone-aware instant in a request.
InstantIn = Annotated[AwareDatetime, Field(description="ISO 8601 with a time zone offset.")]

#: An instant in a response: ISO 8601 in UTC with an explicit `+00:00` offset.
Instant = Annotated[
    datetime,
    PlainSerializer(_utc_iso, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]

#: Client metadata: a JSON object (no fractional numbers, at most 8 KiB).
Metadata = Annotated[
    dict[str, Any],
    PlainSerializer(_sorted_json, return_type=dict[str, Any], when_used="json"),
    Field(description="A JSON object of your own (at most 8 KiB, no fractional numbers)."),
]
