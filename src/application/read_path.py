"""The read path port and its in-app implementation.

`ReadPath` is what callers use for the reads that can run inside PostgreSQL as well: a balance as of
an instant, an account's statement and the trial balance. The in-app implementation below runs the use
cases of `application.accounts` and `application.reports` over a fresh unit of work per call; the
in-database one (one PL/Python function call per read, running these same use cases) lives in
`adapters.db`. Mirrors `application.write_path`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from application import accounts, reports
from application.accounts import BalanceAsOf
from application.pages import DEFAULT_LIMIT, Page
from application.ports import StatementLine, UnitOfWorkFactory
from domain.reports import AssetTotals


class ReadPath(Protocol):
    def balance_as_of(self, account_id: UUID, at: datetime) -> BalanceAsOf: ...

    def statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        after_seq: int | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[StatementLine, int]: ...

    def trial_balance(self, asset: str | None = None) -> list[AssetTotals]: ...


class InAppReadPath:
    """Runs the read use cases in this process, one database transaction each."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    def balance_as_of(self, account_id: UUID, at: datetime) -> BalanceAsOf:
        return accounts.balance_as_of(account_id, at, self._uow())

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

    def trial_balance(self, asset: str | None = None) -> list[AssetTotals]:
        return reports.trial_balance(self._uow(), asset)
