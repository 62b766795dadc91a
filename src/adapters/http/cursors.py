"""Opaque pagination cursors: a listing's position as unpadded base64url JSON, tagged with its kind.

Clients must treat them as opaque. A cursor that does not decode, belongs to another listing, or holds
a position no listing could have produced (a number out of range, text no column can hold), is a
`validation_error` on the `cursor` field (on `after` for the events feed, whose positions are cursors).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from application.feed import Position
from application.ports import TransferCursor
from domain.errors import ValidationError

#: Entry numbers are BIGINT.
_MAX_SEQ = 2**63 - 1
#: An event's position: a transaction id (xid8, unsigned 64 bits) and a BIGINT.
_MAX_TXID = 2**64 - 1


def _encode(kind: str, position: Any) -> str:
    raw = json.dumps([kind, position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _invalid(field: str = "cursor") -> ValidationError:
    return ValidationError.of(field, "is not a valid cursor")


def _decode(kind: str, cursor: str, field: str = "cursor") -> Any:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, position = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise _invalid(field) from None
    if tag != kind:
        raise ValidationError.of(field, "belongs to another listing")
    return position


def account_cursor(code: str | None) -> str | None:
    return None if code is None else _encode("accounts", code)


def after_code(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    position = _decode("accounts", cursor)
    if not isinstance(position, str) or "\x00" in position or not _encodable(position):
        raise _invalid()
    return position


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def entry_cursor(seq: int | None) -> str | None:
    return None if seq is None else _encode("entries", seq)


def after_seq(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    position = _decode("entries", cursor)
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position <= _MAX_SEQ:
        raise _invalid()
    return position


def transfer_cursor(position: TransferCursor | None) -> str | None:
    if position is None:
        return None
    return _encode("transfers", [position.created_at.isoformat(), str(position.id)])


def after_transfer(cursor: str | None) -> TransferCursor | None:
    if cursor is None:
        return None
    position = _decode("transfers", cursor)
    try:
        created_at, transfer_id = position
        at = datetime.fromisoformat(created_at)
        if at.tzinfo is None:
            raise ValueError
        return TransferCursor(at, UUID(transfer_id))
    except (TypeError, ValueError, AttributeError):
        raise _invalid() from None


def event_cursor(position: Position) -> str:
    """An event's position (or the feed's `next_cursor`); the transaction id travels as text."""
    return _encode("events", [str(position.txid), position.n])


def after_event(cursor: str | None) -> Position | None:
    if cursor is None:
        return None
    position = _decode("events", cursor, "after")
    try:
        txid, n = position
        if not isinstance(txid, str) or not txid.isascii() or not txid.isdigit() or len(txid) > 20:
            raise ValueError
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= _MAX_SEQ:
            raise ValueError
        if int(txid) > _MAX_TXID:
            raise ValueError
    except (TypeError, ValueError):
        raise _invalid("after") from None
    return Position(int(txid), n)
