"""The unit of work's transaction: one connection, plus transfer and event writes deferred to go out in bulk.

Repositories run every statement through `Tx.execute`, which first sends the deferred writes, so a
read always sees them. Deferring lets a batch of 1,000 transfers become four statements instead of
thousands of round trips: every transfer row (one INSERT), every status change (one UPDATE), every
journal entry (one INSERT) and every event of the outbox (one INSERT), each with its rows as one JSON
parameter.

The order and the grouping are what the database's triggers need (revision 0002; Docs:
docs/reference/rules.md): status changes go before the entries, so that posting a pending transfer
releases its holds before its posted entries arrive; and all entries go in one statement, because the
trigger that books them into the balances checks each transfer phase as a whole (debits equal credits)
once per statement. Database errors that mean "a concurrent transaction got there first" are raised
as `RetryableConflict` (see `adapters.db.errors`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import Connection, CursorResult, Executable, TextClause, text
from sqlalchemy.exc import DBAPIError

from adapters.db.errors import as_retryable
from adapters.db.models import entries, events, transfers

#: Columns of each bulk-written table and their SQL types. Rows travel as one JSON document per
#: statement (`json_to_recordset`): one parameter that the C encoder writes, instead of a Python-level
#: array dump per column (measured: about a fifth of a 1,000-transfer batch's client time).
_TRANSFER_COLUMNS = {
    "id": "uuid",
    "status": "text",
    "two_phase": "boolean",
    "description": "text",
    "metadata": "jsonb",
    "effective_at": "timestamptz",
    "created_at": "timestamptz",
    "timeout_at": "timestamptz",
    "resolved_at": "timestamptz",
    "reverses_id": "uuid",
    "fingerprint": "text",
}
_ENTRY_COLUMNS = {
    "transfer_id": "uuid",
    "account_id": "uuid",
    "seq": "bigint",
    "line": "smallint",
    "layer": "text",
    "side": "text",
    "amount": "numeric",
    "asset_code": "text",
    "balance_after": "numeric",
    "created_at": "timestamptz",
    "effective_at": "timestamptz",
}
_STATUS_COLUMNS = {"b_id": "uuid", "b_status": "text", "b_resolved_at": "timestamptz"}
#: What razao_app may write into an event (revision 0010_events): the database assigns the id and the
#: position (txid, n).
_EVENT_COLUMNS = {
    "type": "text",
    "occurred_at": "timestamptz",
    "account_ids": "uuid[]",
    "transfer_id": "uuid",
    "job_id": "uuid",
    "data": "json",
}
assert set(_TRANSFER_COLUMNS) == set(transfers.c.keys()), "every column of transfers is sent"
# `txid` is the database's own: its default records the writing transaction (revision 0021).
assert set(_ENTRY_COLUMNS) == set(entries.c.keys()) - {"txid"}, "every column of entries is sent"
assert set(_EVENT_COLUMNS) == set(events.c.keys()) - {"id", "txid", "n"}, "every payload column is sent"


def _rows(columns: Mapping[str, str]) -> str:
    """`json_to_recordset(CAST(:rows AS json)) AS r(name type, ...)`: the rows of one JSON parameter."""
    return (
        "json_to_recordset(CAST(:rows AS json)) AS r("
        + ", ".join(f"{n} {t}" for n, t in columns.items())
        + ")"
    )


def _insert(table: str, columns: Mapping[str, str]) -> TextClause:
    names = ", ".join(columns)
    return text(f"INSERT INTO {table} ({names}) SELECT {names} FROM {_rows(columns)}")


#: One statement per table for any number of rows: the journal's statement-level trigger then sees
#: whole transfer phases.
_INSERT_TRANSFERS = _insert(transfers.name, _TRANSFER_COLUMNS)
_INSERT_ENTRIES = _insert(entries.name, _ENTRY_COLUMNS)
#: The outbox: the rows in the order given, so `n` grows in that order within the transaction.
_INSERT_EVENTS = _insert(events.name, _EVENT_COLUMNS)
#: One statement for any number of status changes (the trigger releasing holds runs once).
_UPDATE_TRANSFER_STATUS = text(
    f"UPDATE {transfers.name} SET status = r.b_status, resolved_at = r.b_resolved_at"
    f" FROM {_rows(_STATUS_COLUMNS)} WHERE {transfers.name}.id = r.b_id"
)
_NOT_OPEN = "the unit of work is not open; use it in a `with` block"


class Tx:
    """Lives as long as its unit of work; holds a connection only between `begin` and `close`."""

    def __init__(self) -> None:
        self._connection: Connection | None = None
        self._transfers: list[Mapping[str, Any]] = []
        self._entries: list[Mapping[str, Any]] = []
        self._status_changes: list[Mapping[str, Any]] = []
        self._events: list[Mapping[str, Any]] = []
        #: Accounts locked in this transaction, as they were when locked (see `SqlAccountRepository`).
        self.locked_accounts: dict[UUID, object] = {}

    @property
    def is_open(self) -> bool:
        return self._connection is not None

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError(_NOT_OPEN)
        return self._connection

    def begin(self, connection: Connection) -> None:
        connection.begin()
        self._connection = connection

    def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        connection = self.connection
        with _translated():
            self._flush(connection)
            return connection.execute(statement, parameters)

    def insert_transfer(self, row: Mapping[str, Any]) -> None:
        self._check_open()
        self._transfers.append(row)

    def insert_entries(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self._check_open()
        self._entries.extend(rows)

    def change_transfer_status(self, row: Mapping[str, Any]) -> None:
        """`row` has b_id, b_status and b_resolved_at."""
        self._check_open()
        self._status_changes.append(row)

    def insert_events(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rows of `_EVENT_COLUMNS` (`data` a JSON-able document), in order."""
        self._check_open()
        self._events.extend(rows)

    def commit(self) -> None:
        connection = self.connection
        with _translated():
            self._flush(connection)
            connection.commit()
        self.locked_accounts.clear()

    def rollback(self) -> None:
        self._forget()
        self.connection.rollback()

    def close(self) -> None:
        """Roll back whatever was not committed and return the connection to the pool."""
        connection, self._connection = self._connection, None
        self._forget()
        if connection is None:
            return
        try:
            connection.close()
        except DBAPIError as error:
            # A connection that died has nothing left to roll back: what was committed stands, the rest
            # is gone with it. Anything else is a real error.
            if not error.connection_invalidated:
                raise

    def _check_open(self) -> None:
        if self._connection is None:
            raise RuntimeError(_NOT_OPEN)

    def _forget(self) -> None:
        self._transfers.clear()
        self._entries.clear()
        self._status_changes.clear()
        self._events.clear()
        self.locked_accounts.clear()

    def _flush(self, connection: Connection) -> None:
        """Send the deferred writes: new transfers, then status changes (releasing holds), then the
        entries (after their transfers: the trigger looks them up; after the releases: posting a
        pending transfer), then the events."""
        for statement, buffer in (
            (_INSERT_TRANSFERS, self._transfers),
            (_UPDATE_TRANSFER_STATUS, self._status_changes),
            (_INSERT_ENTRIES, self._entries),
            (_INSERT_EVENTS, self._events),
        ):
            if buffer:
                rows = _json_rows(buffer)
                buffer.clear()
                connection.execute(statement, {"rows": rows})


def _json_value(value: object) -> str:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _json_rows(rows: Sequence[Mapping[str, Any]]) -> str:
    """The rows as a JSON array of objects: UUIDs and datetimes as text, integers exact (NUMERIC).
    orjson writes them (UUIDs and datetimes natively, about 5 times faster than `json`); an integer
    beyond 64 bits, which orjson refuses, sends the rows through `json`, which writes any integer."""
    try:
        return orjson.dumps(rows).decode()
    except orjson.JSONEncodeError:
        return json.dumps(rows, default=_json_value, separators=(",", ":"), ensure_ascii=False)


class _translated:
    """Re-raise a retryable database error as `RetryableConflict`; leave every other error alone."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, DBAPIError) and (retry := as_retryable(exc)) is not None:
            raise retry from exc
