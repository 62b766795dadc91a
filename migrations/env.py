"""Alembic environment: where migrations get their database connection, target schema and timeouts.

The URL is never hard-coded here. In order of precedence it comes from:
1. `config.attributes["connection"]`: an open connection handed over by the caller;
2. `config.attributes["database_url"]`: set by `adapters.db.migrate` (the `razao db ...` commands, tests);
3. `alembic -x url=postgresql+psycopg://...`;
4. the RAZAO_ADMIN_DATABASE_URL environment variable;
5. `sqlalchemy.url` in alembic.ini.
Migrations run as a superuser: revision 0001 creates the cluster-wide roles.

Timeouts (`adapters.db.migrate.MigrationTimeouts`: `config.attributes["timeouts"]`, else
RAZAO_MIGRATION_LOCK_TIMEOUT and RAZAO_MIGRATION_STATEMENT_TIMEOUT, else 5 s and 60 s). Before each
migration step, `SET lock_timeout` and `SET statement_timeout` run on the connection Alembic uses, inside
its transaction: a step queued behind a long transaction fails within the lock timeout (SQLSTATE 55P03)
instead of holding every writer that queues behind its own lock request, and the runbook retries it.
`SET`, not `SET LOCAL`, so that they hold in the transactions a step opens after an autocommit block
(0009's downgrade, 0016's index builds); that connection is Alembic's own (a handed-over one gets its
settings back afterwards), so this is why RAZAO_ADMIN_DATABASE_URL must reach PostgreSQL directly, never
through PgBouncer's transaction pooling. A revision that must read whole tables declares, per direction,
why it needs longer: `LONG_RUNNING = {"upgrade": "why"}`; its step runs without a statement timeout
(the lock timeout still holds). Offline (`--sql`), these SETs are rendered only when
`config.attributes["render_timeouts"]` asks (`razao db sql`); the migration linter renders each
revision's own SQL.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from logging.config import fileConfig
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, RevisionStep
from sqlalchemy import Connection, create_engine, pool, text

from adapters.db.migrate import AUTOGENERATE_OPTIONS, MigrationTimeouts
from adapters.db.models import metadata

config = context.config

if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

Steps = Callable[[Any, MigrationContext], Iterable[Any]]


def _url() -> str:
    url = (
        config.attributes.get("database_url")
        or context.get_x_argument(as_dictionary=True).get("url")
        or os.environ.get("RAZAO_ADMIN_DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
    )
    if not url:
        raise RuntimeError("no database URL: pass -x url=..., or set RAZAO_ADMIN_DATABASE_URL")
    return str(url)


def _timeouts() -> MigrationTimeouts:
    timeouts = config.attributes.get("timeouts")
    return timeouts if isinstance(timeouts, MigrationTimeouts) else MigrationTimeouts.from_environment()


def _long_running(step: RevisionStep) -> str | None:
    """Why this step may run without a statement timeout (its revision's LONG_RUNNING), or None."""
    allowances = getattr(step.revision.module, "LONG_RUNNING", {})
    why = allowances.get("upgrade" if step.is_upgrade else "downgrade")
    return str(why) if why else None


def _with_timeouts(steps: Steps, timeouts: MigrationTimeouts, offline: bool) -> Steps:
    """The command's steps, each preceded by the timeouts it runs under.

    Alembic runs a step right after taking it from this iterator, in the run's transaction, so the
    SETs apply to that step and hold until the next step's replace them.
    """

    def timed(heads: Any, migration: MigrationContext) -> Iterator[Any]:
        for step in steps(heads, migration):
            if isinstance(step, RevisionStep):
                config.attributes["running"] = step.revision.revision
                why = _long_running(step)
                if why and offline:
                    migration.impl.static_output(f"-- LONG_RUNNING, no statement timeout: {why}")
                if not offline or config.attributes.get("render_timeouts"):
                    for statement in timeouts.statements(long_running=why is not None):
                        migration.execute(statement)
            yield step

    return timed


def _time_steps(offline: bool) -> None:
    migration = context.get_context()
    # The command's steps (upgrade, downgrade, stamp): wrapped, since Alembic has no hook before a step.
    steps = migration._migrations_fn
    if steps is not None:
        migration._migrations_fn = _with_timeouts(steps, _timeouts(), offline)


def _run(connection: Connection, *, handed_over: bool) -> None:
    context.configure(connection=connection, target_metadata=metadata, **AUTOGENERATE_OPTIONS)
    _time_steps(offline=False)
    with context.begin_transaction():
        before = None
        if handed_over:  # the caller's connection: give its settings back afterwards
            before = connection.execute(
                text("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')")
            ).one()
        context.run_migrations()
        if before is not None:
            connection.execute(
                text(
                    "SELECT set_config('lock_timeout', :l, false), set_config('statement_timeout', :s, false)"
                ),
                {"l": before[0], "s": before[1]},
            )


def run_migrations_offline() -> None:
    """Emit the SQL instead of running it (`alembic upgrade head --sql`, `razao db sql`)."""
    context.configure(
        url=_url(),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **AUTOGENERATE_OPTIONS,
    )
    _time_steps(offline=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection, handed_over=True)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            _run(connection, handed_over=False)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
