"""Migrations: models and database never drifting apart, `razao db` helpers, the revision in health checks.

Alembic's autogenerate does not compare column collations, partial-index predicates or INCLUDE
columns, so besides `migrate.check` the catalog of a migrated database is compared with that of a
database built straight from the models (`metadata.create_all`). The round trips of every revision on a
populated database, `alembic revision --autogenerate` finding nothing to do and the migration linter are
the migrations suite (tests/suites/test_migrations.py, test_migration_lint.py).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, make_url, pool, text

from adapters.db import migrate
from adapters.db.engine import make_engine
from adapters.db.health import database_status
from adapters.db.models import metadata

TABLES = {"assets", "accounts", "transfers", "entries", "api_keys"}

_CATALOG_QUERIES = {
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               coll.collname, pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        LEFT JOIN pg_collation coll ON coll.oid = a.attcollation AND a.attcollation <> 100
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relkind = 'r' AND c.relname <> 'alembic_version' AND a.attnum > 0 AND NOT a.attisdropped
    """,
    "constraints": """
        SELECT c.relname, con.conname, pg_get_constraintdef(con.oid)
        FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        WHERE c.relname <> 'alembic_version'
    """,
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' AND tablename <> 'alembic_version'
    """,
}


def _catalog(url: str) -> dict[str, set[tuple[Any, ...]]]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return {k: {tuple(r) for r in conn.execute(text(q))} for k, q in _CATALOG_QUERIES.items()}
    finally:
        engine.dispose()


def test_check_finds_the_database_in_sync_with_both_model_sets(database: Any) -> None:
    """`razao db check`: the ledger's models and the batch models of schema razao, against head."""
    migrate.check(database.admin_url)


def test_migrated_catalog_equals_the_models_catalog(database: Any, empty_database: Any) -> None:
    """Collations, partial indexes, INCLUDE columns, defaults and checks: exactly as in the models."""
    engine = create_engine(empty_database.admin_url, poolclass=pool.NullPool)
    try:
        metadata.create_all(engine)
    finally:
        engine.dispose()

    migrated, modelled = _catalog(database.admin_url), _catalog(empty_database.admin_url)
    for kind in _CATALOG_QUERIES:
        assert migrated[kind] == modelled[kind], kind
    assert ("accounts", "code", "text", True, "C", None) in migrated["columns"]


def test_check_reports_drift(database: Any) -> None:
    engine = create_engine(database.admin_url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE transfers ALTER COLUMN description DROP DEFAULT"))
    finally:
        engine.dispose()
    with pytest.raises(migrate.SchemaDrift, match="description"):
        migrate.check(database.admin_url)


def test_ensure_database_creates_once(server: Engine, admin_url: str) -> None:
    name = f"razao_ensure_{uuid.uuid4().hex[:16]}"
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        assert migrate.ensure_database(url) is True
        assert migrate.ensure_database(url) is False
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_the_owner_role_owns_the_ledger_tables(database: Any) -> None:
    engine = create_engine(database.admin_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            owners: dict[str, str] = dict(
                conn.execute(
                    text("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'")
                ).all()
            )
    finally:
        engine.dispose()
    assert {t: owners[t] for t in TABLES} == dict.fromkeys(TABLES, "razao_owner")


def test_health_reports_the_revision(database: Any) -> None:
    engine = make_engine(database.app_url)
    try:
        status = database_status(engine)
    finally:
        engine.dispose()
    assert status.ok and status.revision == migrate.head() and status.error is None


def test_health_never_raises(empty_database: Any) -> None:
    unmigrated = make_engine(empty_database.admin_url)
    unreachable = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/nowhere")
    try:
        not_migrated, down = database_status(unmigrated), database_status(unreachable)
    finally:
        unmigrated.dispose()
        unreachable.dispose()
    assert not not_migrated.ok and "not migrated" in (not_migrated.error or "")
    assert not down.ok and down.revision is None and down.error
