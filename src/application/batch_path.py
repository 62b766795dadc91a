"""The batch path port and its in-app implementation: the ledger's background use cases.

`BatchPath` is what the background tasks call, one chunk at a time: accrue interest on some accounts
over a range of days, list the accounts that have policies (to cut the work into chunks), and verify
the ledger, whole or a part at a time. The in-app implementation runs `application.interest` and
`application.verification` here; the in-database one (`adapters.db.in_database.InDatabaseBatchPath`,
one PL/Python function call per chunk) runs the same use cases inside PostgreSQL. Mirrors `application.write_path`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Protocol
from uuid import UUID

from application import interest, verification
from application.interest import AccrualSummary, InterestUnitOfWork
from application.ports import Clock
from application.retry import ATTEMPTS, retrying
from application.verification import VerificationPart, VerificationUnitOfWork
from domain.verification import AccountProgress, VerificationReport


class BatchPath(Protocol):
    def accrue_interest(
        self, account_ids: Sequence[UUID], start: date, end: date, post_open: bool = False
    ) -> AccrualSummary: ...
    def accounts_with_policies(self, after_id: UUID | None, limit: int) -> list[UUID]: ...
    def verify_ledger(self) -> VerificationReport: ...

    def verify_part(
        self,
        phase: str,
        after_id: UUID | None,
        limit: int,
        *,
        progress: AccountProgress | None = None,
        max_rows: int = verification.PART_ROWS,
    ) -> VerificationPart:
        """Verify the next `limit` accounts or transfers, at most `max_rows` journal rows
        (`application.verification.verify_part`)."""
        ...


class BatchUnitOfWork(InterestUnitOfWork, VerificationUnitOfWork, Protocol):
    """A unit of work with the interest repository and the ledger scan."""


class InAppBatchPath:
    """Runs the batch use cases in this process. Interest accrues one transaction per chunk; a chunk
    that meets a concurrent write runs again (what was committed is skipped: idempotent)."""

    def __init__(self, uow: Callable[[], BatchUnitOfWork], clock: Clock, attempts: int = ATTEMPTS) -> None:
        self._uow = uow
        self._clock = clock
        self._attempts = attempts

    def accrue_interest(
        self, account_ids: Sequence[UUID], start: date, end: date, post_open: bool = False
    ) -> AccrualSummary:
        return interest.accrue_interest(
            account_ids,
            start,
            end,
            self._uow,
            self._clock,
            run=lambda accrue: retrying(accrue, self._attempts),
            post_open=post_open,
        )

    def accounts_with_policies(self, after_id: UUID | None, limit: int) -> list[UUID]:
        return interest.accounts_with_policies(self._uow(), after_id, limit)

    def verify_ledger(self) -> VerificationReport:
        return verification.verify_ledger(self._uow())

    def verify_part(
        self,
        phase: str,
        after_id: UUID | None,
        limit: int,
        *,
        progress: AccountProgress | None = None,
        max_rows: int = verification.PART_ROWS,
    ) -> VerificationPart:
        return verification.verify_part(
            self._uow(), phase, after_id, limit, progress=progress, max_rows=max_rows
        )
