"""Razão behind PgBouncer in transaction pooling mode (docs/pooling.md), in both execution modes.

A PgBouncer (`razao.local.pgbouncer`, module scope, `POOL_SIZE` server connections per database and
user) stands in front of the test PostgreSQL; each test's database is reached through it, with
`RAZAO_DB_TRANSACTION_POOLER=true`. What is shown:

1. the API, in-process, books single transfers concurrently (group commit), bulk and batches, holds and
   their capture, reads balances and statements, closes a period and long-polls the events feed: the
   e2e tests' own scenarios (imported from tests/e2e, not copied), run on this app;
2. many client connections share a few server connections (SHOW POOLS, and pg_stat_activity);
3. a job runs on a real Celery worker process whose database URL is PgBouncer's;
4. a code deployment while pooled connections are open: the server connections that had loaded the old
   code (PL/Python's `GD`) run the new code on the next call, whichever client lands on them, and a caller
   that expects the old version gets the version-mismatch error (RZ002), never stale code; the API in
   the database mode answers 503 until its own version is deployed again, then books again;
5. the application role's session settings hold through the pooler (migration 0018), with the values a
   direct connection sends; a direct engine prepares statements by name, a pooled one does not.

The per-test database is a copy of a migrated template, and `CREATE DATABASE ... TEMPLATE` does not copy
the role's per-database settings (`pg_db_role_setting`), so `pooled` gives them to the copy again, as
migration 0018 gave them to the template.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from adapters.db import code_bundle
from adapters.db.engine import make_engine
from adapters.db.session_settings import SESSION_SETTINGS
from adapters.http.app import create_app
from razao.container import Container, build_container, dispose_engines
from razao.local.pgbouncer import PgBouncer
from razao.settings import Settings
from tests.conftest import APP_ROLE, TestDatabase
from tests.e2e import test_accounts as accounts
from tests.e2e import test_events as events
from tests.e2e import test_grouping as grouping
from tests.e2e import test_periods as periods
from tests.e2e import test_transfers as transfers
from tests.e2e.conftest import Api, container_on, make_api, problem_code
from tests.integration.test_code_deployment import _probe_bundle
from tests.tasks import test_jobs_on_worker as jobs_on_worker
from tests.tasks.conftest import REDIS_URL, Workers, settings_env

#: Server connections PgBouncer opens per (database, user): fewer than the app's pool.
POOL_SIZE = 3


@pytest.fixture(scope="module")
def bouncer(tmp_path_factory: pytest.TempPathFactory, admin_url: str) -> Iterator[PgBouncer]:
    backend = make_url(admin_url)
    directory = tmp_path_factory.mktemp("pgbouncer")
    with PgBouncer.start(
        directory, backend.host or "127.0.0.1", backend.port or 5432, pool_size=POOL_SIZE
    ) as running:
        yield running


@pytest.fixture
def pooled(database: TestDatabase, bouncer: PgBouncer) -> TestDatabase:
    """The test database, its application URL through PgBouncer (the superuser's stays direct: migrations
    and administration do not go through the pooler). The `database` fixture gave the role its 0018
    settings in this copy of the template."""
    return TestDatabase(database.name, database.admin_url, bouncer.url(APP_ROLE, database.name))


@pytest.fixture(params=["app", "db"])
def container(request: pytest.FixtureRequest, pooled: TestDatabase) -> Iterator[Container]:
    with container_on(
        pooled, execution_mode=request.param, db_transaction_pooler=True, group_max_wait_ms=20
    ) as built:
        yield built


@pytest.fixture
def api(container: Container) -> Iterator[Api]:
    services = container.services()
    with make_api(create_app(services), services, container.admin_uow) as client:
        yield client


def _through_bouncer(bouncer: PgBouncer, database: str) -> None:
    """PgBouncer carried this database's transactions, on at most `POOL_SIZE` server connections."""
    stats = bouncer.stats()
    assert stats.transactions(database) > 0
    assert stats.servers(database, APP_ROLE) <= POOL_SIZE


# --- 1. the API's scenarios, through the pooler ---------------------------------------------------

