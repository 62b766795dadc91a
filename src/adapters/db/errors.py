"""Which database errors mean "run the whole use case again": translated to `RetryableConflict`.

A unique violation on one of the idempotency keys (a transfer id, an account code, an asset code, the
one reversal a transfer may have) means a concurrent transaction committed the same key first; on the
retry the use case finds it and replays or refuses it. Serialization failures and deadlocks are
PostgreSQL asking for a retry, and a lost connection is safe to retry because every write is idempotent.
A write refused because the session is read-only (25006) reached a node that is not, or no longer, the
primary (a failover demoted it while the connection lived, or a pooler in front of it vouched for a
node state it remembered from before: docs/failover.md): nothing was written, so it is retried too, and
answered 503 when it persists, never 500.
A rule the database enforces on its own that a client can break is translated to its domain error
(`as_refusal`: RZ120, `period_closed`; RZ121, `category_cycle`; RZ122, an unknown parent category).
Every other error is left alone.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from application.ports import ExecutionUnavailable, RetryableConflict
from domain.categories import CategoryCycle
from domain.errors import DomainError, ValidationError
from domain.periods import refusal_of_database


class DatabaseUnavailable(ExecutionUnavailable):
    """No connection to PostgreSQL could be opened (server down, or its connection slots all taken).
    Nothing was written; the caller may try again later (HTTP answers 503 with Retry-After)."""


UNIQUE_VIOLATION = "23505"
LOCK_NOT_AVAILABLE = "55P03"
SERIALIZATION_FAILURE = "40001"
DEADLOCK_DETECTED = "40P01"
READ_ONLY_SQL_TRANSACTION = "25006"
#: The trigger `entries_book` refused an entry dated in a closed accounting period (revision 0015).
PERIOD_CLOSED = "RZ120"

#: Unique constraints that are idempotency keys.
IDEMPOTENCY_KEYS = frozenset(
    {"transfers_pkey", "accounts_code_key", "assets_pkey", "transfers_reverses_id_key", "categories_code_key"}
)
#: The trigger `categories_tree` refused a cycle of categories, or an unknown parent (revision 0016).
CATEGORY_CYCLE = "RZ121"
UNKNOWN_PARENT = "RZ122"


def _sqlstate_and_constraint(exc: BaseException) -> tuple[str | None, str | None]:
    if not isinstance(exc, DBAPIError):
        return None, None
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    diag = getattr(orig, "diag", None)
    return sqlstate, getattr(diag, "constraint_name", None)


def as_retryable(exc: BaseException | None) -> RetryableConflict | None:
    """The `RetryableConflict` that `exc` amounts to, or None if it is not retryable."""
    if exc is None:
        return None
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        # Safe to run again: writes are idempotent (same ids replay) and reads have no effect.
        return RetryableConflict("the connection to the database was lost")
    sqlstate, constraint = _sqlstate_and_constraint(exc)
    if sqlstate in (SERIALIZATION_FAILURE, DEADLOCK_DETECTED):
        return RetryableConflict(f"the database asked for a retry ({sqlstate})")
    if sqlstate == READ_ONLY_SQL_TRANSACTION:
        return RetryableConflict("the database is read-only here (a standby); try again")
    if sqlstate == LOCK_NOT_AVAILABLE:  # a lock_timeout ran out (closing a period waits for the journal)
        return RetryableConflict("a lock was not granted in time; try again")
    if sqlstate == UNIQUE_VIOLATION and constraint in IDEMPOTENCY_KEYS:
        return RetryableConflict(f"a concurrent transaction wrote the same key ({constraint})")
    return None


def as_refusal(exc: BaseException | None) -> DomainError | None:
    """The domain error a database refusal amounts to (RZ120: `period_closed`, when an entry reached the
    journal past the write path's own check, e.g. a close committed in between), or None."""
    if not isinstance(exc, DBAPIError):
        return None
    sqlstate, _ = _sqlstate_and_constraint(exc)
    if sqlstate == PERIOD_CLOSED:
        diag = getattr(exc.orig, "diag", None)
        return refusal_of_database(str(getattr(diag, "message_primary", None) or exc.orig))
    if sqlstate == CATEGORY_CYCLE:  # a move that got past the use case's check (categories)
        diag = getattr(exc.orig, "diag", None)
        return CategoryCycle(str(getattr(diag, "message_primary", None) or exc.orig))
    if sqlstate == UNKNOWN_PARENT:
        return ValidationError.of("parent_id", "is not a category")
    return None
