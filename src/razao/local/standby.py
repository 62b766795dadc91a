"""A streaming hot standby of a local PostgreSQL 15 primary, for read-replica tests and benchmarks.

`Standby.create(primary_port)` copies the primary with `pg_basebackup -R -X stream` (the `-R` writes
`primary_conninfo` and `standby.signal`, so the copy starts as a streaming standby) into a new temporary
directory, gives it a free port of its own on 127.0.0.1, and starts it with pg_ctl. As root, every
PostgreSQL program runs as the `postgres` OS user (PostgreSQL refuses root), as the storm's private
cluster does (tests/suites/storm/cluster.py). The primary must accept replication connections from
127.0.0.1 for `user` (initdb's `--auth=trust` does).

The server is stopped through pg_ctl, which signals the PID this standby's own data directory records
in `postmaster.pid`. That file outlives a crashed or SIGKILLed server, and its PID may since have gone to
another process (another cluster's backend, say), which pg_ctl would signal all the same: so pg_ctl is
asked to stop the server only when that PID is checked to be this data directory's postmaster
(`razao.local.processes.postmaster`); a stale file is removed instead (PostgreSQL would also refuse to
start over a stale file whose PID is alive). `pause_replay()` / `resume_replay()` make it lag on demand
(it keeps receiving WAL, it stops applying it); `stop()` and `start()` take it down and back;
`destroy()` stops it and deletes its directory, whatever state it is in.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import LiteralString

import psycopg

from razao.local.processes import as_postgres, free_port, postmaster

BIN = Path(os.environ.get("RAZAO_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
OS_USER = "postgres"

#: The standby's own settings, appended after the primary's copied `postgresql.conf` (the last wins).
#: `hot_standby_feedback`: the primary keeps the rows a standby's running read still needs, so vacuum
#: on the primary does not cancel reads on the standby.
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "hot_standby": "on",
    "hot_standby_feedback": "on",
    "wal_receiver_status_interval": "1s",
    "log_min_messages": "warning",
    "log_connections": "off",
}


@dataclass
class Standby:
    root: Path
    port: int
    primary_port: int
    host: str = "127.0.0.1"
    user: str = "postgres"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def url(self, user: str = "postgres", database: str = "razao") -> str:
        return f"postgresql+psycopg://{user}@{self.host}:{self.port}/{database}"

    @classmethod
    def create(
        cls, primary_port: int, *, host: str = "127.0.0.1", user: str = "postgres", start: bool = True
    ) -> Standby:
        """A new standby of the primary at `host:primary_port`, copied as `user`, started unless told."""
        root = Path(tempfile.mkdtemp(prefix="razao-standby-"))
        standby = cls(root, free_port(), primary_port, host, user)
        try:
            if os.geteuid() == 0:
                owner = pwd.getpwnam(OS_USER)
                os.chown(root, owner.pw_uid, owner.pw_gid)
            standby._run(
                [
                    str(BIN / "pg_basebackup"),
                    "-R",
                    "-D",
                    str(standby.data),
                    "-h",
                    host,
                    "-p",
                    str(primary_port),
                    "-U",
                    user,
                    "-X",
                    "stream",
                    "--checkpoint=fast",
                    "--no-sync",
                ]
            )
            settings = {**SETTINGS, "port": str(standby.port), "unix_socket_directories": f"'{root}'"}
            with (standby.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
                conf.write("\n# razao standby\n")
                conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
            if start:
                standby.start()
        except BaseException:
            standby.destroy()
            raise
        return standby

    def _run(self, command: list[str]) -> None:
        done = subprocess.run(as_postgres(command), capture_output=True, text=True, timeout=180, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")

    def _pg_ctl(self, *args: str) -> None:
        self._run(
            [
                str(BIN / "pg_ctl"),
                f"--pgdata={self.data}",
                f"--log={self.log}",
                "--wait",
                "--timeout=60",
                *args,
            ]
        )

    @property
    def pid(self) -> int | None:
        """The postmaster's PID from this data directory's `postmaster.pid`, if that process is this
        data directory's postmaster (None: not running)."""
        process = postmaster(self.data)
        return None if process is None else process.pid

    def _forget_stale_pid_file(self) -> None:
        """Remove `postmaster.pid` when no postmaster of this data directory has its PID (see the
        module's docstring)."""
        if postmaster(self.data) is None:
            (self.data / "postmaster.pid").unlink(missing_ok=True)

    def start(self) -> None:
        """Start the server and wait until it accepts read-only connections."""
        self._forget_stale_pid_file()
        self._pg_ctl("start")
        deadline = time.monotonic() + 60
        while True:
            try:
                with psycopg.connect(self._dsn(), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (its data stays: `start()` brings it back, and it catches up)."""
        if self.pid is not None:
            self._pg_ctl(f"--mode={mode}", "stop")
        else:
            self._forget_stale_pid_file()

    def running(self) -> bool:
        done = subprocess.run(
            as_postgres([str(BIN / "pg_ctl"), f"--pgdata={self.data}", "status"]),
            capture_output=True,
            check=False,
        )
        return done.returncode == 0

    def _dsn(self, database: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={database}"

    def _sql(self, statement: LiteralString, *params: object) -> object:
        with psycopg.connect(self._dsn(), autocommit=True, connect_timeout=5) as conn:
            row = conn.execute(statement, params or None).fetchone()
            return row[0] if row else None

    def pause_replay(self) -> None:
        """Stop applying WAL (it is still received): the standby lags from now on."""
        self._sql("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self._sql("SELECT pg_wal_replay_resume()")

    def replay_lsn(self) -> str:
        return str(self._sql("SELECT pg_last_wal_replay_lsn()"))

    def wait_replayed(self, lsn: str, timeout: float = 30.0) -> None:
        """Wait until the standby replayed the primary's WAL through `lsn` (`pg_lsn` text)."""
        deadline = time.monotonic() + timeout
        while not self._sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", lsn):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the standby on port {self.port} did not replay {lsn} in {timeout} s")
            time.sleep(0.02)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def destroy(self) -> None:
        """Stop the server if it runs, and delete everything it had."""
        try:
            if self.pid is not None:
                self._pg_ctl("--mode=immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
