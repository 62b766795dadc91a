"""Bodies of the events feed: an event with its position, and a page of them with the cursor to resume."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from adapters.http import cursors
from adapters.http.schemas.common import Instant, utc
from application.events import EventType
from application.feed import StoredEvent

_EVENT: dict[str, Any] = {
    "id": "2d7b3c51-4a0e-4e8f-9a1b-6c5d4e3f2a10",
    "type": "transfer.expired",
    "position": "WyJldmVudHMiLFsiNzQxIiwzXV0",
    "occurred_at": "2025-01-31T13:00:02.104000+00:00",
    "account_ids": ["0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90", "1f2e3d4c-5b6a-4789-8abc-def012345678"],
    "transfer_id": "7d3c1f9e-8a2b-4c5d-9e0f-1a2b3c4d5e6f",
    "job_id": None,
    "data": {
        "id": "7d3c1f9e-8a2b-4c5d-9e0f-1a2b3c4d5e6f",
        "status": "expired",
        "two_phase": True,
        "postings": [
            {
                "account_id": "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90",
                "side": "debit",
                "amount": 3000,
                "asset": None,
            },
            {
                "account_id": "1f2e3d4c-5b6a-4789-8abc-def012345678",
                "side": "credit",
                "amount": 3000,
                "asset": None,
            },
        ],
        "posted": [],
        "description": "Hotel deposit",
        "metadata": {},
        "effective_at": "2025-01-31T12:00:02.104000+00:00",
        "created_at": "2025-01-31T12:00:02.104000+00:00",
        "timeout_at": "2025-01-31T13:00:02.104000+00:00",
        "resolved_at": "2025-01-31T13:00:02.104000+00:00",
        "reverses_id": None,
        "reversed_by_id": None,
    },
}


class EventOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EVENT]})

    id: UUID = Field(description="Stable: the same event always has this id (de-duplicate on it).")
    type: EventType
    position: str = Field(
        description="Where the event sits in the feed's order (opaque): pass it as `after`."
    )
    occurred_at: Instant = Field(description="When it happened, by the clock of the operation that did it.")
    account_ids: list[UUID] = Field(
        description="The accounts it concerns (a transfer's accounts, an account)."
    )
    transfer_id: UUID | None = Field(description="The transfer it concerns (`transfer.*`).")
    job_id: UUID | None = Field(description="The job it concerns (`job.*`).")
    data: dict[str, Any] = Field(
        description="The object as the API answered for it at that moment: `GET /v1/transfers/{id}` for a "
        "transfer event, `GET /v1/accounts/{id}` for an account event, `GET /v1/jobs/{id}` for a job event."
    )

    @staticmethod
    def document(event: StoredEvent) -> dict[str, Any]:
        """The JSON of an event (this model's fields), without building the model."""
        return {
            "id": event.id,
            "type": event.type,
            "position": cursors.event_cursor(event.position),
            "occurred_at": utc(event.occurred_at),
            "account_ids": list(event.account_ids),
            "transfer_id": event.transfer_id,
            "job_id": event.job_id,
            "data": event.data,
        }


class EventPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_EVENT], "next_cursor": "WyJldmVudHMiLFsiNzQxIiwzXV0"}]}
    )

    items: list[EventOut] = Field(description="In the feed's order (oldest first).")
    next_cursor: str = Field(
        description="Always present: pass it as `after` to get what follows (an empty page keeps a cursor "
        "that is still valid, so a client can keep tailing)."
    )
