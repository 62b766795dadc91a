"""The storm's services as real processes: the API (`razao serve`, on one port or several), Celery workers
(`razao worker`) and Celery beat (`razao beat`, which schedules the webhooks' fan-out; several beats
claim each firing in the database, so one sends it).

Each runs in its own process group (so SIGKILL reaches every child) with its output in a log file, and
its RAZAO_* environment pointing at the private cluster, a Redis database and a queue of its own.
`Services.stop_all()` kills whatever is still running; call it in a `finally`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis

RAZAO = str(Path(sys.executable).with_name("razao"))
#: A Redis database that no other test uses: the storm's workers shorten the visibility timeout, and
#: Redis keeps one index of unacknowledged tasks per database (they would redeliver others' tasks).
REDIS_URL = os.environ.get("RAZAO_TEST_STORM_REDIS_URL", "redis://127.0.0.1:6379/3")


def wait_for(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def service_env(
    *,
    database_url: str,
    admin_url: str,
    mode: str,
    queue: str,
    visibility_timeout: int,
    chunk_size: int,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of every storm process: this one's, minus any RAZAO_* setting, plus ours
    (and `extra`, more RAZAO_* settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAZAO_")}
    env.update(
        RAZAO_DATABASE_URL=database_url,
        RAZAO_ADMIN_DATABASE_URL=admin_url,
        RAZAO_EXECUTION_MODE=mode,
        RAZAO_BROKER_URL=REDIS_URL,
        RAZAO_RESULT_BACKEND="none",
        RAZAO_TASK_QUEUE=queue,
        RAZAO_BROKER_VISIBILITY_TIMEOUT=str(visibility_timeout),
        RAZAO_JOB_CHUNK_SIZE=str(chunk_size),
        RAZAO_VERIFICATION_HOUR_UTC="none",
        RAZAO_LOG_FORMAT="json",
        RAZAO_LOG_LEVEL="INFO",
    )
    env.update(extra or {})
    return env


def forget_queue(queue: str) -> None:
    """Delete what the broker keeps for `queue` (its messages and kombu's bindings)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    finally:
        client.close()


def run_cli(env: dict[str, str], *args: str) -> str:
    """Run `razao <args>` to completion and return its standard output."""
    done = subprocess.run([RAZAO, *args], env=env, capture_output=True, text=True, timeout=180, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"razao {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


def create_api_key(env: dict[str, str], name: str, *scopes: str) -> str:
    scope_args = [arg for scope in scopes for arg in ("--scope", scope)]
    out = run_cli(env, "api-key", "create", "--name", name, *scope_args)
    token: str = json.loads(out.strip().splitlines()[-1])["token"]
    return token


@dataclass
class Process:
    """One running service process and its log."""

    popen: subprocess.Popen[bytes]
    log: Path
    #: The port of an API process.
    port: int | None = None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole process group, like the OOM killer: no clean-up, no requeue."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)


@dataclass
class Services:
    """Starts the API and workers with `env`, logs under `logs`; `stop_all` kills every one started."""

    env: dict[str, str]
    logs: Path
    api_port: int
    #: The ports of more API processes (`razao serve` each), beside the one on `api_port`.
    more_api_ports: list[int] = field(default_factory=list)
    started: list[Process] = field(default_factory=list)
    #: Logs of API processes that exited during start-up (and were started again).
    crashed_starts: list[Path] = field(default_factory=list)
    _numbers: Iterator[int] = field(default_factory=itertools.count)

    @property
    def base_url(self) -> str:
        return self.url_of(self.api_port)

    @property
    def api_ports(self) -> list[int]:
        return [self.api_port, *self.more_api_ports]

    @property
    def base_urls(self) -> list[str]:
        """One URL per API process (`base_url` first)."""
        return [self.url_of(port) for port in self.api_ports]

    @staticmethod
    def url_of(port: int) -> str:
        return f"http://127.0.0.1:{port}"

    def _spawn(self, name: str, command: list[str]) -> Process:
        log = self.logs / f"{name}-{next(self._numbers)}.log"  # next() of a count is atomic
        with log.open("wb") as out:
            popen = subprocess.Popen(
                command, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        process = Process(popen, log)
        self.started.append(process)
        return process

    def start_api(self, attempts: int = 5, port: int | None = None) -> Process:
        """`razao serve` on the storm's port, or `port` (the same one after every restart), once it
        answers.

        Like a process supervisor, starts it again when it exits during start-up (it reads the
        database then, which a fault may interrupt); each such exit is kept in `crashed_starts`.
        """
        port = self.api_port if port is None else port
        for _ in range(attempts):
            api = self._spawn("api", [RAZAO, "serve", "--host", "127.0.0.1", "--port", str(port)])
            api.port = port

            def answering_or_gone(api: Process = api) -> bool:
                return self._live(api) or not api.alive()

            wait_for(answering_or_gone, 90, "the API to answer")
            if api.alive():
                return api
            self.crashed_starts.append(api.log)
        raise AssertionError(f"the API exited {attempts} times during start-up:\n{api.output()[-3000:]}")

    def _live(self, api: Process) -> bool:
        port = self.api_port if api.port is None else api.port
        try:
            return httpx.get(f"{self.url_of(port)}/health/live", timeout=2).status_code == 200 and api.alive()
        except httpx.TransportError:
            return False

    def spawn_worker(self) -> Process:
        """`razao worker` with the solo pool (one process: SIGKILL really kills the worker)."""
        command = [
            RAZAO,
            "worker",
            "--pool=solo",
            "--concurrency=1",
            f"--hostname=storm{uuid.uuid4().hex[:8]}@%h",
        ]
        return self._spawn("worker", command)

    def start_worker(self) -> Process:
        """A new worker, once it is ready to take tasks."""
        worker = self.spawn_worker()

        def ready() -> bool:
            assert worker.alive(), worker.output()
            return " ready." in worker.output()

        wait_for(ready, 90, "the worker to be ready")
        return worker

    def start_beat(self) -> Process:
        """`razao beat`, once it has started its scheduler."""
        beat = self._spawn("beat", [RAZAO, "beat"])

        def ready() -> bool:
            assert beat.alive(), beat.output()
            return "beat: Starting" in beat.output()

        wait_for(ready, 90, "beat to start")
        return beat

    def stop_all(self) -> None:
        for process in self.started:
            with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
                process.kill()
