"""A pg_auto_failover formation on this machine: a monitor, a primary and a synchronous secondary.

`Formation.create(directory)` runs Debian's `pg_autoctl` (pg_auto_failover 2.0) three times, each as a
background process in its own session (its own process group: a signal to it reaches nobody else), with
everything it writes under `directory` (data directories, pg_autoctl's configuration and state files via
XDG_CONFIG_HOME / XDG_DATA_HOME, logs): a monitor, then one node that becomes the primary, then a second
node that pg_autoctl clones (pg_basebackup) into a hot standby. All on free ports of 127.0.0.1, trust
authentication, no SSL. pg_autoctl and PostgreSQL refuse to run as root: as root they run as the
`postgres` OS user (and `directory` is given to that user).

Why each choice:
- The data directories are made by `initdb` here, before pg_autoctl sees them, with a small
  `postgresql.auto.conf` (shared_buffers 128MB, max_connections 200): pg_autoctl would otherwise size
  shared_buffers from the machine's memory (a quarter of it, per node), and `ALTER SYSTEM` settings win
  over its include file. The standby's base backup copies them.
- While the standby clones the primary, `CHECKPOINT` runs on the primary every few seconds:
  pg_basebackup starts with a *spread* checkpoint (up to 4.5 minutes on an idle server); a requested
  immediate checkpoint finishes the spread one at once, so the clone takes seconds.
- The monitor's health checks are made fast (`MONITOR_SETTINGS`): a check every second with a one
  second connect timeout and one retry, a node unhealthy after 2 s without a report, and the primary
  given 3 s (not 30) to drain before the standby is promoted. With synchronous replication this costs
  no acknowledged write: a primary that was only cut off, not dead, cannot acknowledge a commit without
  its standby, and the standby stops replicating before it is promoted; its keeper demotes it after
  `network_partition_timeout` (20 s). What it costs is false alarms on a loaded network, so production
  monitors keep slower settings (docs/failover.md).
- Readiness is read from the monitor (`pgautofailover.current_state`, what `pg_autoctl show state`
  prints): primary and secondary, each in its assigned state, and the primary's
  `synchronous_standby_names` non-empty (pg_auto_failover sets `ANY 1 (pgautofailover_standby_N)`).

`kill_primary()` is the fault: SIGKILL to the primary's keeper process group AND to its postmaster (read
from `postmaster.pid`), so nothing is left to demote it cleanly. Every process is signalled only once
its identity is checked (`razao.local.processes`): a keeper by the start time recorded when it was
spawned, a postmaster by its data directory; a PID that has since gone to another process (a
`postmaster.pid` left behind by a SIGKILL, a state file of a stack that died) is treated as gone.
`restart(node)` runs `pg_autoctl run` for a node again: a former primary rejoins as a standby (pg_rewind
if needed). `destroy()` stops every keeper this formation started (SIGINT: pg_autoctl's fast stop, then
SIGKILL), kills any postmaster left, and deletes the directory. A formation can be described as a
dictionary (`describe`: ports, PIDs and their start times) and found again from it (`from_description`),
so that another process (`python -m razao.local down`) can stop it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, LiteralString

import psycopg

from razao.local.processes import ProcessId, free_port, postmaster, same_process, signal_if_same

PG_BIN = Path(os.environ.get("RAZAO_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_AUTOCTL = os.environ.get("RAZAO_PG_AUTOCTL", "/usr/bin/pg_autoctl")
OS_USER = "postgres"
SUPERUSER = "postgres"
HOST = "127.0.0.1"
FORMATION = "default"
MONITOR_DATABASE = "pg_auto_failover"

#: The monitor's health checks, for fast detection (see the module's docstring for the trade-off).
MONITOR_SETTINGS: dict[str, int] = {
    "pgautofailover.health_check_period": 1000,
    "pgautofailover.health_check_timeout": 1000,
    "pgautofailover.health_check_max_retries": 1,
    "pgautofailover.health_check_retry_delay": 500,
    "pgautofailover.node_considered_unhealthy_timeout": 2000,
    "pgautofailover.primary_demote_timeout": 3000,
}
#: Written to every node's (and the monitor's) postgresql.auto.conf before pg_autoctl runs.
NODE_SETTINGS: dict[str, str] = {
    "shared_buffers": "'128MB'",
    "max_connections": "200",
    "log_min_messages": "warning",
}


def _owner() -> tuple[int, int] | None:
    """The uid and gid to run pg_autoctl as (None: as this process's user, which is not root)."""
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam(OS_USER)
    return entry.pw_uid, entry.pw_gid


def _wait_gone(processes: list[ProcessId], timeout: float, reap: Callable[[], None]) -> bool:
    """Whether every one of `processes` has ended within `timeout` seconds (`reap` collects the exit
    status of our own children: an unreaped child is a zombie that pg_autoctl's pid file check sees
    alive)."""
    deadline = time.monotonic() + timeout
    while True:
        reap()
        if not any(same_process(process) for process in processes):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def wait_until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.2) -> Any:
    """`check()`'s first truthy value, polling; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if value := check():
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@dataclass
class Node:
    """One PostgreSQL node of the formation, and the pg_autoctl keeper that runs it."""

    name: str
    port: int
    pgdata: Path
    #: The keeper's PID (leader of its own process group), None when not running.
    keeper_pid: int | None = None
    #: The keeper's start time (clock ticks since boot), taken when it was spawned: its identity.
    keeper_started: int | None = None

    @property
    def keeper(self) -> ProcessId | None:
        return None if self.keeper_pid is None else ProcessId(self.keeper_pid, self.keeper_started)

    @keeper.setter
    def keeper(self, process: ProcessId | None) -> None:
        self.keeper_pid = None if process is None else process.pid
        self.keeper_started = None if process is None else process.started

    def postmaster(self) -> ProcessId | None:
        """The postmaster running this node's data directory now (None: none, or `postmaster.pid` is
        stale: its PID is gone or belongs to another process)."""
        return postmaster(self.pgdata)

    def postmaster_pid(self) -> int | None:
        """The PID in `postmaster.pid`, if that process is still this node's postmaster."""
        process = self.postmaster()
        return None if process is None else process.pid

    def dsn(self, user: str = SUPERUSER, database: str = "postgres") -> str:
        return f"host={HOST} port={self.port} user={user} dbname={database} connect_timeout=2"


