"""A streaming hot standby of a local PostgreSQL 15 primary, for read-replica tests and benchmarks.

`Standby.create(primary_port)` copies the primary with `pg_basebackup -R -X stream` (the `-R` writes
`primary_conninfo` and `standby.signal`, so the copy starts as a streaming standby) into a new temporary
directory, gives it a free port of its own on 127.0.0.1, and starts it with pg_ctl (what it shares with
the storm's private cluster is `razao.local.server.LocalServer`). The primary must accept replication
connections from 127.0.0.1 for `user` (initdb's `--auth=trust` does). `pause_replay()` and
`resume_replay()` make it lag on demand (it keeps receiving WAL, it stops applying it); `stop()` and
`start()` take it down and back; `destroy()` stops it and deletes its directory, whatever state it is in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import LiteralString

import psycopg

from razao.local.processes import free_port
from razao.local.server import BIN, LocalServer, new_root

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
class Standby(LocalServer):
    primary_port: int = 5432
    host: str = "127.0.0.1"
    user: str = "postgres"

    def url(self, user: str = "postgres", database: str = "razao") -> str:
        return f"postgresql+psycopg://{user}@{self.host}:{self.port}/{database}"

    @classmethod
    def create(
        cls, primary_port: int, *, host: str = "127.0.0.1", user: str = "postgres", start: bool = True
    ) -> Standby:
        """A new standby of the primary at `host:primary_port`, copied as `user`, started unless told."""
        standby = cls(new_root("razao-standby-"), free_port(), primary_port, host, user)
        try:
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
            standby._configure(SETTINGS, "razao standby")
            if start:
                standby.start()
        except BaseException:
            standby.destroy()
            raise
        return standby

    def start(self) -> None:
        """Start the server and wait until it accepts read-only connections."""
        super().start()
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
