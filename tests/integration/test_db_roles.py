"""The two database roles after revision 0002 (docs/reference/rules.md), proven by connecting as them.

razao_app, the application's login, reads what it needs and appends to the ledger, but cannot rewrite
the journal, write a balance, or create, alter or drop anything (tables, functions in any language,
temporary objects). razao_owner owns everything but cannot log in, and even it, through SET ROLE,
meets the triggers: the journal stays immutable for the owner too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from psycopg import errors
from sqlalchemy import Engine, create_engine, make_url, pool, text
from sqlalchemy.exc import DBAPIError, OperationalError

from adapters.db import migrate
from adapters.db.engine import make_engine
from domain.accounts import Account
from domain.transfers import TransferRequest


@pytest.fixture
def booked(open_: Callable[..., Account], write_path: Any) -> tuple[Account, Account]:
    """A posted transfer and a pending one, so that every ledger table has rows."""
    cash = open_("cash", min_balance=None)
    wallet = open_("wallet", normal_side="credit")
    write_path.post_transfers(
        [
            TransferRequest.simple(
                uuid.uuid4(), debit_account_id=cash.id, credit_account_id=wallet.id, amount=50
            )
        ]
    )
    write_path.post_transfers(
        [
            TransferRequest.simple(
                uuid.uuid4(), debit_account_id=wallet.id, credit_account_id=cash.id, amount=5, pending=True
            )
        ]
    )
    return cash, wallet


def _error(engine: Engine, statement: str, *, role: str | None = None) -> Any:
    """The psycopg error `statement` fails with (in a transaction that is rolled back)."""
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        if role is not None:
            conn.execute(text(f"SET LOCAL ROLE {role}"))
        conn.execute(text(statement))
    return caught.value.orig


def _denied(engine: Engine, statement: str) -> None:
    error = _error(engine, statement)
    assert isinstance(error, errors.InsufficientPrivilege), (statement, error)


# --- razao_app ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE entries SET amount = amount + 1",
        "UPDATE entries SET balance_after = 0",
        "DELETE FROM entries",
        "TRUNCATE entries",
    ],
)
def test_the_app_cannot_rewrite_the_journal(booked: Any, app_engine: Engine, statement: str) -> None:
    _denied(app_engine, statement)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE accounts SET posted_credits = posted_credits + 100",
        "UPDATE accounts SET posted_debits = 0, posted_credits = 0",
        "UPDATE accounts SET pending_debits = 0",
        "UPDATE accounts SET pending_credits = 0",
        "UPDATE accounts SET last_seq = 0",
        "UPDATE accounts SET min_balance = NULL",
        "UPDATE accounts SET asset_code = 'USD'",
        "INSERT INTO accounts (id, code, name, asset_code, normal_side, status, created_at, posted_credits)"
        " VALUES (gen_random_uuid(), 'rich', 'Rich', 'BRL', 'credit', 'active', now(), 100)",
        "UPDATE transfers SET description = 'rewritten'",
        "UPDATE transfers SET metadata = '{}'",
        "DELETE FROM transfers",
        "DELETE FROM accounts",
        "TRUNCATE transfers, accounts CASCADE",
    ],
)
def test_the_app_writes_no_balance_and_only_statuses(booked: Any, app_engine: Engine, statement: str) -> None:
    _denied(app_engine, statement)


def test_what_the_app_may_update_is_still_checked_by_the_triggers(booked: Any, app_engine: Engine) -> None:
    with app_engine.begin() as conn:  # the column it may write: an account's status
        conn.execute(text("UPDATE accounts SET status = 'frozen' WHERE code = 'wallet'"))
        conn.rollback()
    # a transfer's status, but only from pending, with a resolution time
    error = _error(
        app_engine, "UPDATE transfers SET status = 'voided', resolved_at = now() WHERE status = 'posted'"
    )
    assert error.sqlstate == "RZ104"


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE public.sneaky (id int)",
        "CREATE TABLE razao.sneaky (id int)",
        "CREATE VIEW public.sneaky AS SELECT 1",
        "CREATE SCHEMA sneaky",
        "ALTER TABLE entries DISABLE TRIGGER entries_immutable",
        "ALTER TABLE accounts DROP CONSTRAINT accounts_min_balance_check",
        "ALTER TABLE accounts ADD COLUMN sneaky int",
        "DROP TABLE entries",
        "DROP TRIGGER entries_book ON entries",
        "DROP FUNCTION razao.book_entries()",
        "ALTER FUNCTION razao.refuse() OWNER TO razao_app",
        "DROP SCHEMA razao",
        "CREATE INDEX sneaky ON entries (amount)",
    ],
)
def test_the_app_cannot_change_the_schema(booked: Any, app_engine: Engine, statement: str) -> None:
    _denied(app_engine, statement)


@pytest.mark.parametrize("schema", ["public", "razao"])
@pytest.mark.parametrize(
    ("language", "body"),
    [("sql", "'SELECT 1'"), ("plpgsql", "'BEGIN RETURN 1; END'"), ("plpython3u", "'return 1'")],
)
def test_the_app_cannot_create_functions(
    booked: Any, app_engine: Engine, admin_engine: Engine, schema: str, language: str, body: str
) -> None:
    if language == "plpython3u":
        with admin_engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS plpython3u"))
    _denied(app_engine, f"CREATE FUNCTION {schema}.sneaky() RETURNS int LANGUAGE {language} AS {body}")


def test_plpython_needs_a_superuser_even_where_the_app_may_create(
    booked: Any, app_engine: Engine, admin_engine: Engine
) -> None:
    """Given a schema of its own, the app can create SQL functions but still not untrusted ones."""
    with admin_engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS plpython3u"))
        conn.execute(text("CREATE SCHEMA sandbox"))
        conn.execute(text("GRANT USAGE, CREATE ON SCHEMA sandbox TO razao_app"))
    with app_engine.begin() as conn:
        conn.execute(text("CREATE FUNCTION sandbox.trusted() RETURNS int LANGUAGE sql AS 'SELECT 1'"))
    error = _error(
        app_engine, "CREATE FUNCTION sandbox.untrusted() RETURNS int LANGUAGE plpython3u AS 'return 1'"
    )
    assert isinstance(error, errors.InsufficientPrivilege)
    assert "permission denied for language plpython3u" in str(error)


@pytest.fixture
def migrated_database(empty_database: Any) -> Iterator[Any]:
    """A database migrated in place: unlike a copy of the template, it keeps the database-level
    privileges the migration set (CREATE DATABASE ... TEMPLATE does not copy them)."""
    migrate.upgrade(empty_database.admin_url, "head")
    yield empty_database


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TEMPORARY TABLE sneaky (id int)",
        "CREATE FUNCTION pg_temp.sneaky() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    ],
)
def test_the_app_creates_no_temporary_objects(migrated_database: Any, statement: str) -> None:
    engine = make_engine(migrated_database.app_url)
    try:
        _denied(engine, statement)
    finally:
        engine.dispose()


def test_the_app_reads_what_it_needs(booked: Any, app_engine: Engine) -> None:
    with app_engine.connect() as conn:
        counts = {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("assets", "accounts", "transfers", "entries", "api_keys")
        }
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == migrate.head()
        assert conn.execute(text("SELECT has_schema_privilege('razao', 'USAGE')")).scalar() is True
    assert counts == {"assets": 1, "accounts": 2, "transfers": 2, "entries": 4, "api_keys": 0}


def test_the_trigger_functions_are_locked_down(booked: Any, admin_engine: Engine) -> None:
    with admin_engine.connect() as conn:
        functions = conn.execute(
            text(
                """
                SELECT p.proname, pg_get_userbyid(p.proowner) AS owner, p.prosecdef, p.proconfig,
                       has_function_privilege('razao_app', p.oid, 'EXECUTE') AS app_may_execute,
                       p.proacl IS NULL OR EXISTS (SELECT FROM aclexplode(p.proacl) a WHERE a.grantee = 0)
                           AS public_may_execute
                FROM pg_proc p WHERE p.pronamespace = 'razao'::regnamespace
                  AND p.proname IN ('refuse', 'check_transfer_update', 'book_entries', 'release_holds')
                """
            )
        ).all()
        schema_owner = conn.execute(
            text("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'razao'")
        )
        assert schema_owner.scalar() == "razao_owner"
    assert {f.proname: f.prosecdef for f in functions} == {
        "refuse": False,
        "check_transfer_update": False,
        "book_entries": True,  # it writes balances, which razao_app may not
        "release_holds": True,
    }
    for function in functions:
        assert function.owner == "razao_owner", function
        assert function.proconfig == ["search_path=pg_catalog, public"], function
        assert not function.app_may_execute and not function.public_may_execute, function


# --- razao_owner -------------------------------------------------------------------------------------


def test_the_owner_cannot_log_in(database: Any) -> None:
    url = make_url(database.admin_url).set(username="razao_owner", password=None)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with pytest.raises(OperationalError, match="not permitted to log in"), engine.connect():
            pass
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("statement", "sqlstate"),
    [
        ("UPDATE entries SET amount = amount + 1", "RZ101"),
        ("DELETE FROM entries", "RZ101"),
        ("TRUNCATE entries", "RZ101"),
        ("DELETE FROM transfers", "RZ102"),
        ("UPDATE accounts SET posted_credits = posted_credits + 1", "RZ105"),
    ],
)
def test_even_the_owner_meets_the_triggers(
    booked: Any, admin_engine: Engine, statement: str, sqlstate: str
) -> None:
    error = _error(admin_engine, statement, role="razao_owner")
    assert error.sqlstate == sqlstate, error
