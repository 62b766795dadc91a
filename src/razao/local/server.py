"""A PostgreSQL 15 server in a directory of its own, for tests, benchmarks and the local stack.

`LocalServer` is what a throwaway cluster (the storm's `PrivateCluster`) and a streaming standby
(`razao.local.standby`) share: a temporary root holding the data directory and the server's log, a free
port on 127.0.0.1, the PostgreSQL programs run as the `postgres` OS user when this process is root
(`as_postgres`: PostgreSQL refuses root), settings appended to its `postgresql.conf`, and pg_ctl to start
and stop it. Each subclass makes its data directory its own way (initdb, pg_basebackup).

pg_ctl signals whatever PID the data directory's `postmaster.pid` names. That file outlives a crashed or
SIGKILLed server, and its PID may since belong to another process (another cluster's backend, say): so
pg_ctl is asked to stop the server only when that PID is checked to be this data directory's postmaster
(`razao.local.processes.postmaster`); a stale file is removed instead (PostgreSQL would also refuse to
start over a stale file whose PID is alive).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from razao.local.processes import POSTGRES_OS_USER, as_postgres, postmaster

BIN = Path(os.environ.get("RAZAO_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def new_root(prefix: str) -> Path:
    """A new temporary directory for a server, owned by PostgreSQL's OS user when this process is root."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        owner = pwd.getpwnam(POSTGRES_OS_USER)
        os.chown(root, owner.pw_uid, owner.pw_gid)
    return root


@dataclass
class LocalServer:
    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def _run(self, command: list[str], timeout: float = 180) -> None:
        done = subprocess.run(
            as_postgres(command), capture_output=True, text=True, timeout=timeout, check=False
        )
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

    def _configure(self, settings: Mapping[str, str], marker: str) -> None:
        """Append `settings` (and this server's port and socket directory) to its `postgresql.conf`."""
        lines = {**settings, "port": str(self.port), "unix_socket_directories": f"'{self.root}'"}
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"\n# {marker}\n")
            conf.writelines(f"{name} = {value}\n" for name, value in lines.items())

    @property
    def pid(self) -> int | None:
        """The postmaster's PID, if `postmaster.pid` names this data directory's running postmaster."""
        process = postmaster(self.data)
        return None if process is None else process.pid

    def _forget_stale_pid_file(self) -> None:
        if postmaster(self.data) is None:
            (self.data / "postmaster.pid").unlink(missing_ok=True)

    def start(self) -> None:
        self._forget_stale_pid_file()
        self._pg_ctl("start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (its data stays: `start()` brings it back)."""
        if self.pid is not None:
            self._pg_ctl(f"--mode={mode}", "stop")
        else:
            self._forget_stale_pid_file()

    def running(self) -> bool:
        return self.pid is not None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def destroy(self) -> None:
        """Stop the server if it runs, and delete everything it had."""
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
