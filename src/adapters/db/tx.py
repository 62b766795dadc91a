"""The unit of work's transaction: one connection, plus transfer writes deferred to go out in bulk.

Repositories run every statement through `Tx.execute`, which first sends the deferred writes, so a
read always sees them. Deferring lets a batch of 1,000 transfers become a few multi-row INSERTs
(and one pipelined UPDATE) instead of thousands of round trips. Database errors that mean "a
concurrent transaction got there first" are raised as `RetryableConflict` (see `adapters.db.errors`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, CursorResult, Executable, bindparam, insert, update
from sqlalchemy.exc import DBAPIError

from adapters.db.errors import as_retryable
from adapters.db.models import entries, transfers

_INSERT_TRANSFERS = insert(transfers)
_INSERT_ENTRIES = insert(entries)
_UPDATE_TRANSFER_STATUS = (
    update(transfers)
    .where(transfers.c.id == bindparam("b_id"))
    .values(status=bindparam("b_status"), resolved_at=bindparam("b_resolved_at"))
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
        self.locked_accounts: dict[UUID, tuple[Any, ...]] = {}

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
        if connection is not None:
            connection.close()

    def _check_open(self) -> None:
        if self._connection is None:
            raise RuntimeError(_NOT_OPEN)

    def _forget(self) -> None:
        self._transfers.clear()
        self._entries.clear()
        self._status_changes.clear()
        self.locked_accounts.clear()

    def _flush(self, connection: Connection) -> None:
        """Send the deferred writes: transfers before their entries (foreign key), then status changes."""
        for statement, rows in (
            (_INSERT_TRANSFERS, self._transfers),
            (_INSERT_ENTRIES, self._entries),
            (_UPDATE_TRANSFER_STATUS, self._status_changes),
        ):
            if rows:
                pending = list(rows)
                rows.clear()
                connection.execute(statement, pending)


class _translated:
    """Re-raise a retryable database error as `RetryableConflict`; leave every other error alone."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, DBAPIError) and (retry := as_retryable(exc)) is not None:
            raise retry from exc
