"""The two database roles after revision 0002 (docs/reference/rules.md), proven by connecting as them.

What razao_app may do, it can: read what it needs, and change an account's or a transfer's status, which
the triggers still check. Everything it may not do (rewrite the journal, write a balance, change the
schema, create functions or temporary objects, switch roles, reach the server) is tried, and refused, in
the privileges suite (tests/suites/test_privileges.py). razao_owner owns everything but cannot log in,
and even it, through SET ROLE, meets the triggers: the journal stays immutable for the owner too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, make_url, pool, text
from sqlalchemy.exc import DBAPIError, OperationalError

from adapters.db import migrate
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


# --- razao_app ---------------------------------------------------------------------------------------


def test_what_the_app_may_update_is_still_checked_by_the_triggers(booked: Any, app_engine: Engine) -> None:
    with app_engine.begin() as conn:  # the column it may write: an account's status
        conn.execute(text("UPDATE accounts SET status = 'frozen' WHERE code = 'wallet'"))
        conn.rollback()
    # a transfer's status, but only from pending, with a resolution time
    error = _error(
        app_engine, "UPDATE transfers SET status = 'voided', resolved_at = now() WHERE status = 'posted'"
    )
    assert error.sqlstate == "RZ104"


def test_the_app_reads_what_it_needs(booked: Any, app_engine: Engine) -> None:
    with app_engine.connect() as conn:
        counts = {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("assets", "accounts", "transfers", "entries", "api_keys")
        }
        assert conn.execute(text("SELECT current_user")).scalar() == "razao_app"
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
        ("TRUNCATE seal_blocks", "RZ101"),  # UPDATE and DELETE of a block: tests/integration/test_seals.py
        ("DELETE FROM transfers", "RZ102"),
        ("UPDATE accounts SET posted_credits = posted_credits + 1", "RZ105"),
    ],
)
def test_even_the_owner_meets_the_triggers(
    booked: Any, admin_engine: Engine, statement: str, sqlstate: str
) -> None:
    error = _error(admin_engine, statement, role="razao_owner")
    assert error.sqlstate == sqlstate, error
