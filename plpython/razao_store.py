"""The PL/Python unit of work: `application.ports.UnitOfWork` over SPI, inside PostgreSQL.

Mirrors `adapters.db` (the SQLAlchemy adapter) statement for statement, so a use case behaves the same
in either mode: accounts are locked `ORDER BY id FOR UPDATE` (no deadlocks), transfers are read with
their journal entries in two statements, transfer writes are deferred and sent in bulk (one INSERT of
transfers, one UPDATE of statuses, one INSERT of entries: a status change goes out before the posted
entries it makes room for; then one INSERT of the transaction's events), and the expiry scan locks with
`SKIP LOCKED`.

Balances and `accounts.last_seq` are maintained by the database's triggers from the journal
(migration 0002): this store writes only `accounts.status`, never a balance.

Rules of this module:
- every statement is a constant SQL text prepared once per backend with typed parameters ($1, $2 ...)
  and cached in `_PLANS`; no SQL is ever built from data;
- timestamps are read as ISO 8601 text (`to_json(ts) #>> '{}'`, whatever the session's DateStyle) and
  written as ISO 8601 text; NUMERIC arrives as `Decimal` and becomes `int`; uuid and jsonb as text;
- `with uow:` opens a subtransaction (`plpy.subtransaction()`); `commit()` releases it, and leaving the
  block without `commit()` rolls it back.

Every unit of work of one function call shares the calling statement's transaction: a write committed
by one is visible to the next, and the whole call commits or rolls back with that statement (the app
runs it in autocommit, so the statement is the transaction). Unlike separate connections, two units of
work open at once would see each other's uncommitted writes; no use case nests them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from operator import itemgetter
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from uuid import UUID

import razao_sql
from razao_sql import group_sql

from application.journal import JournalCursor, JournalLine
from application.pages import like_escape, prefix_upper_bound
from application.ports import (
    AccountRepository,
    AssetRepository,
    StatementLine,
    TransferCursor,
    TransferRepository,
)
from application.search import AccountFilter, CategoryRef, MetadataFilter, TransferFilter
from domain.accounts import Account, AccountStatus, Balances, Layer, Side
from domain.assets import Asset
from domain.monitors import BalanceKind, Comparison, Condition, Monitor
from domain.periods import ClosedPeriods, refusal_of_database
from domain.reports import AssetTotals
from domain.time_basis import Basis, ValuePosition
from domain.transfers import Entry, Posting, Transfer, TransferStatus

if TYPE_CHECKING:  # the interest and verification modules load with the functions that need them
    from application.events import Event, EventLog
    from application.interest import InterestRepository
    from application.monitors import MonitorRepository
    from application.verification import LedgerScan
    from domain.interest import Accrual, Carried, InterestPolicy
    from domain.verification import JournalRow, TransferRow

#: Prepared plans of this backend, by SQL text (PL/Python caches modules per backend).
_PLANS: dict[tuple[str, tuple[str, ...]], Any] = {}


def _plan(plpy: Any, sql: str, types: Sequence[str]) -> Any:
    """The prepared plan of `sql`, prepared on first use in this backend."""
    key = (sql, tuple(types))
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = plpy.prepare(sql, list(types))
    return plan


def _ts(column: str) -> str:
    """SQL reading a timestamptz column as ISO 8601 text with an offset."""
    return f"(to_json({column}) #>> '{{}}')"


# --- conversions -----------------------------------------------------------------------------------


def _datetime(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _optional_datetime(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _uuid(text: str | None) -> UUID | None:
    return None if text is None else UUID(text)


def _int(value: Decimal | int) -> int:
    return int(value)


def _optional_int(value: Decimal | int | None) -> int | None:
    return None if value is None else int(value)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# --- the transaction -------------------------------------------------------------------------------


class _Rollback(Exception):
    """Given to a subtransaction's `__exit__` to make it roll back."""


class Spi:
    """One unit of work's access to SPI: cached plans, deferred transfer writes, the subtransaction."""

    def __init__(self, plpy: Any) -> None:
        self.plpy = plpy
        self._subtransaction: Any = None
        self._transfers: list[tuple[Any, ...]] = []
        self._status_changes: list[tuple[Any, ...]] = []
        self._entries: list[tuple[Any, ...]] = []
        self._events: list[dict[str, Any]] = []
        #: Status of each account as locked in this transaction (see `PlpyAccountRepository.save`).
        self.locked_status: dict[UUID, AccountStatus] = {}

    # the subtransaction
    @property
    def is_open(self) -> bool:
        return self._subtransaction is not None

    def begin(self) -> None:
        subtransaction = self.plpy.subtransaction()
        subtransaction.__enter__()
        self._subtransaction = subtransaction

    def end(self, *, commit: bool) -> None:
        subtransaction, self._subtransaction = self._subtransaction, None
        if subtransaction is None:
            return
        if commit:
            subtransaction.__exit__(None, None, None)
        else:
            self._forget()
            subtransaction.__exit__(_Rollback, _Rollback("rolled back"), None)

    def _check_open(self) -> None:
        if self._subtransaction is None:
            raise RuntimeError("the unit of work is not open; use it in a `with` block")

    def _forget(self) -> None:
        self._transfers.clear()
        self._status_changes.clear()
        self._entries.clear()
        self._events.clear()
        self.locked_status.clear()

    # statements
    def plan(self, sql: str, types: Sequence[str] = ()) -> Any:
        return _plan(self.plpy, sql, types)

    def execute(self, sql: str, types: Sequence[str] = (), args: Sequence[Any] = ()) -> list[Any]:
        """Run one prepared statement, after sending the deferred writes (reads see them)."""
        self._check_open()
        self.flush()
        return list(self.plpy.execute(self.plan(sql, types), list(args)))

    # deferred transfer writes
    def insert_transfer(self, row: tuple[Any, ...]) -> None:
        self._check_open()
        self._transfers.append(row)

    def change_transfer_status(self, row: tuple[Any, ...]) -> None:
        self._check_open()
        self._status_changes.append(row)

    def insert_entries(self, rows: Iterable[tuple[Any, ...]]) -> None:
        self._check_open()
        self._entries.extend(rows)

    def insert_events(self, rows: Iterable[dict[str, Any]]) -> None:
        self._check_open()
        self._events.extend(rows)

    def flush(self) -> None:
        """Transfers first (entries refer to them), then status changes (posting a pending transfer
        releases its hold before its posted entries arrive), then all entries in one statement, then
        the events (`PlpyEventLog`)."""
        for (sql, types), rows in (
            (_INSERT_TRANSFERS, self._transfers),
            (_UPDATE_TRANSFER_STATUS, self._status_changes),
            (_INSERT_ENTRIES, self._entries),
        ):
            if rows:
                columns = [list(column) for column in zip(*rows, strict=True)]
                rows.clear()
                self.plpy.execute(self.plan(sql, types), columns)
        if self._events:
            document = _events_json(self._events)
            self._events.clear()
            self.plpy.execute(self.plan(*_INSERT_EVENTS), [document])


_INSERT_TRANSFERS = (
    "INSERT INTO public.transfers (id, status, two_phase, description, metadata, effective_at, created_at,"
    " timeout_at, resolved_at, reverses_id, fingerprint)"
    " SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    (
        "uuid[]",
        "text[]",
        "boolean[]",
        "text[]",
        "jsonb[]",
        "timestamptz[]",
        "timestamptz[]",
        "timestamptz[]",
        "timestamptz[]",
        "uuid[]",
        "text[]",
    ),
)
_UPDATE_TRANSFER_STATUS = (
    "UPDATE public.transfers t SET status = u.status, resolved_at = u.resolved_at"
    " FROM unnest($1, $2, $3) AS u(id, status, resolved_at) WHERE t.id = u.id",
    ("uuid[]", "text[]", "timestamptz[]"),
)
_INSERT_ENTRIES = (
    "INSERT INTO public.entries (transfer_id, account_id, seq, line, layer, side, amount, asset_code,"
    " balance_after, created_at, effective_at)"
    " SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    (
        "uuid[]",
        "uuid[]",
        "bigint[]",
        "smallint[]",
        "text[]",
        "text[]",
        "numeric[]",
        "text[]",
        "numeric[]",
        "timestamptz[]",
        "timestamptz[]",
    ),
)


