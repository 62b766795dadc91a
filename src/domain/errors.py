"""Typed domain errors, each with a stable machine-readable code.

The codes are part of the public API (HTTP problem documents carry them as `code`), so they never change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class FieldIssue:
    """One offending field of a rejected request: where it is and what is wrong with it."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every rule violation. `code` is stable; `detail` is for humans; `context` for machines."""

    code: ClassVar[str] = "domain_error"
    title: ClassVar[str] = "Domain rule violated"

    def __init__(self, detail: str, **context: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.context = context


class ValidationError(DomainError):
    code = "validation_error"
    title = "The request is not valid"

    def __init__(self, detail: str, *issues: FieldIssue, **context: Any) -> None:
        super().__init__(detail, **context)
        self.issues = issues or ()

    @classmethod
    def of(cls, field: str, message: str) -> ValidationError:
        return cls(f"{field}: {message}", FieldIssue(field, message))


class UnbalancedTransfer(DomainError):
    code = "unbalanced_transfer"
    title = "The transfer does not balance"


class AssetMismatch(DomainError):
    code = "asset_mismatch"
    title = "A posting is not in its account's asset"


class InsufficientFunds(DomainError):
    code = "insufficient_funds"
    title = "The account's available balance would fall below its minimum"


class AccountNotFound(DomainError):
    code = "account_not_found"
    title = "Account not found"


class AccountInactive(DomainError):
    code = "account_inactive"
    title = "The account does not accept postings"


class IdempotencyConflict(DomainError):
    code = "idempotency_conflict"
    title = "The key was already used for a different request"


class InvalidState(DomainError):
    code = "invalid_state"
    title = "The operation is not allowed in the current state"


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"


class PeriodClosed(DomainError):
    """A journal entry would take effect in a closed accounting period (`domain.periods`)."""

    code = "period_closed"
    title = "The value date falls in a closed accounting period"


class NotSealedYet(DomainError):
    """None of the lines asked about is in a sealed block yet (`application.seals`): ask again shortly."""

    code = "not_sealed_yet"
    title = "Not sealed yet"


ALL_ERRORS: tuple[type[DomainError], ...] = (
    ValidationError,
    UnbalancedTransfer,
    AssetMismatch,
    InsufficientFunds,
    AccountNotFound,
    AccountInactive,
    IdempotencyConflict,
    InvalidState,
    NotFound,
    PeriodClosed,
    NotSealedYet,
)
