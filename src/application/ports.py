"""The ports: what the use cases need from the outside world, as `typing.Protocol`s.

The unit of work owns one database transaction per use case: repositories never commit, and leaving
the `with` block without `commit()` rolls everything back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self
from uuid import UUID

from domain.accounts import Account
from domain.assets import Asset
from domain.periods import ClosedPeriods
from domain.reports import AssetTotals
from domain.time_basis import ValuePosition
from domain.transfers import Entry, Transfer

if TYPE_CHECKING:  # inside PostgreSQL, the events module loads with the use cases that record events
    from application.events import EventLog
    from application.monitors import MonitorRepository
    from application.search import AccountFilter, CategoryRef, TransferFilter


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, time-zone aware."""
        ...


class IdSource(Protocol):
    def new_id(self) -> UUID: ...


class RetryableConflict(Exception):
    """A concurrent transaction wrote the same key, or the database asked for a retry
    (serialization failure, deadlock). The whole use case can safely run again."""


class ExecutionUnavailable(Exception):
    """The configured execution path cannot run now (for example, the database runs another version
    of the code than this process). A deployment problem, not a client error: nothing was written."""


@dataclass(frozen=True, slots=True)
class StatementLine:
    """A posted journal entry with the transfer facts a statement shows."""

    entry: Entry
    effective_at: datetime
    description: str


@dataclass(frozen=True, slots=True)
class TransferCursor:
    """Position in a newest-first list of transfers: the last transfer's instant on the list's basis
    (`created_at` when booked, `effective_at` by value date; `application.search.TransferFilter`) and
    its id."""

    at: datetime
    id: UUID


class AssetRepository(Protocol):
    def get(self, code: str) -> Asset | None: ...
    def add(self, asset: Asset) -> None: ...
    def all(self) -> list[Asset]: ...


class AccountRepository(Protocol):
    def add(self, account: Account) -> None: ...
    def get(self, account_id: UUID) -> Account | None: ...
    def get_by_code(self, code: str) -> Account | None: ...

    def lock(self, account_ids: Iterable[UUID]) -> dict[UUID, Account]:
        """Load and lock these accounts, always in ascending id order (no deadlocks).
        Missing ids are simply absent from the result."""
        ...

    def save(self, accounts: Iterable[Account]) -> None:
        """Persist the status of accounts loaded with `lock`. Balances and entry counters follow the
        journal (stored entries and status changes), never `save`."""
        ...

    def query(
        self,
        where: AccountFilter,
        *,
        categories: Sequence[UUID] | None,
        after_code: str | None,
        limit: int,
    ) -> list[Account]:
        """Accounts in code order after `after_code` matching `where` (`AccountFilter.matches`); with a
        category, those whose memberships include one of `categories` (from `category_tree`)."""
        ...

    def category_tree(self, category: CategoryRef, *, descendants: bool) -> list[UUID] | None:
        """The id of the category `category` names and, with `descendants`, of every category nested
        below it; None when there is no such category."""
        ...

    def statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None,
        end: datetime | None,
        after_seq: int | None,
        limit: int,
    ) -> list[StatementLine]:
        """Posted entries in booking order (seq ascending), `start <= created_at < end`."""
        ...

    def balance_as_of(self, account_id: UUID, at: datetime) -> int:
        """The posted balance after the last entry booked at or before `at` (an index lookup)."""
        ...

    def totals(self, asset: str | None) -> list[AssetTotals]: ...

    # --- by value date (`domain.time_basis`): the SQL functions of revision 0015 -----------------
    def value_net(self, account_id: UUID, at: datetime) -> int:
        """Credits − debits of the account's posted entries whose value date is at or before `at`."""
        ...

    def value_net_before(self, account_id: UUID, position: ValuePosition) -> int:
        """Credits − debits of the account's posted entries before `position` in value-date order."""
        ...

    def value_statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None,
        end: datetime | None,
        after: ValuePosition | None,
        limit: int,
    ) -> list[StatementLine]:
        """Posted entries in value-date order ((effective_at, seq) ascending, after `after`),
        `start <= effective_at < end`; their `balance_after` is the booked one."""
        ...

    def value_totals(self, through: date, asset: str | None) -> list[AssetTotals]:
        """Per asset, the posted totals of the entries whose value date is on or before the UTC day
        `through`; the pending totals are the current ones (holds are always as booked)."""
        ...

    def value_history(self, account_id: UUID, first: date, last: date) -> list[tuple[date, int]]:
        """The posted balance (normal side) by value date at the end of every UTC day from `first` to
        `last`."""
        ...

    def booked_history(self, account_id: UUID, first: date, last: date) -> list[tuple[date, int]]:
        """The posted balance (normal side) as booked at the end of every UTC day from `first` to `last`."""
        ...


class TransferRepository(Protocol):
    def get(self, transfer_id: UUID) -> Transfer | None: ...
    def get_many(self, transfer_ids: Iterable[UUID]) -> dict[UUID, Transfer]: ...

    def lock(self, transfer_id: UUID) -> Transfer | None:
        """Load and lock one transfer (its status is about to change)."""
        ...

    def add(self, transfer: Transfer, entries: Sequence[Entry]) -> None: ...

    def save(self, transfer: Transfer, entries: Sequence[Entry]) -> None:
        """Persist a status change of a two-phase transfer and the entries it wrote."""
        ...

    def query(self, where: TransferFilter, *, after: TransferCursor | None, limit: int) -> list[Transfer]:
        """Transfers matching `where` (`TransferFilter.matches`), newest first on its basis ((instant,
        id) descending), after `after`."""
        ...

    def lock_due(self, at: datetime, limit: int) -> list[Transfer]:
        """Pending transfers whose timeout is at or before `at`, locked, skipping locked ones."""
        ...


class ClosedPeriodsSource(Protocol):
    def closed_through(self) -> ClosedPeriods:
        """The days the books are closed through, ledger-wide and per asset, from the active closes
        (`domain.periods`): one small query, made only for a backdated request."""
        ...


class Transaction(Protocol):
    """A unit of work's transaction: entered, committed by the use case, rolled back on leaving unless
    committed. Every unit of work of a use case module is one (`JobUnitOfWork(Transaction, Protocol)`)."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class UnitOfWork(Transaction, Protocol):
    """One transaction over every repository, and the events it records (`application.events`). Also
    satisfies `api_keys.ApiKeyUnitOfWork`."""

    assets: AssetRepository
    accounts: AccountRepository
    transfers: TransferRepository
    events: EventLog
    #: Balance monitors (`application.monitors`), evaluated by every change of balances.
    monitors: MonitorRepository
    #: The closed accounting periods (`application.periods`), checked by backdated writes.
    periods: ClosedPeriodsSource

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
