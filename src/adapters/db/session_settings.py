"""The session settings every connection of the application role runs with, stated once.

Direct connections send them at connect (`adapters.db.engine.SESSION_OPTIONS`); behind a transaction
pooler nothing sent at connect can be relied on, so migration 0018 makes them the role's own defaults in
the database (`ALTER ROLE razao_app IN DATABASE ... SET`), which hold on whichever server connection a
transaction lands on. Both read this mapping, so the two ways cannot drift apart. A migration imports it
as it stands when the migration runs; changing a value here therefore needs a new migration as well.
"""

from __future__ import annotations

from typing import Final

#: UTC timestamps, and no statement or idle transaction that can hold locks on hot accounts for long.
SESSION_SETTINGS: Final[dict[str, str]] = {
    "timezone": "UTC",
    "statement_timeout": "30s",
    "idle_in_transaction_session_timeout": "60s",
}
