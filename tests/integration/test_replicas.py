"""Read replicas with read-your-writes (docs/replicas.md), on a real streaming standby.

A private primary cluster (the storm's `PrivateCluster`) is migrated, and a hot standby of it is made
with `pg_basebackup -R` on another port (`razao.local.standby`), once for the module. Each test builds
the app on the primary with the standby as its replica, in both execution modes where the read path
differs (the in-app read unit of work; the in-database read functions, then running on the standby).

The standby is made to lag with `pg_wal_replay_pause()` and taken down with `pg_ctl stop`; every test
leaves it running and replaying (the `standby` fixture restores it).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from sqlalchemy import Engine, create_engine, pool, text

from adapters.db import migrate
from adapters.db.code_bundle import app_code_version
from adapters.db.engine import make_engine
from adapters.db.in_database import InDatabaseReadPath
from adapters.db.replicas import ReplicaSet, RoutedEngine, _SingleFlight, format_lsn, parse_lsn
from adapters.db.unit_of_work import SqlUnitOfWork
from adapters.http.app import create_app
from adapters.http.consistency import SOURCE_HEADER, TOKEN_HEADER
from application import feed
from domain.time_basis import Basis
from razao.container import Container, build_container, dispose_engines
from razao.local.standby import Standby
from razao.settings import Settings
from tests.e2e.conftest import UNREACHABLE_BROKER, Api, make_api
from tests.suites.storm.cluster import PrivateCluster

MODES = ["app", "db"]
WAIT_MS = 400.0


@pytest.fixture(scope="module")
def primary() -> Iterator[PrivateCluster]:
    cluster = PrivateCluster.create()
    try:
        migrate.ensure_database(cluster.admin_url)
        migrate.upgrade(cluster.admin_url, "head")
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="module")
def module_standby(primary: PrivateCluster) -> Iterator[Standby]:
    standby = Standby.create(primary.port)
    try:
        yield standby
    finally:
        standby.destroy()


@pytest.fixture
def standby(module_standby: Standby) -> Iterator[Standby]:
    """The module's standby, running and replaying before and after the test."""
    yield module_standby
    if not module_standby.running():
        module_standby.start()
    module_standby.resume_replay()


