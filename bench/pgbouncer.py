"""Write throughput through PgBouncer (transaction pooling) against direct connections, in one run.

    python -m bench.pgbouncer [--quick] [--seconds 10] [--pool-size 4] [--accounts 50]
                              [--batch-accounts 1000] [--json docs/data/pooling.json] [--key pooling]

The same pgbench scripts as `bench.sql` (imported from it: `razao.post_transfers` with one transfer per
call, 8 clients between `--accounts` accounts; and batches of 1,000 transfers per call, 2 clients on
accounts of their own), and pgbench's TPC-B, each run directly on PostgreSQL and then through a PgBouncer
in transaction mode (`razao.local.pgbouncer`, `default_pool_size = --pool-size`) started by this run.

Every pgbench row here runs with `-M simple` (the query text with its values, one round trip): PgBouncer
1.18 in transaction mode cannot carry protocol-level prepared statements (a statement prepared by name on
one server connection is missing on the next; tried with 4 clients on a pool of 2, `-M prepared` booked 2
transactions, then its clients stalled until `query_wait_timeout` closed them), so the direct rows use
the same mode and the only difference between a pair of rows is the pooler. TPC-B runs first and last with
`-M prepared` directly too, as `bench.sql` does: `vs TPC-B` divides by their mean (this machine is shared
and noisy); `vs direct` divides a PgBouncer row by its direct twin.

Each row also reports the most server connections (PostgreSQL backends of the row's database, sampled
every 50 ms from `pg_stat_activity`) and PgBouncer's own CPU seconds. The databases are created and dropped
by the run; PgBouncer is stopped by its PID, also when the run fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from bench import _harness as h
from bench.sql import BATCH_CLIENTS, BATCH_SCRIPT, BATCH_SIZE, SINGLE_CLIENTS, SINGLE_SCRIPT, TPCB_CLIENTS
from bench.sql import _expected_version as expected_version
from razao.local.pgbouncer import PgBouncer

APP_ROLE = "razao_app"


@contextmanager
def peak_backends(db: h.Database, ignore_ports: set[int], interval: float = 0.05) -> Iterator[dict[str, int]]:
    """The most client backends of `db` seen at once while the body runs, but for those connected from
    `ignore_ports` (PgBouncer's idle server connections, during a direct row)."""
    peak = {"server_connections": 0}
    stop = threading.Event()
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'"
        " AND NOT (client_port = ANY(%s))"
    )

    def sample() -> None:
        with psycopg.connect(
            host=db.host, port=db.port, user="postgres", dbname="postgres", autocommit=True
        ) as c:
            while not stop.wait(interval):
                count = c.execute(query, (db.name, sorted(ignore_ports))).fetchone()
                peak["server_connections"] = max(peak["server_connections"], int(count[0]) if count else 0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        stop.set()
        sampler.join()


def bouncer_ports(bouncer: PgBouncer) -> set[int]:
    """The local ports of PgBouncer's server connections (as PostgreSQL sees them: `client_port`)."""
    return {int(server["local_port"]) for server in bouncer.admin("SHOW SERVERS")}


def through(bouncer: PgBouncer, db: h.Database) -> h.Database:
    """`db` as PgBouncer serves it: the command-line tools (`libpq_args`) then connect to the pooler."""
    return h.Database(db.name, bouncer.url("postgres", db.name), bouncer.url(APP_ROLE, db.name))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="seconds per row (default 10)")
    parser.add_argument("--quick", action="store_true", help="3 seconds per row, for development")
    parser.add_argument("--pool-size", type=int, default=4, help="PgBouncer's server connections per pool")
    parser.add_argument("--accounts", type=int, default=50, help="accounts the single transfers move between")
    parser.add_argument(
        "--batch-accounts", type=int, default=1000, help="accounts of each client of the batch rows (its own)"
    )
    parser.add_argument("--database", default=f"razao_bench_pool_{os.getpid()}")
    parser.add_argument("--json", help="also write the rows to this file (under --key; other keys are kept)")
    parser.add_argument("--key", default="pooling", help="the JSON key of this run (default `pooling`)")
    args = parser.parse_args(argv)
    seconds = 3 if args.quick else args.seconds

    rows: list[h.Row] = []
    notes: list[str] = []
    with (
        h.ledger_database(args.database, notes) as db,
        h.tpcb_database(db.host, db.port, f"{db.name}_tpcb") as tpcb,
        tempfile.TemporaryDirectory(prefix="razao-bench-pgbouncer-") as tmp,
        PgBouncer.start(Path(tmp) / "pgbouncer", db.host, db.port, pool_size=args.pool_size) as bouncer,
    ):
        opened = max(args.accounts, BATCH_CLIENTS * args.batch_accounts)
        print(f"opening {opened} accounts in {db.name}; PgBouncer on port {bouncer.port}", file=sys.stderr)
        h.open_accounts(db, range(1, opened + 1))
        version, note = expected_version(db)
        if note:
            notes.append(note)
        meter = h.CpuMeter(h.postmaster_pid(db), [db.name, tpcb.name])
        variables = {
            # `-M simple` puts a variable's text into the query as it is (`-M prepared` binds it): quoted.
            "version": f"'{version}'",
            "accounts": str(args.accounts),
            "batch_accounts": str(args.batch_accounts),
            "size": str(BATCH_SIZE),
        }

        def script(name: str, text: str) -> str:
            path = Path(tmp) / f"{name}.sql"
            path.write_text(text.replace("{function}", "razao.post_transfers"), encoding="utf-8")
            return str(path)

        def measured(
            target: h.Database, path: str, r: h.Row, run: Callable[[], h.PgbenchResult], per_call: int
        ) -> h.Row:
            bouncer_ticks = h.tree_ticks(bouncer.pid)
            ignored = bouncer_ports(bouncer) if path == "direct" else set()
            with h.row(meter, r), peak_backends(target, ignored) as peak:
                h.fill_from_pgbench(r, run(), per_call, seconds)
            r.extra.update(
                peak, path=path, pgbouncer_cpu_s=(h.tree_ticks(bouncer.pid) - bouncer_ticks) / h.TICKS
            )
            r.note = (
                f"{path}; server connections ≤ {peak['server_connections']}"
                + (f"; PgBouncer CPU {r.extra['pgbouncer_cpu_s']:.1f} s" if path == "pgbouncer" else "")
                + (f"; {r.note}" if r.note else "")
            )
            print(f"  {r.name}: {r.rate:,.0f} {r.unit}/s", file=sys.stderr)
            return r

        def tpcb_row(path: str, mode: str, label: str) -> h.Row:
            target = through(bouncer, tpcb) if path == "pgbouncer" else tpcb
            r = h.Row("sql", "-", f"pgbench TPC-B -M {mode}, {path} ({label})", TPCB_CLIENTS, "tps")
            return measured(
                tpcb,
                path,
                r,
                lambda: h.pgbench(
                    target, ["-M", mode, "-b", "tpcb-like"], clients=TPCB_CLIENTS, seconds=seconds
                ),
                1,
            )

        def custom_row(path: str, name: str, file: str, clients: int, per_call: int) -> h.Row:
            target = through(bouncer, db) if path == "pgbouncer" else db
            r = h.Row("sql", "db", f"{name} -M simple, {path}", clients, "transfers")

            def run() -> h.PgbenchResult:
                return h.pgbench(
                    target,
                    ["-M", "simple", "-n", "-f", file],  # the later -M wins over the harness's `-M prepared`
                    clients=clients,
                    seconds=seconds,
                    user=APP_ROLE,
                    variables=variables,
                )

            return measured(db, path, r, run, per_call)

        single = script("single", SINGLE_SCRIPT)
        batch = script("batch", BATCH_SCRIPT)
        rows.append(tpcb_row("direct", "prepared", "before"))
        for path in ("direct", "pgbouncer"):
            rows.append(tpcb_row(path, "simple", "pair"))
        for path in ("direct", "pgbouncer"):
            rows.append(
                custom_row(
                    path, f"post_transfers single, {args.accounts} accounts", single, SINGLE_CLIENTS, 1
                )
            )
        for path in ("direct", "pgbouncer"):
            rows.append(
                custom_row(path, f"post_transfers batch {BATCH_SIZE}", batch, BATCH_CLIENTS, BATCH_SIZE)
            )
        rows.append(tpcb_row("direct", "prepared", "after"))
        carried = bouncer.stats().transactions(db.name) + bouncer.stats().transactions(tpcb.name)

    prepared = [r.rate for r in rows if r.name.startswith("pgbench TPC-B -M prepared") and r.rate == r.rate]
    reference = sum(prepared) / len(prepared) if prepared else None
    for r in rows:
        if r.unit == "transfers" and reference:
            r.vs_tpcb = r.rate / reference
    for direct, pooled in zip(rows[1:-1:2], rows[2:-1:2], strict=True):
        if direct.rate == direct.rate and direct.rate > 0:
            pooled.extra["vs_direct"] = round(pooled.rate / direct.rate, 3)
            pooled.note = f"{pooled.rate / direct.rate:.2f}× direct; {pooled.note}"
    h.report(
        f"Razão through PgBouncer (transaction mode, pool {args.pool_size}) vs direct,"
        f" pgbench -M simple, {os.cpu_count()} cores, PostgreSQL on {db.host}",
        rows,
        args.json,
        args.key,
        {
            "seconds_per_row": seconds,
            "pool_size": args.pool_size,
            "accounts": args.accounts,
            "batch_accounts_per_client": args.batch_accounts,
            "tpcb_scale": h.TPCB_SCALE,
            "tpcb_reference_tps": round(reference, 1) if reference else None,
            "pgbouncer_transactions": carried,
            "pgbouncer": "1.18 (Debian), pool_mode = transaction",
            **({"notes": notes} if notes else {}),
        },
    )


if __name__ == "__main__":
    main()
