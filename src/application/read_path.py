"""The read path port and its in-app implementation.

`ReadPath` is what callers use for the reads that can run inside PostgreSQL as well: a balance as of
an instant, an account's statement (in booking or value-date order), its daily balances and the trial
balance. The in-app implementation below runs the use cases of `application.accounts` and
`application.reports` over a fresh unit of work per call; the in-database one (one PL/Python function
call per read, running these same use cases) lives in `adapters.db`. Mirrors `application.write_path`.

Reads that take a time basis (`domain.time_basis.Basis`) default to `booked`, what they answered before
value dates existed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from application import accounts, groups, journal, reports
from application.accounts import BalanceAsOf, BalanceHistory
from application.groups import CategoryBalance, GroupUnitOfWork, PrefixBalance
from application.journal import JournalCursor, JournalLine, JournalUnitOfWork
from application.pages import DEFAULT_LIMIT, Page
from application.ports import StatementLine, UnitOfWork
from domain.reports import AssetTotals
from domain.time_basis import Basis, ValuePosition


class ReadPath(Protocol):
    def balance_as_of(self, account_id: UUID, at: datetime, basis: Basis = Basis.BOOKED) -> BalanceAsOf: ...

    def statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        after_seq: int | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[StatementLine, int]: ...

    def value_statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        after: ValuePosition | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[StatementLine, ValuePosition]:
        """The statement on the effective basis: value-date order, windows on the value date, and
        running balances in that order (`accounts.value_statement`). A method of its own because its
        position is a (value date, entry number) pair, not an entry number."""
        ...

    def history(
        self, account_id: UUID, first: date, last: date, basis: Basis = Basis.BOOKED
    ) -> BalanceHistory: ...

    def trial_balance(
        self, asset: str | None = None, basis: Basis = Basis.BOOKED, through: date | None = None
    ) -> list[AssetTotals]: ...

    def journal(
        self,
        start: datetime,
        end: datetime,
        *,
        after: JournalCursor | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[JournalLine, JournalCursor]:
        """One page of the entries of every account booked in `[start, end)` (`application.journal`)."""
        ...

    def group_balance(
        self,
        prefix: str,
        *,
        as_of: datetime | None = None,
        basis: Basis = Basis.BOOKED,
        after: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> PrefixBalance:
        """The totals of the accounts under a code prefix and one page of its children
        (`application.groups`)."""
        ...

    def category_balance(
        self,
        category_id: UUID,
        *,
        as_of: datetime | None = None,
        basis: Basis = Basis.BOOKED,
        descendants: bool = True,
    ) -> CategoryBalance:
        """The totals of a category's accounts, each once, and of each direct subcategory
        (`application.groups`)."""
        ...


class ReadUnitOfWork(UnitOfWork, JournalUnitOfWork, GroupUnitOfWork, Protocol):
    """The unit of work of the reads: the ledger's repositories, the journal and the groups."""


class InAppReadPath:
    """Runs the read use cases in this process, one database transaction each."""

    def __init__(self, uow: Callable[[], ReadUnitOfWork]) -> None:
        self._uow = uow

    def balance_as_of(self, account_id: UUID, at: datetime, basis: Basis = Basis.BOOKED) -> BalanceAsOf:
        return accounts.balance_as_of(account_id, at, self._uow(), basis)

    def statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        after_seq: int | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[StatementLine, int]:
        return accounts.statement(
            account_id, self._uow(), start=start, end=end, after_seq=after_seq, limit=limit
        )

    def value_statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        after: ValuePosition | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[StatementLine, ValuePosition]:
        return accounts.value_statement(
            account_id, self._uow(), start=start, end=end, after=after, limit=limit
        )

    def history(
        self, account_id: UUID, first: date, last: date, basis: Basis = Basis.BOOKED
    ) -> BalanceHistory:
        return accounts.history(account_id, first, last, self._uow(), basis)

    def trial_balance(
        self, asset: str | None = None, basis: Basis = Basis.BOOKED, through: date | None = None
    ) -> list[AssetTotals]:
        return reports.trial_balance(self._uow(), asset, basis=basis, through=through)

    def journal(
        self,
        start: datetime,
        end: datetime,
        *,
        after: JournalCursor | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[JournalLine, JournalCursor]:
        return journal.journal(self._uow(), start, end, after=after, limit=limit)

    def group_balance(
        self,
        prefix: str,
        *,
        as_of: datetime | None = None,
        basis: Basis = Basis.BOOKED,
        after: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> PrefixBalance:
        return groups.group_balance(self._uow(), prefix, as_of=as_of, basis=basis, after=after, limit=limit)

    def category_balance(
        self,
        category_id: UUID,
        *,
        as_of: datetime | None = None,
        basis: Basis = Basis.BOOKED,
        descendants: bool = True,
    ) -> CategoryBalance:
        return groups.category_balance(
            self._uow(), category_id, as_of=as_of, basis=basis, descendants=descendants
        )
