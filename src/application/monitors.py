"""Use cases for balance monitors: create, read, list and delete them, and `watch`, which every use case
that changes balances calls in its own transaction.

`watch(uow, accounts, at)` reads the monitors of the accounts a change touched (one indexed statement,
only when the change wrote something), lets `domain.monitors.observe` decide, stores the monitors whose
state changed, and returns the `balance.monitor_triggered` events for the caller to record with its
other events. The same code runs in both execution modes (over `PlpyUnitOfWork` inside PostgreSQL).

Concurrency: a monitor's state only changes under its account's row lock (the write use cases lock the
accounts they change; create and delete lock the account too), so two transactions never evaluate the
same monitor at once, and each reads the state the previous one committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application import events
from application.ports import Clock, IdSource, UnitOfWork
from domain import monitors as domain
from domain.accounts import Account
from domain.errors import AccountNotFound, NotFound
from domain.monitors import Condition, Monitor
from domain.transfers import Transfer


class MonitorRepository(Protocol):
    def add(self, monitor: Monitor) -> None: ...
    def get(self, account_id: UUID, monitor_id: UUID) -> Monitor | None: ...

    def of_account(self, account_id: UUID) -> list[Monitor]:
        """The account's monitors, oldest first (created_at, then id)."""
        ...

    def of_accounts(self, account_ids: Iterable[UUID]) -> list[Monitor]:
        """The monitors of these accounts, by account id, then oldest first: ONE indexed statement
        (the write path calls it in every transaction that changes balances)."""
        ...

    def save(self, monitors: Iterable[Monitor]) -> None:
        """Store the state (`triggered`, `triggered_at`) of monitors read in this transaction."""
        ...

    def delete(self, monitor_id: UUID) -> None: ...


@dataclass(frozen=True, slots=True)
class CreateMonitor:
    account_id: UUID
    balance: str
    comparison: str
    threshold: int
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def watch(uow: UnitOfWork, accounts: Iterable[Account], at: datetime) -> list[events.Event]:
    """Evaluate the monitors of `accounts` (as the change left them) and store their new state; the
    events of those that fired, for the caller to record with the change."""
    touched = {a.id: a for a in accounts}
    if not touched:
        return []
    found = uow.monitors.of_accounts(touched)
    if not found:
        return []
    changed, crossings = domain.observe(found, touched, at)
    if changed:
        uow.monitors.save(changed)
    return [events.monitor_triggered(c, at) for c in crossings]


def watch_transfers(
    uow: UnitOfWork, accounts: Mapping[UUID, Account], written: Iterable[Transfer], at: datetime
) -> list[events.Event]:
    """`watch` the locked `accounts` that the `written` transfers moved (a refused item of a group, or
    an account locked only as a counterpart that nothing moved, costs nothing)."""
    moved = {a for t in written for a in t.account_ids()}
    return watch(uow, [accounts[a] for a in moved if a in accounts], at)


def create_monitor(cmd: CreateMonitor, uow: UnitOfWork, clock: Clock, ids: IdSource) -> Monitor:
    """Create a monitor on an account that is not closed, and evaluate it at once: when its condition
    already holds, it fires now (its event is recorded with the monitor)."""
    condition = Condition.of(cmd.balance, cmd.comparison, cmd.threshold)
    with uow:
        account = uow.accounts.lock([cmd.account_id]).get(cmd.account_id)
        if account is None:
            raise _missing_account(cmd.account_id)
        now = clock.now()
        monitor, crossing = Monitor.create(
            id=ids.new_id(),
            account=account,
            condition=condition,
            description=cmd.description,
            metadata=cmd.metadata,
            existing=len(uow.monitors.of_account(account.id)),
            at=now,
        )
        uow.monitors.add(monitor)
        if crossing is not None:
            uow.events.add([events.monitor_triggered(crossing, now)])
        uow.commit()
        return monitor


def get_monitor(account_id: UUID, monitor_id: UUID, uow: UnitOfWork) -> Monitor:
    with uow:
        monitor = uow.monitors.get(account_id, monitor_id)
        if monitor is None:
            if uow.accounts.get(account_id) is None:
                raise _missing_account(account_id)
            raise _missing(account_id, monitor_id)
        return monitor


def list_monitors(account_id: UUID, uow: UnitOfWork) -> list[Monitor]:
    """Every monitor of the account, oldest first (at most `domain.monitors.MAX_MONITORS_PER_ACCOUNT`)."""
    with uow:
        if uow.accounts.get(account_id) is None:
            raise _missing_account(account_id)
        return uow.monitors.of_account(account_id)


def delete_monitor(account_id: UUID, monitor_id: UUID, uow: UnitOfWork) -> None:
    """Delete a monitor (under its account's lock, so no change is evaluating it meanwhile)."""
    with uow:
        if not uow.accounts.lock([account_id]):
            raise _missing_account(account_id)
        if uow.monitors.get(account_id, monitor_id) is None:
            raise _missing(account_id, monitor_id)
        uow.monitors.delete(monitor_id)
        uow.commit()


def _missing_account(account_id: UUID) -> AccountNotFound:
    return AccountNotFound(f"account {account_id} does not exist", account_id=str(account_id))


def _missing(account_id: UUID, monitor_id: UUID) -> NotFound:
    return NotFound(
        f"account {account_id} has no monitor {monitor_id}",
        account_id=str(account_id),
        monitor_id=str(monitor_id),
    )
