"""Bank statements in PostgreSQL (`bank_statements`, `statement_lines`, `statement_csv_mappings`, revision
0022_bank_statements), and the unit of work of the statement use cases (`application.statements`).

An import writes its statement with one INSERT and its lines with one INSERT per 10,000 lines (the rows
as one JSON parameter, `json_to_recordset`), in the use case's one transaction. Imports into one
account are serialised by a transaction-level advisory lock on the account (`lock_imports`), not by the
account's row lock: transfers on the mirror account never wait for an import. Should two imports still
collide on a unique key (another writer than this code), the use case runs again (`RetryableConflict`)
and finds the winner's rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import ARRAY, Engine, Text, Uuid, and_, any_, bindparam, insert, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from adapters.db.accounts import SqlAccountRepository
from adapters.db.models import bank_statements as s
from adapters.db.models import statement_csv_mappings as m
from adapters.db.models import statement_lines as sl
from adapters.db.tx import Tx
from adapters.db.unit_of_work import TxScope
from application.ports import RetryableConflict
from application.statements import StatementCursor
from domain.statements import CsvMapping, Direction, Statement, StatementLine

#: The advisory lock space of imports (the first key of `pg_advisory_xact_lock(int, int)`).
_IMPORT_LOCK_SPACE = 0x5A22
_LOCK = text("SELECT pg_advisory_xact_lock(:space, hashtext(:account))")
_GET = select(s).where(s.c.id == bindparam("statement_id", type_=Uuid))
_KNOWN = select(sl.c.external_id).where(
    sl.c.account_id == bindparam("account_id", type_=Uuid),
    sl.c.external_id == any_(bindparam("ids", type_=ARRAY(Text))),
)
_LINES = (
    select(sl)
    .where(sl.c.statement_id == bindparam("statement_id", type_=Uuid), sl.c.line_no > bindparam("after"))
    .order_by(sl.c.line_no)
    .limit(bindparam("limit"))
)
_MAPPING = select(m).where(m.c.name == bindparam("name"))
_UNIQUE_KEYS = frozenset(
    {
        "bank_statements_pkey",
        "bank_statements_account_id_content_sha256_key",
        "statement_lines_account_id_external_id_key",
        "statement_csv_mappings_pkey",
    }
)
#: Ids looked up per statement of `known_external_ids`, and lines written per INSERT.
_CHUNK = 10_000
_LINE_COLUMNS = {
    "statement_id": "uuid",
    "line_no": "integer",
    "account_id": "uuid",
    "external_id": "text",
    "value_date": "date",
    "booking_date": "date",
    "amount": "numeric",
    "direction": "text",
    "currency": "text",
    "reference": "text",
    "description": "text",
    "counterparty": "text",
}
#: The lines of one JSON parameter in one statement (`json_to_recordset`): a 20,000-line file is two
#: statements, not 20,000 rows of bound parameters.
_INSERT_LINES = text(
    f"INSERT INTO {sl.name} ({', '.join(_LINE_COLUMNS)}) SELECT {', '.join(_LINE_COLUMNS)}"
    " FROM json_to_recordset(CAST(:rows AS json)) AS r("
    + ", ".join(f"{n} {t}" for n, t in _LINE_COLUMNS.items())
    + ")"
)


def statement_from_row(row: Any) -> Statement:
    return Statement(
        id=row.id,
        account_id=row.account_id,
        format=row.format,
        content_sha256=row.content_sha256,
        asset_code=row.asset_code,
        statement_ref=row.statement_ref,
        opening_balance=None if row.opening_balance is None else int(row.opening_balance),
        closing_balance=None if row.closing_balance is None else int(row.closing_balance),
        opening_date=row.opening_date,
        closing_date=row.closing_date,
        line_count=row.line_count,
        lines_skipped=row.lines_skipped,
        source_name=row.source_name,
        imported_by=row.imported_by,
        imported_at=row.imported_at,
    )


def line_from_row(row: Any) -> StatementLine:
    return StatementLine(
        statement_id=row.statement_id,
        line_no=row.line_no,
        account_id=row.account_id,
        external_id=row.external_id,
        value_date=row.value_date,
        booking_date=row.booking_date,
        amount=int(row.amount),
        direction=Direction(row.direction),
        currency=row.currency,
        reference=row.reference,
        description=row.description,
        counterparty=row.counterparty,
    )


def _statement_values(statement: Statement) -> dict[str, Any]:
    return {
        "id": statement.id,
        "account_id": statement.account_id,
        "format": statement.format,
        "content_sha256": statement.content_sha256,
        "statement_ref": statement.statement_ref,
        "asset_code": statement.asset_code,
        "opening_balance": statement.opening_balance,
        "closing_balance": statement.closing_balance,
        "opening_date": statement.opening_date,
        "closing_date": statement.closing_date,
        "line_count": statement.line_count,
        "lines_skipped": statement.lines_skipped,
        "source_name": statement.source_name,
        "imported_by": statement.imported_by,
        "imported_at": statement.imported_at,
    }


def _line_values(line: StatementLine) -> dict[str, Any]:
    return {
        "statement_id": str(line.statement_id),
        "line_no": line.line_no,
        "account_id": str(line.account_id),
        "external_id": line.external_id,
        "value_date": line.value_date.isoformat(),
        "booking_date": line.booking_date.isoformat() if line.booking_date else None,
        "amount": line.amount,
        "direction": line.direction.value,
        "currency": line.currency,
        "reference": line.reference,
        "description": line.description,
        "counterparty": line.counterparty,
    }


def _json_rows(rows: list[dict[str, Any]]) -> str:
    """The rows as one JSON array; amounts are exact integers (orjson refuses one beyond 64 bits: then
    `json`, which writes any integer)."""
    try:
        return orjson.dumps(rows).decode()
    except orjson.JSONEncodeError:
        return json.dumps(rows, separators=(",", ":"), ensure_ascii=False)


def _constraint(error: IntegrityError) -> str | None:
    diag = getattr(error.orig, "diag", None)
    return getattr(diag, "constraint_name", None)


class SqlStatementRepository:
    """Implements `application.statements.StatementRepository`."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def lock_imports(self, account_id: UUID) -> None:
        self._tx.execute(_LOCK, {"space": _IMPORT_LOCK_SPACE, "account": str(account_id)})

    def get(self, statement_id: UUID) -> Statement | None:
        row = self._tx.execute(_GET, {"statement_id": statement_id}).first()
        return None if row is None else statement_from_row(row)

    def known_external_ids(self, account_id: UUID, external_ids: Sequence[str]) -> set[str]:
        known: set[str] = set()
        for start in range(0, len(external_ids), _CHUNK):
            chunk = list(external_ids[start : start + _CHUNK])
            known.update(self._tx.execute(_KNOWN, {"account_id": account_id, "ids": chunk}).scalars())
        return known

    def add(self, statement: Statement, lines: Sequence[StatementLine]) -> None:
        try:
            self._tx.execute(insert(s).values(_statement_values(statement)))
            for start in range(0, len(lines), _CHUNK):
                rows = [_line_values(line) for line in lines[start : start + _CHUNK]]
                self._tx.execute(_INSERT_LINES, {"rows": _json_rows(rows)})
        except IntegrityError as error:
            if _constraint(error) in _UNIQUE_KEYS:
                raise RetryableConflict(
                    f"a concurrent import wrote the same key ({_constraint(error)})"
                ) from error
            raise

    def query(self, *, account_id: UUID | None, after: StatementCursor | None, limit: int) -> list[Statement]:
        statement = select(s)
        if account_id is not None:
            statement = statement.where(s.c.account_id == account_id)
        if after is not None:
            statement = statement.where(
                or_(
                    s.c.imported_at < after.imported_at,
                    and_(s.c.imported_at == after.imported_at, s.c.id < after.id),
                )
            )
        statement = statement.order_by(s.c.imported_at.desc(), s.c.id.desc()).limit(limit)
        return [statement_from_row(row) for row in self._tx.execute(statement)]

    def lines(self, statement_id: UUID, *, after_line: int | None, limit: int) -> list[StatementLine]:
        rows = self._tx.execute(
            _LINES, {"statement_id": statement_id, "after": after_line or 0, "limit": limit}
        )
        return [line_from_row(row) for row in rows]


