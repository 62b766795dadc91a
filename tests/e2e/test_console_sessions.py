"""The console's session store: the same checks on PostgreSQL's (`adapters.db.console_sessions`) and on
an in-memory fake, so they cannot drift apart; and the sessions, CSRF tokens and sign-in throttle."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine

from adapters.db.console_sessions import SqlSessionStore
from adapters.http.console import csrf
from adapters.http.console.session import SessionRow, Sessions, SignInThrottle, token_hash
from application.api_keys import ApiKey, Scope, create_api_key, revoke_api_key
from razao.container import Container
from tests.e2e.conftest import container_on

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


class MemorySessionStore:
    """The in-memory fake of `SessionStore`: sessions by hash, joined with the keys it is told about."""

    def __init__(self, keys: Callable[[UUID], ApiKey | None]) -> None:
        self._keys = keys
        self._rows: dict[str, tuple[UUID, datetime, datetime]] = {}

    def add(self, token_hash: str, key_id: UUID, created_at: datetime, expires_at: datetime) -> None:
        self._rows[token_hash] = (key_id, created_at, expires_at)

    def get(self, token_hash: str, now: datetime) -> SessionRow | None:
        found = self._rows.get(token_hash)
        key = None if found is None else self._keys(found[0])
        if found is None or key is None or key.revoked_at is not None or found[2] <= now:
            return None
        scopes: Sequence[str] = sorted(s.value for s in key.scopes)
        return key.id, key.name, scopes, found[1], found[2]

    def delete(self, token_hash: str) -> None:
        self._rows.pop(token_hash, None)

    def prune(self, now: datetime) -> int:
        expired = [h for h, row in self._rows.items() if row[2] <= now]
        for h in expired:
            del self._rows[h]
        return len(expired)


class Clock:
    def now(self) -> datetime:
        return NOW


class Ids:
    def new_id(self) -> UUID:
        import uuid

        return uuid.uuid4()


@pytest.fixture
def container(database: Any) -> Any:
    with container_on(database, execution_mode="app") as container:
        yield container


@pytest.fixture(params=["sql", "memory"])
def store(request: pytest.FixtureRequest, container: Container, app_engine: Engine) -> Any:
    if request.param == "sql":
        return SqlSessionStore(app_engine)

    def key_of(key_id: UUID) -> ApiKey | None:
        with container.admin_uow() as uow:
            return uow.api_keys.get(key_id)

    return MemorySessionStore(key_of)


def _key(container: Container, scopes: list[str]) -> ApiKey:
    key, _ = create_api_key("operator", scopes, container.admin_uow(), Clock(), Ids())
    return key


def test_a_session_is_found_by_its_token_until_it_expires(store: Any, container: Container) -> None:
    key = _key(container, ["ledger:write"])
    sessions = Sessions(store, minutes=30)
    token, expires_at = sessions.open(key, NOW)

    found = sessions.find(token, NOW + timedelta(minutes=29))
    assert found is not None and found.key_id == key.id and found.key_name == "operator"
    assert found.expires_at == expires_at == NOW + timedelta(minutes=30)
    assert found.allows(Scope.LEDGER_WRITE) and not found.allows(Scope.ADMIN)
    assert sessions.find(token, NOW + timedelta(minutes=30)) is None
    assert sessions.find(token + "x", NOW) is None and sessions.find(None, NOW) is None


def test_ending_a_session_deletes_it_and_pruning_deletes_expired_ones(
    store: Any, container: Container
) -> None:
    key = _key(container, ["ledger:read"])
    sessions = Sessions(store, minutes=30)
    ended, _ = sessions.open(key, NOW)
    old, _ = sessions.open(key, NOW - timedelta(hours=1))

    sessions.end(ended)

    assert sessions.find(ended, NOW) is None
    assert store.prune(NOW) == 1 and store.get(token_hash(old), NOW - timedelta(minutes=45)) is None


def test_a_revoked_key_has_no_session(store: Any, container: Container) -> None:
    key = _key(container, ["admin"])
    sessions = Sessions(store, minutes=30)
    token, _ = sessions.open(key, NOW)
    revoke_api_key(key.id, container.admin_uow(), Clock())

    assert sessions.find(token, NOW) is None


def test_csrf_tokens_are_bound_to_their_secret() -> None:
    assert csrf.valid("session-a", csrf.token_for("session-a"))
    assert not csrf.valid("session-b", csrf.token_for("session-a"))
    assert not csrf.valid("session-a", csrf.token_for("session-a", "sign-in"))
    assert not csrf.valid(None, "x") and not csrf.valid("session-a", None)


def test_sign_in_throttle_counts_failures_per_address_in_a_window() -> None:
    now = [0.0]
    throttle = SignInThrottle(limit=2, window=60, clock=lambda: now[0])
    throttle.failed("10.0.0.1")
    throttle.failed("10.0.0.1")
    assert throttle.blocked("10.0.0.1") and not throttle.blocked("10.0.0.2")
    now[0] = 61.0
    assert not throttle.blocked("10.0.0.1")


def test_many_addresses_evict_the_oldest_not_the_whole_table() -> None:
    now = [0.0]
    throttle = SignInThrottle(limit=2, window=60, clock=lambda: now[0])
    for n in range(10_001):
        throttle.failed(f"fd00::{n:x}")  # rotating addresses
    now[0] = 100.0
    throttle.failed("192.0.2.9")
    throttle.failed("192.0.2.9")
    throttle.failed("192.0.2.10")  # past 10,000 addresses: the oldest go, not the recent ones

    assert throttle.blocked("192.0.2.9")


def test_the_throttle_remembers_at_most_its_number_of_addresses() -> None:
    throttle = SignInThrottle(limit=1, window=60, clock=lambda: 0.0, addresses=2)
    for address in ("a", "b", "a", "c"):
        throttle.failed(address)

    assert throttle.blocked("a") and throttle.blocked("c") and not throttle.blocked("b")


def test_the_latest_jobs_are_read_newest_first_by_the_job_adapter(
    container: Container, app_engine: Engine
) -> None:
    from adapters.db.jobs import SqlRecentJobs
    from application.jobs import create_job

    class Later:
        def __init__(self) -> None:
            self.at = NOW

        def now(self) -> datetime:
            self.at += timedelta(seconds=1)
            return self.at

    clock = Later()
    made = [create_job("ledger-verification", {}, None, container.uow(), clock, Ids()) for _ in range(3)]

    latest = SqlRecentJobs(app_engine).latest(2)

    assert [job.id for job in latest] == [made[2].id, made[1].id]
