"""Bodies of the journal endpoint: a page of journal lines, each the object an export writes per line."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from domain.accounts import Layer, Side

_EXAMPLE: dict[str, JsonValue] = {
    "transfer_id": "6f1c1a9e-4b2d-4c8e-9f0a-2b3c4d5e6f70",
    "line": 1,
    "seq": 7,
    "account_id": "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90",
    "account_code": "wallet:alice",
    "layer": "posted",
    "side": "credit",
    "amount": 1234,
    "amount_decimal": "12.34",
    "asset": "BRL",
    "balance_after": 5000,
    "balance_after_decimal": "50.00",
    "created_at": "2025-01-31T12:00:01.250000+00:00",
    "effective_at": "2025-01-31T12:00:01.250000+00:00",
    "description": "Top-up",
}


class JournalLineOut(BaseModel):
    """A journal line; the JSON Lines export writes these objects, the CSV export these columns."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    transfer_id: UUID
    line: int = Field(description="Index of the posting within its transfer.")
    seq: int = Field(description="The account's entry number, from 1.")
    account_id: UUID
    account_code: str
    layer: Layer = Field(description="`posted` money or a `pending` hold.")
    side: Side
    amount: int = Field(description="Minor units (cents for BRL), exact.")
    amount_decimal: str = Field(description="The amount in the asset's unit, exact (`12.34`).")
    asset: str
    balance_after: int = Field(description="The account's posted balance just after this entry.")
    balance_after_decimal: str
    created_at: str = Field(description="Booking time, ISO 8601 in UTC.")
    effective_at: str = Field(description="Value date, ISO 8601 in UTC.")
    description: str


class JournalPage(BaseModel):
    items: list[JournalLineOut]
    next_cursor: str | None