class SqlCsvMappingRepository:
    """Implements `application.statements.CsvMappingRepository`."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def get(self, name: str) -> CsvMapping | None:
        if "\x00" in name:
            return None
        row = self._tx.execute(_MAPPING, {"name": name}).first()
        return None if row is None else CsvMapping.of(row.name, row.mapping)

    def add(self, mapping: CsvMapping, at: datetime) -> bool:
        added = self._tx.execute(
            pg_insert(m)
            .values(name=mapping.name, mapping=mapping.document(), created_at=at)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(m.c.name)
        ).first()
        return added is not None

    def query(self, *, after_name: str | None, limit: int) -> list[CsvMapping]:
        statement = select(m)
        if after_name is not None:
            statement = statement.where(m.c.name > after_name)
        statement = statement.order_by(m.c.name).limit(limit)
        return [CsvMapping.of(row.name, row.mapping) for row in self._tx.execute(statement)]


class SqlStatementUnitOfWork(TxScope):
    """Implements `application.statements.StatementUnitOfWork`: the mirror accounts, the statements and
    the CSV mappings in one transaction. Create one per use case."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._tx = tx = Tx()
        self.accounts = SqlAccountRepository(tx)
        self.statements = SqlStatementRepository(tx)
        self.csv_mappings = SqlCsvMappingRepository(tx)
