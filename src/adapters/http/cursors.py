"""Opaque pagination cursors: a listing's position as unpadded base64url JSON, tagged with its kind.

Every listing of the HTTP API encodes and decodes its cursors here. Clients must treat them as opaque.
A cursor that does not decode, belongs to another listing, or holds a position no listing could have
produced (a number out of range, text no column can hold), is a `validation_error` on the `cursor`
field (on `after` for the events feed, whose positions are cursors).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from application.feed import Position
from application.journal import JournalCursor
from application.periods import PeriodCursor
from application.ports import TransferCursor
from application.search import TransferFilter
from application.statements import StatementCursor
from domain.accounts import Layer
from domain.errors import ValidationError
from domain.time_basis import Basis, ValuePosition

#: Entry numbers are BIGINT.
_MAX_SEQ = 2**63 - 1
#: An event's position: a transaction id (xid8, unsigned 64 bits) and a BIGINT.
_MAX_TXID = 2**64 - 1
#: A statement line's number in its file (INTEGER).
_MAX_LINE = 2**31 - 1
#: A transfer's posting or hold line (SMALLINT).
_MAX_JOURNAL_LINE = 2**15 - 1


def _encode(kind: str, position: Any) -> str:
    raw = json.dumps([kind, position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _invalid(field: str = "cursor") -> ValidationError:
    return ValidationError.of(field, "is not a valid cursor")


def _elsewhere(field: str = "cursor") -> ValidationError:
    return ValidationError.of(field, "belongs to another listing")


def _unpack(cursor: str, field: str = "cursor") -> tuple[Any, Any]:
    """A cursor's kind and position, whatever they hold."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, position = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, RecursionError):
        raise _invalid(field) from None
    return tag, position


def _decode(kind: str, cursor: str, field: str = "cursor") -> Any:
    tag, position = _unpack(cursor, field)
    if tag != kind:
        raise _elsewhere(field)
    return position


def account_cursor(code: str | None, search: str | None = None) -> str | None:
    """A position in the accounts list (a code); with `search`, the fingerprint of the filter it was
    made for (`application.search.AccountFilter.fingerprint`)."""
    if code is None:
        return None
    return _encode("accounts", code if search is None else [code, search])


def after_code(cursor: str | None, search: str | None = None) -> str | None:
    """The code a cursor continues after. A cursor made for another filter than `search` is refused;
    one that carries no filter (made before searches had one) is taken as it is."""
    if cursor is None:
        return None
    position = _decode("accounts", cursor)
    if isinstance(position, list) and len(position) == 2 and isinstance(position[1], str):
        position, made_for = position
        _same_search(made_for, search)
    if not isinstance(position, str) or "\x00" in position or not _encodable(position):
        raise _invalid()
    return position


def _same_search(made_for: str, search: str | None) -> None:
    if search is not None and made_for != search:
        raise ValidationError.of(
            "cursor", "was made for another search (other filters): repeat the first request without a cursor"
        )


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


def value_entry_cursor(position: ValuePosition | None) -> str | None:
    """A position in a statement in value-date order: (value date, entry number)."""
    if position is None:
        return None
    return _encode("entries-by-value-date", [position.effective_at.isoformat(), position.seq])


def after_value_entry(cursor: str | None) -> ValuePosition | None:
    if cursor is None:
        return None
    position = _decode("entries-by-value-date", cursor)
    try:
        effective_at, seq = position
        at = datetime.fromisoformat(effective_at)
        if at.tzinfo is None or not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= _MAX_SEQ:
            raise ValueError
        return ValuePosition(at.astimezone(UTC), seq)
    except (TypeError, ValueError, AttributeError, OverflowError):
        raise _invalid() from None


def transfer_cursor(position: TransferCursor | None, where: TransferFilter | None = None) -> str | None:
    """A position in a transfer list: the last transfer's instant on the list's basis and its id, the
    basis, and the fingerprint of the filter it was made for."""
    if position is None:
        return None
    where = where or TransferFilter()
    return _encode(
        "transfers", [position.at.isoformat(), str(position.id), where.basis.value, where.fingerprint()]
    )


def after_transfer(cursor: str | None, where: TransferFilter | None = None) -> TransferCursor | None:
    """Where a cursor continues. One made for another basis or other filters is refused, naming what
    differs; one without either (made before searches had them) is a booked-basis position."""
    if cursor is None:
        return None
    where = where or TransferFilter()
    position = _decode("transfers", cursor)
    try:
        if isinstance(position, list) and len(position) == 4:
            instant, transfer_id, basis, made_for = position
        else:
            (instant, transfer_id), basis, made_for = position, Basis.BOOKED.value, None
        at = datetime.fromisoformat(instant)
        if at.tzinfo is None or not isinstance(basis, str) or not isinstance(made_for, str | None):
            raise ValueError
        found = TransferCursor(at, UUID(transfer_id))
    except (TypeError, ValueError, AttributeError):
        raise _invalid() from None
    if basis != where.basis.value:
        raise ValidationError.of("cursor", f"was made for basis={basis}, not basis={where.basis.value}")
    if made_for is not None:
        _same_search(made_for, where.fingerprint())
    return found


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


def _instant_and_id(kind: str, at: datetime, id: UUID) -> str:
    """A position of an instant and an id: `[ISO 8601 instant, id]`."""
    return _encode(kind, [at.isoformat(), str(id)])


def _after_instant_and_id(kind: str, cursor: str) -> tuple[datetime, UUID]:
    position = _decode(kind, cursor)
    try:
        instant, id = position
        at = datetime.fromisoformat(instant)
        if at.tzinfo is None:
            raise ValueError
        return at, UUID(id)
    except (TypeError, ValueError, AttributeError):
        raise _invalid() from None


