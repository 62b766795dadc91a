"""Which database errors mean "run the whole use case again": translated to `RetryableConflict`.

A unique violation on one of the idempotency keys (a transfer id, an account code, an asset code, the
one reversal a transfer may have) means a concurrent transaction committed the same key first; on the
retry the use case finds it and replays or refuses it. Serialization failures and deadlocks are
PostgreSQL asking for a retry, and a lost connection is safe to retry because every write is idempotent.
Every other error is left alone.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from application.ports import ExecutionUnavailable, RetryableConflict


class DatabaseUnavailable(ExecutionUnavailable):
    """No connection to PostgreSQL could be opened (server down, or its connection slots all taken).
    Nothing was written; the caller may try again later (HTTP answers 503 with Retry-After)."""


UNIQUE_VIOLATION = "23505"
SERIALIZATION_FAILURE = "40001"
DEADLOCK_DETECTED = "40P01"

#: Unique constraints that are idempotency keys.
IDEMPOTENCY_KEYS = frozenset(
    {"transfers_pkey", "accounts_code_key", "assets_pkey", "transfers_reverses_id_key"}
)


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
    if sqlstate == UNIQUE_VIOLATION and constraint in IDEMPOTENCY_KEYS:
        return RetryableConflict(f"a concurrent transaction wrote the same key ({constraint})")
    return None