# --- assets ----------------------------------------------------------------------------------------


class PlpyAssetRepository:
    def __init__(self, spi: Spi) -> None:
        self._spi = spi

    def get(self, code: str) -> Asset | None:
        rows = self._spi.execute("SELECT code, scale FROM public.assets WHERE code = $1", ["text"], [code])
        return Asset(rows[0]["code"], rows[0]["scale"]) if rows else None

    def add(self, asset: Asset) -> None:
        self._spi.execute(
            "INSERT INTO public.assets (code, scale) VALUES ($1, $2)",
            ["text", "smallint"],
            [asset.code, asset.scale],
        )

    def all(self) -> list[Asset]:
        rows = self._spi.execute("SELECT code, scale FROM public.assets ORDER BY code")
        return [Asset(row["code"], row["scale"]) for row in rows]


# --- accounts --------------------------------------------------------------------------------------

_ACCOUNTS = (
    "SELECT a.id, a.code, a.name, a.asset_code, s.scale, a.normal_side, a.min_balance, a.status,"
    f" a.metadata, {_ts('a.created_at')} AS created_at, a.posted_debits, a.posted_credits,"
    " a.pending_debits, a.pending_credits, a.last_seq"
    " FROM public.accounts a JOIN public.assets s ON s.code = a.asset_code"
)
# A literal, not a parameter: the planner must see it to use the partial index.
_POSTED = "e.layer = 'posted'"

_TOTALS = (
    "SELECT asset_code, count(*) AS n_accounts, sum(posted_debits) AS posted_debits,"
    " sum(posted_credits) AS posted_credits, sum(pending_debits) AS pending_debits,"
    " sum(pending_credits) AS pending_credits,"
    " sum(greatest(posted_debits - posted_credits, 0)) AS debit_bal,"
    " sum(greatest(posted_credits - posted_debits, 0)) AS credit_bal"
    " FROM public.accounts{where} GROUP BY asset_code ORDER BY asset_code"
)
#: The trial balance by value date (`razao.value_totals`, revision 0015), with today's holds.
_VALUE_TOTALS = (
    "SELECT v.asset_code, v.accounts AS n_accounts, v.posted_debits, v.posted_credits,"
    " coalesce(p.pending_debits, 0) AS pending_debits, coalesce(p.pending_credits, 0) AS pending_credits,"
    " v.debit_balances AS debit_bal, v.credit_balances AS credit_bal"
    " FROM razao.value_totals($1) v LEFT JOIN ("
    "SELECT asset_code, sum(pending_debits) AS pending_debits, sum(pending_credits) AS pending_credits"
    " FROM public.accounts GROUP BY asset_code) p ON p.asset_code = v.asset_code"
    "{where} ORDER BY v.asset_code"
)
_LINES = (
    "SELECT e.transfer_id, e.account_id, e.seq, e.line, e.layer, e.side, e.amount, e.asset_code,"
    f" e.balance_after, {_ts('e.created_at')} AS created_at,"
    f" {_ts('e.effective_at')} AS effective_at, t.description"
    " FROM public.entries e JOIN public.transfers t ON t.id = e.transfer_id"
)


def _account(row: Any) -> Account:
    return Account(
        id=UUID(row["id"]),
        code=row["code"],
        name=row["name"],
        asset=Asset(row["asset_code"], row["scale"]),
        normal_side=Side(row["normal_side"]),
        min_balance=_optional_int(row["min_balance"]),
        status=AccountStatus(row["status"]),
        metadata=json.loads(row["metadata"]),
        created_at=_datetime(row["created_at"]),
        balances=Balances(
            posted_debits=_int(row["posted_debits"]),
            posted_credits=_int(row["posted_credits"]),
            pending_debits=_int(row["pending_debits"]),
            pending_credits=_int(row["pending_credits"]),
        ),
        last_seq=row["last_seq"],
    )


def _entry(row: Any) -> Entry:
    return Entry(
        transfer_id=UUID(row["transfer_id"]),
        account_id=UUID(row["account_id"]),
        seq=row["seq"],
        layer=Layer(row["layer"]),
        side=Side(row["side"]),
        amount=_int(row["amount"]),
        asset=row["asset_code"],
        balance_after=_int(row["balance_after"]),
        created_at=_datetime(row["created_at"]),
        line=row["line"],
    )


class _Conditions:
    """WHERE conditions chosen from constant fragments, each with its numbered, typed parameter."""

    def __init__(self, *fixed: str) -> None:
        self.sql: list[str] = list(fixed)
        self.types: list[str] = []
        self.args: list[Any] = []

    def param(self, type_: str, value: Any) -> str:
        self.types.append(type_)
        self.args.append(value)
        return f"${len(self.args)}"

    def add(self, fragment: str, type_: str, value: Any) -> None:
        """`fragment` holds `{}` where the parameter goes."""
        self.sql.append(fragment.format(self.param(type_, value)))

    def where(self) -> str:
        return " WHERE " + " AND ".join(self.sql) if self.sql else ""


def _metadata(conditions: _Conditions, column: str, where: MetadataFilter) -> None:
    """Metadata conditions the partial GIN indexes answer: their predicate as a literal, containment
    and key existence (as `adapters.db.search.metadata_conditions`)."""
    if not where:
        return
    conditions.sql.append(f"{column} <> '{{}}'::jsonb")
    if where.equals:
        conditions.add(f"{column} @> {{}}", "jsonb", _json(where.document()))
    if where.has:
        conditions.add(f"{column} ?& {{}}", "text[]", list(where.has))


#: A category and every category nested below it (as `adapters.db.accounts`).
_CATEGORY_TREE = (
    "WITH RECURSIVE tree(id) AS (SELECT CAST($1 AS uuid)"
    " UNION SELECT c.id FROM public.categories c JOIN tree ON c.parent_id = tree.id)"
    " SELECT id FROM tree"
)
#: A transfer's amount (`application.search.transfer_amount`), as `adapters.db.search.transfer_amount`.
_AMOUNT = (
    "(SELECT coalesce(sum(e.amount), 0) FROM public.entries e WHERE e.transfer_id = t.id"
    " AND e.layer = CASE WHEN t.status = 'posted' THEN 'posted' ELSE 'pending' END AND e.side = 'debit')"
)


