"""The pieces of the fast HTTP read path that need no database: the API key cache's cheap lookup, the
JSON reader of database values, the pooled connection check, and `/metrics` across worker processes."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.db.engine import _closed_by_server, _json_loads
from adapters.http.auth import ApiKeyCache
from application.api_keys import ApiKey, Scope, Unauthenticated

TOKEN = f"rz_{'a' * 32}_{'b' * 43}"
KEY = ApiKey(
    UUID("a" * 32),
    "k",
    hashlib.sha256(b"b" * 43).hexdigest(),
    frozenset({Scope.LEDGER_READ}),
    datetime(2025, 1, 1, tzinfo=UTC),
)


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_cached_answers_only_a_live_successful_lookup() -> None:
    clock = _Clock()
    cache = ApiKeyCache(10, clock)
    lookups: list[str] = []

    def authenticate_with(uow: Any) -> ApiKey:
        return cache.authenticate(TOKEN, uow)

    assert cache.cached(TOKEN) is None
    with pytest.raises(Unauthenticated):  # a failed lookup is not cached
        cache.authenticate("rz_nope", _uow_finding(KEY, []))
    assert cache.cached("rz_nope") is None

    found = _uow_finding(KEY, lookups)
    assert authenticate_with(found) is KEY and lookups == ["lookup"]
    clock.now += 9.9
    assert cache.cached(TOKEN) is KEY and authenticate_with(found) is KEY and lookups == ["lookup"]
    clock.now += 0.2
    assert cache.cached(TOKEN) is None
    assert authenticate_with(found) is KEY and lookups == ["lookup", "lookup"]


def test_nothing_is_cached_with_a_zero_ttl() -> None:
    cache = ApiKeyCache(0, _Clock())
    lookups: list[str] = []

    cache.authenticate(TOKEN, _uow_finding(KEY, lookups))

    assert cache.cached(TOKEN) is None


def _uow_finding(key: ApiKey, lookups: list[str]) -> Any:
    """A unit-of-work factory whose repository finds `key`, noting each lookup."""

    class _Keys:
        def get(self, key_id: UUID) -> ApiKey | None:
            lookups.append("lookup")
            return key if key_id == key.id else None

    class _Uow:
        api_keys = _Keys()

        def __enter__(self) -> _Uow:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

    return _Uow


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "b": [true, null, "x"], "c": {"d": -2}}',
        '{"big": 123456789012345678901234567890, "neg": -9223372036854775809}',
        '[18446744073709551616, 1.5, "1234567890123456789012"]',
        "-123456789012345678901234567890",
        '{"fingerprint": "a1234567890123456789012345b", "n": [1,\n  99999999999999999999]}',
        '"\\u00e9\\ud83d\\ude00"',
    ],
)
def test_json_values_read_from_the_database_are_exactly_what_json_reads(text: str) -> None:
    assert _json_loads(text.encode()) == json.loads(text)
    assert _json_loads(text) == json.loads(text)


class _Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.closed = False
        self.broken = False
        self._sock = sock

    def fileno(self) -> int:
        return self._sock.fileno()


def test_a_pooled_connection_with_something_to_read_was_closed_by_the_server() -> None:
    ours, server = socket.socketpair()
    with ours, server:
        connection = _Connection(ours)
        assert not _closed_by_server(connection)

        server.sendall(b"E...FATAL terminating connection due to administrator command")
        assert _closed_by_server(connection)

    connection.closed = True
    assert _closed_by_server(connection)


_WORKER = textwrap.dedent(
    """
    import sys
    from prometheus_client import CollectorRegistry
    from adapters.http.metrics import HttpMetrics, exposition

    registry = CollectorRegistry(auto_describe=False)
    metrics = HttpMetrics(registry)
    for _ in range(int(sys.argv[1])):
        metrics.observe("GET", "/v1/accounts/{account_id}", 200, 0.001)
    sys.stdout.write(exposition(registry).decode())
    """
)


def test_metrics_add_up_the_counters_of_every_worker_process(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path("src").resolve()), env.get("PYTHONPATH")]))

    outputs = [
        subprocess.run(
            [sys.executable, "-c", _WORKER, str(count)], env=env, capture_output=True, text=True, check=True
        ).stdout
        for count in (2, 3)
    ]

    families = list(text_string_to_metric_families(outputs[-1]))
    names = [family.name for family in families]
    assert len(names) == len(set(names))
    requests = next(f for f in families if f.name == "razao_http_requests")
    assert [s.value for s in requests.samples if s.name.endswith("_total")] == [5.0]
