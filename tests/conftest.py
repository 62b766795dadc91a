"""Fixtures shared by every test suite: throwaway PostgreSQL databases at the current schema.

- `admin_url`: a superuser URL of the maintenance database (RAZAO_TEST_ADMIN_URL, default
  postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
- `migrated_template` (session): a uniquely named database upgraded to `head`, marked as a template.
- `database`: a fresh copy of the template for one test (CREATE DATABASE ... TEMPLATE ...: tens of
  milliseconds), with `.name`, `.admin_url` (superuser) and `.app_url` (the razao_app role).
- `app_engine` (an engine on `database.app_url`) and `uow_factory` (a new SqlUnitOfWork per call).

The kernel (`domain.kernel`): `RAZAO_KERNEL` (auto, reference, required) sets the mode of the test process
and, through `set_kernel_mode`, of every test database's connections (its `razao.kernel` setting), so one
run exercises the Rust kernel on both sides and `RAZAO_KERNEL=reference` the Python reference on both.

Names are unique per test session, so pytest-xdist workers never share a database. These fixtures
are lazy: suites that do not request them never touch PostgreSQL. When they are requested and
PostgreSQL cannot be reached, the test errors loudly; nothing is skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import Connection, Engine, create_engine, make_url, pool, text
from sqlalchemy.exc import OperationalError

from adapters.db import migrate
from adapters.db.engine import make_engine
from adapters.db.session_settings import SESSION_SETTINGS
from adapters.db.unit_of_work import SqlUnitOfWork
from domain import kernel

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
APP_ROLE = "razao_app"


@dataclass(frozen=True, slots=True)
class TestDatabase:
    """A database created for one test."""

    __test__ = False  # not a test class, despite its name

    name: str
    admin_url: str
    app_url: str


def _url_for(url: str, database: str, *, user: str | None = None) -> str:
    parsed = make_url(url).set(database=database)
    if user is not None:
        parsed = parsed.set(username=user, password=None)
    return parsed.render_as_string(hide_password=False)


def _unique_name(kind: str) -> str:
    return f"razao_{kind}_{uuid.uuid4().hex[:16]}"


def kernel_mode() -> str:
    return os.environ.get("RAZAO_KERNEL", "auto")


def set_kernel_mode(connection: Connection, name: str) -> None:
    """Give database `name`'s connections this run's kernel mode (nothing to do for `auto`)."""
    if kernel_mode() != "auto":
        quoted = connection.dialect.identifier_preparer.quote(name)
        connection.execute(
            text(f"ALTER DATABASE {quoted} SET razao.kernel = '{kernel.check_mode(kernel_mode())}'")
        )


@pytest.fixture(scope="session", autouse=True)
def _kernel_mode() -> None:
    """This process runs the kernel mode of the run (RAZAO_KERNEL)."""
    kernel.configure(kernel_mode())


@pytest.fixture(scope="session")
def admin_url() -> str:
    return os.environ.get("RAZAO_TEST_ADMIN_URL", DEFAULT_ADMIN_URL)


@pytest.fixture(scope="session")
def server(admin_url: str) -> Iterator[Engine]:
    """An AUTOCOMMIT superuser engine on the maintenance database (for CREATE/DROP DATABASE)."""
    engine = create_engine(admin_url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        pytest.fail(
            f"PostgreSQL is not reachable at {make_url(admin_url)!r} (set RAZAO_TEST_ADMIN_URL): {exc}",
            pytrace=False,
        )
    yield engine
    engine.dispose()


def _quote(engine: Engine, name: str) -> str:
    return engine.dialect.identifier_preparer.quote_identifier(name)


def drop_database(server: Engine, name: str) -> None:
    with server.connect() as conn:
        quoted = _quote(server, name)
        conn.execute(text(f"ALTER DATABASE {quoted} IS_TEMPLATE false"))
        conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))


@pytest.fixture(scope="session")
def migrated_template(server: Engine, admin_url: str) -> Iterator[str]:
    """The name of a database at the `head` revision, usable as a template."""
    name = _unique_name("tpl")
    with server.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {_quote(server, name)}"))
    try:
        migrate.upgrade(_url_for(admin_url, name))
        with server.connect() as conn:
            conn.execute(text(f"ALTER DATABASE {_quote(server, name)} IS_TEMPLATE true"))
        yield name
    finally:
        drop_database(server, name)


@pytest.fixture
def empty_database(server: Engine, admin_url: str) -> Iterator[TestDatabase]:
    """A brand-new database with no schema at all (for migration tests)."""
    name = _unique_name("empty")
    with server.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {_quote(server, name)}"))
    try:
        yield TestDatabase(name, _url_for(admin_url, name), _url_for(admin_url, name, user=APP_ROLE))
    finally:
        drop_database(server, name)


@pytest.fixture(scope="session")
def _dropper(server: Engine) -> Iterator[Callable[[str], None]]:
    """Drops test databases in the background (a drop takes a few hundred milliseconds); any
    failure is raised when the session ends."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-database") as pool:
        dropping: list[Future[None]] = []
        yield lambda name: dropping.append(pool.submit(drop_database, server, name))
        for future in dropping:
            future.result()


@pytest.fixture
def database(
    server: Engine, admin_url: str, migrated_template: str, _dropper: Callable[[str], None]
) -> Iterator[TestDatabase]:
    """A fresh database at the `head` revision, cloned from the template and dropped afterwards."""
    name = _unique_name("test")
    with server.connect() as conn:
        conn.execute(
            text(f"CREATE DATABASE {_quote(server, name)} TEMPLATE {_quote(server, migrated_template)}")
        )
        set_kernel_mode(conn, name)
        # the role's settings in the database (revision 0018): a template's copy does not carry them
        for setting, value in SESSION_SETTINGS.items():
            conn.execute(
                text(f"ALTER ROLE {APP_ROLE} IN DATABASE {_quote(server, name)} SET {setting} = '{value}'")
            )
    try:
        yield TestDatabase(name, _url_for(admin_url, name), _url_for(admin_url, name, user=APP_ROLE))
    finally:
        _dropper(name)


@pytest.fixture
def app_engine(database: TestDatabase) -> Iterator[Engine]:
    """The application's engine: connects as razao_app, like the service does."""
    engine = make_engine(database.app_url, pool_size=20, max_overflow=10)
    yield engine
    engine.dispose()


@pytest.fixture
def admin_engine(database: TestDatabase) -> Iterator[Engine]:
    """A superuser engine on the test database, for checks the application role may not run."""
    engine = create_engine(database.admin_url, poolclass=pool.NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def uow_factory(app_engine: Engine) -> Callable[[], SqlUnitOfWork]:
    return lambda: SqlUnitOfWork(app_engine)
