"""The ledger scan of verification: the journal and the per-transfer sums, a page of plain row tuples at a
time, whole or a range of accounts (transfers) at a time (`application.verification.verify_part`).

The SQL is stated once, in `plpython/razao_store.py` (the in-database adapter, whose scan runs the same
statements over SPI): this module reads those four constants from its source (`ast.literal_eval`; no code
of it runs here) and sends them as they are, with PostgreSQL's own `$n` parameters, through psycopg's raw
cursors. The statements read amounts as decimal text (`NUMERIC(38)` exactly, without `Decimal`) and ids
as text, and each row arrives as the tuple `domain.verification.LedgerVerifier` takes
(`JournalRow`, `TransferRow`): no object per row on the way.

Both scans run on a server-side cursor (fetched `BATCH_ROWS` rows at a time), in one REPEATABLE READ,
READ ONLY transaction, so the two see the same snapshot and memory stays bounded whatever the size of the
journal. A driver error is raised as SQLAlchemy raises it (a lost connection invalidates the pooled
connection), so the unit of work translates it as it does every other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any
from uuid import UUID

import psycopg
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from adapters.db.code_bundle import PLPYTHON
from adapters.db.tx import Tx
from domain.verification import JOURNAL_COLUMNS, TRANSFER_COLUMNS, JournalRow, TransferRow

#: Rows per fetch of a server-side cursor (a round trip each).
BATCH_ROWS = 5000
#: The module that states the scan's SQL, and the constants read from it.
SQL_SOURCE = PLPYTHON / "razao_store.py"
STATEMENTS = ("SCAN_JOURNAL", "SCAN_TRANSFER_SUMS", "SCAN_OPEN_HOLDS", "SCAN_COUNTS")


@cache
def statements() -> dict[str, str]:
    """The scan's statements as `plpython/razao_store.py` states them, by name."""
    tree = ast.parse(SQL_SOURCE.read_text(encoding="utf-8"), str(SQL_SOURCE))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in STATEMENTS:
                found[name] = ast.literal_eval(node.value)
    missing = set(STATEMENTS) - set(found)
    if missing:
        raise RuntimeError(f"{SQL_SOURCE} does not state {', '.join(sorted(missing))}")
    return found


def _driver(connection: Connection) -> psycopg.Connection[Any]:
    driver = connection.connection.driver_connection
    if not isinstance(driver, psycopg.Connection):
        raise TypeError(f"the ledger scan needs psycopg, not {type(driver).__name__}")
    return driver


@contextmanager
def _driver_errors(connection: Connection, sql: str, params: Sequence[Any]) -> Iterator[None]:
    """Raise a psycopg error as SQLAlchemy would have: a `DBAPIError`, the connection invalidated when
    it was lost."""
    try:
        yield
    except psycopg.Error as error:
        caught: Any = error
        lost = connection.dialect.is_disconnect(caught, connection.connection.dbapi_connection, None)
        if lost and not connection.invalidated:
            connection.invalidate(error)
        raise DBAPIError.instance(
            sql, list(params), error, psycopg.Error, connection_invalidated=lost, dialect=connection.dialect
        ) from error


class SqlLedgerScan:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def snapshot(self) -> None:
        self._tx.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        # A part's statements are planned for the data they meet, and their estimates (a nested loop
        # per account or transfer) far exceed jit_above_cost: compiling them costs more than it saves.
        self._tx.execute(text("SET LOCAL jit = off"))

    def _pages(self, name: str, params: Sequence[Any], columns: Sequence[str]) -> Iterator[list[Any]]:
        sql, connection = statements()[name], self._tx.connection
        with (
            _driver_errors(connection, sql, params),
            psycopg.RawServerCursor(_driver(connection), "razao_scan") as cursor,
        ):
            cursor.execute(sql, params, binary=True)  # arrays (an account's columns) load fastest in binary
            names = tuple(column.name for column in cursor.description or ())
            if names != tuple(columns):
                raise RuntimeError(f"{name} reads {names}, the verifier takes {tuple(columns)}")
            while rows := cursor.fetchmany(BATCH_ROWS):
                yield rows

    def journal_pages(
        self,
        after_id: UUID | None = None,
        limit: int | None = None,
        *,
        resume_seq: int | None = None,
        max_rows: int | None = None,
    ) -> Iterator[list[JournalRow]]:
        yield from self._pages("SCAN_JOURNAL", (after_id, limit, resume_seq, max_rows), JOURNAL_COLUMNS)

    def transfer_sum_pages(
        self, after_id: UUID | None = None, limit: int | None = None
    ) -> Iterator[list[TransferRow]]:
        yield from self._pages("SCAN_TRANSFER_SUMS", (after_id, limit), TRANSFER_COLUMNS)

    def _one(self, name: str, params: Sequence[Any]) -> tuple[Any, ...]:
        sql, connection = statements()[name], self._tx.connection
        with _driver_errors(connection, sql, params), psycopg.RawCursor(_driver(connection)) as cursor:
            row = cursor.execute(sql, params).fetchone()
        if row is None:
            raise RuntimeError(f"{name} returned no row")
        return tuple(row)

    def counts(self) -> tuple[int, int]:
        accounts, transfers = self._one("SCAN_COUNTS", ())
        return int(accounts), int(transfers)

    def open_holds(self, account_id: UUID, through_seq: int) -> tuple[int, int]:
        debits, credits = self._one("SCAN_OPEN_HOLDS", (account_id, through_seq))
        return int(debits), int(credits)
