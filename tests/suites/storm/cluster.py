"""A private PostgreSQL 15 cluster for the storm, so that restarting PostgreSQL disturbs nobody else.

`PrivateCluster.create()` runs initdb into a new temporary directory (as the `postgres` OS user when
this process is root: initdb refuses root), configures it to listen on 127.0.0.1 on a free port with
trust authentication, and starts it with pg_ctl. `restart()` is the "PostgreSQL restarted" fault;
`destroy()` stops the cluster and deletes its directory, whatever state it is in. What it shares with a
standby (a root directory, a free port, pg_ctl as the `postgres` OS user) is
`razao.local.server.LocalServer`.

fsync is off: the faults injected are process crashes (PostgreSQL's own restart in immediate mode
included), after which the operating system's page cache still holds every write, so an acknowledged
commit survives them; only a crash of the machine would need fsync.
"""

from __future__ import annotations

from dataclasses import dataclass

from razao.local.processes import free_port
from razao.local.server import BIN, LocalServer, new_root

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
class PrivateCluster(LocalServer):
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
        cluster = cls(new_root("razao-storm-pg-"), free_port())
        try:
            cluster._run(
                [
                    str(BIN / "initdb"),
                    f"--pgdata={cluster.data}",
                    f"--username={SUPERUSER}",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                ],
                timeout=120,
            )
            cluster._configure(SETTINGS, "razao storm")
            cluster.start()
        except BaseException:
            cluster.destroy()
            raise
        return cluster

    def restart(self, mode: str = "immediate") -> None:
        """Stop (`fast`: disconnect everyone and checkpoint; `immediate`: crash-like, recovery on start)
        and start again on the same port."""
        self._pg_ctl(f"--mode={mode}", "restart")