class PlpyAccountRepository:
    def __init__(self, spi: Spi) -> None:
        self._spi = spi

    def add(self, account: Account) -> None:
        """Insert a new account; its balances and entry counter start at the columns' defaults (zero)
        and are the triggers' business from then on."""
        self._spi.execute(
            "INSERT INTO public.accounts (id, code, name, asset_code, normal_side, min_balance, status,"
            " metadata, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            ["uuid", "text", "text", "text", "text", "numeric", "text", "jsonb", "timestamptz"],
            [
                str(account.id),
                account.code,
                account.name,
                account.asset.code,
                account.normal_side.value,
                account.min_balance,
                account.status.value,
                _json(account.metadata),
                _iso(account.created_at),
            ],
        )

    def _one(self, sql: str, type_: str, value: Any) -> Account | None:
        rows = self._spi.execute(sql, [type_], [value])
        return _account(rows[0]) if rows else None

    def get(self, account_id: UUID) -> Account | None:
        return self._one(_ACCOUNTS + " WHERE a.id = $1", "uuid", str(account_id))

    def get_by_code(self, code: str) -> Account | None:
        if "\x00" in code:  # no stored code has one, and PostgreSQL text cannot carry it
            return None
        return self._one(_ACCOUNTS + " WHERE a.code = $1", "text", code)

    def lock(self, account_ids: Iterable[UUID]) -> dict[UUID, Account]:
        """Locked in ascending id order, so two transactions never wait on each other in a cycle."""
        ids = sorted(set(account_ids))
        if not ids:
            return {}
        rows = self._spi.execute(
            _ACCOUNTS + " WHERE a.id = ANY($1) ORDER BY a.id FOR UPDATE OF a",
            ["uuid[]"],
            [[str(i) for i in ids]],
        )
        locked = {}
        for row in rows:
            account = _account(row)
            locked[account.id] = account
            self._spi.locked_status[account.id] = account.status
        return locked

    def save(self, accounts: Iterable[Account]) -> None:
        """Write the status of accounts whose status changed since `lock`. Balances and `last_seq`
        follow from the journal (database triggers); saving an unlocked account is a bug."""
        locked = self._spi.locked_status
        changed: list[Account] = []
        for account in accounts:
            if account.id not in locked:
                raise AssertionError(f"account {account.id} was saved without being locked first")
            if locked[account.id] is not account.status:
                changed.append(account)
                locked[account.id] = account.status
        if changed:
            self._spi.execute(
                "UPDATE public.accounts a SET status = u.status"
                " FROM unnest($1, $2) AS u(id, status) WHERE a.id = u.id",
                ["uuid[]", "text[]"],
                [[str(a.id) for a in changed], [a.status.value for a in changed]],
            )

    def query(
        self,
        where: AccountFilter,
        *,
        categories: Sequence[UUID] | None,
        after_code: str | None,
        limit: int,
    ) -> list[Account]:
        conditions = _Conditions()
        code_prefix = where.code_prefix
        if code_prefix:
            if "\x00" in code_prefix:
                return []
            conditions.add("a.code >= {}", "text", code_prefix)
            conditions.add("a.code LIKE {} ESCAPE '\\'", "text", like_escape(code_prefix) + "%")
            upper = prefix_upper_bound(code_prefix)
            if upper is not None:
                conditions.add("a.code < {}", "text", upper)
        if where.asset is not None:
            conditions.add("a.asset_code = {}", "text", where.asset)
        if where.status is not None:
            conditions.add("a.status = {}", "text", where.status.value)
        _metadata(conditions, "a.metadata", where.metadata)
        if categories is not None:
            conditions.add(
                "a.id IN (SELECT ac.account_id FROM public.account_categories ac WHERE ac.category_id = ANY({}))",
                "uuid[]",
                [str(i) for i in categories],
            )
        if after_code is not None:
            conditions.add("a.code > {}", "text", after_code)
        sql = f"{_ACCOUNTS}{conditions.where()} ORDER BY a.code LIMIT {conditions.param('bigint', limit)}"
        return [_account(row) for row in self._spi.execute(sql, conditions.types, conditions.args)]

    def category_tree(self, category: CategoryRef, *, descendants: bool) -> list[UUID] | None:
        if category.id is not None:
            rows = self._spi.execute(
                "SELECT id FROM public.categories WHERE id = $1", ["uuid"], [str(category.id)]
            )
        elif category.code is not None and "\x00" not in category.code:
            rows = self._spi.execute(
                "SELECT id FROM public.categories WHERE code = $1", ["text"], [category.code]
            )
        else:
            return None
        if not rows:
            return None
        if not descendants:
            return [UUID(rows[0]["id"])]
        tree = self._spi.execute(_CATEGORY_TREE, ["uuid"], [rows[0]["id"]])
        return [UUID(row["id"]) for row in tree]

    def statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None,
        end: datetime | None,
        after_seq: int | None,
        limit: int,
    ) -> list[StatementLine]:
        where = _Conditions(_POSTED)
        where.add("e.account_id = {}", "uuid", str(account_id))
        if start is not None:
            where.add("e.created_at >= {}", "timestamptz", _iso(start))
        if end is not None:
            where.add("e.created_at < {}", "timestamptz", _iso(end))
        if after_seq is not None:
            where.add("e.seq > {}", "bigint", after_seq)
        sql = f"{_LINES}{where.where()} ORDER BY e.seq LIMIT {where.param('bigint', limit)}"
        return self._lines(sql, where)

    def _lines(self, sql: str, where: _Conditions) -> list[StatementLine]:
        return [
            StatementLine(_entry(row), _datetime(row["effective_at"]), row["description"])
            for row in self._spi.execute(sql, where.types, where.args)
        ]

    def balance_as_of(self, account_id: UUID, at: datetime) -> int:
        """One index-only lookup on ix_entries_balance_as_of: the last posted entry at or before `at`."""
        rows = self._spi.execute(
            f"SELECT e.balance_after FROM public.entries e WHERE e.account_id = $1 AND {_POSTED}"
            " AND e.created_at <= $2 ORDER BY e.created_at DESC, e.seq DESC LIMIT 1",
            ["uuid", "timestamptz"],
            [str(account_id), _iso(at)],
        )
        return _int(rows[0]["balance_after"]) if rows else 0

    def totals(self, asset: str | None) -> list[AssetTotals]:
        if asset is None:
            rows = self._spi.execute(_TOTALS.format(where=""))
        else:
            rows = self._spi.execute(_TOTALS.format(where=" WHERE asset_code = $1"), ["text"], [asset])
        return _totals(rows)

    # --- by value date: the SQL functions of revision 0015, as `adapters.db.accounts` calls them ---
    def value_net(self, account_id: UUID, at: datetime) -> int:
        rows = self._spi.execute(
            "SELECT razao.value_net($1, $2) AS net", ["uuid", "timestamptz"], [str(account_id), _iso(at)]
        )
        return _int(rows[0]["net"])

    def value_net_before(self, account_id: UUID, position: ValuePosition) -> int:
        rows = self._spi.execute(
            "SELECT razao.value_net_before($1, $2, $3) AS net",
            ["uuid", "timestamptz", "bigint"],
            [str(account_id), _iso(position.effective_at), position.seq],
        )
        return _int(rows[0]["net"])

    def value_statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None,
        end: datetime | None,
        after: ValuePosition | None,
        limit: int,
    ) -> list[StatementLine]:
        where = _Conditions(_POSTED)
        where.add("e.account_id = {}", "uuid", str(account_id))
        if start is not None:
            where.add("e.effective_at >= {}", "timestamptz", _iso(start))
        if end is not None:
            where.add("e.effective_at < {}", "timestamptz", _iso(end))
        if after is not None:
            at = where.param("timestamptz", _iso(after.effective_at))
            where.sql.append(f"(e.effective_at, e.seq) > ({at}, {where.param('bigint', after.seq)})")
        limit_ = where.param("bigint", limit)
        return self._lines(f"{_LINES}{where.where()} ORDER BY e.effective_at, e.seq LIMIT {limit_}", where)

    def value_totals(self, through: date, asset: str | None) -> list[AssetTotals]:
        if asset is None:
            rows = self._spi.execute(_VALUE_TOTALS.format(where=""), ["date"], [through.isoformat()])
        else:
            rows = self._spi.execute(
                _VALUE_TOTALS.format(where=" WHERE v.asset_code = $2"),
                ["date", "text"],
                [through.isoformat(), asset],
            )
        return _totals(rows)

    def value_history(self, account_id: UUID, first: date, last: date) -> list[tuple[date, int]]:
        return self._history("razao.value_history", account_id, first, last)

    def booked_history(self, account_id: UUID, first: date, last: date) -> list[tuple[date, int]]:
        return self._history("razao.booked_history", account_id, first, last)

    def _history(self, function: str, account_id: UUID, first: date, last: date) -> list[tuple[date, int]]:
        rows = self._spi.execute(
            f"SELECT to_char(day, 'YYYY-MM-DD') AS day, balance FROM {function}($1, $2, $3)",
            ["uuid", "date", "date"],
            [str(account_id), first.isoformat(), last.isoformat()],
        )
        return [(date.fromisoformat(row["day"]), _int(row["balance"])) for row in rows]


def _totals(rows: Iterable[Any]) -> list[AssetTotals]:
    return [
        AssetTotals(
            asset=row["asset_code"],
            accounts=_int(row["n_accounts"]),
            posted_debits=_int(row["posted_debits"]),
            posted_credits=_int(row["posted_credits"]),
            pending_debits=_int(row["pending_debits"]),
            pending_credits=_int(row["pending_credits"]),
            debit_balances=_int(row["debit_bal"]),
            credit_balances=_int(row["credit_bal"]),
        )
        for row in rows
    ]


