"""The unit of work's transaction: one connection, plus transfer writes deferred to go out in bulk.

Repositories run every statement through `Tx.execute`, which first sends the deferred writes, so a
read always sees them. Deferring lets a batch of 1,000 transfers become three statements instead of
thousands of round trips: the transfer rows (pipelined), every status change (one UPDATE), and every
journal entry (one INSERT over arrays).

The order and the grouping are what the database's triggers need (revision 0002; Docs:
docs/reference/rules.md): status changes go before the entries, so that posting a pending transfer
releases its holds before its posted entries arrive; and all entries go in one statement, because the
trigger that books them into the balances checks each transfer phase as a whole (debits equal credits)
once per statement. Database errors that mean "a concurrent transaction got there first" are raised
as `RetryableConflict` (see `adapters.db.errors`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, CursorResult, Executable, insert, text
from sqlalchemy.exc import DBAPIError

from adapters.db.errors import as_retryable
from adapters.db.models import entries, transfers

_INSERT_TRANSFERS = insert(transfers)

#: Columns of `entries` and the array type each is sent as.
_ENTRY_ARRAYS = {
    "transfer_id": "uuid[]",
    "account_id": "uuid[]",
    "seq": "bigint[]",
    "line": "smallint[]",
    "layer": "text[]",
    "side": "text[]",
    "amount": "numeric[]",
    "asset_code": "text[]",
    "balance_after": "numeric[]",
    "created_at": "timestamptz[]",
}
assert set(_ENTRY_ARRAYS) == set(entries.c.keys()), "every column of entries is sent"


def _unnest(arrays: Mapping[str, str]) -> str:
    return "unnest(" + ", ".join(f"CAST(:{name} AS {kind})" for name, kind in arrays.items()) + ")"


#: One statement for any number of entries (one array per column), so the journal's statement-level
#: trigger sees whole transfer phases.
_INSERT_ENTRIES = text(
    f"INSERT INTO {entries.name} ({', '.join(_ENTRY_ARRAYS)}) SELECT * FROM {_unnest(_ENTRY_ARRAYS)}"
)
_STATUS_ARRAYS = {"b_id": "uuid[]", "b_status": "text[]", "b_resolved_at": "timestamptz[]"}
#: One statement for any number of status changes (the trigger releasing holds runs once).
_UPDATE_TRANSFER_STATUS = text(
    f"UPDATE {transfers.name} SET status = v.b_status, resolved_at = v.b_resolved_at"
    f" FROM {_unnest(_STATUS_ARRAYS)} AS v({', '.join(_STATUS_ARRAYS)})"
    f" WHERE {transfers.name}.id = v.b_id"
)
_NOT_OPEN = "the unit of work is not open; use it in a `with` block"


class Tx:
    """Lives as long as its unit of work; holds a connection only between `begin` and `close`."""

    def __init__(self) -> None:
        self._connection: Connection | None = None
        self._transfers: list[Mapping[str, Any]] = []
        self._entries: list[Mapping[str, Any]] = []
        self._status_changes: list[Mapping[str, Any]] = []
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
        self.locked_accounts.clear()

    def _flush(self, connection: Connection) -> None:
        """Send the deferred writes: new transfers, then status changes (releasing holds), then the
        entries (after their transfers: foreign key; after the releases: posting a pending transfer)."""
        if rows := _take(self._transfers):
            connection.execute(_INSERT_TRANSFERS, rows)
        if rows := _take(self._status_changes):
            connection.execute(_UPDATE_TRANSFER_STATUS, _as_arrays(rows, _STATUS_ARRAYS))
        if rows := _take(self._entries):
            connection.execute(_INSERT_ENTRIES, _as_arrays(rows, _ENTRY_ARRAYS))


def _take(buffer: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Empty `buffer` and return what it held."""
    rows = list(buffer)
    buffer.clear()
    return rows


def _as_arrays(rows: Sequence[Mapping[str, Any]], arrays: Mapping[str, str]) -> dict[str, list[Any]]:
    """Rows as one list per column: the parameters of a statement over `unnest` of arrays."""
    return {name: [row[name] for row in rows] for name in arrays}


class _translated:
    """Re-raise a retryable database error as `RetryableConflict`; leave every other error alone."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, DBAPIError) and (retry := as_retryable(exc)) is not None:
            raise retry from exc
