"""The console's sessions in PostgreSQL (`console_sessions`, revision 0024_console_sessions). The latest
jobs its jobs page lists are read by `adapters.db.jobs.SqlRecentJobs`.

A session is found by the hash of its token, joined with its API key: only an unexpired session of a
key that is not revoked is answered, with the key's current name and scopes. Each call is one statement
in its own short transaction, no session state: it works through a transaction-pooling PgBouncer.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Engine, text

_ADD = text(
    "INSERT INTO console_sessions (token_hash, key_id, created_at, expires_at)"
    " VALUES (:token_hash, :key_id, :created_at, :expires_at)"
)
_GET = text(
    "SELECT k.id, k.name, k.scopes, s.created_at, s.expires_at"
    " FROM console_sessions s JOIN api_keys k ON k.id = s.key_id"
    " WHERE s.token_hash = :token_hash AND s.expires_at > :now AND k.revoked_at IS NULL"
)
_DELETE = text("DELETE FROM console_sessions WHERE token_hash = :token_hash")
#: A few at a time: each sign-in prunes, so the table stays bounded without a task of its own.
_PRUNE = text(
    "DELETE FROM console_sessions WHERE token_hash IN ("
    " SELECT token_hash FROM console_sessions WHERE expires_at <= :now ORDER BY expires_at LIMIT 100)"
)


class SqlSessionStore:
    """`adapters.http.console.session.SessionStore` on the application's engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, token_hash: str, key_id: UUID, created_at: datetime, expires_at: datetime) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                _ADD,
                {
                    "token_hash": token_hash,
                    "key_id": key_id,
                    "created_at": created_at,
                    "expires_at": expires_at,
                },
            )

    def get(self, token_hash: str, now: datetime) -> tuple[UUID, str, list[str], datetime, datetime] | None:
        with self._engine.connect() as connection:
            row = connection.execute(_GET, {"token_hash": token_hash, "now": now}).first()
        return None if row is None else (row[0], row[1], list(row[2]), row[3], row[4])

    def delete(self, token_hash: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(_DELETE, {"token_hash": token_hash})

    def prune(self, now: datetime) -> int:
        with self._engine.begin() as connection:
            return connection.execute(_PRUNE, {"now": now}).rowcount or 0