# --- transfers -------------------------------------------------------------------------------------

_TRANSFERS = (
    "SELECT t.id, t.status, t.two_phase, t.description, t.metadata,"
    f" {_ts('t.effective_at')} AS effective_at, {_ts('t.created_at')} AS created_at,"
    f" {_ts('t.timeout_at')} AS timeout_at, {_ts('t.resolved_at')} AS resolved_at,"
    " t.reverses_id, t.fingerprint,"
    " (SELECT r.id FROM public.transfers r WHERE r.reverses_id = t.id) AS reversed_by_id"
    " FROM public.transfers t"
)
_ENTRIES_OF = (
    "SELECT e.transfer_id, e.account_id, e.seq, e.line, e.layer, e.side, e.amount, e.asset_code,"
    f" e.balance_after, {_ts('e.created_at')} AS created_at"
    " FROM public.entries e WHERE e.transfer_id = ANY($1) ORDER BY e.transfer_id, e.layer, e.line"
)
# A literal, not a parameter: the planner must see it to use the partial index.
_PENDING = "t.status = 'pending'"


def _postings(rows: Iterable[Any], layer: Layer) -> tuple[Posting, ...]:
    lines = sorted((r for r in rows if r["layer"] == layer.value), key=lambda r: r["line"])
    return tuple(
        Posting(UUID(r["account_id"]), Side(r["side"]), _int(r["amount"]), r["asset_code"]) for r in lines
    )


def _transfer(row: Any, entry_rows: list[Any]) -> Transfer:
    """A two-phase transfer's postings are its holds (the pending layer); what reached the posted
    balances, in full or in part, is its posted layer."""
    posted = _postings(entry_rows, Layer.POSTED)
    return Transfer(
        id=UUID(row["id"]),
        postings=_postings(entry_rows, Layer.PENDING) if row["two_phase"] else posted,
        status=TransferStatus(row["status"]),
        two_phase=row["two_phase"],
        description=row["description"],
        metadata=json.loads(row["metadata"]),
        effective_at=_datetime(row["effective_at"]),
        created_at=_datetime(row["created_at"]),
        fingerprint=row["fingerprint"],
        timeout_at=_optional_datetime(row["timeout_at"]),
        resolved_at=_optional_datetime(row["resolved_at"]),
        posted=posted,
        reverses_id=_uuid(row["reverses_id"]),
        reversed_by_id=_uuid(row["reversed_by_id"]),
    )


def _ids(ids: Iterable[UUID]) -> list[str]:
    return [str(i) for i in sorted(set(ids))]


def _entry_row(entry: Entry, effective_at: str | None) -> tuple[Any, ...]:
    """An entry's row; its value date is its transfer's `effective_at` (RZ119 otherwise)."""
    return (
        str(entry.transfer_id),
        str(entry.account_id),
        entry.seq,
        entry.line,
        entry.layer.value,
        entry.side.value,
        entry.amount,
        entry.asset,
        entry.balance_after,
        _iso(entry.created_at),
        effective_at,
    )


class PlpyTransferRepository:
    def __init__(self, spi: Spi) -> None:
        self._spi = spi

    def _load(self, sql: str, types: Sequence[str] = (), args: Sequence[Any] = ()) -> list[Transfer]:
        rows = self._spi.execute(sql, types, args)
        if not rows:
            return []
        lines: dict[str, list[Any]] = defaultdict(list)
        for entry in self._spi.execute(_ENTRIES_OF, ["uuid[]"], [[row["id"] for row in rows]]):
            lines[entry["transfer_id"]].append(entry)
        return [_transfer(row, lines[row["id"]]) for row in rows]

    def get(self, transfer_id: UUID) -> Transfer | None:
        found = self._load(_TRANSFERS + " WHERE t.id = $1", ["uuid"], [str(transfer_id)])
        return found[0] if found else None

    def get_many(self, transfer_ids: Iterable[UUID]) -> dict[UUID, Transfer]:
        ids = _ids(transfer_ids)
        if not ids:
            return {}
        return {t.id: t for t in self._load(_TRANSFERS + " WHERE t.id = ANY($1)", ["uuid[]"], [ids])}

    def lock(self, transfer_id: UUID) -> Transfer | None:
        found = self._load(_TRANSFERS + " WHERE t.id = $1 FOR UPDATE OF t", ["uuid"], [str(transfer_id)])
        return found[0] if found else None

    def add(self, transfer: Transfer, entries: Sequence[Entry]) -> None:
        self._spi.insert_transfer(
            (
                str(transfer.id),
                transfer.status.value,
                transfer.two_phase,
                transfer.description,
                _json(transfer.metadata),
                _iso(transfer.effective_at),
                _iso(transfer.created_at),
                _iso(transfer.timeout_at),
                _iso(transfer.resolved_at),
                None if transfer.reverses_id is None else str(transfer.reverses_id),
                transfer.fingerprint,
            )
        )
        effective_at = _iso(transfer.effective_at)
        self._spi.insert_entries(_entry_row(e, effective_at) for e in entries)

    def save(self, transfer: Transfer, entries: Sequence[Entry]) -> None:
        self._spi.change_transfer_status(
            (str(transfer.id), transfer.status.value, _iso(transfer.resolved_at))
        )
        effective_at = _iso(transfer.effective_at)
        self._spi.insert_entries(_entry_row(e, effective_at) for e in entries)

    def query(self, where: TransferFilter, *, after: TransferCursor | None, limit: int) -> list[Transfer]:
        """Newest first on the filter's basis, keyset on (instant, id); as `adapters.db.transfers`."""
        at = "t.effective_at" if where.basis is Basis.EFFECTIVE else "t.created_at"
        conditions = _Conditions()
        if where.status is not None:
            conditions.add("t.status = {}", "text", TransferStatus(where.status).value)
        if where.start is not None:
            conditions.add(f"{at} >= {{}}", "timestamptz", _iso(where.start))
        if where.end is not None:
            conditions.add(f"{at} < {{}}", "timestamptz", _iso(where.end))
        if after is not None:
            after_at = conditions.param("timestamptz", _iso(after.at))
            conditions.sql.append(f"({at}, t.id) < ({after_at}, {conditions.param('uuid', str(after.id))})")
        if where.account_id is not None:
            conditions.add(
                "EXISTS (SELECT FROM public.entries e WHERE e.transfer_id = t.id AND e.account_id = {})",
                "uuid",
                str(where.account_id),
            )
        if where.asset is not None:
            conditions.add(
                "EXISTS (SELECT FROM public.entries e WHERE e.transfer_id = t.id AND e.asset_code = {})",
                "text",
                where.asset,
            )
        _metadata(conditions, "t.metadata", where.metadata)
        if where.amount_min is not None:
            conditions.add(f"{_AMOUNT} >= {{}}", "numeric", where.amount_min)
        if where.amount_max is not None:
            conditions.add(f"{_AMOUNT} <= {{}}", "numeric", where.amount_max)
        order = f" ORDER BY {at} DESC, t.id DESC"
        sql = f"{_TRANSFERS}{conditions.where()}{order} LIMIT {conditions.param('bigint', limit)}"
        return self._load(sql, conditions.types, conditions.args)

    def lock_due(self, at: datetime, limit: int) -> list[Transfer]:
        """Pending transfers timed out by `at`, locked with FOR UPDATE SKIP LOCKED.

        The accounts they touch are locked first (ascending id), then the transfers: the order that
        post, void and reverse follow, so the expiry job cannot deadlock with them. One resolved
        meanwhile drops out (the locking read re-checks its status). As in `adapters.db.transfers`.
        """
        candidates = [
            row["id"]
            for row in self._spi.execute(
                f"SELECT t.id FROM public.transfers t WHERE {_PENDING} AND t.timeout_at <= $1"
                " ORDER BY t.timeout_at, t.id LIMIT $2",
                ["timestamptz", "bigint"],
                [_iso(at), limit],
            )
        ]
        if not candidates:
            return []
        self._spi.execute(
            "SELECT a.id FROM public.accounts a WHERE a.id IN"
            " (SELECT e.account_id FROM public.entries e WHERE e.transfer_id = ANY($1))"
            " ORDER BY a.id FOR UPDATE OF a",
            ["uuid[]"],
            [candidates],
        )
        return self._load(
            f"{_TRANSFERS} WHERE t.id = ANY($1) AND {_PENDING} AND t.timeout_at <= $2"
            " ORDER BY t.timeout_at, t.id FOR UPDATE OF t SKIP LOCKED",
            ["uuid[]", "timestamptz"],
            [candidates, _iso(at)],
        )


