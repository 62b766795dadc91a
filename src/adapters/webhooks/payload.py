"""The body of a webhook: `{"type", "timestamp", "data"}` as Standard Webhooks suggests, where `data`
is the event exactly as `GET /v1/events` answers it (same fields, same `position` cursor), so a receiver
parses pushed and pulled events with the same code.

An event whose body would exceed the bound (RAZAO_WEBHOOK_MAX_BODY_BYTES) is sent without its object:
`data.data` is null and `data.data_omitted` is true; the receiver reads the object from the API
(`transfer_id`, `account_ids`, `job_id`). The event is still delivered, so the order is not broken.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC
from typing import Any

from application.feed import Position, StoredEvent


def event_cursor(position: Position) -> str:
    """The feed's cursor of a position: the same text as `adapters.http.cursors.event_cursor` (a test
    keeps them equal; adapters do not import each other)."""
    raw = json.dumps(["events", [str(position.txid), position.n]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _utc(value: Any) -> str:
    return str(value.astimezone(UTC).isoformat())


def event_document(event: StoredEvent) -> dict[str, Any]:
    return {
        "id": str(event.id),
        "type": event.type,
        "position": event_cursor(event.position),
        "occurred_at": _utc(event.occurred_at),
        "account_ids": [str(a) for a in event.account_ids],
        "transfer_id": None if event.transfer_id is None else str(event.transfer_id),
        "job_id": None if event.job_id is None else str(event.job_id),
        "data": event.data,
    }


def _encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def body(event: StoredEvent, max_bytes: int) -> bytes:
    """The JSON body of `event`, at most `max_bytes` (without the object when it would be larger)."""
    document = event_document(event)
    encoded = _encode({"type": event.type, "timestamp": document["occurred_at"], "data": document})
    if len(encoded) <= max_bytes:
        return encoded
    document["data"] = None
    document["data_omitted"] = True
    return _encode({"type": event.type, "timestamp": document["occurred_at"], "data": document})
