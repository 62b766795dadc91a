"""Reads with 0, 1 and 2 read replicas (docs/replicas.md): wrk against `razao serve`, on one machine.

    python -m bench.replicas [--quick] [--seconds 10] [--workers 2] [--json docs/data/replicas.json]

The run makes a private primary cluster (initdb on a free port, as the storm does), migrates it, opens
accounts with the benchmarks' numbered ids and books transfers between them, then copies it into two
streaming hot standbys (`pg_basebackup -R`, razao.local.standby). For 0, 1 and 2 replicas it starts
`razao serve --workers N` with `RAZAO_REPLICA_URLS` naming that many standbys and measures with wrk:

- GET /v1/accounts/{id}/balance of a random account;
- GET /v1/accounts/{id}/entries, the first statement page of a random account;

then a read-your-writes probe: sequential pairs of a transfer and a balance read sending back the write's
consistency token, counting the reads that showed the write (all of them must) and where they went.

Where the reads went comes from `razao_reads_total` of `/metrics` (all worker processes), read before and
after each row. Everything runs on the same machine and its few cores: the primary, the standbys (whose
replay also costs CPU), the API and wrk. The figures show what routing costs and that reads do move to
the replicas; they say nothing of the capacity replicas on their own machines would add.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from tests.suites.storm.cluster import PrivateCluster

from adapters.db import migrate
from application.api_keys import create_api_key
from bench import _harness as h
from bench import http
from razao.container import build_container, dispose_engines
from razao.local.standby import Standby

WRK = Path(__file__).resolve().parent / "wrk"
BALANCE_LUA = """-- GET the balance of a random account (written by bench/replicas.py for its run).
local razao = dofile("{common}")

function request()
   return razao.get("/v1/accounts/" .. razao.random_account() .. "/balance")