@dataclass
class Formation:
    """A running formation (see the module's docstring); `destroy()` ends it."""

    root: Path
    monitor_port: int
    nodes: list[Node]
    database: str = "razao"
    monitor_pid: int | None = None
    #: The monitor keeper's start time (clock ticks since boot): its identity, with `monitor_pid`.
    monitor_started: int | None = None
    #: Processes this object started, to reap them (a killed child must not stay a zombie).
    _children: list[subprocess.Popen[bytes]] = field(default_factory=list, repr=False)

    # --- creating ---------------------------------------------------------------------------------

    @classmethod
    def create(cls, root: Path, *, database: str = "razao", timeout: float = 240.0) -> Formation:
        """Start a monitor, a primary and a secondary under `root` (created; must not hold another
        formation) and return once the secondary is synchronous."""
        root.mkdir(parents=True, exist_ok=True)
        (root / "run").mkdir(mode=0o700, exist_ok=True)  # pg_autoctl's pid files (XDG_RUNTIME_DIR)
        owner = _owner()
        if owner is not None:
            os.chown(root, *owner)
            os.chown(root / "run", *owner)
        ports: set[int] = set()
        for _ in range(3):
            ports.add(free_port(ports))
        monitor_port, *node_ports = sorted(ports)
        nodes = [Node(f"node{i + 1}", port, root / f"node{i + 1}") for i, port in enumerate(node_ports)]
        formation = cls(root, monitor_port, nodes, database)
        try:
            formation._start_monitor(timeout)
            first, second = nodes
            formation._initdb(first.pgdata)
            formation._start_node(first, create=True)
            formation._wait_states({first.name: ("single", "wait_primary")}, timeout)
            formation._start_node(second, create=True)
            formation.wait_until_stable(timeout, checkpoint=True)
        except BaseException:
            formation.destroy()
            raise
        return formation

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "XDG_"))}
        env.update(
            XDG_CONFIG_HOME=str(self.root / "config"),
            XDG_DATA_HOME=str(self.root / "share"),
            XDG_RUNTIME_DIR=str(self.root / "run"),
            HOME=str(self.root),
            PGHOST=HOST,
        )
        return env

    @property
    def monitor(self) -> ProcessId | None:
        return None if self.monitor_pid is None else ProcessId(self.monitor_pid, self.monitor_started)

    @monitor.setter
    def monitor(self, process: ProcessId | None) -> None:
        self.monitor_pid = None if process is None else process.pid
        self.monitor_started = None if process is None else process.started

    def _spawn(self, name: str, command: list[str]) -> ProcessId:
        owner = _owner()
        log = self.root / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(
                command,
                env=self._env(),
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=owner[0] if owner else None,
                group=owner[1] if owner else None,
                extra_groups=[] if owner else None,
            )
        self._children.append(popen)
        return ProcessId.of(popen.pid)  # our unreaped child: the PID is still its own

    def _run(self, command: list[str]) -> None:
        owner = _owner()
        done = subprocess.run(
            command,
            env=self._env(),
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            user=owner[0] if owner else None,
            group=owner[1] if owner else None,
            extra_groups=[] if owner else None,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")

    def _initdb(self, pgdata: Path) -> None:
        self._run(
            [
                str(PG_BIN / "initdb"),
                f"--pgdata={pgdata}",
                f"--username={SUPERUSER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        with (pgdata / "postgresql.auto.conf").open("a", encoding="utf-8") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in NODE_SETTINGS.items())

    def _common(self) -> list[str]:
        return ["--auth", "trust", "--no-ssl", "--pgctl", str(PG_BIN / "pg_ctl"), "--hostname", HOST]

    @property
    def monitor_pgdata(self) -> Path:
        return self.root / "monitor"

    @property
    def monitor_uri(self) -> str:
        return f"postgres://autoctl_node@{HOST}:{self.monitor_port}/{MONITOR_DATABASE}?sslmode=disable"

    def _monitor_dsn(self) -> str:
        return f"host={HOST} port={self.monitor_port} user={SUPERUSER} dbname={MONITOR_DATABASE} connect_timeout=2"

    def _start_monitor(self, timeout: float) -> None:
        self._initdb(self.monitor_pgdata)
        pgdata = str(self.monitor_pgdata)
        self._run(
            [
                PG_AUTOCTL,
                "create",
                "monitor",
                "--pgdata",
                pgdata,
                "--pgport",
                str(self.monitor_port),
                *self._common(),
            ]
        )
        # pg_autoctl makes the monitor listen on every address ('*'): keep it to 127.0.0.1
        self._run([PG_AUTOCTL, "config", "set", "--pgdata", pgdata, "postgresql.listen_addresses", HOST])
        self.monitor = self._spawn("monitor", [PG_AUTOCTL, "run", "--pgdata", pgdata])

        def ready() -> bool:
            if not same_process(self.monitor):
                raise RuntimeError(f"the monitor exited:\n{self._log_tail('monitor')}")
            try:
                with psycopg.connect(self._monitor_dsn(), autocommit=True) as conn:
                    return (
                        conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'pgautofailover'").fetchone()
                        is not None
                    )
            except psycopg.OperationalError:
                return False

        wait_until(ready, timeout, "the monitor")
        with psycopg.connect(self._monitor_dsn(), autocommit=True) as conn:
            for name, value in MONITOR_SETTINGS.items():
                conn.execute(f"ALTER SYSTEM SET {name} = {int(value)}".encode())
            conn.execute("SELECT pg_reload_conf()")

    def _start_node(self, node: Node, *, create: bool) -> None:
        if create:
            command = [PG_AUTOCTL, "create", "postgres", "--pgdata", str(node.pgdata)]
            command += ["--pgport", str(node.port), "--pghost", HOST, "--listen", HOST, "--name", node.name]
            command += ["--dbname", self.database, "--username", SUPERUSER, "--monitor", self.monitor_uri]
            command += [*self._common(), "--run"]
        else:
            command = [PG_AUTOCTL, "run", "--pgdata", str(node.pgdata)]
        node.keeper = self._spawn(node.name, command)

    def _reap(self) -> None:
        for child in self._children:
            child.poll()

    def _log_tail(self, name: str, chars: int = 3000) -> str:
        log = self.root / f"{name}.log"
        return log.read_text(errors="replace")[-chars:] if log.exists() else ""

    # --- reading its state -----------------------------------------------------------------------

    def states(self) -> dict[str, tuple[str, str]]:
        """Node name -> (reported state, assigned state), as the monitor has them now."""
        with psycopg.connect(self._monitor_dsn(), autocommit=True) as conn:
            rows = conn.execute(
                "SELECT nodename, current_group_state::text, assigned_group_state::text "
                "FROM pgautofailover.current_state(%s)",
                (FORMATION,),
            ).fetchall()
        return {name: (reported, assigned) for name, reported, assigned in rows}

    def _wait_states(self, wanted: Mapping[str, tuple[str, ...]], timeout: float) -> None:
        def reached() -> bool:
            for node in self.nodes:
                if node.name in wanted and node.keeper is not None and not same_process(node.keeper):
                    raise RuntimeError(f"the keeper of {node.name} exited:\n{self._log_tail(node.name)}")
            states = self.states()
            return all(
                name in states and states[name][0] == states[name][1] and states[name][0] in accepted
                for name, accepted in wanted.items()
            )

        wait_until(reached, timeout, f"states {dict(wanted)}", interval=0.3)

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    def primary(self) -> Node:
        """The node the monitor has as primary (reported and assigned), or the one writable after a
        failover (`wait_primary`: promoted, its standby not back yet)."""
        for name, (reported, assigned) in self.states().items():
            if reported == assigned and reported in ("primary", "wait_primary", "single"):
                return self.node(name)
        raise LookupError(f"no primary now: {self.states()}")

    def sql(self, node: Node, statement: LiteralString, database: str = "postgres") -> Any:
        """The first column of the first row of `statement` on `node` (None when no row)."""
        with psycopg.connect(node.dsn(database=database), autocommit=True) as conn:
            row = conn.execute(statement).fetchone()
            return None if row is None else row[0]

    def synchronous_standby_names(self) -> str:
        return str(self.sql(self.primary(), "SHOW synchronous_standby_names"))

    def wait_until_stable(self, timeout: float = 120.0, *, checkpoint: bool = False) -> tuple[Node, Node]:
        """Wait for a primary and a secondary, both where the monitor wants them, with synchronous
        replication on; returns (primary, secondary). `checkpoint`: run CHECKPOINT on the primary every
        few seconds meanwhile (a standby being cloned waits for one)."""
        last_checkpoint = 0.0

        def stable() -> tuple[Node, Node] | None:
            nonlocal last_checkpoint
            states = self.states()
            roles = {reported: name for name, (reported, assigned) in states.items() if reported == assigned}
            if checkpoint and time.monotonic() - last_checkpoint > 3:
                last_checkpoint = time.monotonic()
                with contextlib.suppress(LookupError, psycopg.Error):
                    self.sql(self.primary(), "CHECKPOINT")
            for node in self.nodes:
                if node.keeper is not None and not same_process(node.keeper):
                    raise RuntimeError(f"the keeper of {node.name} exited:\n{self._log_tail(node.name)}")
            if "primary" not in roles or "secondary" not in roles:
                return None
            primary, secondary = self.node(roles["primary"]), self.node(roles["secondary"])
            try:
                names = str(self.sql(primary, "SHOW synchronous_standby_names"))
            except psycopg.Error:
                return None
            return (primary, secondary) if names else None

        found: tuple[Node, Node] = wait_until(stable, timeout, "a primary and a synchronous secondary", 0.3)
        return found

    # --- URLs ------------------------------------------------------------------------------------

    def multi_host_url(self, user: str, database: str | None = None) -> str:
        """A SQLAlchemy URL (psycopg 3) naming both nodes: libpq tries them in turn and keeps the one
        that accepts writes (`target_session_attrs=read-write`), whichever is primary now."""
        hosts = "&".join(f"host={HOST}:{node.port}" for node in self.nodes)
        return f"postgresql+psycopg://{user}@/{database or self.database}?{hosts}&target_session_attrs=read-write"

    def node_url(self, node: Node, user: str, database: str | None = None) -> str:
        return f"postgresql+psycopg://{user}@{HOST}:{node.port}/{database or self.database}"

    # --- faults ----------------------------------------------------------------------------------

    def kill_primary(self) -> Node:
        """SIGKILL the primary's keeper (its whole process group) and its postmaster; returns it."""
        node = self.primary()
        keeper, postmaster_process = node.keeper, node.postmaster()
        if keeper is not None:
            signal_if_same(keeper, signal.SIGKILL, group=True)
        if postmaster_process is not None:
            signal_if_same(postmaster_process, signal.SIGKILL)
        processes = [process for process in (keeper, postmaster_process) if process is not None]
        if not _wait_gone(processes, 10, self._reap):
            raise RuntimeError(f"{node.name} survived SIGKILL: {[p.pid for p in processes]}")
        node.keeper = None
        return node

    def wait_for_new_primary(self, old: Node, timeout: float = 60.0) -> Node:
        """The node promoted in place of `old`, once the monitor has it writable."""

        def promoted() -> Node | None:
            try:
                primary = self.primary()
            except LookupError:
                return None
            return primary if primary.name != old.name else None

        found: Node = wait_until(promoted, timeout, f"a new primary in place of {old.name}", 0.2)
        return found

    def restart(self, node: Node) -> None:
        """Run `node`'s keeper again (after `kill_primary`): it rejoins as a standby."""
        if same_process(node.keeper):
            raise RuntimeError(f"{node.name} is running")
        self._start_node(node, create=False)

    # --- stopping --------------------------------------------------------------------------------

    def processes(self) -> list[ProcessId]:
        """Every process of this formation still running: keepers (as recorded when spawned) and
        postmasters (as their data directories name them). A recorded PID whose start time no longer
        matches belongs to someone else now, and is left out."""
        candidates = [self.monitor, *(n.keeper for n in self.nodes)]
        candidates += [
            postmaster(pgdata) for pgdata in (*(n.pgdata for n in self.nodes), self.monitor_pgdata)
        ]
        found = {process for process in candidates if process is not None and same_process(process)}
        return sorted(found, key=lambda process: process.pid)

    def pids(self) -> list[int]:
        """The PIDs of `processes()`."""
        return [process.pid for process in self.processes()]

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the nodes, then the monitor: SIGINT to each keeper (a fast stop of its PostgreSQL),
        SIGKILL to whatever is left after `timeout` seconds."""
        keepers = [n.keeper for n in self.nodes if n.keeper is not None]
        for group in (keepers, [self.monitor] if self.monitor is not None else []):
            for process in group:
                signal_if_same(process, signal.SIGINT)
            if not _wait_gone(group, timeout, self._reap):
                for process in group:
                    signal_if_same(process, signal.SIGKILL, group=True)
                _wait_gone(group, 10, self._reap)
        leftovers = self.processes()
        for process in leftovers:
            signal_if_same(process, signal.SIGKILL)
        _wait_gone(leftovers, 10, self._reap)
        for child in self._children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=1)
        for node in self.nodes:
            node.keeper = None
        self.monitor = None

    def destroy(self) -> None:
        """Stop everything and delete the directory, whatever state it is in."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    # --- describing ------------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "database": self.database,
            "monitor": {"port": self.monitor_port, "pid": self.monitor_pid, "started": self.monitor_started},
            "nodes": [
                {"name": n.name, "port": n.port, "pid": n.keeper_pid, "started": n.keeper_started}
                for n in self.nodes
            ],
        }

    @classmethod
    def from_description(cls, described: Mapping[str, Any]) -> Formation:
        """The formation `describe()` gave. A keeper recorded without its start time (a description
        older than that field) cannot be told from a stranger with its PID, so it is never signalled."""
        root = Path(described["root"])
        nodes = [
            Node(n["name"], int(n["port"]), root / n["name"], n["pid"], n.get("started"))
            for n in described["nodes"]
        ]
        monitor = described["monitor"]
        return cls(
            root, int(monitor["port"]), nodes, described["database"], monitor["pid"], monitor.get("started")
        )
