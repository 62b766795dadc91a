"""The write path port and its in-app implementation.

`WritePath` is what callers (HTTP handlers, Celery tasks, benchmarks) use to change the books. The
in-app implementation below runs the use cases of `application.transfers` over a fresh unit of work per
call, retrying when the database reports a concurrent write of the same key. An in-database
implementation (one PL/Python function call per operation, running the same `domain.ledger` code)
implements the same protocol in `adapters.db`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar
from uuid import UUID

from application import transfers
from application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from application.retry import ATTEMPTS, retrying
from domain.errors import DomainError
from domain.ledger import Outcome
from domain.transfers import ReversalRequest, Transfer, TransferRequest

T = TypeVar("T")


class WritePath(Protocol):
    def post_transfers(self, requests: Sequence[TransferRequest]) -> list[Outcome]: ...
    def post_each(self, requests: Sequence[TransferRequest]) -> list[Outcome | DomainError]: ...
    def post_pending(self, transfer_id: UUID, amount: int | None = None) -> Outcome: ...
    def void_pending(self, transfer_id: UUID) -> Outcome: ...
    def reverse(self, request: ReversalRequest) -> Outcome: ...
    def expire_due(self, limit: int = 500) -> list[Transfer]: ...


class InAppWritePath:
    """Runs the write use cases in this process, one database transaction each."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, attempts: int = ATTEMPTS) -> None:
        self._uow = uow
        self._clock = clock
        self._attempts = attempts

    def _run(self, use_case: Callable[[UnitOfWork], T]) -> T:
        return retrying(lambda: use_case(self._uow()), self._attempts)

    def post_transfers(self, requests: Sequence[TransferRequest]) -> list[Outcome]:
        return self._run(lambda uow: transfers.post_transfers(requests, uow, self._clock))

    def post_each(self, requests: Sequence[TransferRequest]) -> list[Outcome | DomainError]:
        return self._run(lambda uow: transfers.post_each(requests, uow, self._clock))

    def post_pending(self, transfer_id: UUID, amount: int | None = None) -> Outcome:
        return self._run(lambda uow: transfers.post_pending(transfer_id, amount, uow, self._clock))

    def void_pending(self, transfer_id: UUID) -> Outcome:
        return self._run(lambda uow: transfers.void_pending(transfer_id, uow, self._clock))

    def reverse(self, request: ReversalRequest) -> Outcome:
        return self._run(lambda uow: transfers.reverse_transfer(request, uow, self._clock))

    def expire_due(self, limit: int = 500) -> list[Transfer]:
        return self._run(lambda uow: transfers.expire_due(uow, self._clock, limit))
