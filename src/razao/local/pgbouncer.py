"""A PgBouncer in transaction pooling mode in front of one PostgreSQL, run as a child process.

`PgBouncer.start(directory, host, port)` writes `pgbouncer.ini` and `userlist.txt` into `directory`,
starts Debian's `/usr/sbin/pgbouncer` in the foreground (a `Popen` in its own session, so a Ctrl-C in
the terminal does not reach it and `stop()` ends exactly the process it started), waits until its admin
console answers and returns. Every database of the backend is served (`* = host=... port=...`), under
the name the client asks for.

Configuration, and why:
- `pool_mode = transaction`: the deployment this models (docs/pooling.md); a server connection is lent
  to a client for one transaction only, so nothing a session sets may be relied on.
- `auth_type = trust` with a user list: the local clusters trust 127.0.0.1, so PgBouncer need not check
  passwords either, but `trust` still refuses users missing from `auth_file`, which keeps the pooler to
  the known roles. (`any` would log every client in as the one user fixed per database entry, which a
  wildcard entry cannot have without losing the difference between `razao_app` and the superuser.)
- `server_reset_query =` (empty): transaction mode never runs it, and saying so keeps a later switch to
  session mode from silently adding a `DISCARD ALL` per checkout.
- `ignore_startup_parameters = extra_float_digits`: what drivers (pgbench, JDBC) send. NOT `options`:
  PgBouncer 1.18 would then accept and silently drop `-c` settings; refused, a client that still sends
  them fails at once (the app sends none with `RAZAO_DB_TRANSACTION_POOLER=true`).
- `default_pool_size = pool_size` server connections per (database, user); `max_client_conn` clients.

PgBouncer refuses to run as root; as root it is started with `-u postgres` (it reads its files first,
then drops privileges), so `directory` may be private to root.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg

from razao.local.processes import free_port

BINARY = Path(os.environ.get("RAZAO_PGBOUNCER", "/usr/sbin/pgbouncer"))
#: The roles PgBouncer lets in (`auth_type = trust` still requires a user to be listed).
USERS = ("postgres", "razao_app")
ADMIN_USER = "postgres"
HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class BouncerStats:
    """One reading of the admin console: `SHOW POOLS` and `SHOW STATS` rows, as dictionaries."""

    pools: list[dict[str, Any]]
    stats: list[dict[str, Any]]

    def _pools(self, database: str, user: str | None) -> list[dict[str, Any]]:
        return [p for p in self.pools if p["database"] == database and (user is None or p["user"] == user)]

    def clients(self, database: str, user: str | None = None) -> int:
        """Client connections logged in to `database` (active or waiting)."""
        return sum(int(p["cl_active"]) + int(p["cl_waiting"]) for p in self._pools(database, user))

    def servers(self, database: str, user: str | None = None) -> int:
        """Server connections PgBouncer holds to `database` right now, in any state."""
        states = ("sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login")
        return sum(int(p[state]) for p in self._pools(database, user) for state in states)

    def transactions(self, database: str) -> int:
        """Transactions PgBouncer has carried for `database` since it started."""
        return sum(int(s["total_xact_count"]) for s in self.stats if s["database"] == database)


@dataclass
class PgBouncer:
    """A running PgBouncer; `stop()` (or leaving the `with` block) ends it."""

    directory: Path
    backend_host: str
    backend_port: int
    port: int
    process: subprocess.Popen[bytes] = field(repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def log(self) -> Path:
        return self.directory / "pgbouncer.log"

    @classmethod
    def start(
        cls,
        directory: Path,
        backend_host: str,
        backend_port: int,
        *,
        port: int | None = None,
        pool_size: int = 20,
        max_client_conn: int = 500,
        users: Iterable[str] = USERS,
        timeout: float = 15.0,
    ) -> PgBouncer:
        """Write the configuration into `directory` (created if missing), start PgBouncer on `port` (a
        free one if None) and wait until it accepts connections."""
        directory.mkdir(parents=True, exist_ok=True)
        names = tuple(users)
        attempts = 1 if port is not None else 5
        for attempt in range(1, attempts + 1):
            chosen = port if port is not None else free_port()
            _write_config(directory, backend_host, backend_port, chosen, pool_size, max_client_conn, names)
            bouncer = cls(directory, backend_host, backend_port, chosen, _spawn(directory))
            try:
                bouncer._wait_ready(timeout)
                return bouncer
            except _PortTaken:
                bouncer.stop()
                if attempt == attempts:
                    raise
            except BaseException:
                bouncer.stop()
                raise
        raise AssertionError("unreachable")

    def url(self, user: str, database: str) -> str:
        """A SQLAlchemy URL (psycopg 3) for `user` on `database` through this PgBouncer."""
        return f"postgresql+psycopg://{user}@{HOST}:{self.port}/{database}"

    def dsn(self, user: str, database: str) -> str:
        """The same as a libpq connection string (psql, pgbench, psycopg)."""
        return f"host={HOST} port={self.port} user={user} dbname={database}"

    def admin(self, command: str) -> list[dict[str, Any]]:
        """The rows of one admin console command (`SHOW POOLS`, `RELOAD`, ...). The console speaks the
        simple query protocol only: hence a client-side-binding cursor."""
        with (
            psycopg.connect(
                self.dsn(ADMIN_USER, "pgbouncer"),
                autocommit=True,
                connect_timeout=5,
                cursor_factory=psycopg.ClientCursor,
            ) as conn,
            conn.cursor() as cur,
        ):
            cur.execute(command.encode())
            if cur.description is None:
                return []
            columns = [c.name for c in cur.description]
            return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]

    def stats(self) -> BouncerStats:
        """`SHOW POOLS` and `SHOW STATS` now: how many clients and server connections each pool has,
        and how many transactions it carried (the proof that pooling happened)."""
        return BouncerStats(pools=self.admin("SHOW POOLS"), stats=self.admin("SHOW STATS"))

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """End the process this object started (SIGTERM: PgBouncer's immediate shutdown, then SIGKILL
        if it lingers). Safe to call twice."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)

    def __enter__(self) -> PgBouncer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                text = self.log.read_text(errors="replace") if self.log.exists() else ""
                if "Address already in use" in text:
                    raise _PortTaken(text)
                raise RuntimeError(f"pgbouncer exited ({self.process.returncode}):\n{text}")
            try:
                self.admin("SHOW VERSION")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


