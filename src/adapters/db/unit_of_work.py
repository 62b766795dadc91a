"""The SQL unit of work: one connection and one transaction per `with` block.

Leaving the block without `commit()` rolls everything back. Database errors that only mean "a
concurrent transaction got there first" are raised as `application.ports.RetryableConflict` (see
`adapters.db.errors`), so the write path can run the use case again.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from adapters.db.accounts import SqlAccountRepository
from adapters.db.api_keys import SqlApiKeyRepository
from adapters.db.assets import SqlAssetRepository
from adapters.db.categories import SqlCategoryRepository
from adapters.db.errors import DatabaseUnavailable, as_refusal, as_retryable
from adapters.db.events import SqlEventLog
from adapters.db.groups import SqlGroupRepository
from adapters.db.interest import SqlInterestRepository
from adapters.db.jobs import SqlJobRepository
from adapters.db.journal import SqlJournal
from adapters.db.monitors import SqlMonitorRepository
from adapters.db.periods import SqlPeriodRepository
from adapters.db.transfers import SqlTransferRepository
from adapters.db.tx import Tx
from adapters.db.verification import SqlLedgerScan
from application.api_keys import ApiKeyRepository
from application.categories import CategoryRepository
from application.groups import GroupRepository
from application.interest import InterestRepository
from application.jobs import JobRepository
from application.journal import JournalRepository
from application.monitors import MonitorRepository
from application.periods import PeriodRepository
from application.ports import AccountRepository, AssetRepository, TransferRepository
from application.verification import LedgerScan


class TxScope:
    """One connection and one transaction per `with` block over `self._tx` (rolled back unless
    `commit()`), for every SQL unit of work: a connection that cannot be had is `DatabaseUnavailable`,
    a retryable database error leaving the block is `RetryableConflict`. It may be entered again once
    its block has ended, never while it is open."""

    _engine: Engine
    _tx: Tx

    def __enter__(self) -> Self:
        if self._tx.is_open:
            raise RuntimeError("this unit of work is already open; use one per use case")
        try:
            connection = self._engine.connect()
        except OperationalError as error:
            raise DatabaseUnavailable(f"cannot connect to the database: {error.orig}") from error
        except PoolTimeout as busy:
            raise DatabaseUnavailable(f"no free database connection: {busy}") from busy
        try:
            self._tx.begin(connection)
        except BaseException:
            connection.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._tx.close()
        except Exception:
            if exc is None:
                raise
        retry = as_retryable(exc)
        if retry is not None:
            raise retry from exc
        refused = as_refusal(exc)
        if refused is not None:
            raise refused from exc

    def commit(self) -> None:
        self._tx.commit()

    def rollback(self) -> None:
        self._tx.rollback()


class SqlUnitOfWork(TxScope):
    """Implements `application.ports.UnitOfWork`, `application.api_keys.ApiKeyUnitOfWork`, the
    units of work of the background use cases (`interest`, `jobs`, `ledger_scan`) and of the events
    feed (`application.feed.FeedUnitOfWork`).

    Create one per use case (a factory: `lambda: SqlUnitOfWork(engine)`). It may be entered again
    once its block has ended, never while it is open; its repositories work only inside the block.
    """

    assets: AssetRepository
    accounts: AccountRepository
    transfers: TransferRepository
    api_keys: ApiKeyRepository
    interest: InterestRepository
    jobs: JobRepository
    ledger_scan: LedgerScan
    #: The journal across accounts (`application.journal`): exports.
    journal: JournalRepository
    monitors: MonitorRepository
    #: Accounting periods (`application.periods`): the closes, their snapshots, the write path's check.
    periods: PeriodRepository
    #: The outbox: `EventLog` for the use cases that record, `EventFeed` for the feed and retention.
    events: SqlEventLog
    #: Categories of accounts (`application.categories`) and the balances of groups (`application.groups`).
    categories: CategoryRepository
    groups: GroupRepository

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._tx = tx = Tx()
        self.assets = SqlAssetRepository(tx)
        self.accounts = SqlAccountRepository(tx)
        self.transfers = SqlTransferRepository(tx)
        self.api_keys = SqlApiKeyRepository(tx)
        self.interest = SqlInterestRepository(tx)
        self.jobs = SqlJobRepository(tx)
        self.ledger_scan = SqlLedgerScan(tx)
        self.journal = SqlJournal(tx)
        self.monitors = SqlMonitorRepository(tx)
        self.periods = SqlPeriodRepository(tx)
        self.events = SqlEventLog(tx)
        self.categories = SqlCategoryRepository(tx)
        self.groups = SqlGroupRepository(tx)
