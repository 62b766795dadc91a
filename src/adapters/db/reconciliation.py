"""Reconciliation in SQL: the ledger window (both modes), the rules, runs, results and matches.

The ledger side (`application.reconciliation.LedgerWindow`) is read by one statement, stated once in
`plpython/razao_recon_store.py` (`LEDGER_WINDOW`): `SqlLedgerWindow` reads that constant from the file's
source (`ast.literal_eval`; no code of it runs here) and sends it through psycopg's raw cursors with
PostgreSQL's own `$n` parameters (the app mode); `InDatabaseLedgerWindow` calls
`razao.recon_ledger_window(...)`, whose PL/Python body runs the same statement over SPI (the db mode).
Both give the same entries in the same order, so both modes match the same way.

The reconciliation's own tables (revision 0023) are written and read here in both modes
(`SqlReconRepository`, in `SqlReconUnitOfWork`'s transaction, with the events' outbox): they are plain
rows with no ledger rule to keep, like the webhooks' store. A chunk's results and matches go out as one
JSON document per table (`json_to_recordset`), and what exists already is skipped (`ON CONFLICT (its
primary key) DO NOTHING`): a redone chunk changes nothing. Only the primary key: a line or an entry that
another active match took meanwhile violates `ux_recon_match_lines_active` / `ux_recon_match_entries_active`
and the whole chunk is refused (`MatchedMeanwhile`; the run redoes it). Writers of matches on one account
(chunks of any run, manual matches) take a transaction-level advisory lock on it first, so they meet one
after the other: the later one sees the earlier's matches as a unique violation, never as a deadlock.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Any
from uuid import UUID

import orjson
import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from adapters.db.code_bundle import PLPYTHON
from adapters.db.errors import DatabaseUnavailable
from adapters.db.events import SqlEventLog
from adapters.db.in_database import translate
from adapters.db.tx import Tx
from adapters.db.unit_of_work import TxScope
from application import codec
from application.reconciliation import (
    LEDGER,
    UNMATCHED,
    MatchedMeanwhile,
    MatchRecord,
    ResultRow,
    Run,
    SavedRule,
    StatementInfo,
    items_from_rows,
    reference_parts,
)
from domain.errors import InvalidState
from domain.reconciliation import (
    BankLine,
    LedgerItem,
    Rule,
    item_key,
    rule_from_dict,
    rule_to_dict,
    split_key,
)

SQL_SOURCE = PLPYTHON / "razao_recon_store.py"
#: Rows per fetch of the ledger window's rows (from the client's buffer).
BATCH_ROWS = 5000


@cache
def ledger_window_sql() -> str:
    """`LEDGER_WINDOW` as `plpython/razao_recon_store.py` states it."""
    tree = ast.parse(SQL_SOURCE.read_text(encoding="utf-8"), str(SQL_SOURCE))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "LEDGER_WINDOW"
        ):
            return str(ast.literal_eval(node.value))
    raise RuntimeError(f"{SQL_SOURCE} does not state LEDGER_WINDOW")


def _parameters(
    account_id: UUID, first: date, last: date, rule: Rule, run_id: UUID | None, chunk: int
) -> list[Any]:
    kind, key = reference_parts(rule)
    return [account_id, first, last, kind, key, rule.counterparty, run_id, chunk]


def _connect(engine: Engine) -> Any:
    try:
        return engine.connect()
    except OperationalError as error:
        raise DatabaseUnavailable(f"cannot connect to the database: {error.orig}") from error
    except PoolTimeout as busy:
        raise DatabaseUnavailable(f"no free database connection: {busy}") from busy


class SqlLedgerWindow:
    """`LedgerWindow` in the app: the statement in one short read transaction, its rows fetched at once
    (a window is one chunk's: bounded by the chunk, not by the ledger). Not a server-side cursor: a cursor
    is planned for its first rows (`cursor_tuple_fraction`), and that plan read a 50,000-entry window about
    15 times slower (bench/reconciliation.py)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def items(
        self, account_id: UUID, first: date, last: date, rule: Rule, run_id: UUID | None, chunk: int
    ) -> Sequence[LedgerItem]:
        sql = ledger_window_sql()
        params = _parameters(account_id, first, last, rule, run_id, chunk)
        found: list[LedgerItem] = []
        day_of: dict[str, date] = {}
        with _connect(self._engine) as connection:
            driver = connection.connection.driver_connection
            assert isinstance(driver, psycopg.Connection)
            try:
                with psycopg.RawCursor(driver) as cursor:
                    cursor.execute(sql, params)
                    while rows := cursor.fetchmany(BATCH_ROWS):
                        for key, day_text, amount, reference, counterparty in rows:
                            day = day_of.get(day_text)
                            if day is None:
                                day = day_of[day_text] = date.fromisoformat(day_text)
                            found.append(LedgerItem(key, day, int(amount), reference, counterparty))
            except psycopg.Error as error:
                caught: Any = error
                lost = connection.dialect.is_disconnect(caught, connection.connection.dbapi_connection, None)
                if lost and not connection.invalidated:
                    connection.invalidate(error)
                raise DBAPIError.instance(
                    sql, params, error, psycopg.Error, connection_invalidated=lost, dialect=connection.dialect
                ) from error
            connection.rollback()
        return found


_LEDGER_WINDOW_CALL = text(
    "SELECT razao.recon_ledger_window(expected_version => CAST(:expected_version AS text),"
    " account_id => CAST(:account_id AS uuid), first_day => CAST(:first_day AS date),"
    " last_day => CAST(:last_day AS date), rule => CAST(:rule AS jsonb), run_id => CAST(:run_id AS uuid),"
    " chunk => CAST(:chunk AS integer))"
)


class InDatabaseLedgerWindow:
    """`LedgerWindow` in the db mode: one call of `razao.recon_ledger_window` (one round trip)."""

    def __init__(self, engine: Engine, expected_version: str) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._version = expected_version

    def items(
        self, account_id: UUID, first: date, last: date, rule: Rule, run_id: UUID | None, chunk: int
    ) -> Sequence[LedgerItem]:
        parameters = {
            "expected_version": self._version,
            "account_id": account_id,
            "first_day": first,
            "last_day": last,
            "rule": codec.dumps(rule_to_dict(rule)),
            "run_id": run_id,
            "chunk": chunk,
        }
        try:
            with _connect(self._engine) as connection:
                data = connection.execute(_LEDGER_WINDOW_CALL, parameters).scalar_one()
        except DBAPIError as exc:
            error = translate(exc, self._version)
            if error is None:
                raise
            raise error from exc
        return items_from_rows(data)


# --- the reconciliation's tables ---------------------------------------------------------------------

_STATEMENT = text(
    "SELECT s.id, s.account_id, s.asset_code, s.opening_date, s.closing_date, s.closing_balance, s.line_count,"
    " a.normal_side FROM bank_statements s JOIN accounts a ON a.id = s.account_id WHERE s.id = :id"
)
_LINE_DAYS = text(
    "SELECT value_date, count(*) AS n FROM statement_lines WHERE statement_id = :id"
    " GROUP BY value_date ORDER BY value_date"
)
_HELD = (
    "EXISTS (SELECT 1 FROM recon_match_lines ml JOIN recon_matches m ON m.id = ml.match_id"
    " WHERE ml.active AND ml.statement_id = l.statement_id AND ml.line_no = l.line_no"
    " AND m.run_id IS DISTINCT FROM :run_id)"
)
_LINE_COLUMNS = (
    "SELECT l.line_no, l.value_date, CASE WHEN l.direction = 'debit' THEN -l.amount ELSE l.amount END AS amount,"
    " coalesce(l.reference, '') AS reference, coalesce(l.description, '') AS description,"
    " coalesce(l.counterparty, '') AS counterparty, {held} AS held FROM statement_lines l"
)
#: A chunk's lines: held when an active match of another run (or a person) has them.
_LINES = text(
    _LINE_COLUMNS.format(held=_HELD)
    + " WHERE l.statement_id = :id AND l.value_date BETWEEN :first AND :last ORDER BY l.line_no"
)
#: One line: held when any active match has it.
_LINE = text(
    _LINE_COLUMNS.format(held=_HELD.replace(" AND m.run_id IS DISTINCT FROM :run_id", ""))
    + " WHERE l.statement_id = :id AND l.line_no = :line_no"
)
_RESULT_COLUMNS = {
    "run_id": "uuid",
    "side": "text",
    "key": "text",
    "chunk": "integer",
    "state": "text",
    "line_no": "integer",
    "transfer_id": "uuid",
    "layer": "text",
    "line": "smallint",
    "value_date": "date",
    "amount": "numeric",
    "group_key": "text",
    "match_id": "uuid",
    "strategy": "text",
    "score": "integer",
    "candidates": "jsonb",
}
_MATCH_COLUMNS = {
    "id": "uuid",
    "account_id": "uuid",
    "run_id": "uuid",
    "strategy": "text",
    "score": "integer",
    "origin": "text",
    "matched_by": "text",
    "matched_at": "timestamptz",
}
_MATCH_LINE_COLUMNS = {"match_id": "uuid", "statement_id": "uuid", "line_no": "integer", "active": "boolean"}
_MATCH_ENTRY_COLUMNS = {
    "match_id": "uuid",
    "transfer_id": "uuid",
    "layer": "text",
    "line": "smallint",
    "active": "boolean",
}


def _insert(table: str, columns: dict[str, str], skip: str = "") -> Any:
    """INSERT of a JSON document's rows; `skip`: the primary key's columns, to leave rows that exist
    alone (any other unique violation still raises)."""
    names = ", ".join(columns)
    typed = ", ".join(f"{name} {type_}" for name, type_ in columns.items())
    conflict = f" ON CONFLICT ({skip}) DO NOTHING" if skip else ""
    return text(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM json_to_recordset(CAST(:rows AS json)) AS r({typed})"
        + conflict
    )


_INSERT_RESULTS = _insert("recon_results", _RESULT_COLUMNS, "run_id, side, key")
_INSERT_MATCHES = _insert("recon_matches", _MATCH_COLUMNS, "id")
_INSERT_MATCH_LINES = _insert("recon_match_lines", _MATCH_LINE_COLUMNS, "match_id, statement_id, line_no")
_INSERT_MATCH_ENTRIES = _insert(
    "recon_match_entries", _MATCH_ENTRY_COLUMNS, "match_id, transfer_id, layer, line"
)
_MANUAL_MATCHES = _insert("recon_matches", _MATCH_COLUMNS)
_MANUAL_LINES = _insert("recon_match_lines", _MATCH_LINE_COLUMNS)
_MANUAL_ENTRIES = _insert("recon_match_entries", _MATCH_ENTRY_COLUMNS)
#: The advisory lock space of match writers (the first key of `pg_advisory_xact_lock(int, int)`), per
#: mirror account.
_MATCH_LOCK_SPACE = 0x5A23
_MATCH_LOCK = text("SELECT pg_advisory_xact_lock(:space, hashtext(:account))")
#: Is any of these lines or entries in an active match? (Along the two partial unique indexes.)
_HELD_ANY = text(
    "SELECT 1 FROM recon_match_lines WHERE active AND (statement_id, line_no) IN"
    " (SELECT * FROM unnest(CAST(:statements AS uuid[]), CAST(:nos AS integer[])))"
    " UNION ALL SELECT 1 FROM recon_match_entries WHERE active AND (transfer_id, layer, line) IN"
    " (SELECT * FROM unnest(CAST(:transfers AS uuid[]), CAST(:layers AS text[]), CAST(:lines AS smallint[])))"
    " LIMIT 1"
)
_RUN_COLUMNS = (
    "id, job_id, statement_id, account_id, rules_id, rule, dry_run, state, summary, balance_check,"
    " created_by, created_at, finished_at"
)
_RESULT_SELECT = (
    "SELECT side, key, state, value_date, amount, line_no, transfer_id, layer, line, group_key, match_id,"
    " strategy, score, candidates, chunk FROM recon_results"
)
_UNMATCHED_ENTRIES = text(
    "SELECT k.key, (e.effective_at AT TIME ZONE 'UTC')::date AS value_date,"
    " CASE WHEN e.side = a.normal_side THEN e.amount ELSE -e.amount END AS amount,"
    " e.transfer_id, e.layer, e.line"
    " FROM accounts a JOIN entries e ON e.account_id = a.id AND e.layer = 'posted'"
    "  AND e.effective_at >= CAST(:first AS date)::timestamp AT TIME ZONE 'UTC'"
    "  AND e.effective_at < (CAST(:last AS date) + 1)::timestamp AT TIME ZONE 'UTC'"
    " CROSS JOIN LATERAL (SELECT e.transfer_id::text || ':' || e.layer || ':' || e.line AS key) k"
    " WHERE a.id = :account_id"
    "  AND NOT EXISTS (SELECT 1 FROM recon_match_entries me WHERE me.active"
    "   AND me.transfer_id = e.transfer_id AND me.layer = e.layer AND me.line = e.line)"
    "  AND NOT EXISTS (SELECT 1 FROM recon_results r WHERE r.run_id = :run_id AND r.side = 'ledger'"
    "   AND r.key = k.key)"
    "  AND (CAST(:after AS text) IS NULL OR k.key > CAST(:after AS text))"
    " ORDER BY 1 LIMIT :limit"
)


def _json(rows: list[dict[str, Any]]) -> str:
    return orjson.dumps(rows, default=_default).decode()


def _default(value: object) -> Any:
    if isinstance(value, UUID | date | datetime):
        return str(value) if isinstance(value, UUID) else value.isoformat()
    raise TypeError(type(value).__name__)


def _entry_columns(row: ResultRow) -> dict[str, Any]:
    """A ledger row's transfer, layer and line (from its key when the row does not carry them)."""
    if row.side != LEDGER or row.transfer_id is not None:
        return {"transfer_id": row.transfer_id, "layer": row.layer, "line": row.line}
    transfer_id, layer, line = split_key(row.key)
    return {"transfer_id": transfer_id, "layer": layer, "line": line}


def _run(row: Any) -> Run:
    return Run(
        id=row.id,
        statement_id=row.statement_id,
        account_id=row.account_id,
        rule=rule_from_dict(row.rule),
        dry_run=row.dry_run,
        created_at=row.created_at,
        rules_id=row.rules_id,
        job_id=row.job_id,
        created_by=row.created_by,
        state=row.state,
        summary=row.summary,
        balance_check=row.balance_check,
        finished_at=row.finished_at,
    )


def _result(row: Any) -> ResultRow:
    return ResultRow(
        side=row.side,
        key=row.key,
        state=row.state,
        value_date=row.value_date,
        amount=None if row.amount is None else int(row.amount),
        line_no=row.line_no,
        transfer_id=row.transfer_id,
        layer=row.layer,
        line=row.line,
        group_key=row.group_key,
        match_id=row.match_id,
        strategy=row.strategy,
        score=row.score,
        candidates=row.candidates,
        chunk=row.chunk,
    )


def _rule(row: Any) -> SavedRule:
    return SavedRule(row.id, row.name, rule_from_dict(row.rule), row.created_by, row.created_at)


class SqlReconRepository:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    # rules
    def add_rule(self, saved: SavedRule) -> None:
        try:
            self._tx.execute(
                text(
                    "INSERT INTO recon_rules (id, name, rule, created_by, created_at)"
                    " VALUES (:id, :name, CAST(:rule AS jsonb), :by, :at)"
                ),
                {
                    "id": saved.id,
                    "name": saved.name,
                    "rule": codec.dumps(rule_to_dict(saved.rule)),
                    "by": saved.created_by,
                    "at": saved.created_at,
                },
            )
        except IntegrityError as error:
            raise InvalidState(
                f"a reconciliation rule named {saved.name!r} exists", name=saved.name
            ) from error

    def get_rule(self, rule_id: UUID) -> SavedRule | None:
        row = self._tx.execute(
            text("SELECT id, name, rule, created_by, created_at FROM recon_rules WHERE id = :id"),
            {"id": rule_id},
        ).one_or_none()
        return None if row is None else _rule(row)

    def list_rules(self, after: str | None, limit: int) -> list[SavedRule]:
        rows = self._tx.execute(
            text(
                "SELECT id, name, rule, created_by, created_at FROM recon_rules"
                " WHERE CAST(:after AS text) IS NULL OR name > CAST(:after AS text) ORDER BY name LIMIT :limit"
            ),
            {"after": after, "limit": limit},
        )
        return [_rule(row) for row in rows]

    # statements
    def statement(self, statement_id: UUID) -> StatementInfo | None:
        row = self._tx.execute(_STATEMENT, {"id": statement_id}).one_or_none()
        if row is None:
            return None
        return StatementInfo(
            row.id,
            row.account_id,
            row.asset_code,
            row.opening_date,
            row.closing_date,
            None if row.closing_balance is None else int(row.closing_balance),
            int(row.line_count or 0),
            row.normal_side,
        )

    def line_days(self, statement_id: UUID) -> list[tuple[date, int]]:
        return [(row.value_date, int(row.n)) for row in self._tx.execute(_LINE_DAYS, {"id": statement_id})]

    def lines(self, statement_id: UUID, first: date, last: date, run_id: UUID) -> tuple[list[BankLine], int]:
        rows = self._tx.execute(_LINES, {"id": statement_id, "first": first, "last": last, "run_id": run_id})
        found: list[BankLine] = []
        held = 0
        for row in rows:
            if row.held:
                held += 1
            else:
                found.append(
                    BankLine(
                        row.line_no,
                        row.value_date,
                        int(row.amount),
                        row.reference,
                        row.description,
                        row.counterparty,
                    )
                )
        return found, held

    def line(self, statement_id: UUID, line_no: int) -> tuple[BankLine, bool] | None:
        row = self._tx.execute(_LINE, {"id": statement_id, "line_no": line_no, "run_id": None}).one_or_none()
        if row is None:
            return None
        line = BankLine(
            row.line_no, row.value_date, int(row.amount), row.reference, row.description, row.counterparty
        )
        return line, bool(row.held)

    def line_numbers(self, statement_id: UUID, line_nos: Sequence[int]) -> list[int]:
        rows = self._tx.execute(
            text("SELECT line_no FROM statement_lines WHERE statement_id = :id AND line_no = ANY(:nos)"),
            {"id": statement_id, "nos": list(line_nos)},
        )
        return [row.line_no for row in rows]

    def entries_of(self, account_id: UUID, transfer_ids: Sequence[UUID]) -> list[str]:
        rows = self._tx.execute(
            text(
                "SELECT transfer_id, layer, line FROM entries WHERE account_id = :account_id"
                " AND layer = 'posted' AND transfer_id = ANY(:ids)"
            ),
            {"account_id": account_id, "ids": list(transfer_ids)},
        )
        return [item_key(row.transfer_id, row.layer, row.line) for row in rows]

    # runs
    def add_run(self, run: Run) -> None:
        self._tx.execute(
            text(
                f"INSERT INTO recon_runs ({_RUN_COLUMNS}) VALUES (:id, :job_id, :statement_id, :account_id,"
                " :rules_id, CAST(:rule AS jsonb), :dry_run, :state, CAST(:summary AS jsonb),"
                " CAST(:balance_check AS jsonb), :created_by, :created_at, :finished_at)"
            ),
            self._run_values(run),
        )

    def _run_values(self, run: Run) -> dict[str, Any]:
        return {
            "id": run.id,
            "job_id": run.job_id,
            "statement_id": run.statement_id,
            "account_id": run.account_id,
            "rules_id": run.rules_id,
            "rule": codec.dumps(rule_to_dict(run.rule)),
            "dry_run": run.dry_run,
            "state": run.state,
            "summary": None if run.summary is None else codec.dumps(run.summary),
            "balance_check": None if run.balance_check is None else codec.dumps(run.balance_check),
            "created_by": run.created_by,
            "created_at": run.created_at,
            "finished_at": run.finished_at,
        }

    def get_run(self, run_id: UUID) -> Run | None:
        row = self._tx.execute(
            text(f"SELECT {_RUN_COLUMNS} FROM recon_runs WHERE id = :id"), {"id": run_id}
        ).one_or_none()
        return None if row is None else _run(row)

    def save_run(self, run: Run) -> None:
        self._tx.execute(
            text(
                "UPDATE recon_runs SET job_id = :job_id, state = :state, summary = CAST(:summary AS jsonb),"
                " balance_check = CAST(:balance_check AS jsonb), finished_at = :finished_at WHERE id = :id"
            ),
            self._run_values(run),
        )

    # results and matches
    def record(self, run: Run, rows: Sequence[ResultRow], matches: Sequence[MatchRecord]) -> None:
        if matches:
            self._lock_account(run.account_id)
            try:
                self._write_matches(matches, conflicts=True)
            except IntegrityError as error:
                raise MatchedMeanwhile(
                    "a line or an entry this chunk matched was matched meanwhile", run_id=str(run.id)
                ) from error
        if rows:
            document = [
                {
                    "run_id": run.id,
                    "side": r.side,
                    "key": r.key,
                    "chunk": r.chunk,
                    "state": r.state,
                    "line_no": r.line_no,
                    **_entry_columns(r),
                    "value_date": r.value_date,
                    "amount": r.amount,
                    "group_key": r.group_key,
                    "match_id": r.match_id,
                    "strategy": r.strategy,
                    "score": r.score,
                    "candidates": r.candidates,
                }
                for r in rows
            ]
            self._tx.execute(_INSERT_RESULTS, {"rows": _json(document)})

    def _lock_account(self, account_id: UUID) -> None:
        self._tx.execute(_MATCH_LOCK, {"space": _MATCH_LOCK_SPACE, "account": str(account_id)})

    def _write_matches(self, matches: Sequence[MatchRecord], *, conflicts: bool) -> None:
        heads = [
            {
                "id": m.id,
                "account_id": m.account_id,
                "run_id": m.run_id,
                "strategy": m.strategy,
                "score": m.score,
                "origin": m.origin,
                "matched_by": m.matched_by,
                "matched_at": m.matched_at,
            }
            for m in matches
        ]
        links = [
            {"match_id": m.id, "statement_id": statement_id, "line_no": line_no, "active": True}
            for m in matches
            for statement_id, line_no in m.lines
        ]
        entries: list[dict[str, Any]] = []
        for m in matches:
            for key in m.entries:
                transfer_id, layer, line = split_key(key)
                entries.append(
                    {
                        "match_id": m.id,
                        "transfer_id": transfer_id,
                        "layer": layer,
                        "line": line,
                        "active": True,
                    }
                )
        statements = (
            (_INSERT_MATCHES, _INSERT_MATCH_LINES, _INSERT_MATCH_ENTRIES)
            if conflicts
            else (_MANUAL_MATCHES, _MANUAL_LINES, _MANUAL_ENTRIES)
        )
        documents: tuple[list[dict[str, Any]], ...] = (heads, links, entries)
        for statement, document in zip(statements, documents, strict=True):
            self._tx.execute(statement, {"rows": _json(document)})

    def results(
        self, run: Run, side: str, state: str | None, after: str | None, limit: int
    ) -> list[ResultRow]:
        rows = self._tx.execute(
            text(
                _RESULT_SELECT + " WHERE run_id = :run_id AND side = :side"
                " AND (CAST(:state AS text) IS NULL OR state = CAST(:state AS text))"
                " AND (CAST(:after AS text) IS NULL OR key > CAST(:after AS text)) ORDER BY key LIMIT :limit"
            ),
            {"run_id": run.id, "side": side, "state": state, "after": after, "limit": limit},
        )
        return [_result(row) for row in rows]

    def unmatched_entries(
        self, run: Run, first: date, last: date, after: str | None, limit: int
    ) -> list[ResultRow]:
        rows = self._tx.execute(
            _UNMATCHED_ENTRIES,
            {
                "account_id": run.account_id,
                "first": first,
                "last": last,
                "run_id": run.id,
                "after": after,
                "limit": limit,
            },
        )
        return [
            ResultRow(
                LEDGER,
                row.key,
                UNMATCHED,
                row.value_date,
                int(row.amount),
                transfer_id=row.transfer_id,
                layer=row.layer,
                line=row.line,
            )
            for row in rows
        ]

    def add_match(self, record: MatchRecord) -> None:
        self._lock_account(record.account_id)
        entries = [split_key(key) for key in record.entries]
        held = self._tx.execute(
            _HELD_ANY,
            {
                "statements": [s for s, _ in record.lines],
                "nos": [n for _, n in record.lines],
                "transfers": [t for t, _, _ in entries],
                "layers": [layer for _, layer, _ in entries],
                "lines": [line for _, _, line in entries],
            },
        ).first()
        if held is not None:
            raise InvalidState(
                "a line or an entry of this match is in an active match already; unmatch it first"
            )
        try:
            self._write_matches([record], conflicts=False)
        except IntegrityError as error:
            raise InvalidState(
                "a line or an entry of this match was matched meanwhile; unmatch it first"
            ) from error

    def get_match(self, match_id: UUID) -> MatchRecord | None:
        head = self._tx.execute(
            text(
                "SELECT id, account_id, run_id, strategy, score, origin, matched_by, matched_at, unmatched_by,"
                " unmatched_at FROM recon_matches WHERE id = :id"
            ),
            {"id": match_id},
        ).one_or_none()
        if head is None:
            return None
        lines = self._tx.execute(
            text("SELECT statement_id, line_no FROM recon_match_lines WHERE match_id = :id ORDER BY 1, 2"),
            {"id": match_id},
        )
        entries = self._tx.execute(
            text(
                "SELECT transfer_id, layer, line FROM recon_match_entries WHERE match_id = :id ORDER BY 1, 2, 3"
            ),
            {"id": match_id},
        )
        return MatchRecord(
            head.id,
            head.account_id,
            head.strategy,
            head.origin,
            tuple((row.statement_id, row.line_no) for row in lines),
            tuple(item_key(row.transfer_id, row.layer, row.line) for row in entries),
            head.matched_by,
            head.matched_at,
            run_id=head.run_id,
            score=head.score,
            unmatched_by=head.unmatched_by,
            unmatched_at=head.unmatched_at,
        )

    def unmatch(self, match_id: UUID, by: str, at: datetime) -> None:
        done = self._tx.execute(
            text(
                "UPDATE recon_matches SET unmatched_by = :by, unmatched_at = :at"
                " WHERE id = :id AND unmatched_at IS NULL"
            ),
            {"id": match_id, "by": by, "at": at},
        )
        if done.rowcount != 1:  # another unmatch committed first: its record stands
            raise InvalidState(f"match {match_id} was already unmatched", match_id=str(match_id))
        for table in ("recon_match_lines", "recon_match_entries"):
            self._tx.execute(
                text(f"UPDATE {table} SET active = false WHERE match_id = :id"), {"id": match_id}
            )


class SqlReconUnitOfWork(TxScope):
    """Implements `application.reconciliation.ReconUnitOfWork`: one connection and one transaction per
    `with` block (rolled back unless `commit()`); a new one per use case."""

    recon: SqlReconRepository
    events: SqlEventLog

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._tx = tx = Tx()
        self.recon = SqlReconRepository(tx)
        self.events = SqlEventLog(tx)
