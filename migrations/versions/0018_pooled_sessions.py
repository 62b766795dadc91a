"""The application role's session settings, held by the database: correct behind a transaction pooler.

Why: behind PgBouncer in transaction mode (docs/pooling.md) a client's consecutive transactions may run
on different server connections, and PgBouncer 1.18 refuses the `options` startup parameter the
application otherwise sends them in (`-c timezone=UTC ...`, adapters.db.engine.SESSION_OPTIONS), so with
`RAZAO_DB_TRANSACTION_POOLER=true` the application sends no settings at all. Defaults of the role in
this database are applied by PostgreSQL itself at every login, whoever opens the server connection, so
they hold on whichever connection a transaction lands on. Direct connections still send the same values
(the session's setting overrides the role's default with the same value): nothing changes for them.

Creates
- for razao_app in the current database (`ALTER ROLE razao_app IN DATABASE <this database> SET`): the
  values of `adapters.db.session_settings.SESSION_SETTINGS`, as they are when this revision runs:
  `timezone = 'UTC'`, `statement_timeout = '30s'`, `idle_in_transaction_session_timeout = '60s'`.
  They take effect on new connections; open ones keep what they have. The database is named by
  `current_database()` inside the statement, so the revision's SQL is the same for every database.
  These settings live in `pg_db_role_setting`, keyed by the database: `CREATE DATABASE ... TEMPLATE`
  does not copy them (a copy must be given them again), a `pg_dump` of the database does not carry them
  either (`pg_dumpall --globals-only` does, `pg_dump --create` too since PostgreSQL 11).

Privileges: none changed (ALTER ROLE needs the superuser that runs migrations; razao_app cannot change
its own defaults in another database, and a `SET` in its own session changes only that session).

Downgrade resets the three settings for razao_app in the current database (`RESET`): direct connections
keep sending them; a pooled deployment must go back to direct connections first.

Revision ID: 0018_pooled_sessions
Revises: 0017_code_e57c70ee127b
Create Date: 2026-12-06
Docs: docs/pooling.md
"""

from collections.abc import Sequence

from alembic import op

from adapters.db.session_settings import SESSION_SETTINGS

revision: str = "0018_pooled_sessions"
down_revision: str | None = "0017_code_e57c70ee127b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP = "razao_app"


def _for_app_role_here(clause: str) -> str:
    """`ALTER ROLE razao_app IN DATABASE <the current database> <clause>`: a DO block, so that the database
    is named by the server (`current_database()`, quoted by `%I`) and the rendered SQL needs none."""
    statement = f"ALTER ROLE {APP} IN DATABASE %I {clause}".replace("'", "''")
    return f"DO $$ BEGIN EXECUTE format('{statement}', current_database()); END $$"


def upgrade() -> None:
    for name, value in SESSION_SETTINGS.items():
        op.execute(_for_app_role_here(f"SET {name} = '{value}'"))


def downgrade() -> None:
    for name in SESSION_SETTINGS:
        op.execute(_for_app_role_here(f"RESET {name}"))