# --- interest --------------------------------------------------------------------------------------

#: The writes of an accrual chunk, one statement per table whatever the number of rows, which travel as
#: one JSON parameter (stated once, in `razao_sql`, with the app's adapter): `$1` the rows, `$2` the time.
_CHUNK_PARAMETERS = {"rows": "$1", "at": "$2", "ids": "$1"}
_ADD_ACCRUALS = razao_sql.add_accruals_sql(_CHUNK_PARAMETERS.__getitem__)
_LINK_ACCRUALS = razao_sql.link_accruals_sql(_CHUNK_PARAMETERS.__getitem__)
_CARRIES = razao_sql.carries_sql(_CHUNK_PARAMETERS.__getitem__)
_SET_CARRIES = razao_sql.set_carries_sql(_CHUNK_PARAMETERS.__getitem__)


def _policy(row: Any) -> InterestPolicy:
    from domain.interest import DayCount, InterestPolicy

    return InterestPolicy(
        UUID(row["account_id"]),
        date.fromisoformat(row["effective_from"]),
        row["rate_bps"],
        DayCount(row["day_count"]),
        UUID(row["counterpart_account_id"]),
    )


class PlpyInterestRepository:
    """As `adapters.db.interest`: policies, the unique (account, day) accrual rows and the carry."""

    def __init__(self, spi: Spi) -> None:
        self._spi = spi

    def policies(self, account_id: UUID) -> list[InterestPolicy]:
        rows = self._spi.execute(
            "SELECT account_id, effective_from::text AS effective_from, rate_bps, day_count,"
            " counterpart_account_id FROM razao.interest_policies WHERE account_id = $1"
            " ORDER BY effective_from",
            ["uuid"],
            [str(account_id)],
        )
        return [_policy(row) for row in rows]

    def put_policy(self, policy: InterestPolicy, at: datetime) -> None:
        self._spi.execute(
            "INSERT INTO razao.interest_policies (account_id, effective_from, rate_bps, day_count,"
            " counterpart_account_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (account_id, effective_from) DO UPDATE SET rate_bps = excluded.rate_bps,"
            " day_count = excluded.day_count, counterpart_account_id = excluded.counterpart_account_id,"
            " created_at = excluded.created_at",
            ["uuid", "date", "integer", "text", "uuid", "timestamptz"],
            [
                str(policy.account_id),
                policy.effective_from.isoformat(),
                policy.rate_bps,
                policy.day_count.value,
                str(policy.counterpart_account_id),
                _iso(at),
            ],
        )

    def policies_of(self, account_ids: Collection[UUID]) -> dict[UUID, list[InterestPolicy]]:
        rows = self._spi.execute(
            "SELECT account_id, effective_from::text AS effective_from, rate_bps, day_count,"
            " counterpart_account_id FROM razao.interest_policies WHERE account_id = ANY($1)"
            " ORDER BY account_id, effective_from",
            ["uuid[]"],
            [[str(a) for a in account_ids]],
        )
        found: dict[UUID, list[InterestPolicy]] = {}
        for row in rows:
            found.setdefault(UUID(row["account_id"]), []).append(_policy(row))
        return found

    def accrued_days_of(self, account_ids: Collection[UUID], start: date, end: date) -> dict[UUID, set[date]]:
        rows = self._spi.execute(
            "SELECT account_id, day::text AS day FROM razao.interest_accruals"
            " WHERE account_id = ANY($1) AND day >= $2 AND day <= $3",
            ["uuid[]", "date", "date"],
            [[str(a) for a in account_ids], start.isoformat(), end.isoformat()],
        )
        found: dict[UUID, set[date]] = {}
        for row in rows:
            found.setdefault(UUID(row["account_id"]), set()).add(date.fromisoformat(row["day"]))
        return found

    def balances_as_of(
        self, account_ids: Collection[UUID], instants: Collection[datetime]
    ) -> dict[tuple[UUID, datetime], int]:
        """One index-only lookup on ix_entries_balance_as_of per (account, instant), in one statement."""
        if not account_ids or not instants:
            return {}
        ordered = list(instants)
        rows = self._spi.execute(
            "SELECT a.account_id, i.n, coalesce(("
            f" SELECT e.balance_after FROM public.entries e WHERE e.account_id = a.account_id AND {_POSTED}"
            " AND e.created_at <= i.instant ORDER BY e.created_at DESC, e.seq DESC LIMIT 1), 0) AS balance"
            " FROM unnest($1) AS a(account_id) CROSS JOIN unnest($2) WITH ORDINALITY AS i(instant, n)",
            ["uuid[]", "timestamptz[]"],
            [[str(a) for a in account_ids], [_iso(t) for t in ordered]],
        )
        return {(UUID(row["account_id"]), ordered[row["n"] - 1]): _int(row["balance"]) for row in rows}

    def add_accruals(self, accruals: Sequence[tuple[Accrual, UUID | None]], at: datetime) -> None:
        if accruals:
            rows = [razao_sql.accrual_row(a, transfer_id) for a, transfer_id in accruals]
            self._spi.execute(_ADD_ACCRUALS, ["json", "timestamptz"], [_json(rows), _iso(at)])

    def link_accruals(self, links: Sequence[tuple[UUID, date, date, UUID]]) -> None:
        if links:
            rows = [razao_sql.link_row(*link) for link in links]
            self._spi.execute(_LINK_ACCRUALS, ["json"], [_json(rows)])

    def carries(self, account_ids: Collection[UUID]) -> dict[UUID, Carried]:
        from domain.interest import Carried

        if not account_ids:
            return {}
        rows = self._spi.execute(_CARRIES, ["uuid[]"], [[str(a) for a in account_ids]])
        return {
            UUID(r["account_id"]): Carried(
                Fraction(_int(r["numerator"]), _int(r["denominator"])),
                date.fromisoformat(r["through_day"]),
                None if r["open_from"] is None else date.fromisoformat(r["open_from"]),
            )
            for r in rows
        }

    def set_carries(self, carries: Sequence[tuple[UUID, Carried]], at: datetime) -> None:
        if carries:
            rows = [razao_sql.carry_row(account_id, carried) for account_id, carried in carries]
            self._spi.execute(_SET_CARRIES, ["json", "timestamptz"], [_json(rows), _iso(at)])

    def accounts_with_policies(self, after_id: UUID | None, limit: int) -> list[UUID]:
        if after_id is None:
            rows = self._spi.execute(
                "SELECT DISTINCT account_id FROM razao.interest_policies ORDER BY account_id LIMIT $1",
                ["bigint"],
                [limit],
            )
        else:
            rows = self._spi.execute(
                "SELECT DISTINCT account_id FROM razao.interest_policies WHERE account_id > $1"
                " ORDER BY account_id LIMIT $2",
                ["uuid", "bigint"],
                [str(after_id), limit],
            )
        return [UUID(row["account_id"]) for row in rows]


# --- the ledger scan of verification ---------------------------------------------------------------

#: Rows fetched per round of a `plpy.cursor`.
SCAN_BATCH = 5000

