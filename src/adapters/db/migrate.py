"""Schema migrations from code: create the database, upgrade, downgrade, report and check the revision.

The CLI (`razao db ...`) and the tests call these with a superuser URL (`admin_url`): revision 0001
creates the cluster-wide roles `razao_owner` and `razao_app`. The Alembic configuration is built here
(script location: the repository's `migrations/` folder), so no alembic.ini is needed at run time.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, make_url, pool, text
from sqlalchemy.exc import ProgrammingError, SAWarning

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


def alembic_config(admin_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = admin_url
    return config


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


def upgrade(admin_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(admin_url), revision)


def downgrade(admin_url: str, revision: str) -> None:
    command.downgrade(alembic_config(admin_url), revision)


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
