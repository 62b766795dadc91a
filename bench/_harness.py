"""Shared pieces of the throughput benchmarks (`bench.sql`, `bench.http`), driven by C load generators.

- a database of the benchmark's own (created, migrated, seeded with accounts of deterministic ids, dropped);
- pgbench runs (the built-in TPC-B-like script and custom scripts) read into rows with p50/p99 from
  pgbench's per-transaction log;
- CPU accounting from /proc: PostgreSQL (this database's backends plus the server's background processes,
  and the whole server), the API processes (uvicorn master and workers), the load generator;
- the load average before and after each row, and the markdown table / JSON of the rows.

Nothing here is a test: every figure is printed, none is asserted.
"""

from __future__ import annotations

import glob
import json
import os
import re
import resource
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import make_url

from adapters.db import migrate
from application.accounts import OpenAccount, open_account
from razao.container import Container, build_container, dispose_engines
from razao.settings import Settings

#: Account number n has this id, so that pgbench scripts (SQL string formatting) and wrk's Lua scripts
#: (string.format) can name accounts without a list.
ACCOUNT_ID_FORMAT = "00000000-0000-4000-8000-%012d"
TICKS = os.sysconf("SC_CLK_TCK")
#: pgbench's TPC-B-like tables: 10 branches, 1,000,000 accounts (as bench.transfers).
TPCB_SCALE = 10
#: Background processes of the PostgreSQL server that work for every database (WAL, checkpoints).
_BACKGROUND = ("checkpointer", "background writer", "walwriter", "autovacuum launcher", "archiver")


def account_id(number: int) -> uuid.UUID:
    return uuid.UUID(ACCOUNT_ID_FORMAT % number)


def pgbench_binary() -> str:
    return shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"


def loadavg() -> float:
    with open("/proc/loadavg", encoding="ascii") as f:
        return float(f.read().split()[0])


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- the benchmark's database ------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    name: str
    admin_url: str  # superuser (migrations, seeding, API keys)
    app_url: str  # the application's role, razao_app

    @property
    def host(self) -> str:
        return make_url(self.admin_url).host or "127.0.0.1"

    @property
    def port(self) -> int:
        return make_url(self.admin_url).port or 5432

    def libpq_args(self, user: str | None = None) -> list[str]:
        """-h/-p/-U for the PostgreSQL command-line tools (default user: the admin URL's)."""
        return [
            "-h",
            self.host,
            "-p",
            str(self.port),
            "-U",
            user or make_url(self.admin_url).username or "postgres",
        ]

    def settings(self, mode: str, pool: int = 4) -> Settings:
        return Settings(
            database_url=self.app_url,
            admin_database_url=self.admin_url,
            db_pool_size=pool,
            db_max_overflow=0,
            execution_mode=mode,  # type: ignore[arg-type]
        )

    def scalar(self, sql: str) -> Any:
        import psycopg

        with psycopg.connect(host=self.host, port=self.port, user="postgres", dbname=self.name) as c:
            row = c.execute(sql).fetchone()
            return row[0] if row else None


def database(name: str) -> Database:
    base = Settings()
    admin = make_url(base.admin_database_url).set(database=name)
    app = make_url(base.database_url).set(database=name)
    return Database(
        name, admin.render_as_string(hide_password=False), app.render_as_string(hide_password=False)
    )


def drop_database(host: str, port: int, name: str) -> None:
    import psycopg

    with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def deploy_checkout_code(db: Database) -> str:
    """Make the database run this checkout's code when the newest code migration carries another bundle
    (sources edited since): deploy `current_bundle()` into this throwaway database, so that both modes run
    the same code and the API's in-database mode passes its version check. Returns a note for the report."""
    from sqlalchemy import create_engine

    from adapters.db import code_bundle

    ours = code_bundle.app_code_version()
    deployed = db.scalar("SELECT razao.deployed_code_version()")
    if deployed == ours:
        return ""
    engine = create_engine(db.admin_url)
    try:
        with engine.begin() as connection:
            code_bundle.deploy_bundle(connection, code_bundle.current_bundle(), None, "bench_checkout")
    except Exception as error:  # reported: the in-database rows then run the migrations' code
        return f"checkout code {ours[:12]} could not be deployed ({type(error).__name__}: {str(error)[:120]})"
    finally:
        engine.dispose()
    return f"checkout code {ours[:12]} deployed over the migrations' {deployed[:12]} (sources edited since)"


