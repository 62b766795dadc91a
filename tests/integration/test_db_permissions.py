"""The application role (razao_app) can write the ledger but never rewrite it: the journal of entries
is append-only, nothing can be deleted, and the schema is out of its reach."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from psycopg import errors
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from adapters.db import migrate
from domain.transfers import TransferRequest


@pytest.fixture
def booked(open_: Callable[..., Any], write_path: Any) -> None:
    """One posted transfer, so that every table has rows."""
    cash = open_("cash", min_balance=None)
    revenue = open_("revenue", normal_side="credit", min_balance=None)
    write_path.post_transfers(
        [
            TransferRequest.simple(
                uuid.uuid4(), debit_account_id=cash.id, credit_account_id=revenue.id, amount=5
            )
        ]
    )


def _refused(engine: Engine, sql: str) -> BaseException:
    with engine.connect() as conn, pytest.raises(ProgrammingError) as caught:
        conn.execute(text(sql))
    return caught.value.orig  # type: ignore[return-value]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE entries SET amount = amount + 1",
        "DELETE FROM entries",
        "TRUNCATE entries",
        "DELETE FROM transfers",
        "DELETE FROM accounts",
        "UPDATE assets SET scale = 0",
        "DELETE FROM assets",
        "DELETE FROM api_keys",
        "UPDATE alembic_version SET version_num = 'x'",
    ],
)
def test_the_app_role_cannot_rewrite_history(booked: None, app_engine: Engine, sql: str) -> None:
    assert isinstance(_refused(app_engine, sql), errors.InsufficientPrivilege)


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE entries",
        "ALTER TABLE entries DROP CONSTRAINT entries_amount_check",
        "CREATE TABLE public.sneaky (id int)",
    ],
)
def test_the_app_role_cannot_change_the_schema(booked: None, app_engine: Engine, sql: str) -> None:
    assert isinstance(_refused(app_engine, sql), errors.InsufficientPrivilege)


def test_the_app_role_reads_and_appends(booked: None, app_engine: Engine) -> None:
    with app_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM entries")).scalar() == 2
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == migrate.head()
        assert conn.execute(text("SELECT current_user")).scalar() == "razao_app"