SCENARIOS: dict[str, Callable[[Api], None]] = {
    "concurrent-single-transfers-grouped": grouping.test_concurrent_single_transfers_are_booked_in_groups,
    "bulk": grouping.test_bulk_books_or_refuses_each_transfer_on_its_own,
    "batch": transfers.test_batch_books_all_and_replays_all,
    "batch-atomic": transfers.test_batch_is_atomic,
    "hold-and-capture": transfers.test_pending_then_partial_post_and_its_replay,
    "void": transfers.test_void_its_replay_and_posting_after_void,
    "balances": accounts.test_balance_now_and_as_of_the_past,
    "statement": accounts.test_statement_pages_with_running_balance,
    "period-close": periods.test_closing_answers_the_close_and_the_same_close_again_replays,
}


@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_the_api_scenario_works_through_pgbouncer(
    scenario: Callable[[Api], None], api: Api, bouncer: PgBouncer, pooled: TestDatabase
) -> None:
    scenario(api)
    _through_bouncer(bouncer, pooled.name)


def test_the_events_feed_long_polls_through_pgbouncer(
    api: Api, container: Container, bouncer: PgBouncer, pooled: TestDatabase
) -> None:
    events.test_long_polling_answers_as_soon_as_an_event_arrives(api, container)
    events.test_long_polling_gives_up_after_wait_seconds_with_a_cursor(api)
    _through_bouncer(bouncer, pooled.name)


# --- 2. pooling happened ---------------------------------------------------------------------------


def test_many_client_connections_share_a_few_server_connections(
    api: Api, container: Container, bouncer: PgBouncer, pooled: TestDatabase
) -> None:
    grouping.test_concurrent_single_transfers_are_booked_in_groups(api)
    engine: Engine = container.engine()
    with ExitStack() as stack:
        held = [stack.enter_context(engine.connect()) for _ in range(8)]
        for connection in held:  # each logged in to PgBouncer and ran a transaction; all still open
            connection.execute(text("SELECT 1"))
            connection.commit()
        stats = bouncer.stats()
        admin = create_engine(pooled.admin_url)
        try:
            with admin.connect() as connection:
                backends = connection.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND usename = :role"),
                    {"db": pooled.name, "role": APP_ROLE},
                ).scalar_one()
        finally:
            admin.dispose()
    clients, servers = stats.clients(pooled.name, APP_ROLE), stats.servers(pooled.name, APP_ROLE)
    assert clients >= len(held) > POOL_SIZE >= servers, stats.pools
    assert backends <= POOL_SIZE < clients
    assert stats.transactions(pooled.name) > clients


# --- 3. a job on a worker ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["app", "db"])
def test_a_job_runs_on_a_worker_through_pgbouncer(
    mode: str, pooled: TestDatabase, bouncer: PgBouncer, tmp_path: Path, admin_engine: Engine
) -> None:
    settings = Settings(
        database_url=pooled.app_url,
        admin_database_url=pooled.admin_url,
        db_pool_size=4,
        db_transaction_pooler=True,
        broker_url=REDIS_URL,
        task_queue=f"razao-test-{uuid.uuid4().hex[:12]}",
        execution_mode=mode,  # type: ignore[arg-type]
        job_chunk_size=10,
    )
    container = build_container(settings)
    workers = Workers(settings_env(settings), tmp_path)
    try:
        services = container.services()
        with make_api(create_app(services), services, container.admin_uow) as api:
            jobs_on_worker.test_interest_accrual_job_accrues_each_day_once(
                api, container, workers, admin_engine
            )
    finally:
        workers.stop_all()
        dispose_engines(container)
    _through_bouncer(bouncer, pooled.name)


# --- 4. a code deployment while pooled connections are open -----------------------------------------


def _deploy(
    database: TestDatabase, bundle: code_bundle.Bundle, previous: code_bundle.Bundle, name: str
) -> None:
    admin = create_engine(database.admin_url)
    try:
        with admin.begin() as connection:
            code_bundle.deploy_bundle(connection, bundle, previous, name)
    finally:
        admin.dispose()


def _sqlstate(error: DBAPIError) -> Any:
    return getattr(error.orig, "sqlstate", None)