@contextmanager
def ledger_database(name: str, notes: list[str], checkout_code: bool = True) -> Iterator[Database]:
    """A fresh Razão database at the newest migration (and, with `checkout_code`, this checkout's code),
    dropped on the way out."""
    db = database(name)
    drop_database(db.host, db.port, name)
    migrate.ensure_database(db.admin_url)
    try:
        migrate.upgrade(db.admin_url, "head")
        if checkout_code and (note := deploy_checkout_code(db)):
            notes.append(note)
        yield db
    finally:
        drop_database(db.host, db.port, name)


class _NumberedIds:
    """An `IdSource` handing out the deterministic account ids, in order."""

    def __init__(self, numbers: Sequence[int]) -> None:
        self._next = iter(numbers)

    def new_id(self) -> uuid.UUID:
        return account_id(next(self._next))


def open_accounts(db: Database, numbers: Sequence[int]) -> None:
    """Open BRL accounts (credit-normal, no minimum balance, so random transfers never fail) with the
    deterministic ids of `numbers`, through the use case."""
    container = build_container(db.settings("app", pool=1))
    try:
        clock, ids = container.clock(), _NumberedIds(numbers)
        for n in numbers:
            open_account(
                OpenAccount(f"bench:acct:{n}", f"Account {n}", "BRL", "credit", min_balance=None),
                container.uow(),
                clock,
                ids,
            )
    finally:
        dispose_engines(container)


def app_container(db: Database, mode: str, pool: int) -> Container:
    return build_container(db.settings(mode, pool=pool))


