"""What one PostgreSQL primary gives Razão: WAL bytes and CPU per transfer, and connections per process.

    python -m bench.scaling [--quick] [--seconds 10] [--skip-connections] [--json docs/data/scaling.json]

The figures docs/scaling.md reasons from, measured in one run on this server, in a database the run
creates from the migrations and drops (`bench._harness.ledger_database`), beside pgbench's TPC-B:

1. Cost rows. Each row books transfers for `--seconds` and reports, per transfer:
   - WAL bytes written for this database only: the records between the row's first and last WAL
     position (`pg_walinspect`, a contrib extension created in the run's own database) that touch a
     block of this database, plus every record of the same transactions (their commit records).
     Other databases' WAL is left out, so the figure is the same on a busy shared server; the
     server-wide distance between the two positions (`pg_wal_lsn_diff`) is printed beside it.
     Full-page images (the first change of a page after a checkpoint) are counted apart: they depend
     on where the checkpoints fall, not on Razão. A temporary physical replication slot, held for the
     row, keeps its WAL until it has been read (a checkpoint would otherwise remove it). The bytes are
     also broken down by relation (the relation of each record's first block).
   - Disk bytes: the growth of the database's files over the row.
   Each row starts after a VACUUM of its database (outside the measured window), so that its figures do
   not depend on the dead row versions the rows before it left.
   - CPU seconds of this database's PostgreSQL backends (from /proc/<pid>/stat, autovacuum workers on
     it included; the server's shared background processes excluded, since other databases use them
     too), and in app mode the CPU of the Python processes that ran the use case (measured by each
     process around its own loop: start-up excluded). Turned into transfers per core-second.
   Rows: TPC-B (per transaction); db mode `razao.post_transfers` with one transfer per call, with 1,000
   per call, `razao.post_each` with 1,000 and with 16 per call (an API group commit's size); app mode
   (`InAppWritePath`, the API's write path) with one and with 1,000 transfers per call.
2. Connections: what one API process (a uvicorn worker) and one Celery worker process may open, read
   from the container's engines (`pool_size + max_overflow` of each), then checked by counting the
   `pg_stat_activity` rows of a running `razao serve --workers 2` (default pool settings) per process
   under a mixed load (single transfers, batches, account reads), in both modes; and the
   `max_connections` arithmetic for N processes, with and without PgBouncer.
3. Context: the throughput rows of docs/data/throughput.json (read, not rerun).

Wall-clock rates are printed too, but other work shares this 2-core machine: prefer the CPU seconds and
the byte counts, which do not depend on what else runs. Load averages before and after each row say how
busy the machine was, and each row records the busiest other processes as it started. Nothing here is
a test: every figure is printed, none is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from dependency_injector import providers

from adapters.db.engine import make_engine
from bench import _harness as h
from bench import http
from bench.http import _api_key
from bench.sql import BATCH_SCRIPT, POST_EACH, SINGLE_SCRIPT, _expected_version
from domain.transfers import TransferRequest
from razao import cli
from razao.container import Container, build_container, dispose_engines
from razao.settings import Settings

ACCOUNTS = 2000  # accounts opened; single transfers move between all of them (little lock waiting)
BATCH_ACCOUNTS = 1000  # accounts of each batch client (its own: see bench.sql)
GROUP_ACCOUNTS = 500  # accounts of each group-sized client (4 clients x 500)
#: Engines the container wires that a mode's API and worker processes never use: the admin engine serves
#: the CLI's administrative commands (API keys, migrations); the function engine is what the `db` branches
#: of the container's selectors call, so an app-mode process leaves it unopened (engines connect lazily).
UNUSED = {"app": {"admin_engine", "function_engine"}, "db": {"admin_engine"}}
THROUGHPUT_JSON = Path(__file__).resolve().parent.parent / "docs" / "data" / "throughput.json"


# --- measuring one row -----------------------------------------------------------------------------------


class BackendMeter(h.CpuMeter):
    """`h.CpuMeter` counting only the backends whose title names one of `databases` (client backends and
    autovacuum workers). The WAL writer, checkpointer and background writer serve every database of the
    server; other processes (tests, benchmarks) may run on it, and their CPU is not ours."""

    def _ours(self, pid: int) -> bool:
        title = h._cmdline(pid)
        return any(f" {name} " in f" {title} " for name in self.databases)


@dataclass
class CostRow:
    mode: str  # "db", "app" or "-" (TPC-B)
    name: str
    clients: int
    per_call: int
    unit: str = "transfers"
    transfers: int = 0  # booked in the row (TPC-B: transactions)
    seconds: float = 0.0
    wal_bytes: int = 0  # this database's WAL (records and their alignment)
    wal_fpi_bytes: int = 0  # of which full-page images
    wal_records: int = 0
    wal_server_bytes: int = 0  # whole server: every database's WAL in the same window
    wal_by_relation: dict[str, dict[str, int]] = field(default_factory=dict)
    disk_bytes: int = 0  # growth of the database's files (tables, indexes, free space maps)
    others: list[str] = field(default_factory=list)  # the busiest other processes as the row started
    checkpoints: int = 0  # checkpoints the server took during the row (full-page images follow each)
    pg_cpu_s: float = 0.0  # this database's backends
    pg_all_cpu_s: float = 0.0  # whole server
    app_cpu_s: float = 0.0  # app mode: the processes that ran the use case
    router_cpu_s: float = 0.0  # through PL/Proxy: the router database's backends (in pg_cpu_s too)
    client_cpu_s: float = 0.0  # the load generator (pgbench), not part of the cost
    load_before: float = 0.0
    load_after: float = 0.0
    failed: int = 0
    note: str = ""
    skipped: bool = False
    derived: dict[str, float | None] = field(default_factory=dict)

    def derive(self) -> None:
        n = self.transfers

        def per(value: float) -> float | None:
            return value / n if n else None

        def rate(cpu: float) -> float | None:
            return n / cpu if cpu > 0 else None

        if self.router_cpu_s and n:
            self.note = (
                self.note + f" the router's backends: {1000 * self.router_cpu_s / n:.3f} ms of it"
            ).strip()
        self.derived = {
            "wal_bytes_per_transfer": per(self.wal_bytes),
            "wal_bytes_per_transfer_without_fpi": per(self.wal_bytes - self.wal_fpi_bytes),
            "wal_server_bytes_per_transfer": per(self.wal_server_bytes),
            "disk_bytes_per_transfer": per(self.disk_bytes),
            "pg_cpu_ms_per_transfer": (per(self.pg_cpu_s * 1000)),
            "router_cpu_ms_per_transfer": per(self.router_cpu_s * 1000) if self.router_cpu_s else None,
            "transfers_per_pg_core_s": rate(self.pg_cpu_s),
            "transfers_per_core_s_all_in": rate(self.pg_cpu_s + self.app_cpu_s),
            "wall_rate": n / self.seconds if self.seconds else None,
        }


class Wal:
    """WAL positions of the server, and the bytes of a window that belong to one database."""

    def __init__(self, db: h.Database) -> None:
        self.db = db
        with self._connect() as c:
            c.execute("CREATE EXTENSION IF NOT EXISTS pg_walinspect")

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=self.db.host, port=self.db.port, user="postgres", dbname=self.db.name, autocommit=True
        )

    def oid(self, name: str) -> int:
        with self._connect() as c:
            row = c.execute("SELECT oid FROM pg_database WHERE datname = %s", [name]).fetchone()
        assert row is not None, name
        return int(row[0])

    @contextmanager
    def window(self, slot: str) -> Iterator[str]:
        """The WAL position where a window starts, with the WAL from there kept until the window's
        figures are read: a temporary physical replication slot, reserved at once, held by this
        connection (PostgreSQL drops it when the connection ends, also if this process dies). Without it
        a checkpoint (other developers' work, a base backup) may remove the segment the window starts in
        before `pg_walinspect` reads it."""
        with self._connect() as c:
            # A physical slot reserves from the last checkpoint's redo position: the window starts now.
            c.execute("SELECT pg_create_physical_replication_slot(%s, true, true)", [slot])
            row = c.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()
            assert row is not None
            yield str(row[0])

    def attributed(self, start: str, database: h.Database, database_oid: int) -> dict[str, Any]:
        """This database's WAL from `start` to the flushed end: bytes, full-page image bytes, records,
        and bytes by relation (a record counts for the relation of its first block; the records without
        a block, such as commits, under "(transaction records)"), with the server-wide bytes of the same
        window. A record is the database's when one of its blocks is (`rel <tablespace>/<database>/
        <relation>`), or when its transaction wrote one (commit records); its bytes are its length in
        the WAL, alignment and page headers included (end - start)."""
        with self._connect() as c:
            end_row = c.execute("SELECT pg_current_wal_flush_lsn()::text").fetchone()
            assert end_row is not None
            end = str(end_row[0])
            groups = c.execute(
                """
                WITH r AS (
                    SELECT xid::text AS xid, pg_wal_lsn_diff(end_lsn, start_lsn) AS bytes, fpi_length,
                           substring(block_ref FROM %(pattern)s) AS relation
                    FROM pg_get_wal_records_info(%(start)s::pg_lsn, %(end)s::pg_lsn)
                ), tx AS (SELECT DISTINCT xid FROM r WHERE relation IS NOT NULL AND xid <> '0')
                SELECT relation, count(*), sum(bytes), sum(fpi_length)
                FROM r WHERE relation IS NOT NULL OR xid IN (SELECT xid FROM tx)
                GROUP BY relation
                """,
                {"pattern": rf"^blkref #0: rel \d+/{database_oid}/(\d+)", "start": start, "end": end},
            ).fetchall()
            server = c.execute("SELECT pg_wal_lsn_diff(%s::pg_lsn, %s::pg_lsn)", [end, start]).fetchone()
        assert server is not None
        names = relation_names(database, [int(g[0]) for g in groups if g[0] is not None])
        by_relation: dict[str, dict[str, int]] = {}
        for relation, records, size, fpi in groups:
            name = "(transaction records)" if relation is None else names.get(int(relation), relation)
            entry = by_relation.setdefault(name, {"records": 0, "bytes": 0, "fpi_bytes": 0})
            entry["records"] += int(records)
            entry["bytes"] += int(size)
            entry["fpi_bytes"] += int(fpi)
        return {
            "bytes": sum(e["bytes"] for e in by_relation.values()),
            "fpi_bytes": sum(e["fpi_bytes"] for e in by_relation.values()),
            "records": sum(e["records"] for e in by_relation.values()),
            "server_bytes": int(server[0]),
            "by_relation": dict(sorted(by_relation.items(), key=lambda kv: -kv[1]["bytes"])),
        }


def relation_names(database: h.Database, filenodes: Sequence[int]) -> dict[int, str]:
    """Relation names (tables and indexes) of `database` by file node (catalogs included, whose file
    nodes pg_class does not list: `pg_filenode_relation` knows them)."""
    with psycopg.connect(host=database.host, port=database.port, user="postgres", dbname=database.name) as c:
        rows = c.execute(
            "SELECT node, pg_filenode_relation(0, node)::regclass::text FROM unnest(%s::oid[]) AS node",
            [list(filenodes)],
        ).fetchall()
    return {int(node): str(name) for node, name in rows if name is not None}


def vacuum(database: h.Database) -> None:
    """VACUUM the database before a row: every row starts with the dead row versions of the rows before
    it cleaned up, so that its figures do not depend on its place in the run. Without it the accounts
    (updated by every transfer) fill their pages with dead versions between two visits of autovacuum
    (once a minute per database), their updates stop being HOT and also write every index of
    `accounts`: more WAL and CPU for the rows that come later."""
    with psycopg.connect(
        host=database.host, port=database.port, user="postgres", dbname=database.name, autocommit=True
    ) as c:
        c.execute("VACUUM")


def checkpoint_count(database: h.Database) -> int:
    """Checkpoints the server has begun (timed and requested: every DROP DATABASE requests one)."""
    return int(database.scalar("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"))


def database_size(database: h.Database) -> Any:
    def size() -> int:
        return int(database.scalar("SELECT pg_database_size(current_database())"))

    return size


def measure(
    r: CostRow,
    wal: Wal,
    meter: BackendMeter,
    database: h.Database,
    database_oid: int,
    count: Any,
    body: Any,
) -> CostRow:
    """Run `body(r)` between two WAL positions and under the CPU meter; `count()` says how many
    transfers (or transactions) the database holds, before and after."""
    vacuum(database)
    r.others = busiest()
    size = database_size(database)
    before, disk_before, checkpoints = count(), size(), checkpoint_count(database)
    r.load_before = h.loadavg()
    with wal.window(f"razao_bench_scaling_{os.getpid()}") as start:
        with meter.measure() as cpu:
            body(r)
        r.transfers = count() - before
        found = wal.attributed(start, database, database_oid)
        r.disk_bytes = size() - disk_before
        r.checkpoints = checkpoint_count(database) - checkpoints
    r.wal_bytes, r.wal_fpi_bytes = found["bytes"], found["fpi_bytes"]
    r.wal_records, r.wal_server_bytes = found["records"], found["server_bytes"]
    r.wal_by_relation = found["by_relation"]
    r.load_after = h.loadavg()
    r.pg_cpu_s = cpu["pg_cpu_s"]
    r.pg_all_cpu_s = cpu["pg_all_cpu_s"]
    r.client_cpu_s = cpu["client_cpu_s"]
    r.derive()
    d = r.derived
    print(
        f"  {r.mode} {r.name}: {r.transfers:,} {r.unit}, {d['wal_bytes_per_transfer'] or 0:,.0f} WAL B each,"
        f" {d['transfers_per_pg_core_s'] or 0:,.0f} per PG core-second",
        file=sys.stderr,
    )
    return r


# --- db mode through a PL/Proxy router ----------------------------------------------------------------

ROUTED_LEDGER = "bench"

ROUTER_SQL = """
CREATE EXTENSION plproxy;
CREATE SERVER razao_ledgers FOREIGN DATA WRAPPER plproxy OPTIONS (p0 'host={host} port={port} dbname={name}');
CREATE USER MAPPING FOR PUBLIC SERVER razao_ledgers OPTIONS (user 'razao_app');
GRANT USAGE ON FOREIGN SERVER razao_ledgers TO PUBLIC;
CREATE SCHEMA razao_router;
CREATE TABLE razao_router.ledgers (ledger_id text PRIMARY KEY, partition int NOT NULL);
INSERT INTO razao_router.ledgers VALUES ('{ledger}', 0);
CREATE FUNCTION razao_router.partition_of(ledger text) RETURNS int LANGUAGE sql STABLE
    AS $$ SELECT partition FROM razao_router.ledgers WHERE ledger_id = ledger $$;
CREATE SCHEMA razao;
CREATE FUNCTION razao.post_transfers(ledger text, expected_version text, requests jsonb) RETURNS jsonb
LANGUAGE plproxy AS $$
    CLUSTER 'razao_ledgers';
    RUN ON razao_router.partition_of(ledger);
    SELECT razao.post_transfers(expected_version, requests);
$$;
GRANT USAGE ON SCHEMA razao, razao_router TO PUBLIC;
GRANT SELECT ON razao_router.ledgers TO PUBLIC;
"""


@contextmanager
def plproxy_router(db: h.Database) -> Iterator[tuple[h.Database | None, str]]:
    """A throwaway router database in front of `db` (its one partition), with
    `razao.post_transfers(ledger, expected_version, requests)` routed by a directory lookup as
    docs/scaling.md sketches it; (None, why) where PL/Proxy is not installed. Dropped on the way out."""
    router = h.database(f"{db.name}_router")
    h.drop_database(router.host, router.port, router.name)
    with psycopg.connect(
        host=db.host, port=db.port, user="postgres", dbname="postgres", autocommit=True
    ) as c:
        c.execute(f'CREATE DATABASE "{router.name}"')
    try:
        try:
            with psycopg.connect(
                host=db.host, port=db.port, user="postgres", dbname=router.name, autocommit=True
            ) as c:
                sql = ROUTER_SQL.format(host=db.host, port=db.port, name=db.name, ledger=ROUTED_LEDGER)
                c.execute(sql.encode())
        except psycopg.Error as error:
            yield None, f"skipped: no PL/Proxy router ({str(error).splitlines()[0][:100]})"
            return
        yield router, ""
    finally:
        h.drop_database(router.host, router.port, router.name)


# --- app mode: the use case in Python processes -----------------------------------------------------------


def _app_client(
    settings: Settings, first: int, accounts: int, size: int, seconds: float, seed: int
) -> tuple[int, float, list[str]]:
    """One app-mode process, as an API process would run the write path: calls of `size` transfers
    between accounts `first`..`first + accounts - 1` for `seconds`. Returns (calls that succeeded, CPU
    seconds of this process over the loop, failures); the first call (connecting) is not timed."""
    container = build_container(settings)
    write = container.unmetered_write_path()
    with contextlib.suppress(Exception):  # an empty batch is refused; the pool is open either way
        write.post_transfers([])
    rng = random.Random(seed)
    failed: list[str] = []
    calls = 0
    cpu0 = time.process_time()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        batch = []
        for _ in range(size):
            a = rng.randint(0, accounts - 1)
            b = (a + 1 + rng.randint(0, accounts - 2)) % accounts
            batch.append(
                TransferRequest.simple(
                    uuid.uuid4(),
                    debit_account_id=h.account_id(first + a),
                    credit_account_id=h.account_id(first + b),
                    amount=rng.randint(1, 100),
                )
            )
        try:
            write.post_transfers(batch)
            calls += 1
        except Exception as error:  # counted and reported, never hidden
            failed.append(type(getattr(error, "orig", None) or error).__name__)
    cpu = time.process_time() - cpu0
    dispose_engines(container)
    return calls, cpu, failed


def _app_rows(db: h.Database, seconds: int, size: int, clients: int, own_accounts: bool) -> Any:
    """The body of an app-mode row: `clients` processes (spawned, as uvicorn workers are separate
    processes) running `_app_client`."""

    def body(r: CostRow) -> None:
        settings = db.settings("app", pool=1)
        context = multiprocessing.get_context("spawn")
        span = BATCH_ACCOUNTS if own_accounts else ACCOUNTS
        t0 = time.perf_counter()
        with ProcessPoolExecutor(clients, mp_context=context) as pool:
            runs = [
                pool.submit(
                    _app_client, settings, 1 + (i * span if own_accounts else 0), span, size, seconds, i
                )
                for i in range(clients)
            ]
            results = [run.result() for run in runs]
        r.seconds = time.perf_counter() - t0
        r.app_cpu_s = sum(cpu for _, cpu, _ in results)
        failures = [f for _, _, fails in results for f in fails]
        r.failed = len(failures)
        r.note = "wall time includes process start-up; app CPU is the loop's only"
        if failures:
            r.note += "; failed: " + ", ".join(sorted(set(failures)))

    return body


# --- connections ----------------------------------------------------------------------------------------


def engine_ceilings(mode: str) -> dict[str, dict[str, int]]:
    """The engines the container wires (every `make_engine` singleton), with the connections each may
    open: `pool_size` kept idle, `max_overflow` more under load. Built with the default settings;
    creating an engine opens no connection."""
    container = build_container(Settings(execution_mode=mode))  # type: ignore[arg-type]
    out: dict[str, dict[str, int]] = {}
    try:
        for name, provider in Container.cls_providers.items():
            if isinstance(provider, providers.Singleton) and provider.provides is make_engine:
                pool = getattr(container, name)().pool
                size = int(pool.size())
                overflow = max(0, int(getattr(pool, "_max_overflow", 0)))
                out[name] = {"pool_size": size, "max_overflow": overflow, "ceiling": size + overflow}
    finally:
        dispose_engines(container)
    return out


def _socket_owners(pids: Sequence[int]) -> dict[int, int]:
    """Local TCP port -> pid, for the sockets the processes `pids` hold (from /proc/net/tcp{,6})."""
    inode_pid: dict[str, int] = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if link.startswith("socket:["):
                        inode_pid[link[8:-1]] = pid
    owners: dict[int, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table, encoding="ascii") as f:
            next(f)
            for line in f:
                parts = line.split()
                if parts[9] in inode_pid:
                    owners[int(parts[1].rsplit(":", 1)[1], 16)] = inode_pid[parts[9]]
    return owners


class ServeDefaults(http.Api):
    """`razao serve --workers N` with the default pool settings (what is measured here), stopped by its
    process id."""

    def __init__(self, db: h.Database, mode: str, workers: int) -> None:
        super().__init__(db, mode, workers, None, label="bench-scaling")
        if self.ready:
            self.stop()
            raise RuntimeError(f"razao serve is not ready: {self.ready}")

    def workers(self) -> list[int]:
        return sorted(h.children_of(self.process.pid))


def _load(base: str, token: str, seconds: float, stop: threading.Event, counts: dict[str, int]) -> None:
    """A mixed load from threads of this process: 32 posting single transfers, 2 posting batches of 200,
    16 reading accounts. Enough requests in flight to show what the pools open; not a throughput
    figure (the GIL limits this generator)."""
    rng = random.Random(7)
    lock = threading.Lock()

    def one(kind: str) -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
            while not stop.is_set():
                a = rng.randint(1, ACCOUNTS)
                b = 1 + (a + rng.randint(0, ACCOUNTS - 2)) % ACCOUNTS
                if kind == "read":
                    answer = c.get(f"/v1/accounts/{h.account_id(a)}")
                else:
                    items = [
                        {
                            "id": str(uuid.uuid4()),
                            "debit_account_id": str(h.account_id(1 + (a + i) % ACCOUNTS)),
                            "credit_account_id": str(h.account_id(1 + (b + i) % ACCOUNTS)),
                            "amount": 1,
                        }
                        for i in range(200 if kind == "batch" else 1)
                    ]
                    if items[0]["debit_account_id"] == items[0]["credit_account_id"]:
                        continue
                    answer = (
                        c.post("/v1/transfers", json=items[0])
                        if kind == "single"
                        else c.post("/v1/transfers/batch", json={"transfers": items})
                    )
                with lock:
                    key = f"{kind} {answer.status_code}"
                    counts[key] = counts.get(key, 0) + 1

    threads = [threading.Thread(target=one, args=(k,), daemon=True) for k in ["single"] * 32 + ["batch"] * 2]
    threads += [threading.Thread(target=one, args=("read",), daemon=True) for _ in range(16)]
    for t in threads:
        t.start()
    stop.wait(seconds)
    stop.set()
    for t in threads:
        t.join(70)


def observe_connections(db: h.Database, mode: str, token: str, seconds: float) -> dict[str, Any]:
    """`razao serve --workers 2` (default pools) under the mixed load: the most connections each worker
    process held at once (sampled every 0.1 s from pg_stat_activity, mapped to processes by client port),
    how many were active, and what each held once the load stopped."""
    api = ServeDefaults(db, mode, 2)
    stop = threading.Event()
    counts: dict[str, int] = {}
    peak: dict[int, int] = {}
    peak_active = 0
    peak_total = 0
    try:
        workers = api.workers()
        load = threading.Thread(target=_load, args=(api.base, token, seconds, stop, counts), daemon=True)
        with psycopg.connect(
            host=db.host, port=db.port, user="postgres", dbname=db.name, autocommit=True
        ) as c:
            load.start()
            while load.is_alive():
                rows = c.execute(
                    "SELECT client_port, state FROM pg_stat_activity"
                    " WHERE datname = %s AND usename = 'razao_app'",
                    [db.name],
                ).fetchall()
                owners = _socket_owners([api.process.pid, *workers])
                held: dict[int, int] = {}
                for port, _ in rows:
                    pid = owners.get(port, -1)
                    held[pid] = held.get(pid, 0) + 1
                for pid, n in held.items():
                    peak[pid] = max(peak.get(pid, 0), n)
                peak_active = max(peak_active, sum(1 for _, state in rows if state == "active"))
                peak_total = max(peak_total, len(rows))
                time.sleep(0.1)
            time.sleep(1.0)
            rows = c.execute(
                "SELECT client_port FROM pg_stat_activity WHERE datname = %s AND usename = 'razao_app'",
                [db.name],
            ).fetchall()
            owners = _socket_owners([api.process.pid, *workers])
            after: dict[int, int] = {}
            for (port,) in rows:
                pid = owners.get(port, -1)
                after[pid] = after.get(pid, 0) + 1
    finally:
        stop.set()
        api.stop()

    def label(pid: int) -> str:
        return "unmapped" if pid == -1 else ("master" if pid == api.process.pid else f"worker {pid}")

    return {
        "mode": mode,
        "api_workers": 2,
        "master_children": len(workers),
        "load_seconds": seconds,
        "requests": dict(sorted(counts.items())),
        "peak_by_process": {label(pid): n for pid, n in sorted(peak.items())},
        "idle_after_by_process": {label(pid): n for pid, n in sorted(after.items())},
        "peak_total": peak_total,
        "peak_active": peak_active,
    }


def server_limits(db: h.Database) -> dict[str, Any]:
    with psycopg.connect(host=db.host, port=db.port, user="postgres", dbname=db.name) as c:
        names = [
            "max_connections",
            "superuser_reserved_connections",
            "checkpoint_timeout",
            "max_wal_size",
            "full_page_writes",
            "wal_compression",
            "synchronous_commit",
            "wal_level",
            "shared_buffers",
            "server_version",
        ]
        return {n: c.execute(f"SHOW {n}").fetchone()[0] for n in names}  # type: ignore[index]


def arithmetic(
    ceilings: dict[str, dict[str, dict[str, int]]], observed: list[dict[str, Any]], limits: dict[str, Any]
) -> dict[str, Any]:
    """Connections for N API processes and M worker processes at their ceilings, against the server's
    `max_connections` minus the superuser reserve; PgBouncer turns this into its own pool size."""
    usable = int(limits["max_connections"]) - int(limits["superuser_reserved_connections"])
    out: dict[str, Any] = {"usable_server_connections": usable, "modes": {}}
    for mode, engines in ceilings.items():
        per_process = sum(e["ceiling"] for name, e in engines.items() if name not in UNUSED[mode])
        peaks = [max(o["peak_by_process"].values(), default=0) for o in observed if o["mode"] == mode]
        out["modes"][mode] = {
            "ceiling_per_process": per_process,
            "observed_peak_per_process": max(peaks, default=None),
            "processes_that_fit_at_ceiling": usable // per_process if per_process else None,
            "table": [
                {"processes": n, "ceiling": n * per_process, "fits": n * per_process <= usable}
                for n in (1, 2, 4, 8, 16, 32)
            ],
        }
    return out


# --- context --------------------------------------------------------------------------------------------


def throughput_context() -> list[dict[str, Any]]:
    """The rows of docs/data/throughput.json measured after the lean write path ("after"), rate and CPU."""
    if not THROUGHPUT_JSON.exists():
        return []
    data = json.loads(THROUGHPUT_JSON.read_text(encoding="utf-8"))
    out = []
    for level in ("sql", "http"):
        block = data.get("after", {}).get(level, {})
        for r in block.get("rows", []):
            if r.get("skipped") or not r.get("rate"):
                continue
            out.append(
                {
                    "level": level,
                    "mode": r["mode"],
                    "name": r["name"],
                    "clients": r["clients"],
                    "rate": round(r["rate"]),
                    "pg_cpu_s": r["pg_cpu_s"],
                    "api_cpu_s": r["api_cpu_s"],
                    "seconds": r["seconds"],
                    "pg_cpu_ms_per_unit": round(1000 * r["pg_cpu_s"] / (r["rate"] * r["seconds"]), 3),
                    "api_cpu_ms_per_unit": round(1000 * r["api_cpu_s"] / (r["rate"] * r["seconds"]), 3),
                    "measured_at": block.get("measured_at"),
                }
            )
    return out


# --- report ---------------------------------------------------------------------------------------------


def _f(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(rows: Sequence[CostRow]) -> str:
    lines = [
        "| mode | row | clients | per call | booked | WAL B/transfer | without FPI | server-wide WAL B/transfer"
        " | disk B/transfer | PG CPU ms/transfer | per PG core-s | per core-s all-in | PG CPU s | app CPU s"
        " | wall rate/s | checkpoints | load before→after | failed | note |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r.skipped:
            lines.append(f"| {r.mode} | {r.name} | {r.clients} | {r.per_call} | - |||||||||||||| {r.note} |")
            continue
        d = r.derived
        lines.append(
            f"| {r.mode} | {r.name} | {r.clients} | {r.per_call} | {r.transfers:,} {r.unit}"
            f" | {_f(d['wal_bytes_per_transfer'], ',.0f')} | {_f(d['wal_bytes_per_transfer_without_fpi'], ',.0f')}"
            f" | {_f(d['wal_server_bytes_per_transfer'], ',.0f')} | {_f(d['disk_bytes_per_transfer'], ',.0f')}"
            f" | {_f(d['pg_cpu_ms_per_transfer'], '.3f')}"
            f" | {_f(d['transfers_per_pg_core_s'], ',.0f')} | {_f(d['transfers_per_core_s_all_in'], ',.0f')}"
            f" | {r.pg_cpu_s:.2f} | {r.app_cpu_s:.2f} | {_f(d['wall_rate'], ',.0f')}"
            f" | {r.checkpoints} | {r.load_before:.2f}→{r.load_after:.2f} | {r.failed} | {r.note} |"
        )
    return "\n".join(lines)


def wal_breakdown(rows: Sequence[CostRow]) -> str:
    """WAL bytes per transfer by relation, full-page images left out (they depend on when the
    checkpoints fell), one column per row of the run."""
    measured = [r for r in rows if not r.skipped and r.transfers]
    relations: dict[str, float] = {}
    for r in measured:
        for name, e in r.wal_by_relation.items():
            relations[name] = max(relations.get(name, 0.0), (e["bytes"] - e["fpi_bytes"]) / r.transfers)
    header = "| relation | " + " | ".join(f"{r.mode} {r.name}" for r in measured) + " |"
    lines = [header, "|---|" + "---|" * len(measured)]
    for name in sorted(relations, key=lambda n: -relations[n]):
        cells = []
        for r in measured:
            found = r.wal_by_relation.get(name)
            cells.append(
                "" if found is None else f"{(found['bytes'] - found['fpi_bytes']) / r.transfers:,.0f}"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    totals = [f"{(r.wal_bytes - r.wal_fpi_bytes) / r.transfers:,.0f}" for r in measured]
    lines.append("| total | " + " | ".join(totals) + " |")
    return "\n".join(lines)


def busiest(seconds: float = 0.5) -> list[str]:
    """The processes (other than this one) that used the most CPU over `seconds`: what else was running
    when a row started, for the record."""
    own = os.getpid()

    def ticks() -> dict[int, int]:
        return {pid: st[1] for pid in h._pids() if pid != own and (st := h._stat(pid)) is not None}

    before = ticks()
    time.sleep(seconds)
    after = ticks()
    used = sorted(((t - before.get(pid, t), pid) for pid, t in after.items()), reverse=True)[:5]
    return [f"{100 * n / h.TICKS / seconds:.0f}% {h._cmdline(pid)[:90] or pid}" for n, pid in used if n > 0]


# --- main -----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="seconds per row (default 10)")
    parser.add_argument("--quick", action="store_true", help="3 seconds per row, for development")
    parser.add_argument("--database", default=f"razao_bench_scaling_{os.getpid()}")
    parser.add_argument("--skip-connections", action="store_true", help="no `razao serve` rows")
    parser.add_argument("--json", help="also write the figures to this file (replaced)")
    args = parser.parse_args(argv)
    seconds = 3 if args.quick else args.seconds
    load_start = h.loadavg()

    rows: list[CostRow] = []
    notes: list[str] = []
    observed: list[dict[str, Any]] = []
    with h.ledger_database(args.database, notes) as db:
        opened = max(ACCOUNTS, 2 * BATCH_ACCOUNTS, 4 * GROUP_ACCOUNTS)
        print(f"opening {opened} accounts in {db.name}", file=sys.stderr)
        h.open_accounts(db, range(1, opened + 1))
        version, note = _expected_version(db)
        if note:
            notes.append(note)
        limits = server_limits(db)
        wal = Wal(db)
        has_post_each = db.scalar(f"SELECT to_regprocedure('{POST_EACH}') IS NOT NULL")

        def transfers() -> int:
            return int(db.scalar("SELECT count(*) FROM transfers"))

        with (
            h.tpcb_database(db.host, db.port, f"{db.name}_tpcb") as tpcb,
            plproxy_router(db) as (router, router_note),
            tempfile.TemporaryDirectory() as tmp,
        ):
            metered = [db.name, tpcb.name] + ([router.name] if router is not None else [])
            postmaster = h.postmaster_pid(db)
            razao_oid, tpcb_oid = wal.oid(db.name), wal.oid(tpcb.name)

            def tpcb_count() -> int:
                return int(tpcb.scalar("SELECT count(*) FROM pgbench_history"))

            def pgbench_body(target: h.Database, run_args: list[str], clients: int, **variables: str) -> Any:
                def body(r: CostRow) -> None:
                    result = h.pgbench(
                        target,
                        run_args,
                        clients=clients,
                        seconds=seconds,
                        user=None if target is tpcb else "razao_app",
                        variables=None if target is tpcb else {"version": version, **variables},
                    )
                    r.seconds = seconds
                    r.failed = result.failed
                    if result.returncode != 0:
                        r.note = h._problem(result)

                return body

            def script(name: str, text: str, function: str) -> str:
                path = Path(tmp) / f"{name}.sql"
                path.write_text(text.replace("{function}", function), encoding="utf-8")
                return str(path)

            def row(r: CostRow, target: h.Database, count: Any, body: Any) -> None:
                oid = tpcb_oid if target is tpcb else razao_oid
                meter = BackendMeter(postmaster, metered)
                rows.append(measure(r, wal, meter, target, oid, count, body))

            row(
                CostRow("-", "pgbench TPC-B", 8, 1, unit="transactions"),
                tpcb,
                tpcb_count,
                pgbench_body(tpcb, ["-b", "tpcb-like"], 8),
            )
            single = script("single", SINGLE_SCRIPT, "razao.post_transfers")
            row(
                CostRow("db", "post_transfers, 1 per call", 8, 1),
                db,
                transfers,
                pgbench_body(db, ["-n", "-f", single], 8, accounts=str(ACCOUNTS)),
            )
            routed_row = CostRow("db", "post_transfers through a PL/Proxy router, 1 per call", 8, 1)
            if router is not None:
                routed_script = SINGLE_SCRIPT.replace(
                    "{function}(", f"razao.post_transfers('{ROUTED_LEDGER}', "
                )
                direct = pgbench_body(
                    router, ["-n", "-f", script("routed", routed_script, "")], 8, accounts=str(ACCOUNTS)
                )

                def routed(r: CostRow) -> None:
                    assert router is not None
                    with BackendMeter(postmaster, [router.name]).measure() as cpu:
                        direct(r)
                    r.router_cpu_s = cpu["pg_cpu_s"]

                row(routed_row, db, transfers, routed)
            else:
                routed_row.skipped, routed_row.note = True, router_note
                rows.append(routed_row)
            batch = {"batch_accounts": str(BATCH_ACCOUNTS), "size": "1000"}
            row(
                CostRow("db", "post_transfers, 1,000 per call", 2, 1000),
                db,
                transfers,
                pgbench_body(
                    db, ["-n", "-f", script("batch", BATCH_SCRIPT, "razao.post_transfers")], 2, **batch
                ),
            )
            if has_post_each:
                each = script("each", BATCH_SCRIPT, "razao.post_each")
                row(
                    CostRow("db", "post_each, 1,000 per call", 2, 1000),
                    db,
                    transfers,
                    pgbench_body(db, ["-n", "-f", each], 2, **batch),
                )
                row(
                    CostRow("db", "post_each, 16 per call (a commit group)", 4, 16),
                    db,
                    transfers,
                    pgbench_body(db, ["-n", "-f", each], 4, batch_accounts=str(GROUP_ACCOUNTS), size="16"),
                )
            else:
                rows.append(CostRow("db", "post_each", 2, 1000, skipped=True, note=f"no {POST_EACH}"))
            row(
                CostRow("app", "InAppWritePath.post_transfers, 1 per call", 4, 1),
                db,
                transfers,
                _app_rows(db, seconds, 1, 4, own_accounts=False),
            )
            row(
                CostRow("app", "InAppWritePath.post_transfers, 1,000 per call", 2, 1000),
                db,
                transfers,
                _app_rows(db, seconds, 1000, 2, own_accounts=True),
            )

        ceilings = {mode: engine_ceilings(mode) for mode in ("app", "db")}
        if not args.skip_connections:
            token = _api_key(db)
            for mode in ("app", "db"):
                print(f"  connections: razao serve --workers 2, {mode} mode", file=sys.stderr)
                observed.append(observe_connections(db, mode, token, max(seconds, 5)))

    defaults = Settings()
    connections: dict[str, Any] = {
        "settings": {
            "db_pool_size": defaults.db_pool_size,
            "db_max_overflow": defaults.db_max_overflow,
            "group_concurrency": defaults.group_concurrency,
            "api_workers_default": "os.cpu_count()",
            "worker_concurrency_default": inspect.signature(cli.worker).parameters["concurrency"].default,
        },
        "engines": ceilings,
        "observed": observed,
        "arithmetic": arithmetic(ceilings, observed, limits),
    }
    load_end = h.loadavg()

    print(
        f"\nRazão's cost per transfer on one primary ({os.cpu_count()} cores, PostgreSQL {limits['server_version']})"
    )
    print(f"seconds per row: {seconds}; load average {load_start:.2f} → {load_end:.2f}")
    print(table(rows))
    print("\nOther processes using CPU as each row started (0.5 s sample):")
    for r in rows:
        print(f"  {r.mode} {r.name}: " + ("; ".join(r.others[:3]) or "none"))
    print("\nWAL bytes per transfer (TPC-B: per transaction) by relation, without full-page images:")
    print(wal_breakdown(rows))
    print("\nConnections each process may open (default settings):")
    for mode, engines in ceilings.items():
        listed = [
            f"{n} {e['pool_size']}+{e['max_overflow']}" + (" (unused)" if n in UNUSED[mode] else "")
            for n, e in engines.items()
        ]
        print(f"  {mode}: " + ", ".join(listed))
    for o in observed:
        print(
            f"  observed, {o['mode']} mode, razao serve --workers {o['api_workers']}: peak per process"
            f" {o['peak_by_process']}, idle after {o['idle_after_by_process']}, peak active {o['peak_active']};"
            f" requests {o['requests']}"
        )
    a = connections["arithmetic"]
    print(f"  usable server connections: {a['usable_server_connections']}")
    for mode, m in a["modes"].items():
        print(
            f"  {mode}: ceiling {m['ceiling_per_process']} per process, observed peak"
            f" {m['observed_peak_per_process']}, {m['processes_that_fit_at_ceiling']} processes fit at the ceiling"
        )
    print("\nContext: docs/data/throughput.json (not rerun), CPU ms per transfer or request:")
    for t in throughput_context():
        print(
            f"  {t['level']} {t['mode']} {t['name']} ({t['clients']} clients): {t['rate']:,}/s,"
            f" PG {t['pg_cpu_ms_per_unit']} ms, API {t['api_cpu_ms_per_unit']} ms"
        )
    for note in notes:
        print(f"note: {note}")

    if args.json:
        data = {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": "python -m bench.scaling" + (" --quick" if args.quick else f" --seconds {seconds}"),
            "cores": os.cpu_count(),
            "server": limits,
            "seconds_per_row": seconds,
            "load_before": load_start,
            "load_after": load_end,
            "cost_rows": [asdict(r) for r in rows],
            "connections": connections,
            "throughput_context": throughput_context(),
            **({"notes": notes} if notes else {}),
        }
        os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
