"""Migrations in production: the timeouts of migrations/env.py, and `razao db sql` against a database.

- A migration queued behind a lock that another connection holds (a long transaction reading the
  journal) gives up within its lock timeout; `razao db upgrade` says so in one line, names the retry and
  exits 75; once the lock is gone, the retry applies it.
- A step that runs longer than the statement timeout is cut short and reported; a LONG_RUNNING step
  (0015, 0016: they read whole tables) is not limited.
- A connection handed to Alembic gets its own settings back.
- `razao db sql` prints the pending revisions' SQL, and nothing for a database at head.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
import structlog
from alembic import command
from sqlalchemy import Connection, create_engine, pool, text
from typer.testing import CliRunner

from adapters.db import migrate
from razao.cli import app
from tests.conftest import TestDatabase

BEFORE_VALUE_DATES = "0014_code_d7d2b0e32e7b"
VALUE_DATES = "0015_value_dates_and_periods"
SEARCH = "0016_categories_and_search"
#: The code migration that follows 0016: the first step after it that runs under the statement timeout.
CODE_AFTER_SEARCH = "0017_code_e57c70ee127b"


def _env(database: TestDatabase, **variables: str) -> dict[str, str]:
    return {"RAZAO_ADMIN_DATABASE_URL": database.admin_url, "RAZAO_LOG_LEVEL": "WARNING", **variables}


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """The CLI configures logging onto the runner's captured stream, which is closed after `invoke`: put
    back what the other tests of this process log through."""
    config, root = structlog.get_config(), logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    structlog.configure(**config)
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def reader(database: TestDatabase) -> Iterator[Connection]:
    """Another session, in a transaction that has read the journal (ACCESS SHARE on entries until it ends)."""
    engine = create_engine(database.admin_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def test_a_migration_behind_a_long_transaction_fails_fast_and_the_retry_applies_it(
    database: TestDatabase, reader: Connection
) -> None:
    migrate.downgrade(database.admin_url, BEFORE_VALUE_DATES)
    reader.execute(text("SELECT count(*) FROM entries")).scalar_one()  # holds ACCESS SHARE on entries

    started = time.monotonic()
    result = CliRunner().invoke(
        app, ["db", "upgrade"], env=_env(database, RAZAO_MIGRATION_LOCK_TIMEOUT="300ms")
    )
    waited = time.monotonic() - started

    assert result.exit_code == migrate.EXIT_RETRY, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert f"{VALUE_DATES} waited longer than lock_timeout (300ms)" in lines[0], lines[0]
    assert f"at revision {BEFORE_VALUE_DATES}" in lines[0] and "retry `razao db upgrade`" in lines[0]
    assert waited < 15, f"the upgrade waited {waited:.1f} s behind the lock"  # migrating itself takes seconds
    assert migrate.current(database.admin_url) == BEFORE_VALUE_DATES  # rolled back: nothing half-applied

    reader.rollback()  # the long transaction ends; the runbook retries
    result = CliRunner().invoke(app, ["db", "upgrade"], env=_env(database))
    assert result.exit_code == 0, result.output
    assert migrate.current(database.admin_url) == migrate.head()


def test_a_statement_past_the_timeout_is_cut_short_but_long_running_steps_are_not(
    database: TestDatabase,
) -> None:
    migrate.downgrade(database.admin_url, BEFORE_VALUE_DATES)
    # 1 ms: 0015 and 0016 (LONG_RUNNING) run without the limit; the code migration after them does not.
    with pytest.raises(migrate.MigrationTimedOut) as raised:
        migrate.upgrade(database.admin_url, timeouts=migrate.MigrationTimeouts(statement="1ms"))
    error = raised.value
    assert error.kind == "statement" and error.running == CODE_AFTER_SEARCH, str(error)
    # 0016's index builds commit what came before them (its docstring): 0015 stays applied.
    assert error.at == VALUE_DATES == migrate.current(database.admin_url), str(error)
    assert "statement_timeout (1ms)" in str(error) and "LONG_RUNNING" in str(error)

    migrate.upgrade(database.admin_url)
    assert migrate.current(database.admin_url) == migrate.head()


def test_a_connection_handed_to_alembic_gets_its_settings_back(database: TestDatabase) -> None:
    migrate.downgrade(database.admin_url, SEARCH)
    engine = create_engine(database.admin_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("SET statement_timeout = '7s'"))
            conn.commit()
            config = migrate.alembic_config(database.admin_url)
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            conn.commit()
            settings = conn.execute(
                text("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')")
            ).one()
    finally:
        engine.dispose()
    assert tuple(settings) == ("0", "7s")
    assert migrate.current(database.admin_url) == migrate.head()


def test_db_sql_prints_the_pending_revisions_and_nothing_at_head(database: TestDatabase) -> None:
    at_head = CliRunner().invoke(app, ["db", "sql"], env=_env(database))
    assert at_head.exit_code == 0 and at_head.stdout == "", at_head.output

    migrate.downgrade(database.admin_url, VALUE_DATES)
    pending = CliRunner().invoke(app, ["db", "sql"], env=_env(database))
    assert pending.exit_code == 0, pending.output
    sql = pending.stdout
    steps = sql.count("-- Running upgrade ")
    assert steps >= 2 and sql.startswith(
        f"-- razao db sql: upgrade {VALUE_DATES} -> {migrate.head()}, {steps} revision(s)"
    ), sql[:200]
    assert f"-- Running upgrade {VALUE_DATES} -> {SEARCH}" in sql
    assert f"-- Running upgrade {SEARCH} -> {CODE_AFTER_SEARCH}" in sql
    assert f" -> {migrate.head()}" in sql
    assert "Running upgrade 0014" not in sql and "Running upgrade base" not in sql
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_transfers_metadata" in sql
    assert "SET lock_timeout = '5s'" in sql and "SET statement_timeout = '60s'" in sql
    assert migrate.current(database.admin_url) == VALUE_DATES  # printing applied nothing
