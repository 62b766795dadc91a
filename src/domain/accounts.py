"""Accounts: where value sits, on a normal side, with posted and pending balances.

The posted balance is read from the account's normal side (credits − debits for a credit-normal account);
the available balance also subtracts pending outflows, and may never fall below `min_balance`
(`None` means unbounded; a negative value is an overdraft allowance).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain.assets import Asset
from domain.errors import AccountInactive, InsufficientFunds, InvalidState, ValidationError
from domain.values import check_metadata, check_text, check_timestamp

_ACCOUNT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._@/-]{0,127}$")


class Side(StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"

    @property
    def opposite(self) -> Side:
        return Side.CREDIT if self is Side.DEBIT else Side.DEBIT


class AccountStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"
    CLOSED = "closed"


class Layer(StrEnum):
    """Which balance a movement changes: posted money, or a pending reservation (a hold)."""

    POSTED = "posted"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class Balances:
    """The four running sums of an account, in minor units."""

    posted_debits: int = 0
    posted_credits: int = 0
    pending_debits: int = 0
    pending_credits: int = 0

    def posted(self, normal: Side) -> int:
        if normal is Side.CREDIT:
            return self.posted_credits - self.posted_debits
        return self.posted_debits - self.posted_credits

    def pending_outflow(self, normal: Side) -> int:
        return self.pending_debits if normal is Side.CREDIT else self.pending_credits

    def available(self, normal: Side) -> int:
        return self.posted(normal) - self.pending_outflow(normal)

    def sums(self) -> tuple[int, int, int, int]:
        """The four sums in field order: posted debits, posted credits, pending debits, pending credits."""
        return (self.posted_debits, self.posted_credits, self.pending_debits, self.pending_credits)

    def moved(self, layer: Layer, side: Side, delta: int) -> Balances:
        """These balances after `delta` (negative to release a hold) on one layer and side."""
        name = f"{layer.value}_{side.value}s"
        updated = replace(self, **{name: getattr(self, name) + delta})
        if getattr(updated, name) < 0:
            raise InvalidState(f"{name} would become negative")
        return updated


@dataclass(eq=False, slots=True)
class Account:
    """An account aggregate. Entities compare by id; state changes only through the methods below."""

    id: UUID
    code: str
    name: str
    asset: Asset
    normal_side: Side
    min_balance: int | None
    status: AccountStatus
    metadata: dict[str, Any]
    created_at: datetime
    balances: Balances = field(default_factory=Balances)
    #: Sequence number of the account's last journal entry (0 before the first).
    last_seq: int = 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Account) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    @classmethod
    def open(
        cls,
        *,
        id: UUID,
        code: str,
        name: str,
        asset: Asset,
        normal_side: Side | str,
        min_balance: int | None = 0,
        metadata: object = None,
        at: datetime,
    ) -> Account:
        if not isinstance(code, str) or not _ACCOUNT_CODE.match(code):
            raise ValidationError.of(
                "code", "must be 1 to 128 letters, digits or ':._@/-', starting with a letter or digit"
            )
        try:
            side = Side(normal_side)
        except ValueError:
            raise ValidationError.of("normal_side", "must be 'debit' or 'credit'") from None
        if min_balance is not None and (not isinstance(min_balance, int) or isinstance(min_balance, bool)):
            raise ValidationError.of("min_balance", "must be an integer or null")
        return cls(
            id=id,
            code=code,
            name=check_text(name, "name", required=True, max_length=200),
            asset=asset,
            normal_side=side,
            min_balance=min_balance,
            status=AccountStatus.ACTIVE,
            metadata=check_metadata(metadata),
            created_at=check_timestamp(at, "created_at"),
        )

    # --- reading -------------------------------------------------------------------------------
    @property
    def posted_balance(self) -> int:
        return self.balances.posted(self.normal_side)

    @property
    def available_balance(self) -> int:
        return self.balances.available(self.normal_side)

    def same_opening(self, other: Account) -> bool:
        """Whether `other` asks for this very account (used to replay an idempotent open)."""
        return (self.code, self.name, self.asset, self.normal_side, self.min_balance, self.metadata) == (
            other.code,
            other.name,
            other.asset,
            other.normal_side,
            other.min_balance,
            other.metadata,
        )

    def as_opened(self) -> Account:
        """The account as the request that opened it saw it (what a replay of that request returns)."""
        return replace(self, balances=Balances(), status=AccountStatus.ACTIVE, last_seq=0)

    # --- status ---------------------------------------------------------------------------------
    def freeze(self) -> None:
        if self.status is AccountStatus.CLOSED:
            raise InvalidState("a closed account cannot be frozen", account_id=str(self.id))
        self.status = AccountStatus.FROZEN

    def unfreeze(self) -> None:
        if self.status is AccountStatus.CLOSED:
            raise InvalidState("a closed account cannot be unfrozen", account_id=str(self.id))
        self.status = AccountStatus.ACTIVE

    def close(self) -> None:
        if self.status is AccountStatus.CLOSED:
            return
        b = self.balances
        if self.posted_balance != 0:
            raise InvalidState(
                "only an account with a zero posted balance can be closed",
                account_id=str(self.id),
                posted_balance=self.posted_balance,
            )
        if b.pending_debits or b.pending_credits:
            raise InvalidState("an account with pending transfers cannot be closed", account_id=str(self.id))
        self.status = AccountStatus.CLOSED

    # --- movements ------------------------------------------------------------------------------
    def ensure_accepts_postings(self) -> None:
        if self.status is not AccountStatus.ACTIVE:
            raise AccountInactive(
                f"account {self.code} is {self.status.value} and accepts no postings",
                account_id=str(self.id),
                status=self.status.value,
            )

    def ensure_within_limit(self, before: Balances, after: Balances) -> None:
        """Refuse a change from `before` to `after` that lowers the available balance below
        `min_balance`."""
        available = after.available(self.normal_side)
        if (
            self.min_balance is not None
            and available < before.available(self.normal_side)
            and available < self.min_balance
        ):
            raise InsufficientFunds(
                f"account {self.code} would have an available balance of {available}, "
                f"below its minimum of {self.min_balance}",
                account_id=str(self.id),
                available=available,
                min_balance=self.min_balance,
            )

    def move(self, layer: Layer, side: Side, delta: int) -> None:
        self.balances = self.balances.moved(layer, side, delta)

    def next_seq(self) -> int:
        self.last_seq += 1
        return self.last_seq
