"""The local stack: a pg_auto_failover formation, a PgBouncer per node and two API processes.

`up(directory)` starts, each on free ports of 127.0.0.1 and each in its own session (they outlive the
command that started them): a formation (`formation.Formation`: monitor, primary, synchronous
secondary), one PgBouncer in transaction mode in front of each node (`pgbouncer.PgBouncer`), migrates
the database through them (`razao db setup`), creates an admin API key, and starts two `razao serve`
processes (one worker each). The API's RAZAO_DATABASE_URL names both PgBouncers with
`target_session_attrs=read-write` (libpq keeps the one whose node accepts writes) and
RAZAO_DB_TRANSACTION_POOLER=true. Everything it started (ports, PIDs with each process's start time,
URLs, the key) goes to `<directory>/state.json` (mode 0600 from its creation: it holds an admin API
key), which `down` reads to stop exactly those processes and delete the data, and `status` reads to say
what still runs. A PID is signalled only while its start time is still the recorded one
(`razao.local.processes`): a stack that died leaves PIDs the machine may since have given to others.

PgBouncer and failover: PgBouncer 1.18 answers each client's login with the parameters its node sent
at the pool's *first* login, `in_hot_standby` included, and libpq's `target_session_attrs=read-write`
trusts them. After a failover the new primary's PgBouncer would keep saying "standby" and the old
one's "primary", so every connection would go to the demoted node. The stack therefore runs a watcher
(`python -m razao.local watch`, started by `up`, recorded and stopped like the rest): it LISTENs to the
monitor's `state` notifications and, on every change of a node's state, sends `RECONNECT` to each
PgBouncer's console, which closes its server connections as they are released and re-reads the node's
parameters at the next login. It also keeps only the writable node's PgBouncer open to the database: a
node the monitor no longer assigns a primary's state has its PgBouncer `DISABLE`d (new logins are
refused at once, so libpq moves on to the next host instead of waiting for PgBouncer's
`query_wait_timeout` against a dead server) and its clients `KILL`ed; the node assigned the primary's
state has its PgBouncer `ENABLE`d and `RESUME`d.

Nothing starts at import time; `python -m razao.local up|down|status` is the command line.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from razao.local.formation import FORMATION, HOST, MONITOR_DATABASE, Formation, wait_until
from razao.local.pgbouncer import PgBouncer
from razao.local.processes import ProcessId, free_port, same_process, signal_if_same

DEFAULT_DIRECTORY = Path("var/local")
APIS = 2
APP_USER = "razao_app"
ADMIN_USER = "postgres"
RAZAO = str(Path(sys.executable).with_name("razao"))


def multi_host_url(user: str, database: str, ports: list[int]) -> str:
    """A SQLAlchemy URL (psycopg 3) over several hosts of 127.0.0.1, keeping the writable one."""
    hosts = "&".join(f"host={HOST}:{port}" for port in ports)
    return f"postgresql+psycopg://{user}@/{database}?{hosts}&target_session_attrs=read-write"


@dataclass
class Stack:
    """What `up` started, as recorded in state.json."""

    directory: Path
    state: dict[str, Any]

    @property
    def state_file(self) -> Path:
        return self.directory / "state.json"

    @classmethod
    def load(cls, directory: Path) -> Stack | None:
        path = directory / "state.json"
        if not path.exists():
            return None
        return cls(directory, json.loads(path.read_text()))

    def processes(self) -> dict[str, ProcessId]:
        """Name -> identity (PID and start time) of every process the stack started (APIs, the watcher,
        PgBouncers, keepers)."""
        records = {f"api-{i + 1}": api for i, api in enumerate(self.state.get("apis", []))}
        if "watcher" in self.state:
            records["watcher"] = self.state["watcher"]
        records |= {f"pgbouncer-{b['node']}": b for b in self.state.get("pgbouncers", [])}
        formation = self.state.get("formation")
        if formation:
            records["monitor"] = formation["monitor"]
            records |= {f"keeper-{n['name']}": n for n in formation["nodes"]}
        return {
            name: ProcessId.from_json(record) for name, record in records.items() if record["pid"] is not None
        }

    def running(self) -> dict[str, bool]:
        """Name -> whether that process still runs (the recorded one, not a later owner of its PID)."""
        return {name: same_process(process) for name, process in self.processes().items()}

    def save(self) -> None:
        """Write state.json atomically, readable by its owner only from the start (it holds an admin API
        key): a 0600 temporary file (`mkstemp`) in the same directory, then renamed over it."""
        self.directory.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=".state-", suffix=".json", dir=self.directory)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                out.write(json.dumps(self.state, indent=2) + "\n")
            os.replace(temporary, self.state_file)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


def _env(urls: Mapping[str, str], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAZAO_")}
    env.update(
        RAZAO_DATABASE_URL=urls["app"],
        RAZAO_ADMIN_DATABASE_URL=urls["admin"],
        RAZAO_DB_TRANSACTION_POOLER="true",
        RAZAO_API_WORKERS="1",
        RAZAO_LOG_FORMAT="console",
    )
    env.update(extra or {})
    return env


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([RAZAO, *args], env=env, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"razao {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


def _start_api(directory: Path, env: dict[str, str], number: int) -> dict[str, Any]:
    port = free_port()
    log = directory / f"api-{number}.log"
    with log.open("ab") as out:
        popen = subprocess.Popen(
            [RAZAO, "serve", "--host", HOST, "--port", str(port), "--workers", "1"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process = ProcessId.of(popen.pid)  # our unreaped child: the PID is still its own
    return {**process.to_json(), "port": port, "url": f"http://{HOST}:{port}", "log": str(log)}


def _start_watcher(directory: Path) -> dict[str, Any]:
    log = directory / "watcher.log"
    with log.open("ab") as out:
        popen = subprocess.Popen(
            [sys.executable, "-m", "razao.local", "watch", "--dir", str(directory)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return {**ProcessId.of(popen.pid).to_json(), "log": str(log)}


#: The states the monitor assigns a node that accepts writes (pg_auto_failover's group states).
WRITABLE_STATES = frozenset({"single", "wait_primary", "primary", "join_primary", "apply_settings"})


def _connect(port: int, dbname: str, **options: Any) -> psycopg.Connection[Any]:
    """An autocommit connection as the superuser to `dbname` on a port of this host (2 s to connect)."""
    return psycopg.connect(
        f"host={HOST} port={port} user=postgres dbname={dbname}",
        autocommit=True,
        connect_timeout=2,
        **options,
    )


def _console(bouncer: Mapping[str, Any], *commands: str) -> None:
    """Run console commands on a PgBouncer (errors are printed: the watcher goes on)."""
    try:
        with _connect(bouncer["port"], "pgbouncer", cursor_factory=psycopg.ClientCursor) as conn:
            for command in commands:
                with contextlib.suppress(psycopg.errors.ProtocolViolation):  # "already enabled", and the like
                    conn.execute(command.encode())
        print(f"{'; '.join(commands)}: pgbouncer {bouncer['node']} ({bouncer['port']})", flush=True)
    except psycopg.Error as error:
        print(f"pgbouncer {bouncer['node']}: {error}", flush=True)


def _reconnect(bouncers: list[dict[str, Any]], database: str, assigned: Mapping[str, str]) -> None:
    """RECONNECT every PgBouncer; open the writable node's to `database` and close the others' (the
    nodes' assigned states in `assigned`; a node it does not name is left as it is)."""
    for bouncer in bouncers:
        state = assigned.get(bouncer["node"])
        if state is None:
            _console(bouncer, "RECONNECT")
        elif state in WRITABLE_STATES:
            _console(bouncer, f"ENABLE {database}", f"RESUME {database}", "RECONNECT")
        else:
            _console(bouncer, f"DISABLE {database}", f"KILL {database}", "RECONNECT")


def _assigned(monitor: int) -> dict[str, str]:
    """Node name -> the state the monitor assigns it (on a connection of its own: the listening one is
    busy waiting for notifications); empty when the monitor cannot be read."""
    try:
        with _connect(monitor, MONITOR_DATABASE) as conn:
            rows = conn.execute(
                "SELECT nodename, assigned_group_state::text FROM pgautofailover.current_state(%s)",
                (FORMATION,),
            ).fetchall()
    except psycopg.Error as error:
        print(f"monitor: {error}", flush=True)
        return {}
    return {str(name): str(state) for name, state in rows}


def watch(directory: Path = DEFAULT_DIRECTORY) -> None:
    """Until killed: on each node state change the monitor notifies, RECONNECT every PgBouncer and keep
    only the writable node's open (see the module's docstring). Reconnects to the monitor if it goes
    away."""
    stack = Stack.load(directory)
    if stack is None:
        raise SystemExit(f"no stack in {directory}")
    monitor = stack.state["formation"]["monitor"]["port"]
    database = stack.state["formation"]["database"]
    bouncers = stack.state["pgbouncers"]
    while True:
        try:
            with _connect(monitor, MONITOR_DATABASE) as conn:
                conn.execute("LISTEN state")
                _reconnect(bouncers, database, _assigned(monitor))  # whatever happened while not listening
                for notice in conn.notifies():
                    print(f"state: {notice.payload}", flush=True)
                    _reconnect(bouncers, database, _assigned(monitor))
        except psycopg.Error as error:
            print(f"monitor: {error}", flush=True)
            time.sleep(1)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health/ready", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def up(directory: Path = DEFAULT_DIRECTORY, *, timeout: float = 240.0) -> Stack:
    """Start the stack (see the module's docstring) and record it; raises when it is already up."""
    existing = Stack.load(directory)
    if existing is not None:
        if any(existing.running().values()):
            raise AlreadyUp(existing)
        down(directory)  # a stale record: whatever it names is gone; clear its data
    directory.mkdir(parents=True, exist_ok=True)
    stack = Stack(directory, {"started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    formation: Formation | None = None
    bouncers: list[PgBouncer] = []
    try:
        formation = Formation.create(directory.resolve() / "formation", timeout=timeout)
        stack.state["formation"] = formation.describe()
        stack.save()
        for node in formation.nodes:
            bouncer = PgBouncer.start(directory.resolve() / f"pgbouncer-{node.name}", HOST, node.port)
            bouncers.append(bouncer)
            stack.state.setdefault("pgbouncers", []).append(
                {
                    "node": node.name,
                    **ProcessId.of(bouncer.pid).to_json(),  # a child of ours, running: still its PID
                    "port": bouncer.port,
                    "directory": str(bouncer.directory),
                }
            )
            stack.save()
        ports = [b.port for b in bouncers]
        urls = {
            "app": multi_host_url(APP_USER, formation.database, ports),
            "admin": formation.multi_host_url(ADMIN_USER),
            "app_direct": formation.multi_host_url(APP_USER),
            "admin_through_pgbouncer": multi_host_url(ADMIN_USER, formation.database, ports),
        }
        stack.state["urls"] = urls
        env = _env(urls)
        # Migrated through the PgBouncers (what a deployment behind a pooler does); the superuser's
        # other work (API keys) goes straight to the primary, as the admin engine is not pooled.
        _cli({**env, "RAZAO_ADMIN_DATABASE_URL": urls["admin_through_pgbouncer"]}, "db", "setup")
        created = _cli(env, "api-key", "create", "--name", "local-admin", "--scope", "admin")
        stack.state["admin_api_key"] = json.loads(created.strip().splitlines()[-1])["token"]
        stack.save()
        stack.state["watcher"] = _start_watcher(directory.resolve())
        stack.save()
        for number in range(1, APIS + 1):
            stack.state.setdefault("apis", []).append(_start_api(directory.resolve(), env, number))
            stack.save()
        for api in stack.state["apis"]:

            def answering(api: dict[str, Any] = api) -> bool:
                if not same_process(ProcessId.from_json(api)):
                    raise RuntimeError(f"an API process exited:\n{Path(api['log']).read_text()[-3000:]}")
                return _ready(api["url"])

            wait_until(answering, 90, f"the API on {api['url']}")
    except BaseException:
        with contextlib.suppress(Exception):
            down(directory)
        if formation is not None:
            formation.destroy()
        for bouncer in bouncers:
            bouncer.stop()
        shutil.rmtree(directory, ignore_errors=True)  # ours: `up` runs only where no stack lives
        raise
    return stack


class AlreadyUp(RuntimeError):
    def __init__(self, stack: Stack) -> None:
        super().__init__(f"the local stack is already up (see {stack.state_file})")
        self.stack = stack


def _stop(record: Mapping[str, Any], timeout: float = 15.0) -> None:
    """SIGTERM to the recorded process's group (each process was started in a session of its own),
    SIGKILL after `timeout`; only while its PID still has the recorded start time (a PID recorded long
    ago may since belong to someone else: then it is gone, and nothing is signalled)."""
    if record.get("pid") is None:
        return
    process = ProcessId.from_json(record)
    if not signal_if_same(process, signal.SIGTERM, group=True):
        return
    deadline = time.monotonic() + timeout
    while same_process(process) and time.monotonic() < deadline:
        time.sleep(0.1)
    signal_if_same(process, signal.SIGKILL, group=True)


def down(directory: Path = DEFAULT_DIRECTORY) -> list[str]:
    """Stop what state.json names (APIs, PgBouncers, then the formation) and delete the directory.
    Returns the names of the processes that were still running."""
    stack = Stack.load(directory)
    if stack is None:
        return []
    stopped = [name for name, alive in stack.running().items() if alive]
    for api in stack.state.get("apis", []):
        _stop(api)
    if "watcher" in stack.state:
        _stop(stack.state["watcher"], timeout=5)
    for bouncer in stack.state.get("pgbouncers", []):
        _stop(bouncer)
    if "formation" in stack.state:
        Formation.from_description(stack.state["formation"]).destroy()
    shutil.rmtree(directory, ignore_errors=True)
    return stopped


def status(directory: Path = DEFAULT_DIRECTORY) -> dict[str, Any] | None:
    """What runs (per process), the formation's node states, and the URLs; None when not up."""
    stack = Stack.load(directory)
    if stack is None:
        return None
    found: dict[str, Any] = {"processes": stack.running(), "urls": stack.state.get("urls", {})}
    found["apis"] = [api["url"] for api in stack.state.get("apis", [])]
    if "formation" in stack.state:
        try:
            states = Formation.from_description(stack.state["formation"]).states()
            found["nodes"] = {name: reported for name, (reported, _) in states.items()}
        except Exception as error:  # the monitor is down: say so
            found["nodes"] = f"unknown ({error.__class__.__name__})"
    return found


def how_to_reach(stack: Stack) -> str:
    """The lines `up` prints."""
    state = stack.state
    key_file = stack.directory / "state.json"
    lines = [
        "local stack up:",
        *(
            f"  API {i + 1}:       {api['url']} (/docs)  pid {api['pid']}"
            for i, api in enumerate(state["apis"])
        ),
        *(f"  PgBouncer:   {HOST}:{b['port']} -> {b['node']}  pid {b['pid']}" for b in state["pgbouncers"]),
        *(
            f"  {n['name']}:       {HOST}:{n['port']}  keeper pid {n['pid']}"
            for n in state["formation"]["nodes"]
        ),
        f"  monitor:     {HOST}:{state['formation']['monitor']['port']}  pid {state['formation']['monitor']['pid']}",
        f"  app URL:     {state['urls']['app']}",
        f"  admin key:   in {key_file} (admin_api_key)",
        "  try:        curl -s -H \"Authorization: Bearer $(python3 -c 'import json;"
        f'print(json.load(open("{key_file}"))["admin_api_key"])\')" {state["apis"][0]["url"]}/v1/assets',
        "  stop:        python -m razao.local down",
    ]
    return "\n".join(lines)