def period_cursor(position: PeriodCursor | None) -> str | None:
    return None if position is None else _instant_and_id("periods", position.closed_at, position.id)


def after_period(cursor: str | None) -> PeriodCursor | None:
    return None if cursor is None else PeriodCursor(*_after_instant_and_id("periods", cursor))


def _id_cursor(kind: str, id: UUID | None) -> str | None:
    """A position in a listing by id."""
    return None if id is None else _encode(kind, str(id))


def _after_id(kind: str, cursor: str | None) -> UUID | None:
    if cursor is None:
        return None
    position = _decode(kind, cursor)
    try:
        return UUID(position)
    except (TypeError, ValueError, AttributeError):
        raise _invalid() from None


def period_balance_cursor(account_id: UUID | None) -> str | None:
    return _id_cursor("period-balances", account_id)


def after_period_balance(cursor: str | None) -> UUID | None:
    return _after_id("period-balances", cursor)


def category_cursor(code: str | None) -> str | None:
    """A position in the list of categories (by code)."""
    return None if code is None else _encode("categories", code)


def after_category(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    position = _decode("categories", cursor)
    if not isinstance(position, str) or "\x00" in position or not _encodable(position):
        raise _invalid()
    return position


def member_cursor(account_id: UUID | None) -> str | None:
    """A position in a category's accounts (by account id)."""
    return _id_cursor("category-accounts", account_id)


def after_member(cursor: str | None) -> UUID | None:
    return _after_id("category-accounts", cursor)


def child_cursor(prefix: str, segment: str | None) -> str | None:
    """A position in a code prefix's children (by segment); it belongs to that prefix only."""
    return None if segment is None else _encode("group-children", [prefix, segment])


def after_child(prefix: str, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    position = _decode("group-children", cursor)
    if not isinstance(position, list) or len(position) != 2 or not all(isinstance(p, str) for p in position):
        raise _invalid()
    if position[0] != prefix:
        raise ValidationError.of("cursor", "belongs to another prefix")
    segment: str = position[1]
    if "\x00" in segment or not _encodable(segment):
        raise _invalid()
    return segment


def statement_cursor(position: StatementCursor | None) -> str | None:
    """A position in the newest-first list of bank statements: (import instant, statement id)."""
    return None if position is None else _instant_and_id("statements", position.imported_at, position.id)


def after_statement(cursor: str | None) -> StatementCursor | None:
    return None if cursor is None else StatementCursor(*_after_instant_and_id("statements", cursor))


def statement_line_cursor(line: int | None) -> str | None:
    """A position in a statement's lines (a line's number in the file)."""
    return None if line is None else _encode("statement-lines", line)


def after_statement_line(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    position = _decode("statement-lines", cursor)
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= _MAX_LINE:
        raise _invalid()
    return position


def csv_mapping_cursor(name: str | None) -> str | None:
    """A position in the saved CSV mappings (by name)."""
    return None if name is None else _encode("csv-mappings", name)


def after_csv_mapping(cursor: str | None) -> str | None:
    return None if cursor is None else str(_decode("csv-mappings", cursor))


def reconciliation_cursor(kind: str, key: str | None) -> str | None:
    """A position in a reconciliation listing (by key); `kind` names the listing, and for a run's
    results its side and state, so a cursor serves only the listing it came from."""
    return None if key is None else _encode(kind, key)


def after_reconciliation(kind: str, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    position = _decode(kind, cursor)
    if not isinstance(position, str):
        raise _elsewhere()
    return position


def webhook_cursor(webhook_id: UUID | None) -> str | None:
    """A position in the webhook endpoints (by id)."""
    return _id_cursor("webhooks", webhook_id)


def after_webhook(cursor: str | None) -> UUID | None:
    return _after_id("webhooks", cursor)


def delivery_cursor(position: tuple[datetime, UUID] | None) -> str | None:
    """A position in an endpoint's deliveries, oldest first: (creation instant, delivery id)."""
    return None if position is None else _instant_and_id("webhook_deliveries", *position)


def after_delivery(cursor: str | None) -> tuple[datetime, UUID] | None:
    if cursor is None:
        return None
    position = _decode("webhook_deliveries", cursor)
    try:
        if not isinstance(position, list) or len(position) != 2:
            raise ValueError
        when = datetime.fromisoformat(str(position[0]))
        if when.tzinfo is None:
            raise ValueError
        return when, UUID(str(position[1]))
    except (TypeError, ValueError, AttributeError):
        raise _invalid() from None


def journal_cursor(position: JournalCursor | None) -> str | None:
    """A position in the journal: (booking instant, transfer id, layer, line)."""
    if position is None:
        return None
    return _encode(
        "journal",
        [position.created_at.isoformat(), str(position.transfer_id), position.layer.value, position.line],
    )


def after_journal(cursor: str | None) -> JournalCursor | None:
    """Where a journal cursor continues. A position that is not four values is refused as invalid
    before its kind is looked at."""
    if cursor is None:
        return None
    tag, position = _unpack(cursor)
    try:
        created_at, transfer_id, layer, line = position
        if tag != "journal":
            raise _elsewhere()
        at = datetime.fromisoformat(created_at)
        if at.tzinfo is None or isinstance(line, bool) or not isinstance(line, int):
            raise ValueError
        if not 0 <= line <= _MAX_JOURNAL_LINE:
            raise ValueError
        return JournalCursor(at, UUID(transfer_id), Layer(layer), line)
    except (ValueError, TypeError, AttributeError):
        raise _invalid() from None