def primary_lsn(cluster: PrivateCluster) -> str:
    engine = create_engine(cluster.admin_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT pg_current_wal_flush_lsn()::text")).scalar_one())
    finally:
        engine.dispose()


def caught_up(cluster: PrivateCluster, standby: Standby) -> None:
    standby.wait_replayed(primary_lsn(cluster))


def wait_until(check: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def settings_for(cluster: PrivateCluster, mode: str, replicas: list[str], **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": cluster.app_url,
        "admin_database_url": cluster.admin_url,
        "execution_mode": mode,
        "db_pool_size": 4,
        "broker_url": UNREACHABLE_BROKER,
        "replica_urls": ",".join(replicas),
        "replica_wait_ms": WAIT_MS,
        "replica_check_seconds": 0.2,
        **extra,
    }
    return Settings(**values)


@pytest.fixture
def make_client(primary: PrivateCluster) -> Iterator[Callable[..., Api]]:
    """`make_client(mode, replicas, **settings)`: an API client of an app built on the primary."""
    opened: list[tuple[Container, Any]] = []

    def make(mode: str, replicas: list[str], **extra: Any) -> Api:
        container = build_container(settings_for(primary, mode, replicas, **extra))
        services = container.services()
        manager = make_api(create_app(services), services, container.admin_uow)
        opened.append((container, manager))
        api = manager.__enter__()
        api.container = container  # type: ignore[attr-defined]
        return api

    yield make
    for container, manager in reversed(opened):
        manager.__exit__(None, None, None)
        dispose_engines(container)


def replicas_of(api: Api) -> ReplicaSet:
    found: ReplicaSet | None = api.container.replicas()  # type: ignore[attr-defined]
    assert found is not None
    return found


def funded(api: Api, amount: int = 10_000) -> tuple[dict[str, Any], dict[str, Any]]:
    source, wallet = api.funding_pair()
    response = api.transfer(source, wallet, amount)
    assert response.status_code == 201, response.text
    return source, wallet


def balance(api: Api, account: dict[str, Any], token: str | None = None) -> tuple[int, str | None, float]:
    began = time.monotonic()
    headers = {TOKEN_HEADER: token} if token else {}
    response = api.get(f"/v1/accounts/{account['id']}/balance", headers=headers)
    took = time.monotonic() - began
    assert response.status_code == 200, response.text
    return response.json()["posted_balance"], response.headers.get(SOURCE_HEADER), took


def reads_counted(api: Api) -> dict[tuple[str, str], float]:
    body = api.client.get("/metrics").text
    found = re.findall(r'^razao_reads_total\{reason="([a-z_]+)",source="([a-z]+)"\} ([0-9.e+]+)$', body, re.M)
    return {(source, reason): float(value) for reason, source, value in found}


# --- the token ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_read_with_the_token_sees_the_write_on_a_caught_up_replica(
    make_client: Callable[..., Api], primary: PrivateCluster, standby: Standby, mode: str
) -> None:
    api = make_client(mode, [standby.url("razao_app")])
    _, wallet = funded(api)
    caught_up(primary, standby)
    replicas_of(api).refresh()
    source, _ = api.funding_pair()
    for amount in (1, 2, 3):
        write = api.transfer(source, wallet, amount)
        assert write.status_code == 201, write.text
        token = write.headers[TOKEN_HEADER]
        parse_lsn(token)
        seen, where, _ = balance(api, wallet, token)
        assert where == "replica"
        assert seen == 10_000 + sum(range(1, amount + 1))
    counted = reads_counted(api)
    assert sum(v for (s, _), v in counted.items() if s == "replica") >= 3, counted


@pytest.mark.parametrize("mode", MODES)
def test_a_lagging_replica_makes_a_token_read_wait_then_go_to_the_primary(
    make_client: Callable[..., Api], primary: PrivateCluster, standby: Standby, mode: str
) -> None:
    api = make_client(mode, [standby.url("razao_app")])
    source, wallet = funded(api)
    caught_up(primary, standby)
    replicas_of(api).refresh()
    standby.pause_replay()
    write = api.transfer(source, wallet, 500)
    assert write.status_code == 201, write.text
    seen, where, took = balance(api, wallet, write.headers[TOKEN_HEADER])
    assert (seen, where) == (10_500, "primary"), "the token read must see the write, from the primary"
    assert took >= WAIT_MS / 1000 * 0.9, f"it went to the primary after {took:.3f} s, not after waiting"
    assert took < WAIT_MS / 1000 + 2.0
    # Without a token, the lagging replica (within the lag limit) serves, stale.
    stale, where, _ = balance(api, wallet)
    assert (stale, where) == (10_000, "replica")
    assert reads_counted(api).get(("primary", "wait_timeout"), 0) >= 1
    standby.resume_replay()
    seen, where, _ = balance(api, wallet, write.headers[TOKEN_HEADER])
    assert (seen, where) == (10_500, "replica")


@pytest.mark.parametrize("mode", MODES)
def test_a_replica_beyond_the_lag_limit_is_skipped(
    make_client: Callable[..., Api], primary: PrivateCluster, standby: Standby, mode: str
) -> None:
    api = make_client(mode, [standby.url("razao_app")], replica_max_lag_seconds=0.5)
    source, wallet = funded(api)
    caught_up(primary, standby)
    replicas = replicas_of(api)
    replicas.refresh()
    standby.pause_replay()
    assert api.transfer(source, wallet, 700).status_code == 201
    time.sleep(0.8)
    (state,) = replicas.refresh()
    assert state.up and state.lag_seconds is not None and state.lag_seconds > 0.5, state
    assert state.lag_bytes is not None and state.lag_bytes > 0
    seen, where, _ = balance(api, wallet)
    assert (seen, where) == (10_700, "primary")
    assert reads_counted(api).get(("primary", "no_healthy_replica"), 0) >= 1
    metrics = api.client.get("/metrics").text
    assert re.search(r'razao_replica_lag_seconds\{replica="127\.0\.0\.1:\d+/razao"\} 0\.[5-9]|1', metrics)


# --- a replica down ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_stopped_replica_is_skipped_reported_and_used_again_when_back(
    make_client: Callable[..., Api], primary: PrivateCluster, standby: Standby, mode: str
) -> None:
    api = make_client(mode, [standby.url("razao_app")])
    _, wallet = funded(api)
    caught_up(primary, standby)
    replicas = replicas_of(api)
    replicas.refresh()
    assert balance(api, wallet)[1] == "replica"
    standby.stop()
    for _ in range(3):
        seen, where, _ = balance(api, wallet)
        assert (seen, where) == (10_000, "primary")
    (state,) = replicas.refresh()
    assert not state.up
    ready = api.client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["replicas"].startswith("degraded"), ready.json()
    (shown,) = ready.json()["replicas"]
    assert shown["up"] is False and shown["skipped"] is True and shown["reason"].startswith("down"), shown
    report = api.services.readiness()
    assert report.ok and report.replicas[0]["up"] is False and report.replicas[0]["skipped"] is True
    metrics = api.client.get("/metrics").text
    assert re.search(r'^razao_replica_up\{replica="127\.0\.0\.1:\d+/razao"\} 0\.0$', metrics, re.M), metrics
    assert "razao_replica_lag_seconds{" in metrics
    standby.start()
    wait_until(lambda: replicas.refresh()[0].up, what="the replica back up")
    assert balance(api, wallet)[1] == "replica"
    assert api.client.get("/health/ready").json()["checks"]["replicas"] == "ok"


