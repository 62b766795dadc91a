"""Fixtures of the task tests: real worker processes on the real broker, over a fresh database.

(`test_job_runner.py` and `test_celery_app.py` need none of this: fakes, and an app never connected.)

Each test gets its own queue name, so tests running in parallel (pytest-xdist) never take each other's
tasks from the shared Redis or RabbitMQ. `workers.start()` runs `razao worker` (solo pool: one process,
so SIGKILL really kills the worker) with its log in a file; every process started is killed at
teardown, whatever happened.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from razao.container import Container, build_container, dispose_engines
from razao.settings import Settings
from tests.conftest import TestDatabase
from tests.e2e.conftest import Api, make_api

_HERE = Path(__file__).parent
RAZAO = str(Path(sys.executable).with_name("razao"))
REDIS_URL = os.environ.get("RAZAO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: A Redis database of its own for the test that shortens the visibility timeout: Redis keeps one index of
#: unacknowledged tasks per database, and such a worker would redeliver other tests' running tasks.
ISOLATED_REDIS_URL = os.environ.get("RAZAO_TEST_ISOLATED_REDIS_URL", "redis://127.0.0.1:6379/2")
RABBITMQ_URL = os.environ.get("RAZAO_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests here that use a database (and so a broker and worker processes) are `integration`."""
    for item in items:
        if _HERE in Path(item.path).parents and "database" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL, like the OOM killer or a lost machine: no chance to requeue anything."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@dataclass
class Workers:
    """Starts `razao worker` processes with `env`; kills them all at teardown."""

    env: dict[str, str]
    logs: Path
    started: list[Worker] = field(default_factory=list)

    def start(self, **extra_env: str) -> Worker:
        log = self.logs / f"worker-{len(self.started)}.log"
        command = [
            RAZAO,
            "worker",
            "--pool=solo",
            "--concurrency=1",
            f"--hostname=test{uuid.uuid4().hex[:8]}@%h",
        ]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                env={**self.env, **extra_env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killpg reaches every child
            )
        worker = Worker(process, log)
        self.started.append(worker)
        wait_for(lambda: "ready" in worker.output() or process.poll() is not None, 30, "the worker")
        assert process.poll() is None, worker.output()
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            worker.kill()


@pytest.fixture(params=["app"])
def execution_mode(request: pytest.FixtureRequest) -> str:
    mode: str = request.param
    return mode


@pytest.fixture
def broker_url() -> str:
    return REDIS_URL


@pytest.fixture
def settings(database: TestDatabase, broker_url: str, execution_mode: str) -> Settings:
    return Settings(
        database_url=database.app_url,
        admin_database_url=database.admin_url,
        db_pool_size=4,
        broker_url=broker_url,
        task_queue=f"razao-test-{uuid.uuid4().hex[:12]}",
        execution_mode=execution_mode,  # type: ignore[arg-type]
        job_chunk_size=10,
    )


def settings_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAZAO_")}
    for name, value in settings.model_dump().items():
        if value is not None:
            env[f"RAZAO_{name.upper()}"] = str(value)
    env["RAZAO_LOG_FORMAT"] = "json"
    return env


@pytest.fixture
def workers(settings: Settings, tmp_path: Path) -> Iterator[Workers]:
    workers = Workers(settings_env(settings), tmp_path)
    try:
        yield workers
    finally:
        workers.stop_all()


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    container = build_container(settings)
    yield container
    dispose_engines(container)


@pytest.fixture
def api(container: Container) -> Iterator[Api]:
    from adapters.http.app import create_app

    services = container.services()
    with make_api(create_app(services), services, container.admin_uow) as client:
        yield client


def wait_for_job(api: Api, job_id: str, timeout: float = 60) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        body: dict[str, Any] = api.get(f"/v1/jobs/{job_id}", as_="admin").json()
        return body if body["state"] in ("succeeded", "failed") else None

    job: dict[str, Any] = wait_for(finished, timeout, f"job {job_id}", interval=0.2)
    return job
