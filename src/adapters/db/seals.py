"""The sealed journal in the app: `application.seals.SealStore` over SQLAlchemy's connection, its unit of
work, and the in-database path (`razao.seal_journal`, `razao.verify_seals`, `razao.seal_proof`,
`razao.seal_status`).

The SQL is stated once, in `plpython/razao_seal_store.py` (the in-database store runs the same statements
over SPI): this module reads its constants from that file's source (`ast.literal_eval`; no code of it runs
here) and sends them as they are, with PostgreSQL's own `$n` parameters, through psycopg's raw cursor on
the unit of work's connection, as `adapters.db.verification` does for the ledger scan. Range arguments
are built by the same functions (`legacy_args`, `current_args`), also read from that file.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from functools import cache
from typing import Any
from uuid import UUID

import psycopg
from sqlalchemy import Engine

from adapters.db.code_bundle import PLPYTHON
from adapters.db.events import SqlEventLog
from adapters.db.in_database import _Functions, _sql
from adapters.db.tx import Tx
from adapters.db.unit_of_work import TxScope
from adapters.db.verification import _driver, _driver_errors
from application import seals
from application.events import EventLog
from application.retry import ATTEMPTS, retrying
from application.seals import SealStore
from domain.seals import BLOCK_COLUMNS, ROW_COLUMNS, Block, Position, SealReport, SealRow, block_values

SQL_SOURCE = PLPYTHON / "razao_seal_store.py"
STATEMENTS = (
    "SEAL_LOCK",
    "LEGACY_ROWS",
    "CURRENT_ROWS",
    "TRANSFER_ROWS",
    "TRANSFER_EXISTS",
    "HEAD",
    "BLOCK_AT",
    "BLOCKS_AFTER",
    "BLOCK_OF_CURRENT",
    "BLOCK_OF_LEGACY",
    "INSERT_BLOCK",
    "SEALED_ROWS",
    "NEXT_TXID",
    "UNSEALED_LEGACY",
    "UNSEALED_CURRENT",
    "MAX_TXID",
)


@cache
def statements() -> dict[str, Any]:
    """The constants `plpython/razao_seal_store.py` states, by name."""
    tree = ast.parse(SQL_SOURCE.read_text(encoding="utf-8"), str(SQL_SOURCE))
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                constants[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                # built from other constants: `_ROW + " WHERE ..."`; evaluate over what is known so far
                constants[node.targets[0].id] = _concatenation(node.value, constants)
    missing = set(STATEMENTS) - set(constants)
    if missing:
        raise RuntimeError(f"{SQL_SOURCE} does not state {', '.join(sorted(missing))}")
    return constants


def _concatenation(node: ast.expr, known: dict[str, Any]) -> Any:
    """A constant that concatenates strings and names of earlier constants; None for anything else."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _concatenation(node.left, known), _concatenation(node.right, known)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.Name):
        value = known.get(node.id)
        return value if isinstance(value, str) else None
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _low_high(after: Position | None, upto: Position | None, legacy: bool) -> list[Any]:
    """The range arguments, as `razao_seal_store.legacy_args` / `current_args` build them."""
    zero = UUID(int=0)
    low: tuple[Any, ...]
    high: tuple[Any, ...]
    if legacy:
        low = ("-infinity", zero, "", 0) if after is None else after.legacy_key()
        high = ("infinity", zero, "", 0) if upto is None or not upto.is_legacy else upto.legacy_key()
    else:
        low = (0, "-infinity", zero, "", 0) if after is None or after.is_legacy else after.key()
        high = (statements()["MAX_TXID"], "infinity", zero, "", 0) if upto is None else upto.key()
    return [*low, *high]