end
"""
TOKEN = "Razao-Consistency-Token"
SOURCE = "Razao-Read-Source"


def _api_key(db: h.Database) -> str:
    container = build_container(db.settings("app", pool=1))
    try:
        _, token = create_api_key(
            "bench-replicas", ["admin"], container.admin_uow(), container.clock(), container.ids()
        )
        return token
    finally:
        dispose_engines(container)


def _seed(db: h.Database, accounts: int, transfers: int) -> None:
    """Accounts 1..accounts, and `transfers` random transfers between them (statement pages)."""
    from domain.accounts import Side
    from domain.transfers import Posting, TransferRequest

    h.open_accounts(db, range(1, accounts + 1))
    container = build_container(db.settings("app", pool=2))
    try:
        rng = random.Random(7)
        path = container.unmetered_write_path()
        batch: list[TransferRequest] = []
        for _ in range(transfers):
            a, b = rng.sample(range(1, accounts + 1), 2)
            amount = rng.randint(1, 100)
            postings = (
                Posting(h.account_id(a), Side.DEBIT, amount),
                Posting(h.account_id(b), Side.CREDIT, amount),
            )
            batch.append(TransferRequest(uuid.UUID(int=rng.getrandbits(128), version=4), postings))
            if len(batch) == 500:
                path.post_transfers(batch)
                batch = []
        if batch:
            path.post_transfers(batch)
    finally:
        dispose_engines(container)


class Api(http.Api):
    """`razao serve` (app mode) on the primary with these replicas; stopped by its process id."""

    def __init__(self, cluster: PrivateCluster, replicas: list[str], workers: int, pool: int) -> None:
        super().__init__(
            cluster,
            "app",
            workers,
            pool,
            env={"RAZAO_REPLICA_URLS": ",".join(replicas)},
            label="bench-replicas",
        )
        if self.ready:
            self.stop()
            raise RuntimeError(f"razao serve is not ready: {self.ready}")

    def reads(self) -> dict[str, float]:
        """`razao_reads_total` by `source/reason` (all worker processes)."""
        text = httpx.get(f"{self.base}/metrics", timeout=10).text
        totals: dict[str, float] = {}
        for line in text.splitlines():
            match = re.match(r"^razao_reads_total\{(.*)\} ([0-9.e+]+)$", line)
            if match:
                labels = dict(re.findall(r'([a-z]+)="([a-z_]+)"', match.group(1)))
                key = f"{labels.get('source', '?')}/{labels.get('reason', '?')}"
                totals[key] = totals.get(key, 0.0) + float(match.group(2))
        return totals


def _wrk(api: Api, token: str, script: Path, connections: int, seconds: int, accounts: int) -> dict[str, Any]:
    cmd = [
        shutil.which("wrk") or "wrk",
        "--latency",
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "30s",
        "-H",
        f"Authorization: Bearer {token}",
        "-s",
        str(script),
        api.base,
        "--",
        str(accounts),
        str(random.randrange(1, 2**31)),
        "1",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            figures: dict[str, Any] = json.loads(line[len("WRK_JSON ") :])
            return figures
    raise RuntimeError(
        f"wrk printed no figures (exit {done.returncode}): {done.stdout[-500:]} {done.stderr[-500:]}"
    )


def _shares(before: dict[str, float], after: dict[str, float]) -> dict[str, int]:
    went = {k: int(after.get(k, 0) - before.get(k, 0)) for k in sorted(set(after) | set(before))}
    return {k: v for k, v in went.items() if v}


def _probe(api: Api, token: str, accounts: int, pairs: int) -> dict[str, Any]:
    """Sequential write + token read pairs: how many reads showed their write, from where, how fast."""
    auth = {"Authorization": f"Bearer {token}"}
    rng = random.Random(11)
    seen, sources, took = 0, {"replica": 0, "primary": 0}, []
    with httpx.Client(base_url=api.base, headers=auth, timeout=30) as client:
        for _ in range(pairs):
            a, b = rng.sample(range(1, accounts + 1), 2)
            credit = str(h.account_id(b))
            before = client.get(f"/v1/accounts/{credit}/balance").json()["posted_balance"]
            body = {"id": str(uuid.uuid4())}
            amount = rng.randint(1, 100)
            write = client.post(
                "/v1/transfers",
                json={
                    **body,
                    "debit_account_id": str(h.account_id(a)),
                    "credit_account_id": credit,
                    "amount": amount,
                },
            )
            write.raise_for_status()
            began = time.perf_counter()
            read = client.get(f"/v1/accounts/{credit}/balance", headers={TOKEN: write.headers.get(TOKEN, "")})
            took.append(time.perf_counter() - began)
            read.raise_for_status()
            # `before` may itself be stale (a replica, no token); the read must show at least the write.
            if read.json()["posted_balance"] >= before + amount:
                seen += 1
            where = read.headers.get(SOURCE, "primary")
            sources[where] = sources.get(where, 0) + 1
    took.sort()
    return {
        "pairs": pairs,
        "reads_showing_the_write": seen,
        "sources": sources,
        "p50_ms": round(h.percentile(took, 0.5) * 1000, 2),
        "p99_ms": round(h.percentile(took, 0.99) * 1000, 2),
    }


@contextmanager
def _cluster() -> Iterator[tuple[PrivateCluster, list[Standby]]]:
    cluster = PrivateCluster.create()
    made: list[Standby] = []
    try:
        yield cluster, made
    finally:
        for standby in made:
            standby.destroy()
        cluster.destroy()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="3 s per row, 300 accounts")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--transfers", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pool", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--json", dest="json_path", default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.accounts, args.transfers, args.pairs = 3, 300, 2000, 50
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk (or scripts/bench-setup.sh)")
    load_before = h.loadavg()
    rows: list[dict[str, Any]] = []
    probes: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory(prefix="razao-bench-replicas-") as scratch,
        _cluster() as (cluster, standbys),
    ):
        balance_lua = Path(scratch) / "balance.lua"
        balance_lua.write_text(BALANCE_LUA.format(common=WRK / "common.lua"))
        db = h.Database("razao", cluster.admin_url, cluster.app_url)
        migrate.ensure_database(db.admin_url)
        migrate.upgrade(db.admin_url, "head")
        _seed(db, args.accounts, args.transfers)
        token = _api_key(db)
        for _ in range(2):
            standbys.append(Standby.create(cluster.port))
        print(f"primary :{cluster.port}, standbys :{standbys[0].port} :{standbys[1].port}", file=sys.stderr)
        for count in (0, 1, 2):
            api = Api(cluster, [s.url("razao_app") for s in standbys[:count]], args.workers, args.pool)
            try:
                for name, script in (
                    ("GET balance", balance_lua),
                    ("GET statement page", WRK / "statement.lua"),
                ):
                    before = api.reads()
                    f = _wrk(api, token, script, args.connections, args.seconds, args.accounts)
                    went = _shares(before, api.reads())
                    rate = f["ok"] / (f["duration_us"] / 1e6)
                    row = {
                        "replicas": count,
                        "name": name,
                        "reads_per_s": round(rate, 1),
                        "p50_ms": f["p50_us"] / 1000,
                        "p99_ms": f["p99_us"] / 1000,
                        "failed": f["requests"] - f["ok"],
                        "database_reads": went,
                    }
                    rows.append(row)
                    print(
                        f"  {count} replicas, {name}: {rate:,.0f}/s p99 {row['p99_ms']:.1f} ms {went}",
                        file=sys.stderr,
                    )
                if count:
                    before = api.reads()
                    probe = {"replicas": count, **_probe(api, token, args.accounts, args.pairs)}
                    probe["database_reads"] = _shares(before, api.reads())
                    probes.append(probe)
                    print(f"  {count} replicas, read-your-writes: {probe}", file=sys.stderr)
            finally:
                api.stop()
    meta = {
        "seconds": args.seconds,
        "accounts": args.accounts,
        "transfers": args.transfers,
        "workers": args.workers,
        "connections": args.connections,
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "load_after": h.loadavg(),
        "note": "one machine: primary, standbys, API and wrk share its cores; overhead and correctness, not capacity",
    }
    print(f"\nReads with 0, 1, 2 replicas ({meta['cpus']} CPUs, load {load_before} -> {meta['load_after']})")
    print("| replicas | read | reads/s | p50 ms | p99 ms | failed | database reads by source |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        shown = ", ".join(f"{k} {v}" for k, v in r["database_reads"].items()) or "primary (no routing)"
        print(
            f"| {r['replicas']} | {r['name']} | {r['reads_per_s']:,.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {r['failed']} | {shown} |"
        )
    print(
        "\n| replicas | write + token read pairs | reads showing the write | from replica / primary"
        " | p50 ms | p99 ms | database reads of the probe |"
    )
    print("|---|---|---|---|---|---|---|")
    for p in probes:
        print(
            f"| {p['replicas']} | {p['pairs']} | {p['reads_showing_the_write']} | {p['sources'].get('replica', 0)} / "
            f"{p['sources'].get('primary', 0)} | {p['p50_ms']} | {p['p99_ms']} | "
            + ", ".join(f"{k} {v}" for k, v in p["database_reads"].items())
            + " |"
        )
    if args.json_path:
        Path(args.json_path).write_text(
            json.dumps({"meta": meta, "rows": rows, "probes": probes}, indent=2) + "\n"
        )


if __name__ == "__main__":
    main()
