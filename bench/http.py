"""Throughput at the HTTP level, with wrk (a C load generator) and the Lua scripts of bench/wrk, beside
pgbench's built-in TPC-B on the same server, in one run.

    python -m bench.http [--quick] [--seconds 10] [--modes app db] [--workers 2] [--json docs/data/throughput.json]

For each execution mode it starts `razao serve --workers N` (RAZAO_EXECUTION_MODE=app|db) on a free port,
against a database the run creates (2,000 accounts plus one hot account, numbered so that the Lua scripts
build their ids) and drops, and measures with `wrk --latency`:

- POST /v1/transfers, one transfer per request between random accounts, 64 connections;
- the same, every transfer crediting one hot account, 64 connections;
- POST /v1/transfers/batch, 1,000 transfers booked atomically, 2 connections;
- POST /v1/transfers/bulk, 1,000 transfers with one result each, 2 connections (skipped with a note where
  the route answers 404 or 405);
- GET /v1/accounts/{id}, 64 connections;
- GET /v1/accounts/{id}/entries, the first statement page, 64 connections.

pgbench's TPC-B-like script with 8 clients runs first and last. Each row reports its rate (transfers/s for
writes, requests/s for reads), p50/p99 of one request, CPU seconds of the API processes (uvicorn master and
workers), of PostgreSQL (this run's databases and the background processes; `PG all`: the whole server) and
of wrk, and the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import httpx

from application.api_keys import create_api_key
from bench import _harness as h
from razao.container import dispose_engines

WRK = Path(__file__).resolve().parent / "wrk"
TPCB_CLIENTS = 8
HOT = 0  # the hot account's number (the others are 1..accounts)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _api_key(db: h.Database) -> str:
    container = h.app_container(db, "app", pool=1)
    try:
        _, token = create_api_key(
            "bench-http", ["admin"], container.admin_uow(), container.clock(), container.ids()
        )
        return token
    finally:
        dispose_engines(container)


class Servable(Protocol):
    """Where `razao serve` runs: a database's URLs (`h.Database`, the storm's `PrivateCluster`)."""

    @property
    def app_url(self) -> str: ...

    @property
    def admin_url(self) -> str: ...


class Api:
    """`razao serve` in a process of its own; stopped by its process id. `pool` None: the default pool
    settings (`RAZAO_DB_POOL_SIZE`/`_MAX_OVERFLOW` unset); otherwise that pool and no overflow. `env`: more
    RAZAO_* settings, over this process's environment."""

    def __init__(
        self,
        db: Servable,
        mode: str,
        workers: int,
        pool: int | None,
        *,
        env: Mapping[str, str] | None = None,
        label: str = "bench",
    ) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        settings = dict(os.environ)  # RAZAO_KERNEL and the like pass through
        settings |= {
            "RAZAO_DATABASE_URL": db.app_url,
            "RAZAO_ADMIN_DATABASE_URL": db.admin_url,
            "RAZAO_EXECUTION_MODE": mode,
            "RAZAO_LOG_LEVEL": "WARNING",
        }
        if pool is not None:
            settings |= {"RAZAO_DB_POOL_SIZE": str(pool), "RAZAO_DB_MAX_OVERFLOW": "0"}
        settings |= dict(env or {})
        cmd = [
            sys.executable,
            "-m",
            "razao.cli",
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ]
        # The server's log goes to a file (a failing row logs every request); its tail is shown if it dies.
        fd, self.log = tempfile.mkstemp(prefix=f"razao-{label}-{mode}-", suffix=".log")
        with os.fdopen(fd, "wb") as log:
            self.process = subprocess.Popen(cmd, env=settings, stdout=log, stderr=subprocess.STDOUT)
        self.ready = self._wait()

    def _wait(self) -> str:
        """Wait until the API answers; its readiness status (a note when it is not 200)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = Path(self.log).read_text(errors="replace")[-2000:]
                raise RuntimeError(f"razao serve exited with {self.process.returncode}: {tail}")
            try:
                if httpx.get(f"{self.base}/health/live", timeout=2).status_code == 200:
                    ready = httpx.get(f"{self.base}/health/ready", timeout=10)
                    return (
                        ""
                        if ready.status_code == 200
                        else f"readiness {ready.status_code}: {ready.text[:200]}"
                    )
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("razao serve did not answer within 60 s")

    def stop(self, keep_log: bool = False) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        if not keep_log:
            os.unlink(self.log)


def _bulk_available(api: Api, token: str) -> tuple[bool, str]:
    body = {
        "transfers": [
            {
                "id": f"00000000-0000-4000-8000-{random.getrandbits(40):012x}",
                "debit_account_id": str(h.account_id(1)),
                "credit_account_id": str(h.account_id(2)),
                "amount": 1,
            }
        ]
    }
    answer = httpx.post(
        f"{api.base}/v1/transfers/bulk", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    if answer.status_code in (404, 405):
        return False, f"skipped: POST /v1/transfers/bulk answers {answer.status_code} (no bulk route yet)"
    if answer.status_code != 200:
        return True, f"probe answered {answer.status_code}: {answer.text[:120]}"
    return True, ""


def _wrk(
    api: Api, token: str, script: str, connections: int, seconds: int, accounts: int, size: int
) -> dict[str, float | int | str]:
    cmd = [
        shutil.which("wrk") or "wrk",
        "--latency",
        "-t",
        str(min(2, connections)),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "60s",
        "-H",
        f"Authorization: Bearer {token}",
        "-s",
        str(WRK / script),
        api.base,
        "--",
        str(accounts),
        str(random.randrange(1, 2**31)),
        str(size),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            figures: dict[str, float | int | str] = json.loads(line[len("WRK_JSON ") :])
            return figures
    raise RuntimeError(
        f"wrk printed no figures (exit {done.returncode}): {done.stdout[-500:]} {done.stderr[-500:]}"
    )


def _measure(
    meter: h.CpuMeter,
    api: Api,
    token: str,
    mode: str,
    name: str,
    script: str,
    connections: int,
    seconds: int,
    accounts: int,
    per_request: int,
) -> h.Row:
    unit = "requests" if script in ("get_account.lua", "statement.lua") else "transfers"
    with h.row(meter, h.Row("http", mode, name, connections, unit)) as r:
        f = _wrk(api, token, script, connections, seconds, accounts, per_request)
    duration = int(f["duration_us"]) / 1e6
    ok = int(f["ok"])
    r.seconds = duration
    r.calls = ok
    r.rate = ok * per_request / duration if duration else float("nan")
    r.p50_ms = int(f["p50_us"]) / 1000
    r.p99_ms = int(f["p99_us"]) / 1000
    failed = int(f["requests"]) - ok
    errors = sum(int(f[k]) for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    r.failed = failed + errors
    r.extra = f
    if r.failed:
        r.note = (
            f"{f['status_4xx']} 4xx, {f['status_5xx']} 5xx, {errors} socket errors/timeouts; first: "
            + str(f["first_error"])[:100].replace("|", "/")
        )
    print(f"  {mode} {name}: {r.rate:,.0f} {unit}/s p99 {r.p99_ms:.1f} ms", file=sys.stderr)
    return r


def _mode_rows(
    args: argparse.Namespace,
    db: h.Database,
    mode: str,
    token: str,
    seconds: int,
    meter: h.CpuMeter,
    notes: list[str],
) -> list[h.Row]:
    """The HTTP rows of one execution mode, against an API process of its own."""
    api = Api(db, mode, args.workers, args.pool)
    meter.api_pid = api.process.pid
    rows: list[h.Row] = []
    c, b, size = args.connections, args.batch_connections, args.batch_size

    def measure(name: str, script: str, connections: int, per_request: int) -> h.Row:
        return _measure(
            meter, api, token, mode, name, script, connections, seconds, args.accounts, per_request
        )

    try:
        if api.ready:
            notes.append(f"{mode}: {api.ready}")
        rows.append(measure(f"POST transfer, {args.accounts} accounts", "transfer.lua", c, 1))
        rows.append(measure("POST transfer, hot credit account", "transfer_hot.lua", c, 1))
        rows.append(measure(f"POST batch {size} (atomic)", "batch.lua", b, size))
        available, note = _bulk_available(api, token)
        if available:
            rows.append(measure(f"POST bulk {size}", "bulk.lua", b, size))
            rows[-1].note = (note + " " + rows[-1].note).strip()
        else:
            rows.append(h.skipped("http", mode, f"POST bulk {size}", b, "transfers", note))
        rows.append(measure("GET account", "get_account.lua", args.read_connections, 1))
        rows.append(measure("GET statement page", "statement.lua", args.read_connections, 1))
    finally:
        failing = any(int(r.extra.get("status_5xx", 0)) for r in rows)
        api.stop(keep_log=failing)
        if failing:
            notes.append(f"{mode}: 5xx answers; the server's log is kept in {api.log}")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="seconds per row (default 10)")
    parser.add_argument("--quick", action="store_true", help="3 seconds per row, for development")
    parser.add_argument("--modes", nargs="+", default=["app", "db"], choices=["app", "db"])
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    parser.add_argument(
        "--pool",
        type=int,
        default=10,
        help="connections per engine and worker (RAZAO_DB_POOL_SIZE, no overflow)",
    )
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=64, help="wrk connections of the single rows")
    parser.add_argument("--read-connections", type=int, default=8, help="wrk connections of the GET rows")
    parser.add_argument("--batch-connections", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=1000, help="transfers per batch and bulk request")
    parser.add_argument("--database", default=f"razao_bench_http_{os.getpid()}")
    parser.add_argument(
        "--migrations-code",
        action="store_true",
        help="run the code the migrations deploy, even when the checkout's sources differ from it",
    )
    parser.add_argument("--json", help="also write the rows to this file (key `http`; other keys are kept)")
    args = parser.parse_args(argv)
    seconds = 3 if args.quick else args.seconds
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: run ./scripts/bench-setup.sh")

    rows: list[h.Row] = []
    notes: list[str] = []
    with h.ledger_database(args.database, notes, checkout_code=not args.migrations_code) as db:
        print(f"opening {args.accounts + 1} accounts in {db.name}", file=sys.stderr)
        h.open_accounts(db, range(HOT, args.accounts + 1))
        token = _api_key(db)
        with h.tpcb_database(db.host, db.port, f"{db.name}_tpcb") as tpcb:
            postmaster = h.postmaster_pid(db)
            meter = h.CpuMeter(postmaster, [db.name, tpcb.name])
            rows.append(h.tpcb_row("http", tpcb, meter, TPCB_CLIENTS, seconds, "before"))
            for mode in args.modes:
                rows += _mode_rows(
                    args, db, mode, token, seconds, h.CpuMeter(postmaster, [db.name, tpcb.name]), notes
                )
            meter = h.CpuMeter(postmaster, [db.name, tpcb.name])
            rows.append(h.tpcb_row("http", tpcb, meter, TPCB_CLIENTS, seconds, "after"))

    h.finish(
        f"Razão over HTTP (wrk, uvicorn --workers {args.workers}), {os.cpu_count()} cores, PostgreSQL on {db.host}",
        rows,
        TPCB_CLIENTS,
        args.json,
        "http",
        {
            "seconds_per_row": seconds,
            "accounts": args.accounts,
            "workers": args.workers,
            "pool_per_engine_and_worker": args.pool,
            **({"notes": notes} if notes else {}),
        },
    )


if __name__ == "__main__":
    main()