def test_open_pooled_connections_run_the_new_code_after_a_deployment(pooled: TestDatabase) -> None:
    first, second = _probe_bundle("hello"), _probe_bundle("olá")
    _deploy(pooled, first, code_bundle.current_bundle(), "probe-1")
    engine = make_engine(pooled.app_url, pool_size=2 * POOL_SIZE, max_overflow=0, transaction_pooler=True)
    call = text("SELECT razao.probe(:version, 'Ana') AS answer, pg_backend_pid() AS pid")
    try:
        with ExitStack() as stack:
            clients = [stack.enter_context(engine.connect()) for _ in range(2 * POOL_SIZE)]

            def run_everywhere(version: str) -> tuple[set[str], set[int]]:
                """`POOL_SIZE` transactions open at once hold every server connection of the pool; then
                the other clients call too (landing on the same servers)."""
                answers, pids = set(), set()
                for group in (clients[:POOL_SIZE], clients[POOL_SIZE:]):
                    rows = [client.execute(call, {"version": version}).one() for client in group]
                    for client in group:
                        client.commit()
                    answers |= {row.answer for row in rows}
                    pids |= {row.pid for row in rows}
                return answers, pids

            answers, before = run_everywhere(first.version)
            assert answers == {"hello Ana 0"} and len(before) == POOL_SIZE

            _deploy(pooled, second, first, "probe-2")
            answers, after = run_everywhere(second.version)
            # The same server connections, each with the first version loaded in GD, run the second one.
            assert answers == {"olá Ana 0"} and after == before

            for client in clients:
                with pytest.raises(DBAPIError) as refused:
                    client.execute(call, {"version": first.version})
                assert _sqlstate(refused.value) == "RZ002", refused.value
                assert "domain version mismatch" in str(refused.value.orig)
                client.rollback()
    finally:
        engine.dispose()


@pytest.mark.parametrize("container", ["db"], indirect=True)
def test_the_api_refuses_cleanly_while_another_version_is_deployed_then_books_again(
    api: Api, pooled: TestDatabase
) -> None:
    source, wallet = api.funding_pair()
    assert api.transfer(source, wallet, 100).status_code == 201
    current = code_bundle.current_bundle()
    probe = _probe_bundle("hello")  # this checkout's code and functions, plus a probe: another version
    other = code_bundle.Bundle(probe.modules, (*current.functions, *probe.functions))

    _deploy(pooled, other, current, "probe-1")
    refused = api.transfer(source, wallet, 5)
    _deploy(pooled, current, other, "redeploy")
    booked = api.transfer(source, wallet, 7)

    assert (refused.status_code, problem_code(refused)) == (503, "service_unavailable")
    assert "domain version mismatch" in refused.json()["detail"]
    assert booked.status_code == 201, booked.text
    assert api.balances(wallet)["posted"] == 107


# --- 5. session settings and prepared statements ----------------------------------------------------


def _session(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return {name: connection.execute(text(f"SHOW {name}")).scalar_one() for name in SESSION_SETTINGS}


def test_the_app_role_s_settings_hold_through_the_pooler_as_a_direct_connection_sends_them(
    pooled: TestDatabase, database: TestDatabase, migrated_template: str, server: Engine
) -> None:
    with server.connect() as connection:
        stored = connection.execute(
            text(
                "SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase"
                " WHERE d.datname = :db AND s.setrole = CAST(:role AS regrole)"
            ),
            {"db": migrated_template, "role": APP_ROLE},
        ).scalar_one()
    # What migration 0018 stored (PostgreSQL spells timezone `TimeZone`).
    assert {item.lower() for item in stored} == {f"{k}={v}".lower() for k, v in SESSION_SETTINGS.items()}

    through_pooler = make_engine(pooled.app_url, transaction_pooler=True)
    direct = make_engine(database.app_url)
    try:
        assert (
            _session(through_pooler)
            == _session(direct)
            == {
                "timezone": "UTC",
                "statement_timeout": "30s",
                "idle_in_transaction_session_timeout": "1min",
            }
        )
    finally:
        through_pooler.dispose()
        direct.dispose()


@pytest.mark.parametrize(("transaction_pooler", "prepares"), [(False, True), (True, False)])
def test_a_direct_engine_prepares_statements_and_a_pooled_one_does_not(
    database: TestDatabase, transaction_pooler: bool, prepares: bool
) -> None:
    """On a direct connection (one session, so `pg_prepared_statements` tells): psycopg prepares a
    statement by name from its sixth run; with `transaction_pooler=True`, never."""
    engine = make_engine(database.app_url, pool_size=1, max_overflow=0, transaction_pooler=transaction_pooler)
    try:
        with engine.connect() as connection:
            for n in range(10):
                connection.execute(text("SELECT CAST(:n AS int) + 1"), {"n": n})
            named = connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
    finally:
        engine.dispose()
    assert (named > 0) is prepares
