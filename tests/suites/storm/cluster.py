"""A private PostgreSQL 15 cluster for the storm, so that restarting PostgreSQL disturbs nobody else.

`PrivateCluster.create()` runs initdb into a new temporary directory (as the `postgres` OS user when
this process is root: initdb refuses root), configures it to listen on 127.0.0.1 on a free port with
trust authentication, and starts it with pg_ctl. `restart()` is the "PostgreSQL restarted" fault;
`destroy()` stops the cluster and deletes its directory, whatever state it is in.

fsync is off: the faults injected are process crashes (PostgreSQL's own restart in immediate mode
included), after which the operating system's page cache still holds every write, so an acknowledged
commit survives them; only a crash of the machine would need fsync.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from razao.local.processes import as_postgres, free_port

BIN = Path(os.environ.get("RAZAO_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
OS_USER = "postgres"
SUPERUSER = "postgres"
APP_ROLE = "razao_app"
DATABASE = "razao"

SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "150",
    "shared_buffers": "'64MB'",
    "fsync": "off",
    "log_min_messages": "warning",
    "log_connections": "off",
    "log_line_prefix": "'%m [%p] %a '",
}


@dataclass
class PrivateCluster:
    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def url(self, user: str = SUPERUSER, database: str = DATABASE) -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"

    @property
    def admin_url(self) -> str:
        return self.url(SUPERUSER)

    @property
    def app_url(self) -> str:
        return self.url(APP_ROLE)

    @classmethod
    def create(cls) -> PrivateCluster:
        root = Path(tempfile.mkdtemp(prefix="razao-storm-pg-"))
        cluster = cls(root, free_port())
        try:
            if os.geteuid() == 0:
                owner = pwd.getpwnam(OS_USER)
                os.chown(root, owner.pw_uid, owner.pw_gid)
            cluster._run(
                [
                    str(BIN / "initdb"),
                    f"--pgdata={cluster.data}",
                    f"--username={SUPERUSER}",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                ]
            )
            settings = {**SETTINGS, "port": str(cluster.port), "unix_socket_directories": f"'{root}'"}
            with (cluster.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
                conf.write("\n# razao storm\n")
                conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
            cluster.start()
        except BaseException:
            cluster.destroy()
            raise
        return cluster

    def _run(self, command: list[str]) -> None:
        done = subprocess.run(as_postgres(command), capture_output=True, text=True, timeout=120, check=False)
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

    def start(self) -> None:
        self._pg_ctl("start")

    def restart(self, mode: str = "immediate") -> None:
        """Stop (`fast`: disconnect everyone and checkpoint; `immediate`: crash-like, recovery on start)
        and start again on the same port."""
        self._pg_ctl(f"--mode={mode}", "restart")

    def running(self) -> bool:
        done = subprocess.run(
            as_postgres([str(BIN / "pg_ctl"), f"--pgdata={self.data}", "status"]),
            capture_output=True,
            check=False,
        )
        return done.returncode == 0

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def destroy(self) -> None:
        """Stop the server if it runs, and delete everything it had."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._pg_ctl("--mode=immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
