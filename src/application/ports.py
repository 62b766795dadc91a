"""The ports: what the use cases need from the outside world, as `typing.Protocol`s.

The unit of work owns one database transaction per use case: repositories never commit, and leaving
the `with` block without `commit()` rolls everything back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self
from uuid import UUID

from domain.accounts import Account
from domain.assets import Asset
from domain.reports import AssetTotals
from domain.transfers import Entry, Transfer, TransferStatus

if TYPE_CHECKING:  # inside PostgreSQL, the events module loads with the use cases that record events
    from application.events import EventLog
    from application.monitors import MonitorRepository


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
    """Position in the newest-first list of transfers."""

    created_at: datetime
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
        self, *, code_prefix: str | None, asset: str | None, after_code: str | None, limit: int
    ) -> list[Account]: ...

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

    def query(
        self,
        *,
        account_id: UUID | None,
        status: TransferStatus | None,
        after: TransferCursor | None,
        limit: int,
    ) -> list[Transfer]: ...

    def lock_due(self, at: datetime, limit: int) -> list[Transfer]:
        """Pending transfers whose timeout is at or before `at`, locked, skipping locked ones."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository, and the events it records (`application.events`). Also
    satisfies `api_keys.ApiKeyUnitOfWork`."""

    assets: AssetRepository
    accounts: AccountRepository
    transfers: TransferRepository
    events: EventLog
    #: Balance monitors (`application.monitors`), evaluated by every change of balances.
    monitors: MonitorRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
