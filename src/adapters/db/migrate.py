"""Schema migrations from code: create the database, upgrade, downgrade, report and check the revision.

The CLI (`razao db ...`) and the tests call these with a superuser URL (`admin_url`): revision 0001
creates the cluster-wide roles `razao_owner` and `razao_app`. The Alembic configuration is built here
(script location: the repository's `migrations/` folder), so no alembic.ini is needed at run time.

Every migration runs under `MigrationTimeouts` (migrations/env.py sets them on Alembic's connection): a
statement waits at most `lock` for a lock and runs at most `statement`, so a migration stuck behind a
long transaction fails fast (`MigrationTimedOut`, to be retried) instead of queueing every writer
behind it. `pending_sql` renders what an upgrade would run, offline, for review (`razao db sql`).
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RangeNotAncestorError
from sqlalchemy import Engine, create_engine, make_url, pool, text
from sqlalchemy.exc import DBAPIError, ProgrammingError, SAWarning

from adapters.db.models import BATCH_SCHEMA, batch_metadata, metadata

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"

#: How autogenerate compares models and database (shared with migrations/env.py).
AUTOGENERATE_OPTIONS: dict[str, Any] = {"compare_type": True, "compare_server_default": True}


class SchemaDrift(RuntimeError):
    """The database schema differs from the models (a migration is missing or was edited)."""

    def __init__(self, differences: list[Any]) -> None:
        super().__init__(
            "the database schema differs from the models:\n" + "\n".join(f"  {d!r}" for d in differences)
        )
        self.differences = differences


#: Environment variables that override the migration timeouts: PostgreSQL durations (`5s`, `500ms`,
#: `2min`), `0` for none.
LOCK_TIMEOUT_VARIABLE = "RAZAO_MIGRATION_LOCK_TIMEOUT"
STATEMENT_TIMEOUT_VARIABLE = "RAZAO_MIGRATION_STATEMENT_TIMEOUT"
_DURATION = re.compile(r"\d+(\.\d+)?\s*(us|ms|s|min|h|d)?")

#: SQLSTATEs of a statement cut short by a timeout: lock_timeout (lock_not_available) and
#: statement_timeout (query_canceled, which a cancel request raises too: told apart by the message).
LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"
#: `razao db upgrade` exits with this when a lock wait timed out: EX_TEMPFAIL, "try again".
EXIT_RETRY = 75


@dataclass(frozen=True, slots=True)
class MigrationTimeouts:
    """How long a migration statement may wait for a lock (`lock`) and run (`statement`).

    migrations/env.py sets both on the connection Alembic uses (`SET`, so they hold in every
    transaction of the run, autocommit blocks included), and never on the application's connections.
    A revision that must read whole tables declares `LONG_RUNNING` (env.py lifts `statement` for its
    step only). Values are PostgreSQL durations; `0` turns a limit off.
    """

    lock: str = "5s"
    statement: str = "60s"

    def __post_init__(self) -> None:
        for name, value in (("lock", self.lock), ("statement", self.statement)):
            if not _DURATION.fullmatch(value.strip()):
                raise ValueError(f"migration {name} timeout {value!r} is not a duration such as 5s or 500ms")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> MigrationTimeouts:
        """The defaults, overridden by RAZAO_MIGRATION_LOCK_TIMEOUT and RAZAO_MIGRATION_STATEMENT_TIMEOUT."""
        env = os.environ if environ is None else environ
        default = cls()
        return cls(
            lock=env.get(LOCK_TIMEOUT_VARIABLE) or default.lock,
            statement=env.get(STATEMENT_TIMEOUT_VARIABLE) or default.statement,
        )

    def statements(self, *, long_running: bool = False) -> list[str]:
        """The `SET`s for one migration step (statement timeout off for a LONG_RUNNING one)."""
        statement = "0" if long_running else self.statement.strip()
        return [f"SET lock_timeout = '{self.lock.strip()}'", f"SET statement_timeout = '{statement}'"]


class MigrationTimedOut(RuntimeError):
    """A migration statement waited longer than `lock_timeout` for a lock (`kind` "lock": retry it),
    or ran longer than `statement_timeout` (`kind` "statement"). Its transaction was rolled back."""

    def __init__(
        self, kind: str, timeouts: MigrationTimeouts, running: str | None, at: str | None, command: str
    ) -> None:
        self.kind, self.running, self.at = kind, running, at
        step = f"{running} " if running else "a migration "
        where = f"the database is at revision {at or 'none'}"
        if kind == "lock":
            message = (
                f"{step}waited longer than lock_timeout ({timeouts.lock}) for a lock another transaction"
                f" holds and was rolled back; {where}: retry `razao db {command}` (the waits of the"
                f" migration are bounded by {LOCK_TIMEOUT_VARIABLE})"
            )
        else:
            message = (
                f"{step}ran a statement longer than statement_timeout ({timeouts.statement}) and was"
                f" rolled back; {where}: a revision that reads whole tables declares LONG_RUNNING, or"
                f" raise {STATEMENT_TIMEOUT_VARIABLE}"
            )
        super().__init__(message)


def alembic_config(admin_url: str, timeouts: MigrationTimeouts | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = admin_url
    config.attributes["timeouts"] = timeouts or MigrationTimeouts.from_environment()
    return config


def _timed_out(error: DBAPIError, config: Config, admin_url: str, command: str) -> MigrationTimedOut | None:
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate == LOCK_NOT_AVAILABLE:
        kind = "lock"
    elif sqlstate == QUERY_CANCELED and "statement timeout" in str(error.orig):
        kind = "statement"
    else:
        return None
    try:
        at = current(admin_url)
    except DBAPIError:
        at = None
    timeouts = config.attributes["timeouts"]
    return MigrationTimedOut(kind, timeouts, config.attributes.get("running"), at, command)


def _migrating(
    name: str, admin_url: str, timeouts: MigrationTimeouts | None, run: Callable[[Config], None]
) -> None:
    config = alembic_config(admin_url, timeouts)
    try:
        run(config)
    except DBAPIError as error:
        timed_out = _timed_out(error, config, admin_url, name)
        if timed_out is None:
            raise
        raise timed_out from error


def _engine(url: str, **options: Any) -> Engine:
    return create_engine(url, poolclass=pool.NullPool, **options)


def ensure_database(admin_url: str) -> bool:
    """Create the database `admin_url` names if it does not exist; True if it was created.

    Connects to the `postgres` maintenance database of the same server (as the same user).
    """
    url = make_url(admin_url)
    name = url.database
    if not name:
        raise ValueError("the admin URL names no database")
    engine = _engine(url.set(database="postgres").render_as_string(hide_password=False))
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                return False
            quoted = conn.dialect.identifier_preparer.quote_identifier(name)
            try:
                conn.execute(text(f"CREATE DATABASE {quoted}"))
            except ProgrammingError as exc:  # created concurrently by someone else
                if getattr(exc.orig, "sqlstate", None) == "42P04":
                    return False
                raise
            return True
    finally:
        engine.dispose()


def upgrade(admin_url: str, revision: str = "head", timeouts: MigrationTimeouts | None = None) -> None:
    """Apply migrations up to `revision`; `MigrationTimedOut` when one hit a timeout (rolled back)."""
    _migrating("upgrade", admin_url, timeouts, lambda config: command.upgrade(config, revision))


def downgrade(admin_url: str, revision: str, timeouts: MigrationTimeouts | None = None) -> None:
    """Roll migrations back to `revision`; `MigrationTimedOut` as for `upgrade`."""
    _migrating("downgrade", admin_url, timeouts, lambda config: command.downgrade(config, revision))


def pending_sql(admin_url: str, start: str | None = None, target: str = "head") -> str:
    """The SQL that moving from `start` (default: the database's revision) to `target` would run,
    rendered offline (Alembic's `--sql`) with the timeouts migrations/env.py sets: an upgrade, or a
    downgrade when `target` is below `start`. Empty when there is nothing to move. Only finding the
    database's revision connects; `start` given, nothing does.

    Offline rendering has no parameters: a code migration's INSERTs of its bundle show NULLs (the header
    names the bundle file to review instead), and its read-back of the deployed version shows only the
    SELECT.
    """
    config = alembic_config(admin_url)
    config.attributes["render_timeouts"] = True
    scripts = ScriptDirectory.from_config(config)
    start = start or current(admin_url) or "base"
    lower, upper = (
        scripts.get_current_head() or "base" if name == "head" else name for name in (start, target)
    )
    for name in (lower, upper):
        if name != "base":
            scripts.get_revision(name)  # CommandError for an unknown revision
    if lower == upper:
        return ""
    try:
        steps = list(scripts.iterate_revisions(upper, lower))
        direction = "upgrade"
    except RangeNotAncestorError:
        steps = list(scripts.iterate_revisions(lower, upper))
        direction = "downgrade"
    buffer = io.StringIO()
    config.output_buffer = buffer
    if direction == "upgrade":
        command.upgrade(config, f"{lower}:{upper}", sql=True)
    else:
        command.downgrade(config, f"{lower}:{upper}", sql=True)
    header = [f"-- razao db sql: {direction} {lower} -> {upper}, {len(steps)} revision(s), rendered offline"]
    for step in reversed(steps) if direction == "upgrade" else steps:
        if getattr(step.module, "BUNDLE", None) is None:
            continue  # not a code migration
        bundle = getattr(step.module, "BUNDLE" if direction == "upgrade" else "PREVIOUS_BUNDLE", None)
        header.append(
            f"-- {step.revision} deploys migrations/bundles/{bundle}.json: review that file's diff"
            " (its rows render as NULL here)"
            if bundle
            else f"-- {step.revision} removes the deployed code"
        )
    return "\n".join(header) + "\n" + buffer.getvalue()


def head() -> str | None:
    """The newest revision in migrations/."""
    return ScriptDirectory.from_config(alembic_config("postgresql+psycopg://")).get_current_head()


def current(admin_url: str) -> str | None:
    """The revision the database is at (None: never migrated)."""
    engine = _engine(admin_url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def _batch_names(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Only schema `razao`'s tables that the batch models declare (not the deployed code's tables)."""
    if type_ == "schema":
        return name == BATCH_SCHEMA
    if type_ == "table":
        return f"{BATCH_SCHEMA}.{name}" in batch_metadata.tables
    return True


#: How the tables of schema `razao` (`models.batch_metadata`) are compared with the database.
_BATCH_OPTIONS: dict[str, Any] = {"include_schemas": True, "include_name": _batch_names}


def differences(admin_url: str) -> list[Any]:
    """What autogenerate would change to make the database match the models (empty: in sync)."""
    engine = _engine(admin_url)
    try:
        with engine.connect() as conn, warnings.catch_warnings():
            # Reflection does not know `xid8` (events.txid, models.Xid8) and says so; Alembic then
            # skips comparing that column's type (its default and nullability are still compared).
            warnings.filterwarnings("ignore", "Did not recognize type 'xid8'", SAWarning)
            context = MigrationContext.configure(conn, opts=dict(AUTOGENERATE_OPTIONS))
            found = list(compare_metadata(context, metadata))
            batch = MigrationContext.configure(conn, opts={**AUTOGENERATE_OPTIONS, **_BATCH_OPTIONS})
            return found + list(compare_metadata(batch, batch_metadata))
    finally:
        engine.dispose()


def check(admin_url: str) -> None:
    """Raise `SchemaDrift` unless autogenerate finds no difference between models and database."""
    found = differences(admin_url)
    if found:
        raise SchemaDrift(found)
