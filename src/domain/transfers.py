"""Transfers: balanced sets of postings, their requests (idempotency keys) and their journal entries.

A `TransferRequest` is what a client asks for; its `fingerprint` identifies the request so that a replay
with the same id is recognised and a different request under the same id is refused. A `Transfer` is
what the ledger booked; `Entry` rows are the append-only journal lines it wrote on each account.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain.accounts import Layer, Side
from domain.assets import check_amount
from domain.errors import IdempotencyConflict, ValidationError
from domain.values import canonical_json, check_metadata, check_text, check_timestamp

MAX_POSTINGS = 128
MAX_TIMEOUT_SECONDS = 366 * 24 * 3600


class TransferStatus(StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Posting:
    """One line of a transfer: `amount` minor units on one `side` of one account."""

    account_id: UUID
    side: Side
    amount: int
    #: Optional assertion of the account's asset; a different asset is an `asset_mismatch`.
    asset: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.account_id, UUID):
            raise ValidationError.of("account_id", "must be a UUID")
        if not isinstance(self.side, Side):  # a Side already needs no (costly) enum lookup
            try:
                object.__setattr__(self, "side", Side(self.side))
            except ValueError:
                raise ValidationError.of("side", "must be 'debit' or 'credit'") from None
        check_amount(self.amount)

    def reversed(self) -> Posting:
        return Posting(self.account_id, self.side.opposite, self.amount, self.asset)

    def key(self) -> list[Any]:
        return [str(self.account_id), self.side.value, self.amount, self.asset]


def _utc_iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _fingerprint(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """A client's request to move value: two or more postings under a client-chosen id."""

    id: UUID
    postings: tuple[Posting, ...]
    pending: bool = False
    timeout_seconds: int | None = None
    effective_at: datetime | None = None
    description: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.id, UUID):
            raise ValidationError.of("id", "must be a UUID")
        object.__setattr__(self, "postings", tuple(self.postings))
        if len(self.postings) < 2:
            raise ValidationError.of("postings", "a transfer needs at least two postings")
        if len(self.postings) > MAX_POSTINGS:
            raise ValidationError.of("postings", f"a transfer takes at most {MAX_POSTINGS} postings")
        if self.timeout_seconds is not None:
            if not self.pending:
                raise ValidationError.of("timeout_seconds", "applies only to pending transfers")
            if (
                not isinstance(self.timeout_seconds, int)
                or isinstance(self.timeout_seconds, bool)
                or not 1 <= self.timeout_seconds <= MAX_TIMEOUT_SECONDS
            ):
                raise ValidationError.of(
                    "timeout_seconds", f"must be an integer from 1 to {MAX_TIMEOUT_SECONDS}"
                )
        if self.effective_at is not None:
            check_timestamp(self.effective_at, "effective_at")
        object.__setattr__(self, "description", check_text(self.description, "description", required=False))
        object.__setattr__(self, "metadata", check_metadata(self.metadata))

    @classmethod
    def simple(
        cls,
        id: UUID,
        *,
        debit_account_id: UUID,
        credit_account_id: UUID,
        amount: int,
        asset: str | None = None,
        **options: Any,
    ) -> TransferRequest:
        """The two-posting form: debit one account, credit another, by the same amount."""
        return cls(
            id,
            (
                Posting(debit_account_id, Side.DEBIT, amount, asset),
                Posting(credit_account_id, Side.CREDIT, amount, asset),
            ),
            **options,
        )

    def account_ids(self) -> set[UUID]:
        return {p.account_id for p in self.postings}

    def fingerprint(self) -> str:
        return _fingerprint(
            {
                "kind": "transfer",
                "postings": [p.key() for p in self.postings],
                "pending": self.pending,
                "timeout_seconds": self.timeout_seconds,
                "effective_at": _utc_iso(self.effective_at),
                "description": self.description,
                "metadata": self.metadata,
            }
        )


@dataclass(frozen=True, slots=True)
class ReversalRequest:
    """A request to reverse a posted transfer with a new transfer (`id`) of the opposite postings."""

    id: UUID
    original_id: UUID
    description: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    #: The reversal's value date (None: when it is booked); a day in a closed period is refused.
    effective_at: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, UUID):
            raise ValidationError.of("id", "must be a UUID")
        if self.id == self.original_id:
            raise ValidationError.of("id", "the reversal needs an id of its own")
        if self.effective_at is not None:
            check_timestamp(self.effective_at, "effective_at")
        object.__setattr__(self, "description", check_text(self.description, "description", required=False))
        object.__setattr__(self, "metadata", check_metadata(self.metadata))

    def fingerprint(self) -> str:
        body: dict[str, Any] = {
            "kind": "reversal",
            "original_id": str(self.original_id),
            "description": self.description,
            "metadata": self.metadata,
        }
        if self.effective_at is not None:  # absent when not given: earlier reversals keep their fingerprint
            body["effective_at"] = _utc_iso(self.effective_at)
        return _fingerprint(body)


@dataclass(frozen=True, slots=True)
class Entry:
    """A journal line: one append-only movement on one account (a hold or a posting).

    `seq` numbers the account's entries from 1; `line` is the posting's index in its transfer;
    `balance_after` is the account's posted balance
    (read from its normal side) just after this entry, which makes statements and balances as of a
    past instant a single index lookup.
    """

    transfer_id: UUID
    account_id: UUID
    seq: int
    layer: Layer
    side: Side
    amount: int
    asset: str
    balance_after: int
    created_at: datetime
    #: Index of the posting this entry books within its transfer's postings.
    line: int


@dataclass(eq=False, slots=True)
class Transfer:
    """A booked transfer. Its postings never change; only a two-phase transfer's status moves on
    (pending → posted, voided or expired), and `posted` records what reached posted balances."""

    id: UUID
    postings: tuple[Posting, ...]
    status: TransferStatus
    two_phase: bool
    description: str
    metadata: dict[str, Any]
    effective_at: datetime
    created_at: datetime
    fingerprint: str
    timeout_at: datetime | None = None
    resolved_at: datetime | None = None
    posted: tuple[Posting, ...] = ()
    reverses_id: UUID | None = None
    reversed_by_id: UUID | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Transfer) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def account_ids(self) -> set[UUID]:
        return {p.account_id for p in self.postings}

    def as_created(self) -> Transfer:
        """The transfer as its creating request saw it (what a replay of that request returns)."""
        if not self.two_phase:
            return replace(self, reversed_by_id=None)
        return replace(self, status=TransferStatus.PENDING, resolved_at=None, posted=(), reversed_by_id=None)

    def as_resolved(self) -> Transfer:
        """The transfer as the request that resolved it saw it."""
        return replace(self, reversed_by_id=None)

    def replay(self, fingerprint: str) -> Transfer:
        """The original result for a repeated request, or `idempotency_conflict` for another one."""
        if fingerprint != self.fingerprint:
            raise IdempotencyConflict(
                f"transfer id {self.id} was already used for a different request",
                transfer_id=str(self.id),
            )
        return self.as_created()


def posted_amount(postings: Iterable[Posting]) -> int:
    """Total debited by a set of postings (equal to the total credited when balanced)."""
    return sum(p.amount for p in postings if p.side is Side.DEBIT)