class _PortTaken(RuntimeError):
    """Another process took the port between choosing it and PgBouncer binding it."""


def _write_config(
    directory: Path,
    backend_host: str,
    backend_port: int,
    port: int,
    pool_size: int,
    max_client_conn: int,
    users: tuple[str, ...],
) -> None:
    userlist = directory / "userlist.txt"
    userlist.write_text("".join(f'"{user}" ""\n' for user in users), encoding="utf-8")
    settings = {
        "listen_addr": HOST,
        "listen_port": str(port),
        "unix_socket_dir": "",
        "pidfile": "",
        "logfile": "",
        "auth_type": "trust",
        "auth_file": str(userlist),
        "admin_users": ADMIN_USER,
        "stats_users": ADMIN_USER,
        "pool_mode": "transaction",
        "server_reset_query": "",
        "ignore_startup_parameters": "extra_float_digits",
        "default_pool_size": str(pool_size),
        "min_pool_size": "0",
        "reserve_pool_size": "0",
        "max_client_conn": str(max_client_conn),
        "query_wait_timeout": "30",
        "log_connections": "0",
        "log_disconnections": "0",
    }
    lines = [
        "; written by razao.local.pgbouncer",
        "[databases]",
        f"* = host={backend_host} port={backend_port}",
        "",
        "[pgbouncer]",
        *(f"{name} = {value}" for name, value in settings.items()),
        "",
    ]
    (directory / "pgbouncer.ini").write_text("\n".join(lines), encoding="utf-8")


def _spawn(directory: Path) -> subprocess.Popen[bytes]:
    command = [str(BINARY)]
    if os.geteuid() == 0:
        command += ["-u", "postgres"]  # PgBouncer refuses root; it reads its files before switching
    command.append(str(directory / "pgbouncer.ini"))
    with (directory / "pgbouncer.log").open("ab") as log:  # not daemonized, PgBouncer logs to stderr
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
        )
