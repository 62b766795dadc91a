"""The account repository: accounts with their balances, statements, balances as of a past instant,
and the per-asset totals of the trial balance, as booked and by value date.

Balances and `last_seq` are read here but never written: database triggers keep them from the journal
(revision 0002), so `save` writes an account's status only. The reads by value date call the SQL
functions of revision 0015 (`razao.value_net`, `value_net_before`, `value_history`, `booked_history`,
`value_totals`), which the in-database mode's store calls too: their SQL is written once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Date,
    Integer,
    Select,
    Text,
    TextClause,
    Uuid,
    any_,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    text,
    tuple_,
    update,
)

from adapters.db.mapping import (
    account_from_row,
    account_state,
    account_state_values,
    account_values,
    entry_from_row,
)
from adapters.db.models import Timestamp, account_categories, accounts, assets, entries, transfers
from adapters.db.models import categories as category_rows
from adapters.db.search import metadata_conditions
from adapters.db.tx import Tx
from application.pages import like_escape, prefix_upper_bound
from application.ports import StatementLine
from application.search import AccountFilter, CategoryRef
from domain.accounts import Account, Balances
from domain.reports import AssetTotals
from domain.time_basis import ValuePosition

_ACCOUNTS = select(accounts, assets.c.scale).join(assets, assets.c.code == accounts.c.asset_code)

# Only the status: balances and last_seq are kept by the database's triggers from the journal.
_SAVE = update(accounts).where(accounts.c.id == bindparam("b_id")).values(status=bindparam("b_status"))

# A literal, not a bound parameter: the planner must see it to use the partial index.
_POSTED = entries.c.layer == literal_column("'posted'")

# The reads are built once, with bound parameters: SQLAlchemy then finds them compiled in its cache
# without building and hashing a new statement per call, and psycopg prepares them once per connection.
_GET = _ACCOUNTS.where(accounts.c.id == bindparam("account_id", type_=Uuid))
_GET_BY_CODE = _ACCOUNTS.where(accounts.c.code == bindparam("code"))
_BALANCE_AS_OF = (
    select(entries.c.balance_after)
    .where(entries.c.account_id == bindparam("account_id", type_=Uuid), _POSTED)
    .where(entries.c.created_at <= bindparam("at"))
    .order_by(entries.c.created_at.desc(), entries.c.seq.desc())
    .limit(1)
)


@cache
def _statement_query(start: bool, end: bool, after_seq: bool) -> Select[Any]:
    """A statement page, with a condition for each bound that is given (eight statements at most)."""
    query = _lines().order_by(entries.c.seq)
    if start:
        query = query.where(entries.c.created_at >= bindparam("start"))
    if end:
        query = query.where(entries.c.created_at < bindparam("end"))
    if after_seq:
        query = query.where(entries.c.seq > bindparam("after_seq"))
    return query


def _lines() -> Select[Any]:
    """An account's posted entries with their transfers' descriptions (the value date is the entry's)."""
    return (
        select(*(c for c in entries.c if c.name != "txid"), transfers.c.description)  # txid: the sealer's
        .join(transfers, transfers.c.id == entries.c.transfer_id)
        .where(entries.c.account_id == bindparam("account_id", type_=Uuid), _POSTED)
        .limit(bindparam("max_rows", type_=Integer))
    )


@cache
def _value_statement_query(start: bool, end: bool, after: bool) -> Select[Any]:
    """A statement page in value-date order: a range scan of ix_entries_value_date."""
    query = _lines().order_by(entries.c.effective_at, entries.c.seq)
    if start:
        query = query.where(entries.c.effective_at >= bindparam("start"))
    if end:
        query = query.where(entries.c.effective_at < bindparam("end"))
    if after:
        position = tuple_(bindparam("after_at", type_=Timestamp), bindparam("after_seq", type_=BigInteger))
        query = query.where(tuple_(entries.c.effective_at, entries.c.seq) > position)
    return query


def _function(sql: str, **types: Any) -> TextClause:
    return text(sql).bindparams(*(bindparam(name, type_=type_) for name, type_ in types.items()))


#: A category and every category nested below it (the tree is acyclic: the trigger categories_tree).
_CATEGORY_TREE = _function(
    "WITH RECURSIVE tree(id) AS (SELECT CAST(:root AS uuid)"
    " UNION SELECT c.id FROM public.categories c JOIN tree ON c.parent_id = tree.id)"
    " SELECT id FROM tree",
    root=Uuid,
)
_VALUE_NET = _function("SELECT razao.value_net(:account_id, :at)", account_id=Uuid, at=Timestamp)
_VALUE_NET_BEFORE = _function(
    "SELECT razao.value_net_before(:account_id, :at, :seq)", account_id=Uuid, at=Timestamp, seq=BigInteger
)
_VALUE_HISTORY = _function(
    "SELECT day, balance FROM razao.value_history(:account_id, :first, :last)",
    account_id=Uuid,
    first=Date,
    last=Date,
)
_BOOKED_HISTORY = _function(
    "SELECT day, balance FROM razao.booked_history(:account_id, :first, :last)",
    account_id=Uuid,
    first=Date,
    last=Date,
)
#: The trial balance by value date, with today's holds (holds are always as booked).
VALUE_TOTALS = (
    "SELECT v.asset_code, v.accounts AS n_accounts, v.posted_debits, v.posted_credits,"
    " coalesce(p.pending_debits, 0) AS pending_debits, coalesce(p.pending_credits, 0) AS pending_credits,"
    " v.debit_balances AS debit_bal, v.credit_balances AS credit_bal"
    " FROM razao.value_totals({through}) v LEFT JOIN ("
    "SELECT asset_code, sum(pending_debits) AS pending_debits, sum(pending_credits) AS pending_credits"
    " FROM public.accounts GROUP BY asset_code) p ON p.asset_code = v.asset_code"
    "{where} ORDER BY v.asset_code"
)
_VALUE_TOTALS = _function(VALUE_TOTALS.format(through=":through", where=""), through=Date)
_VALUE_TOTALS_OF = _function(
    VALUE_TOTALS.format(through=":through", where=" WHERE v.asset_code = :asset"), through=Date, asset=Text
)


_TOTALS = (
    select(
        accounts.c.asset_code,
        func.count().label("n_accounts"),
        func.sum(accounts.c.posted_debits).label("posted_debits"),
        func.sum(accounts.c.posted_credits).label("posted_credits"),
        func.sum(accounts.c.pending_debits).label("pending_debits"),
        func.sum(accounts.c.pending_credits).label("pending_credits"),
        func.sum(func.greatest(accounts.c.posted_debits - accounts.c.posted_credits, 0)).label("debit_bal"),
        func.sum(func.greatest(accounts.c.posted_credits - accounts.c.posted_debits, 0)).label("credit_bal"),
    )
    .group_by(accounts.c.asset_code)
    .order_by(accounts.c.asset_code)
)


class SqlAccountRepository:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def add(self, account: Account) -> None:
        if account.balances != Balances() or account.last_seq:
            raise AssertionError(f"account {account.id} is new: it has no balances and no entries yet")
        self._tx.execute(insert(accounts).values(account_values(account)))

    def _one(self, statement: Select[Any], parameters: dict[str, Any]) -> Account | None:
        row = self._tx.execute(statement, parameters).first()
        return None if row is None else account_from_row(row)

    def get(self, account_id: UUID) -> Account | None:
        return self._one(_GET, {"account_id": account_id})

    def get_by_code(self, code: str) -> Account | None:
        if "\x00" in code:  # no stored code has one, and PostgreSQL text cannot carry it
            return None
        return self._one(_GET_BY_CODE, {"code": code})

    def lock(self, account_ids: Iterable[UUID]) -> dict[UUID, Account]:
        """`SELECT ... WHERE id = ANY(:ids) ORDER BY id FOR UPDATE OF accounts`: the rows are locked
        in ascending id order, so two transactions never wait on each other in a cycle."""
        ids = sorted(set(account_ids))
        if not ids:
            return {}
        statement = (
            _ACCOUNTS.where(accounts.c.id == any_(bindparam("ids", ids, type_=ARRAY(Uuid))))
            .order_by(accounts.c.id)
            .with_for_update(of=accounts)
        )
        locked = {}
        for row in self._tx.execute(statement):
            account = account_from_row(row)
            locked[account.id] = account
            self._tx.locked_accounts[account.id] = account_state(account)
        return locked

    def save(self, accounts_: Iterable[Account]) -> None:
        """Write the status of the accounts that changed it since `lock`. Balances and the entry counter
        are not written: the journal's triggers keep them (and check them against the entries'
        `seq` and `balance_after`). Saving an account this transaction has not locked is a bug."""
        snapshots = self._tx.locked_accounts
        changed = []
        for account in accounts_:
            if account.id not in snapshots:
                raise AssertionError(f"account {account.id} was saved without being locked first")
            state = account_state(account)
            if snapshots[account.id] != state:
                changed.append(account_state_values(account))
                snapshots[account.id] = state
        if changed:
            self._tx.execute(_SAVE, changed)

    def query(
        self,
        where: AccountFilter,
        *,
        categories: Sequence[UUID] | None,
        after_code: str | None,
        limit: int,
    ) -> list[Account]:
        """One statement in code order; each condition can be answered by its own index
        (docs/search.md), so the planner picks the most selective."""
        statement = _ACCOUNTS.order_by(accounts.c.code).limit(limit)
        code_prefix = where.code_prefix
        if code_prefix:
            if "\x00" in code_prefix:
                return []
            # A range on the "C"-collated btree; LIKE spells out the meaning (and covers the
            # rare prefix that has no upper bound).
            statement = statement.where(
                accounts.c.code >= code_prefix,
                accounts.c.code.like(like_escape(code_prefix) + "%", escape="\\"),
            )
            upper = prefix_upper_bound(code_prefix)
            if upper is not None:
                statement = statement.where(accounts.c.code < upper)
        if where.asset is not None:
            statement = statement.where(accounts.c.asset_code == where.asset)
        if where.status is not None:
            statement = statement.where(accounts.c.status == where.status.value)
        statement = statement.where(*metadata_conditions(accounts.c.metadata, where.metadata))
        if categories is not None:
            ids = bindparam("categories", list(categories), type_=ARRAY(Uuid))
            members = select(account_categories.c.account_id).where(
                account_categories.c.category_id == any_(ids)
            )
            statement = statement.where(accounts.c.id.in_(members))
        if after_code is not None:
            statement = statement.where(accounts.c.code > after_code)
        return [account_from_row(row) for row in self._tx.execute(statement)]

    def category_tree(self, category: CategoryRef, *, descendants: bool) -> list[UUID] | None:
        """The category (by id or code: a primary key or unique-key lookup) and, with descendants, the
        categories below it (a recursive walk down `ix_categories_parent_id`)."""
        if category.code is not None and "\x00" in category.code:
            return None
        rows = category_rows.c
        root = rows.id == category.id if category.id is not None else rows.code == category.code
        found = self._tx.execute(select(rows.id).where(root)).scalar()
        if found is None:
            return None
        if not descendants:
            return [found]
        return list(self._tx.execute(_CATEGORY_TREE, {"root": found}).scalars())

    def statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None,
        end: datetime | None,
        after_seq: int | None,
        limit: int,
    ) -> list[StatementLine]:
        query = _statement_query(start is not None, end is not None, after_seq is not None)
        parameters = {
            "account_id": account_id,
            "max_rows": limit,
            "start": start,
            "end": end,
            "after_seq": after_seq,
        }
        return self._lines(query, parameters)

    def _lines(self, query: Select[Any], parameters: dict[str, Any]) -> list[StatementLine]:
        return [
            StatementLine(entry_from_row(row), row.effective_at, row.description)
            for row in self._tx.execute(query, parameters)
        ]

    def balance_as_of(self, account_id: UUID, at: datetime) -> int:
        """One index-only lookup on ix_entries_balance_as_of: the last posted entry at or before `at`."""
        balance = self._tx.execute(_BALANCE_AS_OF, {"account_id": account_id, "at": at}).scalar()
        return 0 if balance is None else int(balance)

    def totals(self, asset: str | None) -> list[AssetTotals]:
        query = _TOTALS if asset is None else _TOTALS.where(accounts.c.asset_code == asset)
        return _totals(self._tx.execute(query))

    # --- by value date -------------------------------------------------------------------------
    def value_net(self, account_id: UUID, at: datetime) -> int:
        return int(self._tx.execute(_VALUE_NET, {"account_id": account_id, "at": at}).scalar_one())

    def value_net_before(self, account_id: UUID, position: ValuePosition) -> int:
        parameters = {"account_id": account_id, "at": position.effective_at, "seq": position.seq}
        return int(self._tx.execute(_VALUE_NET_BEFORE, parameters).scalar_one())

    def value_statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None,
        end: datetime | None,
        after: ValuePosition | None,
        limit: int,
    ) -> list[StatementLine]:
        query = _value_statement_query(start is not None, end is not None, after is not None)
        parameters = {
            "account_id": account_id,
            "max_rows": limit,
            "start": start,
            "end": end,
            "after_at": None if after is None else after.effective_at,
            "after_seq": None if after is None else after.seq,
        }
        return self._lines(query, parameters)

    def value_totals(self, through: date, asset: str | None) -> list[AssetTotals]:
        if asset is None:
            return _totals(self._tx.execute(_VALUE_TOTALS, {"through": through}))
        return _totals(self._tx.execute(_VALUE_TOTALS_OF, {"through": through, "asset": asset}))

    def value_history(self, account_id: UUID, first: date, last: date) -> list[tuple[date, int]]:
        return self._history(_VALUE_HISTORY, account_id, first, last)

    def booked_history(self, account_id: UUID, first: date, last: date) -> list[tuple[date, int]]:
        return self._history(_BOOKED_HISTORY, account_id, first, last)

    def _history(
        self, query: TextClause, account_id: UUID, first: date, last: date
    ) -> list[tuple[date, int]]:
        rows = self._tx.execute(query, {"account_id": account_id, "first": first, "last": last})
        return [(row.day, int(row.balance)) for row in rows]


def _totals(rows: Iterable[Any]) -> list[AssetTotals]:
    return [
        AssetTotals(
            asset=row.asset_code,
            accounts=row.n_accounts,
            posted_debits=int(row.posted_debits),
            posted_credits=int(row.posted_credits),
            pending_debits=int(row.pending_debits),
            pending_credits=int(row.pending_credits),
            debit_balances=int(row.debit_bal),
            credit_balances=int(row.credit_bal),
        )
        for row in rows
    ]