# The scan's statements, stated once: `adapters.db.verification` reads these four constants from this
# file and sends them as they are (psycopg's raw cursors take `$n`), so keep them plain string literals.
# Each reads one page of accounts (transfers) by primary key (after $1, NULL: from the first; at most $2,
# NULL: no limit) and then, per account (transfer), only its own rows through a LATERAL join on the primary
# key of `entries` (account_id, seq) or its unique (transfer_id, layer, line): a part costs what it reads,
# not what the whole ledger holds. Rows come as `domain.verification.JournalRow` / `TransferRow`, by
# position and name: amounts as decimal text (NUMERIC(38) exactly, no Decimal), ids as text.
#
# The journal: with $3 the page starts with the account $1 itself, from its entries after seq $3; $4 bounds
# the rows of a part (the inner LIMIT keeps one busy account from being read past it). The account's
# columns come as one text array on its first row only (`first`; NULL on the others: each value of a row
# costs the drivers, SPI most), and the transfer's status only for a hold (an index probe per hold, not
# per entry: whether a posted entry counts does not depend on it).
SCAN_JOURNAL = (
    "SELECT h.account, e.seq, e.layer, e.side, e.amount::text AS amount, e.asset_code AS entry_asset,"
    " e.balance_after::text AS balance_after,"
    " CASE WHEN e.layer = 'pending' THEN (SELECT t.status FROM public.transfers t WHERE t.id = e.transfer_id)"
    " END AS transfer_status"
    " FROM (SELECT id, asset_code, normal_side, min_balance, posted_debits, posted_credits, pending_debits,"
    " pending_credits, last_seq FROM public.accounts"
    " WHERE id >= coalesce($1::uuid, '00000000-0000-0000-0000-000000000000')"
    " AND ($3::bigint IS NOT NULL OR id IS DISTINCT FROM $1::uuid)"
    " ORDER BY id LIMIT $2::bigint) a"
    " LEFT JOIN LATERAL (SELECT e.seq, e.layer, e.side, e.amount, e.asset_code, e.balance_after, e.transfer_id,"
    " row_number() OVER (ORDER BY e.seq) = 1 AS first"
    " FROM public.entries e"
    " WHERE e.account_id = a.id AND e.seq > CASE WHEN a.id = $1::uuid THEN coalesce($3::bigint, 0) ELSE 0 END"
    " ORDER BY e.seq LIMIT $4::bigint) e ON true"
    " LEFT JOIN LATERAL (SELECT ARRAY[a.id::text, a.asset_code, a.normal_side, a.min_balance::text,"
    " a.posted_debits::text, a.posted_credits::text, a.pending_debits::text, a.pending_credits::text,"
    " a.last_seq::text] AS account"
    " WHERE e.first IS NOT FALSE) h ON true"
    " ORDER BY a.id, e.seq"
    " LIMIT $4::bigint"
)
SCAN_TRANSFER_SUMS = (
    "SELECT t.id::text AS transfer_id, t.status, e.layer, e.asset_code AS asset,"
    " coalesce(e.debits, 0)::text AS debits, coalesce(e.credits, 0)::text AS credits"
    " FROM (SELECT id, status FROM public.transfers"
    " WHERE id > coalesce($1::uuid, '00000000-0000-0000-0000-000000000000') ORDER BY id LIMIT $2::bigint) t"
    " LEFT JOIN LATERAL (SELECT e.layer, e.asset_code,"
    " sum(e.amount) FILTER (WHERE e.side = 'debit') AS debits,"
    " sum(e.amount) FILTER (WHERE e.side = 'credit') AS credits"
    " FROM public.entries e WHERE e.transfer_id = t.id GROUP BY e.layer, e.asset_code) e ON true"
    " ORDER BY t.id, e.layer, e.asset_code"
)
# The holds of a resumed account up to seq $2 that are still open: its entries by primary key.
SCAN_OPEN_HOLDS = (
    "SELECT coalesce(sum(e.amount) FILTER (WHERE e.side = 'debit'), 0) AS debits,"
    " coalesce(sum(e.amount) FILTER (WHERE e.side = 'credit'), 0) AS credits"
    " FROM public.entries e JOIN public.transfers t ON t.id = e.transfer_id"
    " WHERE e.account_id = $1::uuid AND e.seq <= $2::bigint AND e.layer = 'pending' AND t.status = 'pending'"
)
SCAN_COUNTS = (
    "SELECT (SELECT count(*) FROM public.accounts) AS accounts,"
    " (SELECT count(*) FROM public.transfers) AS transfers"
)
_JOURNAL_PARAMS = ("uuid", "bigint", "bigint", "bigint")
_TRANSFER_SUMS_PARAMS = ("uuid", "bigint")


class PlpyLedgerScan:
    """As `adapters.db.verification`, with `plpy.cursor` over prepared plans (rows fetched in
    batches, each row dict taken as the verifier's tuple). The function that runs it is STABLE: every query
    sees the calling statement's snapshot."""

    def __init__(self, spi: Spi) -> None:
        self._spi = spi

    def snapshot(self) -> None:
        """A STABLE function's queries all see the calling statement's snapshot. Turns JIT off for the rest
        of the function call (its SET clauses undo it on return): as in the app, the scan's estimates far
        exceed jit_above_cost and compiling costs more than it saves."""
        self._spi.plpy.execute(self._spi.plan("SELECT set_config('jit', 'off', true)"))

    def _pages(
        self, sql: str, types: Sequence[str], args: list[Any], columns: Sequence[str]
    ) -> Iterator[list[Any]]:
        take = itemgetter(*columns)
        cursor = self._spi.plpy.cursor(self._spi.plan(sql, types), args)
        while True:
            batch = cursor.fetch(SCAN_BATCH)
            if not batch:
                return
            yield list(map(take, batch))

    def journal_pages(
        self,
        after_id: UUID | None = None,
        limit: int | None = None,
        *,
        resume_seq: int | None = None,
        max_rows: int | None = None,
    ) -> Iterator[list[JournalRow]]:
        from domain.verification import JOURNAL_COLUMNS

        args = [None if after_id is None else str(after_id), limit, resume_seq, max_rows]
        yield from self._pages(SCAN_JOURNAL, _JOURNAL_PARAMS, args, JOURNAL_COLUMNS)

    def transfer_sum_pages(
        self, after_id: UUID | None = None, limit: int | None = None
    ) -> Iterator[list[TransferRow]]:
        from domain.verification import TRANSFER_COLUMNS

        args = [None if after_id is None else str(after_id), limit]
        yield from self._pages(SCAN_TRANSFER_SUMS, _TRANSFER_SUMS_PARAMS, args, TRANSFER_COLUMNS)

    def counts(self) -> tuple[int, int]:
        row = self._spi.plpy.execute(self._spi.plan(SCAN_COUNTS))[0]
        return int(row["accounts"]), int(row["transfers"])

    def open_holds(self, account_id: UUID, through_seq: int) -> tuple[int, int]:
        plan = self._spi.plan(SCAN_OPEN_HOLDS, ("uuid", "bigint"))
        row = self._spi.plpy.execute(plan, [str(account_id), through_seq])[0]
        return _int(row["debits"]), _int(row["credits"])


# --- the outbox: events ---------------------------------------------------------------------------

#: One INSERT per transaction with the rows as one JSON parameter, as `adapters.db.tx` writes them: `n`
#: grows in their order; the database assigns each event's id and position (revision 0010_events).
_INSERT_EVENTS = (
    "INSERT INTO public.events (type, occurred_at, account_ids, transfer_id, job_id, data)"
    " SELECT type, occurred_at, account_ids, transfer_id, job_id, data FROM json_to_recordset($1)"
    " AS r(type text, occurred_at timestamptz, account_ids uuid[], transfer_id uuid, job_id uuid, data json)",
    ("json",),
)


def _event_value(value: object) -> str:
    """UUIDs and datetimes in an event's row or document (`application.documents`) as JSON text."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _events_json(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as one JSON array. A document shared by several rows (a transfer's `transfer.posted` and
    `account.interest_posted`) is encoded once, and each UUID or instant once: the rows keep every
    object alive meanwhile, so objects are told apart by `id`. Profiled, the plain `json.dumps` of an
    accrual chunk's events was a sixth of the in-database accrual's time, mostly in `default`."""
    texts: dict[int, str] = {}

    def value(v: object) -> str:
        text = texts.get(id(v))
        if text is None:
            text = texts[id(v)] = _event_value(v)
        return text

    encode = json.JSONEncoder(default=value, separators=(",", ":"), ensure_ascii=False).encode
    documents: dict[int, str] = {}
    parts = []
    for row in rows:
        data = row["data"]
        document = documents.get(id(data))
        if document is None:
            document = documents[id(data)] = encode(data)
        head = encode({k: v for k, v in row.items() if k != "data"})
        parts.append(f'{head[:-1]},"data":{document}}}')
    return "[" + ",".join(parts) + "]"


