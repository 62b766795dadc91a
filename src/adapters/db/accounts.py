"""The account repository: accounts with their balances, statements, balances as of a past instant,
and the per-asset totals of the trial balance.

Balances and `last_seq` are read here but never written: database triggers keep them from the journal
(revision 0002), so `save` writes an account's status only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    Integer,
    Select,
    Uuid,
    any_,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    update,
)

from adapters.db.mapping import (
    account_from_row,
    account_state,
    account_state_values,
    account_values,
    entry_from_row,
)
from adapters.db.models import accounts, assets, entries, transfers
from adapters.db.tx import Tx
from application.pages import like_escape, prefix_upper_bound
from application.ports import StatementLine
from domain.accounts import Account, Balances
from domain.reports import AssetTotals

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
    query = (
        select(entries, transfers.c.effective_at, transfers.c.description)
        .join(transfers, transfers.c.id == entries.c.transfer_id)
        .where(entries.c.account_id == bindparam("account_id", type_=Uuid), _POSTED)
        .order_by(entries.c.seq)
        .limit(bindparam("max_rows", type_=Integer))
    )
    if start:
        query = query.where(entries.c.created_at >= bindparam("start"))
    if end:
        query = query.where(entries.c.created_at < bindparam("end"))
    if after_seq:
        query = query.where(entries.c.seq > bindparam("after_seq"))
    return query


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
        self, *, code_prefix: str | None, asset: str | None, after_code: str | None, limit: int
    ) -> list[Account]:
        statement = _ACCOUNTS.order_by(accounts.c.code).limit(limit)
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
        if asset is not None:
            statement = statement.where(accounts.c.asset_code == asset)
        if after_code is not None:
            statement = statement.where(accounts.c.code > after_code)
        return [account_from_row(row) for row in self._tx.execute(statement)]

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
            for row in self._tx.execute(query)
        ]