# --- the headers --------------------------------------------------------------------------------------


def test_a_malformed_token_is_a_problem_naming_the_header(
    make_client: Callable[..., Api], standby: Standby
) -> None:
    api = make_client("app", [standby.url("razao_app")])
    _, wallet = funded(api)
    response = api.get(f"/v1/accounts/{wallet['id']}/balance", headers={TOKEN_HEADER: "yesterday"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert [e["field"] for e in problem["errors"]] == [TOKEN_HEADER]


def test_without_replicas_a_token_is_only_checked_for_its_form(make_client: Callable[..., Api]) -> None:
    """Every read is the primary's: any well-formed token is satisfied; the contract stays the same."""
    api = make_client("app", [])
    source, wallet = funded(api)
    write = api.transfer(source, wallet, 5)
    assert write.status_code == 201 and TOKEN_HEADER not in write.headers
    response = api.get(f"/v1/accounts/{wallet['id']}/balance", headers={TOKEN_HEADER: "FFFF/FFFFFFFF"})
    assert response.status_code == 200 and SOURCE_HEADER not in response.headers
    refused = api.get(f"/v1/accounts/{wallet['id']}/balance", headers={TOKEN_HEADER: "garbage"})
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == [TOKEN_HEADER]
    assert api.container.replicas() is None  # type: ignore[attr-defined]
    assert "razao_reads_total" not in api.client.get("/metrics").text


def test_the_openapi_document_declares_both_headers(make_client: Callable[..., Api]) -> None:
    document = make_client("app", []).client.get("/openapi.json").json()
    balance_get = document["paths"]["/v1/accounts/{account_id}/balance"]["get"]
    assert any(p["name"] == TOKEN_HEADER and p["in"] == "header" for p in balance_get["parameters"])
    assert SOURCE_HEADER in balance_get["responses"]["200"]["headers"]
    transfer_post = document["paths"]["/v1/transfers"]["post"]
    assert any(
        TOKEN_HEADER in r.get("headers", {}) for s, r in transfer_post["responses"].items() if s[0] == "2"
    )


# --- the database side ------------------------------------------------------------------------------


def test_the_least_privileged_role_can_check_the_lag(primary: PrivateCluster, standby: Standby) -> None:
    caught_up(primary, standby)
    engine = make_engine(primary.app_url, pool_size=1)
    replicas = ReplicaSet([standby.url("razao_app")], engine, lambda url: make_engine(url, pool_size=1))
    try:
        (state,) = replicas.refresh()
        assert state.up and state.error is None, state
        assert state.lag_bytes is not None and state.lag_seconds is not None
        assert parse_lsn(replicas.write_token()) >= (state.replay_lsn or 0)
    finally:
        replicas.dispose()
        engine.dispose()


@pytest.fixture
def two_sides(primary: PrivateCluster, standby: Standby) -> Iterator[tuple[Engine, Engine]]:
    engines = (
        make_engine(primary.app_url, pool_size=2, pre_ping=False),
        make_engine(standby.url("razao_app"), pool_size=2, pre_ping=False),
    )
    yield engines
    for engine in engines:
        engine.dispose()


def test_the_database_read_functions_answer_the_same_on_the_standby(
    make_client: Callable[..., Api],
    primary: PrivateCluster,
    standby: Standby,
    two_sides: tuple[Engine, Engine],
) -> None:
    api = make_client("app", [])
    source, wallet = funded(api)
    for amount in (10, 20, 30):
        assert api.transfer(source, wallet, amount).status_code == 201
    caught_up(primary, standby)
    on_primary, on_standby = (InDatabaseReadPath(e, app_code_version()) for e in two_sides)
    now = datetime.now(UTC) + timedelta(seconds=1)
    for account in (source, wallet):
        for path in (on_primary, on_standby):
            assert path.statement(account["id"], limit=2).items, "nothing to compare"
        assert on_standby.statement(account["id"]) == on_primary.statement(account["id"])
        assert on_standby.statement(account["id"], limit=2) == on_primary.statement(account["id"], limit=2)
        assert on_standby.balance_as_of(account["id"], now) == on_primary.balance_as_of(account["id"], now)
        today = now.date()
        first = today - timedelta(days=2)
        assert on_standby.history(account["id"], first, today) == on_primary.history(
            account["id"], first, today
        )
    assert on_standby.trial_balance() == on_primary.trial_balance()
    through = date.today()
    effective = on_primary.trial_balance("BRL", Basis.EFFECTIVE, through)
    assert on_standby.trial_balance("BRL", Basis.EFFECTIVE, through) == effective
    start = now - timedelta(hours=1)
    assert on_standby.journal(start, now) == on_primary.journal(start, now)


def test_the_events_feed_on_a_standby_never_reads_past_the_primary(
    make_client: Callable[..., Api],
    primary: PrivateCluster,
    standby: Standby,
    two_sides: tuple[Engine, Engine],
) -> None:
    """Why the feed stays on the primary (docs/replicas.md): on a hot standby its SQL works and its
    watermark (the snapshot's xmin) is safe, a transaction running on the primary holds back the events
    committed after it there too; but once that transaction ends without having written WAL, the
    standby's watermark trails the primary's for a while although it replayed everything."""
    api = make_client("app", [])
    source, wallet = funded(api)
    admin = create_engine(primary.admin_url, poolclass=pool.NullPool)

    def both() -> list[feed.FeedPage]:
        return [feed.read_events(SqlUnitOfWork(engine), limit=1000) for engine in two_sides]

    try:
        with admin.connect() as holder:
            holder.execute(text("SELECT pg_current_xact_id()"))  # an xid, and no WAL written for it
            assert api.transfer(source, wallet, 1).status_code == 201
            caught_up(primary, standby)
            held = both()
            assert held[0] == held[1], "the running transaction holds back the same events on both"
            holder.rollback()
        caught_up(primary, standby)
        on_primary, on_standby = both()
        assert len(on_primary.items) > len(held[0].items), "the held-back events are read once released"
        assert on_standby.items == on_primary.items[: len(on_standby.items)], "never past, never other"
        assert on_standby.next_cursor <= on_primary.next_cursor
        wait_until(lambda: both()[1] == on_primary, what="the standby's watermark to catch up")
    finally:
        admin.dispose()


def test_the_events_feed_is_read_on_the_primary(
    make_client: Callable[..., Api], primary: PrivateCluster, standby: Standby
) -> None:
    api = make_client("app", [standby.url("razao_app")])
    funded(api)
    caught_up(primary, standby)
    replicas_of(api).refresh()
    response = api.get("/v1/events")
    assert response.status_code == 200 and response.headers.get(SOURCE_HEADER) == "primary"
    assert reads_counted(api).get(("primary", "primary_only"), 0) >= 1


# --- units ----------------------------------------------------------------------------------------------


def test_lsn_text_round_trips() -> None:
    assert format_lsn(parse_lsn("16/B374D848")) == "16/B374D848"
    assert parse_lsn("0/10") < parse_lsn("1/0")
    for bad in ("", "16", "16/", "x/1", "1/123456789", "1/2/3"):
        with pytest.raises(ValueError):
            parse_lsn(bad)


def test_concurrent_writers_share_one_read_of_the_position() -> None:
    calls = []
    gate = threading.Event()

    def query() -> int:
        calls.append(1)
        gate.wait(1)
        return len(calls)

    flight = _SingleFlight(query)
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(flight.get())) for _ in range(20)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    gate.set()
    for thread in threads:
        thread.join()
    assert len(results) == 20
    assert len(calls) <= 2, "each caller is served by one query that began after it asked"


# --- the routing rules, over fake servers (no PostgreSQL) ---------------------------------------------


class FakeServer:
    """A primary (`lsn` is its WAL position) or a standby (`lsn` is its replay position)."""

    def __init__(self, lsn: int, *, standby: bool = True, since_commit: float | None = 0.0) -> None:
        self.lsn, self.standby, self.since_commit, self.down = lsn, standby, since_commit, False


class FakeResult:
    def __init__(self, row: tuple[Any, ...]) -> None:
        self.row = row

    def scalar_one(self) -> Any:
        return self.row[0]

    def one(self) -> tuple[Any, ...]:
        return self.row


class FakeConnection:
    def __init__(self, server: FakeServer, engine: FakeEngine) -> None:
        self.server, self.engine = server, engine

    def __enter__(self) -> FakeConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def execute(self, statement: Any, parameters: Any = None) -> FakeResult:
        sql, lsn = str(statement), format_lsn(self.server.lsn)
        if "pg_is_in_recovery" in sql:
            return FakeResult(
                (self.server.standby, lsn if self.server.standby else None, self.server.since_commit)
            )
        return FakeResult((lsn,))

    def in_transaction(self) -> bool:
        return False

    def close(self) -> None:
        pass


class FakeEngine:
    def __init__(self, server: FakeServer, name: str) -> None:
        self.server, self.name = server, name

    def execution_options(self, **options: Any) -> FakeEngine:
        return self

    def connect(self) -> FakeConnection:
        if self.server.down:
            from sqlalchemy.exc import OperationalError

            raise OperationalError("connect", {}, ConnectionRefusedError("connection refused"))
        return FakeConnection(self.server, self)

    def dispose(self) -> None:
        pass


def fake_set(
    *replicas: FakeServer, primary_at: int = 100, **options: Any
) -> tuple[ReplicaSet, FakeServer, list[tuple[str, str]]]:
    primary = FakeServer(primary_at, standby=False)
    servers = {f"postgresql://razao_app@r{i}:5432/razao": server for i, server in enumerate(replicas)}
    recorded: list[tuple[str, str]] = []
    replica_set = ReplicaSet(
        list(servers),
        FakeEngine(primary, "primary"),  # type: ignore[arg-type]
        lambda url: FakeEngine(servers[url], url),  # type: ignore[arg-type,return-value]
        record=lambda source, reason: recorded.append((source, reason)),
        **options,
    )
    replica_set._stop.set()  # no background thread: the tests refresh by hand
    replica_set.refresh()
    return replica_set, primary, recorded


def read_once(replica_set: ReplicaSet, token: str | None = None) -> str:
    """Where one read of a routed request goes: the fake server's engine name."""
    engine = RoutedEngine(replica_set, replica_set.primary)
    with replica_set.route_reads(token):
        connection: Any = engine.connect()
        name: str = connection.engine.name
        return name


def test_reads_without_a_token_take_the_healthy_replicas_in_turn() -> None:
    replica_set, _, recorded = fake_set(FakeServer(100), FakeServer(100))
    went = [read_once(replica_set) for _ in range(4)]
    assert sorted(went) == sorted(
        ["postgresql://razao_app@r0:5432/razao", "postgresql://razao_app@r1:5432/razao"] * 2
    )
    assert went[0] != went[1]
    assert recorded == [("replica", "no_token")] * 4


def test_a_replica_too_far_behind_is_skipped_and_lag_is_measured() -> None:
    replica_set, _, recorded = fake_set(FakeServer(40, since_commit=9.0), max_lag_seconds=5.0)
    (state,) = replica_set.states()
    assert (state.lag_bytes, state.lag_seconds) == (60, 9.0)
    assert read_once(replica_set) == "primary"
    assert recorded == [("primary", "no_healthy_replica")]


def test_a_replica_that_cannot_be_reached_is_marked_down_until_a_check_finds_it() -> None:
    server = FakeServer(100)
    replica_set, _, recorded = fake_set(server)
    server.down = True
    assert [read_once(replica_set) for _ in range(2)] == ["primary", "primary"]
    assert recorded == [("primary", "replica_failed"), ("primary", "no_healthy_replica")]
    server.down = False
    replica_set.refresh()
    assert read_once(replica_set) != "primary"


def test_a_token_read_waits_for_the_replay_then_falls_back_to_the_primary() -> None:
    server = FakeServer(100)
    replica_set, _, recorded = fake_set(server, primary_at=200, wait_ms=60)
    assert read_once(replica_set, format_lsn(100)) != "primary"  # known replayed: at once
    began = time.monotonic()
    assert read_once(replica_set, format_lsn(150)) == "primary"
    assert time.monotonic() - began >= 0.06
    threading.Timer(0.02, lambda: setattr(server, "lsn", 160)).start()
    assert read_once(replica_set, format_lsn(150)) != "primary"  # replayed while it waited
    assert recorded == [("replica", "caught_up"), ("primary", "wait_timeout"), ("replica", "waited")]


def test_a_promoted_replica_and_reads_outside_a_request_stay_off_the_replicas() -> None:
    replica_set, _, recorded = fake_set(FakeServer(100, standby=False))
    (state,) = replica_set.states()
    assert not state.up and state.error is not None and "not a standby" in state.error
    assert read_once(replica_set) == "primary" and recorded == [("primary", "no_healthy_replica")]
    other, _, other_recorded = fake_set(FakeServer(100))
    connection: Any = RoutedEngine(other, other.primary).connect()  # no routed request
    assert connection.engine.name == "primary" and other_recorded == [("primary", "no_request")]


def test_a_replica_that_fails_while_a_read_waits_on_it_sends_the_read_to_the_primary() -> None:
    server = FakeServer(100)
    replica_set, _, recorded = fake_set(server, primary_at=200, wait_ms=500)

    def fail_mid_wait(connection: FakeConnection, statement: Any, parameters: Any = None) -> FakeResult:
        from sqlalchemy.exc import OperationalError

        raise OperationalError("SELECT pg_last_wal_replay_lsn()", {}, ConnectionResetError("reset"))

    invalidated: list[bool] = []
    with (
        patch.object(FakeConnection, "execute", fail_mid_wait),
        patch.object(FakeConnection, "invalidate", lambda c: invalidated.append(True), create=True),
    ):
        assert read_once(replica_set, format_lsn(150)) == "primary"
    (state,) = replica_set.states()
    assert invalidated == [True] and not state.up and state.replay_lsn is None
    assert recorded == [("primary", "replica_failed")]
    assert read_once(replica_set, format_lsn(150)) == "primary"  # skipped until a check finds it back
    assert recorded[-1] == ("primary", "no_healthy_replica")


def test_the_reads_of_one_request_stay_where_the_first_went() -> None:
    replica_set, _, recorded = fake_set(FakeServer(100), FakeServer(100))
    engine = RoutedEngine(replica_set, replica_set.primary)
    with replica_set.route_reads(None):
        went = {engine.connect().engine.name for _ in range(4)}  # type: ignore[attr-defined]
    assert len(went) == 1 and went != {"primary"}, went
    assert recorded == [("replica", "no_token")] + [("replica", "same_request")] * 3


def test_a_replica_behind_whose_lag_cannot_be_told_is_skipped() -> None:
    replica_set, _, recorded = fake_set(FakeServer(40, since_commit=None))
    (state,) = replica_set.states()
    assert state.lag_seconds is None and state.lag_bytes == 60
    assert read_once(replica_set) == "primary" and recorded == [("primary", "no_healthy_replica")]


def test_reads_beyond_the_waiters_allowed_on_a_replica_go_to_the_primary_at_once() -> None:
    replica_set, _, recorded = fake_set(FakeServer(100), primary_at=200, wait_ms=50, max_waiting=1)
    assert replica_set._waiters[0].acquire(blocking=False)  # one read already waits on it
    began = time.monotonic()
    assert read_once(replica_set, format_lsn(150)) == "primary"
    assert time.monotonic() - began < 0.04 and recorded == [("primary", "replicas_busy")]