# --- CPU accounting ------------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, int, int] | None:
    """(ppid, utime+stime, cutime+cstime) of a process in clock ticks, None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            raw = f.read()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # after "pid (comm) "
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def children_of(parent: int) -> dict[int, tuple[int, int, int]]:
    out = {}
    for pid in _pids():
        st = _stat(pid)
        if st is not None and st[0] == parent:
            out[pid] = st
    return out


def tree_ticks(root: int) -> int:
    """CPU ticks of a process, its reaped children and its live descendants (the uvicorn master and its
    workers)."""
    st = _stat(root)
    if st is None:
        return 0
    total = st[1] + st[2]
    stats = {pid: s for pid in _pids() if (s := _stat(pid)) is not None}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, s in stats.items():
            if s[0] == parent:
                total += s[1]
                frontier.append(pid)
    return total


class CpuMeter:
    """CPU seconds over one row.

    - `pg`: backends of this benchmark's database(s) (title names the database) and the server's background
      processes (WAL writer, checkpointer...). Sampled every 0.1 s (and until the row's new backends have
      exited) so that a backend that exits during the row counts up to its last sample.
    - `pg_all`: every process of the PostgreSQL server, other databases included (exact: the postmaster's
      reaped-children times count the backends that exited).
    - `api`: the process tree of `api_pid` (uvicorn master and workers).
    - `client`: the load generator: this process's children that were waited for during the row (pgbench,
      wrk), plus this process itself (Python drivers).
    """

    def __init__(self, postmaster: int, databases: Sequence[str], api_pid: int | None = None) -> None:
        self.postmaster = postmaster
        self.databases = tuple(databases)
        self.api_pid = api_pid
        self._stop = threading.Event()
        self._last: dict[int, int] = {}
        self._base: dict[int, int] = {}
        self._lock = threading.Lock()

    def _ours(self, pid: int) -> bool:
        title = _cmdline(pid)
        return any(f" {name} " in f" {title} " for name in self.databases) or any(
            b in title for b in _BACKGROUND
        )

    def _sample(self) -> dict[int, int]:
        out = {}
        for pid, st in children_of(self.postmaster).items():
            if self._ours(pid):
                out[pid] = st[1]
        return out

    def _settle(self) -> dict[int, int]:
        """The last sample, taken once the backends that the row's client opened have exited (up to 1 s):
        their last moments of CPU count too."""
        deadline = time.monotonic() + 1.0
        while True:
            sample = self._sample()
            with self._lock:
                self._last.update(sample)
            if not set(sample) - set(self._base) or time.monotonic() > deadline:
                return sample
            time.sleep(0.05)

    def _server_ticks(self) -> int:
        st = _stat(self.postmaster)
        if st is None:
            return 0
        return st[1] + st[2] + sum(s[1] for s in children_of(self.postmaster).values())

    def _loop(self) -> None:
        while not self._stop.wait(0.1):
            sample = self._sample()
            with self._lock:
                self._last.update(sample)

    @contextmanager
    def measure(self) -> Iterator[dict[str, float]]:
        figures: dict[str, float] = {}
        self._base = self._sample()
        self._last = dict(self._base)
        server0 = self._server_ticks()
        api0 = tree_ticks(self.api_pid) if self.api_pid else 0
        own0 = time.process_time()
        kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._stop.clear()
        sampler = threading.Thread(target=self._loop, daemon=True)
        sampler.start()
        try:
            yield figures
        finally:
            self._stop.set()
            sampler.join()
            final = self._settle()
            with self._lock:
                self._last.update(final)
                pg = sum(ticks - self._base.get(pid, 0) for pid, ticks in self._last.items())
            kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            figures["pg_cpu_s"] = pg / TICKS
            figures["pg_all_cpu_s"] = (self._server_ticks() - server0) / TICKS
            figures["api_cpu_s"] = (tree_ticks(self.api_pid) - api0) / TICKS if self.api_pid else 0.0
            figures["client_cpu_s"] = (
                kids1.ru_utime + kids1.ru_stime - kids0.ru_utime - kids0.ru_stime + time.process_time() - own0
            )


def postmaster_pid(db: Database) -> int:
    """The server's postmaster: the parent of one of our backends."""
    import psycopg

    with psycopg.connect(host=db.host, port=db.port, user="postgres", dbname=db.name) as c:
        backend = int(c.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
        st = _stat(backend)  # while the backend lives: it exits when the connection closes
    if st is None:
        raise RuntimeError("PostgreSQL runs outside this machine's /proc: cannot account for its CPU")
    return st[0]


# --- rows ------------------------------------------------------------------------------------------------


@dataclass
class Row:
    level: str  # "sql" or "http"
    mode: str  # "app", "db" or "-" (pgbench TPC-B)
    name: str
    clients: int
    unit: str  # what `rate` counts per second: "tps", "transfers", "requests"
    rate: float = float("nan")
    p50_ms: float = float("nan")
    p99_ms: float = float("nan")
    seconds: float = 0.0
    calls: int = 0
    failed: int = 0
    api_cpu_s: float = 0.0
    pg_cpu_s: float = 0.0
    pg_all_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    load_before: float = 0.0
    load_after: float = 0.0
    vs_tpcb: float | None = None
    note: str = ""
    skipped: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@contextmanager
def row(meter: CpuMeter, r: Row) -> Iterator[Row]:
    """Measure CPU and load average around the body, which fills in the rate and latencies."""
    r.load_before = loadavg()
    with meter.measure() as cpu:
        yield r
    r.load_after = loadavg()
    for key, value in cpu.items():
        setattr(r, key, value)


def skipped(level: str, mode: str, name: str, clients: int, unit: str, note: str) -> Row:
    load = loadavg()
    return Row(level, mode, name, clients, unit, note=note, load_before=load, load_after=load, skipped=True)


def _fmt(value: float, spec: str) -> str:
    return "-" if value != value else format(value, spec)  # NaN: not measured


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| mode | row | clients | rate | unit/s | p50 ms | p99 ms | vs TPC-B | API CPU s | PG CPU s"
        " | PG all s | client CPU s | load before→after | failed | note |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r.skipped:
            lines.append(f"| {r.mode} | {r.name} | {r.clients} | - | {r.unit} | | | | | | | | | | {r.note} |")
            continue
        ratio = "-" if r.vs_tpcb is None else f"{r.vs_tpcb:.2f}"
        lines.append(
            f"| {r.mode} | {r.name} | {r.clients} | {_fmt(r.rate, ',.0f')} | {r.unit} | {_fmt(r.p50_ms, '.2f')}"
            f" | {_fmt(r.p99_ms, '.2f')} | {ratio} | {r.api_cpu_s:.1f} | {r.pg_cpu_s:.1f} | {r.pg_all_cpu_s:.1f}"
            f" | {r.client_cpu_s:.1f} | {r.load_before:.2f}→{r.load_after:.2f} | {r.failed} | {r.note} |"
        )
    return "\n".join(lines)


def report(title: str, rows: Sequence[Row], json_path: str | None, key: str, meta: dict[str, Any]) -> None:
    """Print the markdown table; with `json_path`, write the rows under `key` (other keys are kept, so
    that `bench.sql` and `bench.http` can share one file)."""
    print(f"\n{title}")
    print(", ".join(f"{k}: {v}" for k, v in meta.items()))
    print(table(rows))
    if not json_path:
        return
    data: dict[str, Any] = {}
    if os.path.exists(json_path):
        with open(json_path, encoding="utf-8") as f:
            data = json.load(f)
    data[key] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        **meta,
        "rows": [{k: (None if v != v else v) for k, v in asdict(r).items()} for r in rows],
    }
    os.makedirs(os.path.dirname(json_path) or ".", exist_ok=True)
    with open(json_path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")


# --- pgbench ---------------------------------------------------------------------------------------------


@dataclass
class PgbenchResult:
    tps: float
    calls: int
    failed: int
    latencies_ms: list[float]
    output: str
    returncode: int


def pgbench(
    db: Database,
    args: Sequence[str],
    *,
    clients: int,
    seconds: int,
    user: str | None = None,
    variables: dict[str, str] | None = None,
) -> PgbenchResult:
    """Run pgbench for `seconds` with `clients` (prepared statements, 2 threads, retries of serialization
    failures and deadlocks), reading per-transaction latencies from its log."""
    with tempfile.TemporaryDirectory(prefix="razao-pgbench-") as tmp:
        cmd = [
            pgbench_binary(),
            *db.libpq_args(user),
            "-M",
            "prepared",
            "-c",
            str(clients),
            "-j",
            str(min(clients, 2)),
            "-T",
            str(seconds),
            "--max-tries=10",
            "-l",
            f"--log-prefix={tmp}/tx",
            *[f"-D{k}={v}" for k, v in (variables or {}).items()],
            *args,
            db.name,
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        latencies: list[float] = []
        failed = 0
        for path in glob.glob(f"{tmp}/tx.*"):
            with open(path, encoding="ascii") as f:
                for line in f:
                    parts = line.split()
                    if len(parts) < 3:
                        continue
                    if parts[2].isdigit():
                        latencies.append(int(parts[2]) / 1000)
                    else:
                        failed += 1
    out = done.stdout + done.stderr
    tps = re.search(r"tps = ([0-9.]+)", out)
    processed = re.search(r"actually processed: (\d+)", out)
    failures = re.search(r"number of failed transactions: (\d+)", out)
    return PgbenchResult(
        tps=float(tps.group(1)) if tps else float("nan"),
        calls=int(processed.group(1)) if processed else len(latencies),
        failed=max(failed, int(failures.group(1)) if failures else 0),
        latencies_ms=latencies,
        output=out,
        returncode=done.returncode,
    )


def _problem(result: PgbenchResult) -> str:
    if result.returncode == 0 and not result.failed:
        return ""
    lines = [ln for ln in result.output.splitlines() if "error" in ln.lower() or "abort" in ln.lower()]
    return (lines[0] if lines else f"pgbench exited {result.returncode}")[:160].replace("|", "/")


def fill_from_pgbench(r: Row, result: PgbenchResult, per_call: int, seconds: int) -> None:
    r.rate = result.tps * per_call
    r.calls = result.calls
    r.failed = result.failed
    r.seconds = seconds
    r.p50_ms = percentile(result.latencies_ms, 0.50)
    r.p99_ms = percentile(result.latencies_ms, 0.99)
    if problem := _problem(result):
        r.note = (r.note + " " + problem).strip()


@contextmanager
def tpcb_database(host: str, port: int, name: str) -> Iterator[Database]:
    """pgbench's TPC-B-like tables (scale 10) in a database of their own, on the same server."""
    db = database(name)
    drop_database(host, port, name)
    subprocess.run(["createdb", *db.libpq_args(), name], check=True)
    try:
        subprocess.run(
            [pgbench_binary(), *db.libpq_args(), "-i", "-q", "-s", str(TPCB_SCALE), name],
            check=True,
            capture_output=True,
        )
        yield db
    finally:
        drop_database(host, port, name)


def tpcb_row(level: str, tpcb: Database, meter: CpuMeter, clients: int, seconds: int, label: str) -> Row:
    with row(meter, Row(level, "-", f"pgbench TPC-B ({label})", clients, "tps")) as r:
        result = pgbench(tpcb, ["-b", "tpcb-like"], clients=clients, seconds=seconds)
        fill_from_pgbench(r, result, 1, seconds)
    return r


def tpcb_reference(rows: Sequence[Row], clients: int) -> float | None:
    """The mean of the TPC-B rows with `clients` (one before and one after the Razão rows)."""
    rates = [r.rate for r in rows if r.mode == "-" and r.clients == clients and r.rate == r.rate]
    return sum(rates) / len(rates) if rates else None


def finish(
    title: str, rows: Sequence[Row], tpcb_clients: int, json_path: str | None, key: str, meta: dict[str, Any]
) -> None:
    """Each measured transfers row as a ratio to TPC-B's mean rate, then the table and the JSON."""
    reference = tpcb_reference(rows, tpcb_clients)
    for r in rows:
        if r.mode != "-" and r.unit == "transfers" and reference and not r.skipped:
            r.vs_tpcb = r.rate / reference
    report(
        title,
        rows,
        json_path,
        key,
        {**meta, "tpcb_reference_tps": round(reference, 1) if reference else None},
    )
