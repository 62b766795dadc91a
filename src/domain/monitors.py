"""Balance monitors: a condition on one of an account's balances that tells once when it becomes true.

A monitor watches one balance of one account (`BalanceKind`: posted, available, pending outflow or
pending inflow, in minor units from the account's normal side) against a threshold (`Comparison`). It
is edge-triggered: it fires when its condition becomes true, keeps the fact in its state
(`triggered`), and fires again only after the condition has been false in between (which re-arms it
without an event).

It is evaluated against the account's balances as a change left them: the use case that changed the
balances calls `observe` once, after the whole change, in the change's own transaction. Balances that
existed only in the middle of one change (between two transfers of one atomic batch, or of one group
of concurrent requests booked together) were never visible to anyone and are not seen.

A new monitor is evaluated at once: if its condition already holds, it fires at creation, since the
user asked to be told when the balance is below X and it is. Pure: no clock, no I/O; time is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain.accounts import Account, AccountStatus, Side
from domain.errors import InvalidState, ValidationError
from domain.values import check_metadata, check_text, check_timestamp

#: Most monitors one account may have: every change of its balances evaluates all of them.
MAX_MONITORS_PER_ACCOUNT = 100
#: The largest threshold in absolute value: 38 digits, as the database's NUMERIC(38, 0) and the API's balances.
MAX_THRESHOLD = 10**38 - 1
MAX_DESCRIPTION = 200


class BalanceKind(StrEnum):
    """Which balance a monitor watches, read from the account's normal side (as the API shows it)."""

    POSTED = "posted"
    AVAILABLE = "available"
    #: What pending transfers hold against the account (what `available` subtracts from `posted`).
    PENDING_OUTFLOW = "pending_outflow"
    #: What pending transfers are about to bring to the account.
    PENDING_INFLOW = "pending_inflow"

    def of(self, account: Account) -> int:
        b, normal = account.balances, account.normal_side
        if self is BalanceKind.POSTED:
            return b.posted(normal)
        if self is BalanceKind.AVAILABLE:
            return b.available(normal)
        if self is BalanceKind.PENDING_OUTFLOW:
            return b.pending_outflow(normal)
        return b.pending_credits if normal is Side.CREDIT else b.pending_debits


class Comparison(StrEnum):
    BELOW = "below"
    AT_OR_BELOW = "at_or_below"
    ABOVE = "above"
    AT_OR_ABOVE = "at_or_above"

    def holds(self, value: int, threshold: int) -> bool:
        if self is Comparison.BELOW:
            return value < threshold
        if self is Comparison.AT_OR_BELOW:
            return value <= threshold
        if self is Comparison.ABOVE:
            return value > threshold
        return value >= threshold


@dataclass(frozen=True, slots=True)
class Condition:
    """`balance` `comparison` `threshold`, e.g. available below 1000 (minor units)."""

    balance: BalanceKind
    comparison: Comparison
    threshold: int

    @classmethod
    def of(cls, balance: object, comparison: object, threshold: object) -> Condition:
        """A condition from request values, each refused with its field's name."""
        if not isinstance(balance, str) or balance not in BalanceKind.__members__.values():
            raise ValidationError.of("balance", f"must be one of {', '.join(BalanceKind)}")
        if not isinstance(comparison, str) or comparison not in Comparison.__members__.values():
            raise ValidationError.of("comparison", f"must be one of {', '.join(Comparison)}")
        kind, compare = BalanceKind(balance), Comparison(comparison)
        if not isinstance(threshold, int) or isinstance(threshold, bool):
            raise ValidationError.of("threshold", "must be an integer (minor units)")
        if abs(threshold) > MAX_THRESHOLD:
            raise ValidationError.of("threshold", f"must be at most {MAX_THRESHOLD} in absolute value")
        return cls(kind, compare, threshold)

    def value(self, account: Account) -> int:
        return self.balance.of(account)

    def holds_for(self, account: Account) -> bool:
        return self.comparison.holds(self.value(account), self.threshold)


@dataclass(frozen=True, slots=True)
class Crossing:
    """A monitor fired: its condition became true. `monitor` is a copy of its state after firing,
    `value` the balance that crossed the threshold, `account` the (live) account the change left: read
    it before the account changes again."""

    monitor: Monitor
    account: Account
    value: int


@dataclass(eq=False, slots=True)
class Monitor:
    """A balance monitor. Entities compare by id; the state changes only through `observe`."""

    id: UUID
    account_id: UUID
    condition: Condition
    description: str
    metadata: dict[str, Any]
    created_at: datetime
    #: Whether the condition held when last evaluated (it fired then, and stays quiet until it resets).
    triggered: bool = False
    #: When it last fired (None: never).
    triggered_at: datetime | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Monitor) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        account: Account,
        condition: Condition,
        description: object = None,
        metadata: object = None,
        existing: int = 0,
        at: datetime,
    ) -> tuple[Monitor, Crossing | None]:
        """A new monitor on `account` (which has `existing` monitors already), evaluated at once: the
        crossing is there when its condition already holds."""
        if account.status is AccountStatus.CLOSED:
            raise InvalidState(
                f"account {account.code} is closed: its balances can no longer change",
                account_id=str(account.id),
                status=account.status.value,
            )
        if existing >= MAX_MONITORS_PER_ACCOUNT:
            raise InvalidState(
                f"account {account.code} already has {MAX_MONITORS_PER_ACCOUNT} monitors, the most allowed",
                account_id=str(account.id),
            )
        monitor = cls(
            id=id,
            account_id=account.id,
            condition=condition,
            description=check_text(description, "description", required=False, max_length=MAX_DESCRIPTION),
            metadata=check_metadata(metadata),
            created_at=check_timestamp(at, "created_at"),
        )
        return monitor, monitor.observe(account, at)

    def observe(self, account: Account, at: datetime) -> Crossing | None:
        """Evaluate against `account`'s balances now: fire (a crossing) when the condition holds and did
        not before; re-arm quietly when it no longer holds."""
        if account.id != self.account_id:
            raise ValueError(f"monitor {self.id} watches account {self.account_id}, not {account.id}")
        value = self.condition.value(account)
        holds = self.condition.comparison.holds(value, self.condition.threshold)
        if holds == self.triggered:
            return None
        self.triggered = holds
        if not holds:
            return None
        self.triggered_at = at
        return Crossing(replace(self), account, value)


def observe(
    monitors: Iterable[Monitor], accounts: Mapping[UUID, Account], at: datetime
) -> tuple[list[Monitor], list[Crossing]]:
    """Evaluate `monitors` against the accounts a change left (monitors of other accounts are skipped).
    Returns the monitors whose state changed (to store) and the crossings, in the order of `monitors`."""
    changed: list[Monitor] = []
    crossings: list[Crossing] = []
    for monitor in monitors:
        account = accounts.get(monitor.account_id)
        if account is None:
            continue
        was = monitor.triggered
        crossing = monitor.observe(account, at)
        if monitor.triggered != was:
            changed.append(monitor)
        if crossing is not None:
            crossings.append(crossing)
    return changed, crossings