class PlpyEventLog:
    """`application.events.EventLog` inside PostgreSQL: the events go out with the transaction's other
    deferred writes (`Spi.flush`)."""

    def __init__(self, spi: Spi) -> None:
        self._spi = spi

    def add(self, events: Sequence[Event]) -> None:
        self._spi.insert_events(
            {
                "type": e.type,
                "occurred_at": e.occurred_at,
                "account_ids": e.account_ids,
                "transfer_id": e.transfer_id,
                "job_id": e.job_id,
                "data": e.data,
            }
            for e in events
        )


# --- balance monitors -----------------------------------------------------------------------------

_MONITORS = (
    "SELECT m.id, m.account_id, m.balance, m.comparison, m.threshold, m.description, m.metadata,"
    f" {_ts('m.created_at')} AS created_at, m.triggered, {_ts('m.triggered_at')} AS triggered_at"
    " FROM public.balance_monitors m"
)
#: (account_id, created_at, id): the order of `SqlMonitorRepository`, on its index.
_MONITOR_ORDER = " ORDER BY m.account_id, m.created_at, m.id"


def _monitor(row: Any) -> Monitor:
    return Monitor(
        id=UUID(row["id"]),
        account_id=UUID(row["account_id"]),
        condition=Condition(
            BalanceKind(row["balance"]), Comparison(row["comparison"]), _int(row["threshold"])
        ),
        description=row["description"],
        metadata=json.loads(row["metadata"]),
        created_at=_datetime(row["created_at"]),
        triggered=row["triggered"],
        triggered_at=_optional_datetime(row["triggered_at"]),
    )


class PlpyMonitorRepository:
    """`application.monitors.MonitorRepository` inside PostgreSQL, as `adapters.db.monitors`: the write
    path reads the monitors of the accounts a change touched with ONE prepared statement (an SPI call, no
    network round trip), and writes a monitor's state only when it changes."""

    def __init__(self, spi: Spi) -> None:
        self._spi = spi

    def add(self, monitor: Monitor) -> None:
        c = monitor.condition
        self._spi.execute(
            "INSERT INTO public.balance_monitors (id, account_id, balance, comparison, threshold, description,"
            " metadata, created_at, triggered, triggered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            [
                "uuid",
                "uuid",
                "text",
                "text",
                "numeric",
                "text",
                "jsonb",
                "timestamptz",
                "boolean",
                "timestamptz",
            ],
            [
                str(monitor.id),
                str(monitor.account_id),
                c.balance.value,
                c.comparison.value,
                c.threshold,
                monitor.description,
                _json(monitor.metadata),
                _iso(monitor.created_at),
                monitor.triggered,
                _iso(monitor.triggered_at),
            ],
        )

    def get(self, account_id: UUID, monitor_id: UUID) -> Monitor | None:
        rows = self._spi.execute(
            _MONITORS + " WHERE m.id = $1 AND m.account_id = $2",
            ["uuid", "uuid"],
            [str(monitor_id), str(account_id)],
        )
        return _monitor(rows[0]) if rows else None

    def of_account(self, account_id: UUID) -> list[Monitor]:
        rows = self._spi.execute(
            _MONITORS + " WHERE m.account_id = $1" + _MONITOR_ORDER, ["uuid"], [str(account_id)]
        )
        return [_monitor(r) for r in rows]

    def of_accounts(self, account_ids: Iterable[UUID]) -> list[Monitor]:
        ids = sorted(set(account_ids))
        if not ids:
            return []
        rows = self._spi.execute(
            _MONITORS + " WHERE m.account_id = ANY($1)" + _MONITOR_ORDER, ["uuid[]"], [_ids(ids)]
        )
        return [_monitor(r) for r in rows]

    def save(self, monitors: Iterable[Monitor]) -> None:
        changed = list(monitors)
        if changed:
            self._spi.execute(
                "UPDATE public.balance_monitors m SET triggered = u.triggered, triggered_at = u.triggered_at"
                " FROM unnest($1, $2, $3) AS u(id, triggered, triggered_at) WHERE m.id = u.id",
                ["uuid[]", "boolean[]", "timestamptz[]"],
                [
                    _ids(x.id for x in changed),
                    [x.triggered for x in changed],
                    [_iso(x.triggered_at) for x in changed],
                ],
            )

    def delete(self, monitor_id: UUID) -> None:
        self._spi.execute("DELETE FROM public.balance_monitors WHERE id = $1", ["uuid"], [str(monitor_id)])


# --- the unit of work and the clock ----------------------------------------------------------------


class PlpyUnitOfWork:
    """Implements `application.ports.UnitOfWork` inside PostgreSQL.

    Create one per use case. `with uow:` opens a subtransaction of the calling statement's transaction;
    `commit()` sends the deferred writes and releases it (what follows runs in a new one); leaving the
    block without `commit()`, or with an exception, rolls back everything since the last commit.
    """

    assets: AssetRepository
    accounts: AccountRepository
    transfers: TransferRepository
    interest: InterestRepository
    ledger_scan: LedgerScan
    events: EventLog
    monitors: MonitorRepository
    journal: PlpyJournal
    periods: PlpyClosedPeriods
    groups: PlpyGroups

    def __init__(self, plpy: Any) -> None:
        self._spi = spi = Spi(plpy)
        self.assets = PlpyAssetRepository(spi)
        self.accounts = PlpyAccountRepository(spi)
        self.transfers = PlpyTransferRepository(spi)
        self.interest = PlpyInterestRepository(spi)
        self.ledger_scan = PlpyLedgerScan(spi)
        self.events = PlpyEventLog(spi)
        self.monitors = PlpyMonitorRepository(spi)
        self.journal = PlpyJournal(spi)
        self.periods = PlpyClosedPeriods(spi)
        self.groups = PlpyGroups(spi)

    def __enter__(self) -> Self:
        if self._spi.is_open:
            raise RuntimeError("this unit of work is already open; use one per use case")
        self._spi.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._spi.end(commit=False)
        if exc is not None and sqlstate_of(exc) == PERIOD_CLOSED:
            # The journal's trigger refused an entry in a closed period (a close committed after this
            # use case's own check): `period_closed`, as `adapters.db.errors.as_refusal` says in the app.
            raise refusal_of_database(str(exc)) from exc

    def commit(self) -> None:
        self._spi.flush()
        self._spi.locked_status.clear()
        self._spi.end(commit=True)
        self._spi.begin()

    def rollback(self) -> None:
        self._spi.end(commit=False)
        self._spi.begin()


def _run_cached(plpy: Any, sql: str, types: Sequence[str] = (), args: Sequence[Any] = ()) -> list[Any]:
    """One prepared statement outside any unit of work."""
    return list(plpy.execute(_plan(plpy, sql, types), list(args)))


def iso_timestamp(plpy: Any, text: str) -> datetime:
    """A timestamptz in the session's DateStyle, as a datetime (PostgreSQL reads it, and writes it
    back as ISO 8601)."""
    rows = _run_cached(plpy, "SELECT to_json($1::timestamptz) #>> '{}' AS at", ["text"], [text])
    return _datetime(rows[0]["at"])


def iso_date(plpy: Any, text: str) -> date:
    """A date in the session's DateStyle, as a date (PostgreSQL reads it and writes it as ISO)."""
    rows = _run_cached(plpy, "SELECT to_char($1::date, 'YYYY-MM-DD') AS day", ["text"], [text])
    return date.fromisoformat(rows[0]["day"])


