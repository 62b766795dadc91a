"""What goes wrong during the storm, and the count of each kind.

- `BackendTerminator`: a thread that, at random intervals, runs `pg_terminate_backend` on a few random
  client backends of the storm's database (the API's and the worker's connections alike);
- `Faults.kill_api`: SIGKILL one API process (each in turn, when there are several) and start a new one on
  the same port;
- `Faults.kill_worker_during_job`: start an interest accrual, SIGKILL the worker running it once the
  job is midway, start a replacement, and wait for the pool to finish the job (late acknowledgement:
  Redis redelivers the task after the visibility timeout);
- `Faults.restart_postgres`: `pg_ctl restart` of the private cluster (`fast` or `immediate`);
- `Faults.receiver_outage`: both webhook receivers answer 503 (`Retry-After: 1`) for a few seconds;
  (`webhooks.Slowdowns`, a thread, makes them slow at times: `RECEIVER_SLOW`).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, pool, text
from sqlalchemy.exc import DBAPIError

from tests.suites.storm.clients import Admin
from tests.suites.storm.cluster import DATABASE, PrivateCluster
from tests.suites.storm.processes import Process, Services, wait_for

if TYPE_CHECKING:
    from tests.suites.storm.webhooks import Subscriptions

BACKEND_TERMINATED = "backend_terminated"
API_KILLED = "api_killed"
WORKER_KILLED = "worker_killed"
POSTGRES_RESTARTED = "postgres_restarted"
RECEIVER_OUTAGE = "receiver_outage"
RECEIVER_SLOW = "receiver_slow"
KINDS = (BACKEND_TERMINATED, API_KILLED, WORKER_KILLED, POSTGRES_RESTARTED, RECEIVER_OUTAGE, RECEIVER_SLOW)

_TERMINATE = text("""
SELECT pid, pg_terminate_backend(pid) FROM (
    SELECT pid FROM pg_stat_activity
    WHERE datname = :database AND backend_type = 'client backend' AND pid <> pg_backend_pid()
    ORDER BY random() LIMIT :count
) AS victims
""")


@dataclass
class FaultLog:
    """Faults injected, by kind, with the time of each (seconds since the log began)."""

    began: float = field(default_factory=time.monotonic)
    counts: Counter[str] = field(default_factory=Counter)
    events: list[tuple[float, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, detail: str = "", count: int = 1) -> None:
        with self.lock:
            self.counts[kind] += count
            self.events.append((round(time.monotonic() - self.began, 2), kind, detail))

    def note(self, kind: str, detail: str = "") -> None:
        """An event that is not a fault (kept in `events`, not counted)."""
        with self.lock:
            self.events.append((round(time.monotonic() - self.began, 2), kind, detail))

    @property
    def total(self) -> int:
        with self.lock:
            return sum(self.counts.values())


class BackendTerminator:
    """Terminates 1 to `most` random backends of the storm database every `interval` seconds (random)."""

    def __init__(
        self, cluster: PrivateCluster, log: FaultLog, interval: tuple[float, float], most: int = 3
    ) -> None:
        self._engine = create_engine(cluster.admin_url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
        self._log = log
        self._interval = interval
        self._most = most
        self._stop = threading.Event()
        self._rng = random.Random()
        self._thread = threading.Thread(target=self._run, name="storm-terminator", daemon=True)
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._engine.dispose()
        assert not self._thread.is_alive(), "the backend terminator did not stop"
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            while not self._stop.wait(self._rng.uniform(*self._interval)):
                self._strike()
        except BaseException as error:
            self.error = error

    def _strike(self) -> None:
        count = self._rng.randint(1, self._most)
        try:
            with self._engine.connect() as conn:
                victims = conn.execute(_TERMINATE, {"database": DATABASE, "count": count}).all()
        except DBAPIError:  # PostgreSQL is restarting: nothing to terminate
            return
        killed = [str(pid) for pid, done in victims if done]
        if killed:
            self._log.add(BACKEND_TERMINATED, ",".join(killed), count=len(killed))


@dataclass
class Faults:
    """The process-level faults, each counted in `log`."""

    cluster: PrivateCluster
    services: Services
    admin: Admin
    log: FaultLog
    api: Process
    #: The worker pool: the one running the job is killed, a new one replaces it.
    workers: list[Process]
    #: The webhook endpoints' receivers (their outages).
    subscriptions: Subscriptions | None = None
    #: The interest accrual jobs started (id -> first and last day), for the checks afterwards.
    accruals: dict[str, tuple[date, date]] = field(default_factory=dict)
    #: More API processes, each on its own port; `kill_api` strikes them in turn, `api` first.
    more_apis: list[Process] = field(default_factory=list)
    api_kills: int = 0

    @property
    def apis(self) -> list[Process]:
        return [self.api, *self.more_apis]

    def kill_api(self) -> None:
        """SIGKILL one API process (the next in turn) and start it again on its port: the others go on."""
        number = self.api_kills % len(self.apis)
        self.api_kills += 1
        victim = self.apis[number]
        victim.kill()
        self.log.add(API_KILLED, f"pid {victim.popen.pid} port {victim.port}")
        again = self.services.start_api(port=victim.port)
        if number == 0:
            self.api = again
        else:
            self.more_apis[number - 1] = again

    def receiver_outage(self, seconds: float, stop: threading.Event) -> None:
        """Both receivers refuse every request (503, `Retry-After: 1`) for `seconds` (less if `stop`)."""
        assert self.subscriptions is not None, "no webhook receivers to take down"
        self.subscriptions.outage(True)
        began = time.monotonic()
        try:
            stop.wait(seconds)
        finally:
            self.subscriptions.outage(False)
        self.log.add(RECEIVER_OUTAGE, f"{time.monotonic() - began:.1f} s")

    def restart_postgres(self, mode: str) -> None:
        self.cluster.restart(mode)
        self.log.add(POSTGRES_RESTARTED, mode)

    def _job_diagnosis(self, job_id: str) -> str:
        """What a stuck job looks like: its record, and the end of every worker's log."""
        lines = [f"job: {self.admin.job(job_id)}"]
        for worker in self.workers:
            tail = "\n    ".join(worker.output().splitlines()[-25:])
            lines.append(f"worker {worker.log.name} (alive: {worker.alive()}):\n    {tail}")
        return "\n".join(lines)

    def kill_worker_during_job(self, start: date, end: date, timeout: float) -> dict[str, Any]:
        """SIGKILL the worker running an interest accrual of `start`..`end` once the job runs (midway,
        or just begun), and start a replacement; the pool must finish the job (the task is redelivered after the
        visibility timeout). Returns the finished job (its state is for the caller to check)."""
        body = {"start": start.isoformat(), "end": end.isoformat()}
        job_id = self.admin.call("POST", "/v1/jobs/interest-accrual", body)["id"]
        self.accruals[job_id] = (start, end)

        def midway_or_finished() -> dict[str, Any] | None:
            current = self.admin.job(job_id)
            progress = current["progress"]
            if current["state"] in ("succeeded", "failed"):
                return current
            # running and not done: midway at best, just begun on a loaded machine (a job that finished
            # before it was seen running would leave the storm without its worker fault)
            started = current["state"] == "running" and progress["total"]
            return current if started and progress["processed"] < progress["total"] else None

        try:
            job: dict[str, Any] = wait_for(
                midway_or_finished, timeout, f"job {job_id} to be midway", interval=0.05
            )
        except AssertionError as timed_out:
            raise AssertionError(f"{timed_out}\n{self._job_diagnosis(job_id)}") from None
        if job["state"] in ("succeeded", "failed"):  # too late to strike: the storm reports it
            self.log.note("job_finished_before_the_strike", job_id)
            return job
        running: Process = wait_for(
            lambda: next((w for w in self.workers if w.alive() and job_id in w.output()), None),
            10,
            f"the worker running job {job_id}",
        )
        running.kill()
        self.log.add(WORKER_KILLED, f"job {job_id}")
        self.workers = [w for w in self.workers if w is not running] + [self.services.spawn_worker()]
        return self.admin.finished_job(job_id, timeout)