class SqlSealStore:
    """Implements `application.seals.SealStore` on the unit of work's transaction."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def _run(self, name: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        sql, connection = statements()[name], self._tx.connection
        with _driver_errors(connection, sql, params), psycopg.RawCursor(_driver(connection)) as cursor:
            cursor.execute(sql, list(params))
            return list(cursor.fetchall()) if cursor.description else []

    def _blocks(self, name: str, params: Sequence[Any] = ()) -> list[Block]:
        return [Block.parse(r) for r in self._run(name, params)]

    def lock(self) -> None:
        self._run("SEAL_LOCK")

    def head(self) -> Block | None:
        found = self._blocks("HEAD")
        return found[0] if found else None

    def block(self, height: int) -> Block | None:
        found = self._blocks("BLOCK_AT", (height,))
        return found[0] if found else None

    def blocks(self, after_height: int, limit: int) -> list[Block]:
        return self._blocks("BLOCKS_AFTER", (after_height, limit))

    def block_of(self, position: Position) -> Block | None:
        if position.is_legacy:
            found = self._blocks("BLOCK_OF_LEGACY", position.legacy_key())
        else:
            found = self._blocks("BLOCK_OF_CURRENT", position.key())
        return found[0] if found else None

    def rows(
        self, after: Position | None, upto: Position | None, limit: int, *, sealable_only: bool
    ) -> list[SealRow]:
        found: list[SealRow] = []
        if after is None or after.is_legacy:
            found = [
                SealRow.parse(r) for r in self._run("LEGACY_ROWS", [*_low_high(after, upto, True), limit])
            ]
        if (upto is None or not upto.is_legacy) and len(found) < limit:
            horizon = None if sealable_only else statements()["MAX_TXID"]
            params = [*_low_high(after, upto, False), horizon, limit - len(found)]
            found += [SealRow.parse(r) for r in self._run("CURRENT_ROWS", params)]
        return found

    def transfer_rows(self, transfer_id: UUID) -> list[SealRow] | None:
        rows = [SealRow.parse(r) for r in self._run("TRANSFER_ROWS", (transfer_id,))]
        if rows:
            return rows
        return [] if self._run("TRANSFER_EXISTS", (transfer_id,))[0][0] else None

    def add(self, block: Block) -> None:
        self._run("INSERT_BLOCK", block_values(block))

    def sealed_rows(self) -> int:
        return int(self._run("SEALED_ROWS")[0][0])

    def next_txid(self) -> int:
        return int(self._run("NEXT_TXID")[0][0])

    def unsealed(self, after: Position | None, cap: int) -> tuple[int, str | None]:
        rows, oldest = 0, None
        if after is None or after.is_legacy:
            count, oldest = self._run("UNSEALED_LEGACY", [*_low_high(after, None, True)[:4], cap])[0]
            rows = int(count)
        if rows < cap:
            count, first = self._run("UNSEALED_CURRENT", [*_low_high(after, None, False)[:5], cap - rows])[0]
            rows += int(count)
            oldest = oldest or first
        return rows, oldest


assert len(ROW_COLUMNS) == 13 and len(BLOCK_COLUMNS) == 17  # the statements' column orders


class SqlSealUnitOfWork(TxScope):
    """`application.seals.SealUnitOfWork` in the app: one connection and transaction per `with` block."""

    seals: SealStore
    events: EventLog

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._tx = tx = Tx()
        self.seals = SqlSealStore(tx)
        self.events = SqlEventLog(tx)


_SEAL_JOURNAL = _sql("seal_journal", max_rows="integer")
_VERIFY_SEALS = _sql("verify_seals", after_height="bigint", max_blocks="integer")
_SEAL_PROOF = _sql("seal_proof", transfer_id="uuid")
_SEAL_STATUS = _sql("seal_status")


class InDatabaseSealPath:
    """`application.seals.SealPath` with one PL/Python function call per block, part or question."""

    def __init__(
        self,
        engine: Engine,
        expected_version: str,
        max_rows: int = seals.BLOCK_ROWS,
        attempts: int = ATTEMPTS,
    ) -> None:
        self._functions = _Functions(engine, expected_version)
        self.max_rows = seals.check_block_rows(max_rows)
        self._attempts = attempts

    def _call(self, statement: Any, **arguments: Any) -> Any:
        return retrying(lambda: self._functions.call(statement, **arguments), self._attempts)

    def seal_next(self) -> dict[str, Any] | None:
        data = self._call(_SEAL_JOURNAL, max_rows=self.max_rows)
        return data if isinstance(data, dict) else None

    def verify(self, after_height: int, limit: int = seals.VERIFY_BLOCKS) -> SealReport:
        data = self._call(_VERIFY_SEALS, after_height=after_height, max_blocks=limit)
        return seals.report_from_dict(data)

    def prove(self, transfer_id: UUID) -> list[dict[str, Any]]:
        data = self._call(_SEAL_PROOF, transfer_id=transfer_id)
        return list(data)

    def status(self) -> seals.SealStatus:
        return seals.status_from_dict(self._call(_SEAL_STATUS))
