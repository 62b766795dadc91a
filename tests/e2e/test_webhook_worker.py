"""Webhooks delivered by real processes: `razao worker` and `razao beat` on a queue of this test's own,
over a fresh database, to the real receiver on 127.0.0.1.

An event committed through the API arrives signed within a bounded wait, with no test code driving the
fan-out or the delivery; during a receiver outage the delivery is retried (a short backoff minimum,
RAZAO_WEBHOOK_BACKOFF_MIN_SECONDS=1, is the only test-specific setting of the retry policy) and arrives
once the outage ends. Every process started is stopped by its process group id at teardown.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis

from adapters.webhooks.secrets import new_key
from razao.container import Container
from tests.conftest import TestDatabase
from tests.e2e.conftest import Api, container_on
from tests.webhook_receiver import WebhookReceiver

RAZAO = str(Path(sys.executable).with_name("razao"))
REDIS_URL = os.environ.get("RAZAO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: Longest wait for one thing to happen (a delivery, a retry); the usual wait is about a second.
WAIT = 60.0


def wait_for(check: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@dataclass
class Processes:
    """`razao <command>` processes with `env`, each in its own process group, logs under `logs`."""

    env: dict[str, str]
    logs: Path
    started: list[tuple[subprocess.Popen[bytes], Path]] = field(default_factory=list)

    def start(self, name: str, *args: str, ready: str) -> Path:
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [RAZAO, *args], env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.started.append((process, log))

        def up() -> bool:
            assert process.poll() is None, log.read_text(errors="replace")
            return ready in log.read_text(errors="replace")

        wait_for(up, f"{name} to start")
        return log

    def stop_all(self) -> None:
        for process, _ in self.started:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)

    def output(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for _, log in self.started
        )


@pytest.fixture
def queue() -> Iterator[str]:
    name = f"razao-test-webhooks-{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")
    finally:
        client.close()


@pytest.fixture
def settings(database: TestDatabase, queue: str) -> dict[str, Any]:
    return {
        "execution_mode": "app",
        "broker_url": REDIS_URL,
        "result_backend": None,
        "task_queue": queue,
        "verification_hour_utc": None,
        "webhook_secret_key": new_key(),
        "webhook_allowed_hosts": "127.0.0.1",
        "webhook_timeout_seconds": 2,
        "webhook_dispatch_seconds": 0.5,
        "webhook_task_budget_seconds": 5,
        "webhook_backoff_min_seconds": 1,
        "webhook_breaker_threshold": 1000,
    }


@pytest.fixture
def container(database: TestDatabase, settings: dict[str, Any]) -> Iterator[Container]:
    with container_on(database, **settings) as container:
        yield container


@pytest.fixture
def processes(database: TestDatabase, settings: dict[str, Any], tmp_path: Path) -> Iterator[Processes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAZAO_")}
    env.update(
        {f"RAZAO_{name.upper()}": "none" if value is None else str(value) for name, value in settings.items()}
    )
    env.update(
        RAZAO_DATABASE_URL=database.app_url,
        RAZAO_ADMIN_DATABASE_URL=database.admin_url,
        RAZAO_DB_POOL_SIZE="4",
        RAZAO_LOG_FORMAT="json",
    )
    started = Processes(env, tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as started:
        yield started


def test_a_worker_and_beat_deliver_an_event_signed_and_retry_after_an_outage(
    api: Api, processes: Processes, receiver: WebhookReceiver
) -> None:
    created = api.post("/v1/webhooks", {"url": receiver.url, "event_types": ["transfer.posted"]}, as_="admin")
    assert created.status_code == 201, created.text
    hook = created.json()
    receiver.secrets = [hook["secret"]]
    processes.start(
        "worker", "worker", "--pool=solo", "--concurrency=1", "--hostname=webhooks@%h", ready="ready"
    )
    processes.start("beat", "beat", ready="Starting")
    source, wallet = api.funding_pair()

    first = api.transfer(source, wallet, 1_000)
    assert first.status_code == 201, first.text
    arrived = wait_for(lambda: list(receiver.unique().values()), "the first delivery")
    assert [r.payload["data"]["data"]["id"] for r in arrived] == [first.json()["id"]]
    assert all(r.verified for r in receiver.received)  # signed with the endpoint's secret

    receiver.outage(True)
    second = api.transfer(source, wallet, 2_000)
    assert second.status_code == 201, second.text
    wait_for(lambda: any(r.status == 503 for r in receiver.received), "an attempt during the outage")
    receiver.outage(False)
    both = wait_for(lambda: len(receiver.unique()) == 2 and receiver.unique(), "the retried delivery")

    assert [r.payload["data"]["data"]["id"] for r in both.values()] == [
        first.json()["id"],
        second.json()["id"],
    ]
    page = api.get(f"/v1/webhooks/{hook['id']}/deliveries", as_="admin").json()["items"]
    assert [d["state"] for d in page] == ["succeeded", "succeeded"], processes.output()
    retried = api.get(f"/v1/webhooks/{hook['id']}/deliveries/{page[1]['id']}", as_="admin").json()
    outcomes = [a["outcome"] for a in retried["history"]]
    assert outcomes[-1] == "delivered" and set(outcomes[:-1]) == {"retry"} and len(outcomes) >= 2
