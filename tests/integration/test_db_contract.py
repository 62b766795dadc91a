"""The SQL unit of work on PostgreSQL passes the unit of work contract (tests/contracts), the same
checks the in-memory fake passes. Where PostgreSQL cannot behave like the fake (it waits for a row or
a key another transaction holds; it aborts a transaction after a failed statement), the contract's
capability flags say so and the checks take the database's path; see test_db_concurrency.py for many
threads at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from uuid import UUID

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, InternalError

from adapters.db.unit_of_work import SqlUnitOfWork
from application.api_keys import ApiKeyUnitOfWork
from application.ports import UnitOfWork, UnitOfWorkFactory
from application.search import AccountFilter
from domain.accounts import Account
from domain.assets import Asset
from tests.contracts.unit_of_work import WAIT_SECONDS, Implementation, UnitOfWorkContract
from tests.outbox import settle_events

Uow = Callable[[], SqlUnitOfWork]

#: Sessions of this database waiting for a lock (a row, or a unique key another transaction wrote).
_WAITING = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


def _fits_the_ports(uow: SqlUnitOfWork) -> None:
    """Never called: mypy checks that the SQL unit of work fits the ports."""
    _a: UnitOfWork = uow
    _b: ApiKeyUnitOfWork = uow
    _c: UnitOfWorkFactory = lambda: uow  # noqa: E731


class OnPostgres:
    """The contract's view of PostgreSQL: what is committed, read in a unit of work of its own."""

    #: A duplicate primary key (not an idempotency key) is left as the driver raised it.
    unique_violation: type[Exception] = IntegrityError
    #: After a failed statement PostgreSQL refuses every statement until the rollback (25P02,
    #: in_failed_sql_transaction), which SQLAlchemy raises as `InternalError`.
    failed_transaction: type[Exception] | None = InternalError
    #: `FOR UPDATE` and a unique index make a statement wait for the transaction holding the row or key.
    waits_for_other_units_of_work: bool = True

    def __init__(self, uow: Uow, admin: Engine) -> None:
        self._uow = uow
        self._admin = admin

    def committed_assets(self) -> dict[str, Asset]:
        with self._uow() as tx:
            return {a.code: a for a in tx.assets.all()}

    def committed_accounts(self) -> dict[UUID, Account]:
        with self._uow() as tx:
            found = tx.accounts.query(AccountFilter(), categories=None, after_code=None, limit=10_000)
        return {a.id: a for a in found}

    def await_a_waiting_unit_of_work(self) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        with self._admin.connect() as conn:
            while not conn.execute(_WAITING).scalar_one():
                conn.rollback()  # pg_stat_activity is a snapshot per transaction: take a new one
                if time.monotonic() > deadline:
                    pytest.fail(f"no unit of work waited for a lock within {WAIT_SECONDS} s")
                time.sleep(0.01)

    def settle_events(self) -> None:
        settle_events(self._admin)


class TestSqlUnitOfWork(UnitOfWorkContract):
    @pytest.fixture
    def uow(self, uow_factory: Uow) -> Uow:
        return uow_factory

    @pytest.fixture
    def implementation(self, uow_factory: Uow, admin_engine: Engine) -> Implementation:
        return OnPostgres(uow_factory, admin_engine)