class TransactionClock:
    """`application.ports.Clock` inside PostgreSQL: the server's `clock_timestamp()`, in UTC, read
    with one SELECT on the first call and then kept (one use case, one instant)."""

    def __init__(self, plpy: Any) -> None:
        self._plpy = plpy
        self._now: datetime | None = None

    def now(self) -> datetime:
        if self._now is None:
            rows = _run_cached(self._plpy, "SELECT to_json(clock_timestamp()) #>> '{}' AS now")
            self._now = _datetime(rows[0]["now"]).astimezone(UTC)
        return self._now


# --- the journal across accounts (exports) ----------------------------------------------------------

_JOURNAL = (
    "SELECT e.transfer_id, e.account_id, e.seq, e.line, e.layer, e.side, e.amount, e.asset_code,"
    f" e.balance_after, {_ts('e.created_at')} AS created_at, a.code AS account_code, s.scale,"
    f" {_ts('t.effective_at')} AS effective_at, t.description"
    " FROM public.entries e JOIN public.accounts a ON a.id = e.account_id"
    " JOIN public.assets s ON s.code = e.asset_code JOIN public.transfers t ON t.id = e.transfer_id"
    " WHERE e.created_at >= $1 AND e.created_at < $2"
)
_JOURNAL_ORDER = " ORDER BY e.created_at, e.transfer_id, e.layer, e.line LIMIT $3"
_JOURNAL_AFTER = " AND (e.created_at, e.transfer_id, e.layer, e.line) > ($4, $5, $6, $7)"


class PlpyJournal:
    """Implements `application.journal.JournalRepository` (the same statement as `adapters.db.journal`)."""

    def __init__(self, spi: Spi) -> None:
        self._spi = spi

    def lines(
        self, start: datetime, end: datetime, after: JournalCursor | None, limit: int
    ) -> list[JournalLine]:
        types = ["timestamptz", "timestamptz", "bigint"]
        args: list[Any] = [_iso(start), _iso(end), limit]
        if after is not None:
            types += ["timestamptz", "uuid", "text", "smallint"]
            args += [_iso(after.created_at), str(after.transfer_id), after.layer.value, after.line]
        sql = _JOURNAL + (_JOURNAL_AFTER if after is not None else "") + _JOURNAL_ORDER
        return [
            JournalLine(
                _entry(row),
                row["account_code"],
                row["scale"],
                _datetime(row["effective_at"]),
                row["description"],
            )
            for row in self._spi.execute(sql, types, args)
        ]


# --- accounting periods ----------------------------------------------------------------------------

#: SQLSTATE of the trigger `entries_book` refusing an entry dated in a closed period (revision 0015).
PERIOD_CLOSED = "RZ120"


def sqlstate_of(error: BaseException) -> str | None:
    """The SQLSTATE of a `plpy.SPIError`: its `sqlstate`, which PL/Python leaves None for a code it does
    not know (the ledger's own, RZ120 and the like), else the code packed in `spidata[0]` (five
    characters of six bits each, the first lowest: PostgreSQL's MAKE_SQLSTATE)."""
    known = getattr(error, "sqlstate", None)
    if known is not None:
        return str(known)
    spidata = getattr(error, "spidata", None)
    if not spidata or not isinstance(spidata[0], int):
        return None
    return "".join(chr(((spidata[0] >> (6 * n)) & 0x3F) + ord("0")) for n in range(5))
_CLOSED_THROUGH = (
    "SELECT asset_code, to_char(max(through), 'YYYY-MM-DD') AS through FROM public.period_closes"
    " WHERE reopened_at IS NULL GROUP BY asset_code"
)


class PlpyClosedPeriods:
    """Implements `application.ports.ClosedPeriodsSource` (the statement of `adapters.db.periods`): what
    the write path checks a backdated request against. Closing and reopening run in the app only."""

    def __init__(self, spi: Spi) -> None:
        self._spi = spi

    def closed_through(self) -> ClosedPeriods:
        rows = self._spi.execute(_CLOSED_THROUGH)
        return ClosedPeriods.of((row["asset_code"], date.fromisoformat(row["through"])) for row in rows)


# --- groups of accounts: code prefixes and categories ------------------------------------------------

#: Positions and SQL types of `group_sql`'s parameters, per kind of group.
_GROUP_PARAMETERS = {
    "prefix": (("prefix", "text"), ("upper", "text"), ("skip", "integer"), ("after", "text"),
               ("max_children", "integer"), ("at", "timestamptz")),
    "category": (("root", "uuid"), ("at", "timestamptz")),
}  # fmt: skip
_CATEGORY_COLUMNS = (
    "SELECT c.id, c.code, c.name, c.description, c.parent_id, c.metadata,"
    f" {_ts('c.created_at')} AS created_at FROM public.categories c"
)


#: (kind, values, bounded, descendants) -> (SQL, parameter names, their types).
_GROUP_STATEMENTS: dict[tuple[str, str, bool, bool], tuple[str, list[str], list[str]]] = {}


def _group_statement(
    kind: str, values: str, bounded: bool, descendants: bool
) -> tuple[str, list[str], list[str]]:
    key = (kind, values, bounded, descendants)
    found = _GROUP_STATEMENTS.get(key)
    if found is None:
        names: list[str] = []
        types = dict(_GROUP_PARAMETERS[kind])

        def spell(name: str) -> str:
            if name not in names:
                names.append(name)
            return f"CAST(${names.index(name) + 1} AS {types[name]})"

        sql = group_sql(kind, values, bounded, descendants, spell)
        found = _GROUP_STATEMENTS[key] = (sql, names, [types[n] for n in names])
    return found


def _optional_text_int(value: Any) -> int | None:
    return None if value is None else int(value)


class PlpyGroups:
    """Implements `application.groups.GroupRepository` (the statements of `adapters.db.groups`)."""

    def __init__(self, spi: Spi) -> None:
        self._spi = spi

    def _rows(
        self, kind: str, values: str, bounded: bool, descendants: bool, arguments: dict[str, Any]
    ) -> list[Any]:
        from application.groups import GroupRow, GroupTotals

        sql, names, types = _group_statement(kind, values, bounded, descendants)
        rows = self._spi.execute(sql, types, [arguments[n] for n in names])
        return [
            GroupRow(
                row["child"],
                GroupTotals(
                    asset=row["asset_code"],
                    accounts=int(row["accounts"]),
                    posted=int(row["posted"]),
                    pending_debits=_optional_text_int(row["pending_debits"]),
                    pending_credits=_optional_text_int(row["pending_credits"]),
                    available=_optional_text_int(row["available"]),
                ),
            )
            for row in rows
        ]

    def prefix_rows(
        self, prefix: str, *, as_of: datetime | None, basis: Any, after: str | None, limit: int
    ) -> list[Any]:
        upper = prefix_upper_bound(prefix)
        arguments = {
            "prefix": prefix,
            "upper": upper,
            "skip": len(prefix) + 1,
            "after": after,
            "max_children": limit,
            "at": _iso(as_of),
        }
        values = "now" if as_of is None else basis.value
        return self._rows("prefix", values, upper is not None, False, arguments)

    def category_rows(
        self, category_id: UUID, *, as_of: datetime | None, basis: Any, descendants: bool
    ) -> list[Any]:
        arguments = {"root": str(category_id), "at": _iso(as_of)}
        values = "now" if as_of is None else basis.value
        return self._rows("category", values, False, descendants, arguments)

    def _categories(self, where: str, value: str) -> list[Any]:
        from domain.categories import Category

        rows = self._spi.execute(f"{_CATEGORY_COLUMNS} WHERE {where} ORDER BY c.code", ["uuid"], [value])
        return [
            Category(
                id=UUID(row["id"]),
                code=row["code"],
                name=row["name"],
                description=row["description"],
                parent_id=_uuid(row["parent_id"]),
                metadata=json.loads(row["metadata"]),
                created_at=_datetime(row["created_at"]),
            )
            for row in rows
        ]

    def category(self, category_id: UUID) -> Any:
        found = self._categories("c.id = $1", str(category_id))
        return found[0] if found else None

    def subcategories(self, category_id: UUID) -> list[Any]:
        return self._categories("c.parent_id = $1", str(category_id))
