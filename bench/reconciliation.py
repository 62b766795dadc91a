"""Reconciliation at scale: a statement of 100,000 lines against a mirror account of 1,000,000 transfers.

    python -m bench.reconciliation [--quick] [--transfers 1000000] [--every 10] [--chunk-lines 5000]
                                   [--modes app,db] [--json FILE]

The ledger: one debit-normal mirror account ("the bank") and a credit-normal counterpart, `--transfers`
transfers between them booked evenly over one year (70 % money in, 30 % out; amounts 0.01 to 10,000.00),
each described "R<n>" (the reference the rule reads). It is written with set-based SQL as the superuser,
100,000 transfers per INSERT, through every trigger (`entries_book` checks sequences, `balance_after` and
value dates, and fills `account_value_days`), then VACUUM ANALYZE.

The statement: every `--every`-th transfer as a bank line (the same amount and direction), its value date
0 to 2 days after the ledger's, with the reference in 98 % of the lines (the others match by amount and
date alone, when nothing else of that amount is near); plus 1 % bank fees that no transfer explains. It is
written as the import writes it (revision 0022), with the closing balance of the bank's own lines.

Each mode (`app`: the ledger window read over SQLAlchemy in this process; `db`: read inside PostgreSQL
through `razao.recon_ledger_window`) runs one real run (matches stored) of the default rule with references
on the transfer's description, in a process of its own (its peak RSS is that run's), on its own copy of
the database (`CREATE DATABASE ... TEMPLATE`). Printed per mode: wall time, lines/s, the summary, the
closing balance check, peak RSS of the run's process, and the largest ledger window one chunk read (the
most entries held at once). In the `db` mode a window is also built inside the PostgreSQL backend that
runs `razao.recon_ledger_window`: the peak RSS of the run's backends (`VmHWM`, read from /proc after
each chunk, so only when PostgreSQL runs on this machine) is printed too, and that peak less the shared
buffers the backend maps (`RssShmem`, at most `shared_buffers`): about what the backend allocated.
Target: <= 60 s for 100,000 lines against 1,000,000 transfers, memory flat (bounded by a chunk's window,
not by the ledger) in the run's process and, in the `db` mode, in its backends. `--quick`: 100,000
transfers. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from bench import _harness as h

START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=365)
OPENED = START - timedelta(days=10)
CHUNK = 100_000
BANK = uuid.UUID("00000000-0000-4000-8000-00000000b4a1")
COUNTERPART = uuid.UUID("00000000-0000-4000-8000-00000000c0a1")
STATEMENT = uuid.UUID("00000000-0000-4000-8000-000000057a7e")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _connect(url: str) -> psycopg.Connection[Any]:
    u = make_url(url)
    return psycopg.connect(
        host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database, autocommit=True
    )


def seed(db: h.Database, transfers: int, every: int) -> dict[str, Any]:
    started = time.perf_counter()
    with _connect(db.admin_url) as c:
        c.execute("SET synchronous_commit = off")
        c.execute("SET work_mem = '256MB'")
        c.execute("INSERT INTO assets (code, scale, created_at) VALUES ('BRL', 2, %s)", (OPENED,))
        c.execute(
            "INSERT INTO accounts (id, code, name, asset_code, normal_side, min_balance, status, created_at)"
            " VALUES (%(b)s, 'bench:recon:bank', 'Bank', 'BRL', 'debit', NULL, 'active', %(at)s),"
            " (%(c)s, 'bench:recon:counterpart', 'Customers', 'BRL', 'credit', NULL, 'active', %(at)s)",
            {"b": BANK, "c": COUNTERPART, "at": OPENED},
        )
        c.execute("SELECT setseed(0.23)")
        # signed: + money into the bank (bank debited, counterpart credited), - out; both balances are the
        # running sum (the bank is debit-normal, the counterpart credit-normal)
        c.execute(
            """
            CREATE UNLOGGED TABLE bench_recon_rows AS
            SELECT i, gen_random_uuid() AS transfer_id, at, signed, sum(signed) OVER (ORDER BY i) AS balance
            FROM (
                SELECT i, %(start)s + (i - 1) * (%(span)s / %(n)s) AS at,
                       (CASE WHEN random() < 0.7 THEN 1 ELSE -1 END) * (1 + floor(random() * 1000000))::numeric
                           AS signed
                FROM generate_series(1, %(n)s) AS i
            ) s
            """,
            {"start": START, "span": SPAN, "n": transfers},
        )
        c.execute("ALTER TABLE bench_recon_rows ADD PRIMARY KEY (i)")
        for low in range(0, transfers, CHUNK):
            chunk = "FROM bench_recon_rows WHERE i > %(low)s AND i <= %(high)s"
            params = {"low": low, "high": low + CHUNK, "b": BANK, "c": COUNTERPART}
            c.execute(
                "INSERT INTO transfers (id, status, two_phase, description, metadata, effective_at, created_at,"
                " fingerprint) SELECT transfer_id, 'posted', false, 'R' || i, '{}'::jsonb, at, at,"
                f" md5(transfer_id::text) {chunk} ORDER BY i",
                params,
            )
            c.execute(
                "INSERT INTO entries (transfer_id, account_id, seq, line, layer, side, amount, asset_code,"
                " balance_after, created_at, effective_at)"
                " SELECT transfer_id, %(b)s, i, 0, 'posted', CASE WHEN signed > 0 THEN 'debit' ELSE 'credit' END,"
                f" abs(signed), 'BRL', balance, at, at {chunk}"
                " UNION ALL SELECT transfer_id, %(c)s, i, 1, 'posted',"
                " CASE WHEN signed > 0 THEN 'credit' ELSE 'debit' END,"
                f" abs(signed), 'BRL', balance, at, at {chunk}",
                params,
            )
            _log(f"  {min(low + CHUNK, transfers):,} transfers ({time.perf_counter() - started:.0f} s)")
        # the statement: every `every`-th transfer, 0-2 days later, 2 % without a reference; 1 % fees
        c.execute(
            """
            CREATE UNLOGGED TABLE bench_recon_lines AS
            SELECT row_number() OVER (ORDER BY day, i) AS line_no, * FROM (
                SELECT i, ((at AT TIME ZONE 'UTC')::date + (i %% 3)) AS day, abs(signed) AS amount,
                       CASE WHEN signed > 0 THEN 'credit' ELSE 'debit' END AS direction,
                       CASE WHEN i %% 50 = 7 THEN '' ELSE 'R' || i END AS reference
                FROM bench_recon_rows WHERE i %% %(every)s = 0
                UNION ALL
                SELECT -k, (%(start)s::date + (k %% 365)), 1000000 + k, 'debit', ''
                FROM generate_series(1, %(fees)s) AS k
            ) s
            """,
            {"every": every, "start": START, "fees": max(1, transfers // every // 100)},
        )
        lines, closing, first, last = c.execute(
            "SELECT count(*), sum(CASE WHEN direction = 'credit' THEN amount ELSE -amount END), min(day), max(day)"
            " FROM bench_recon_lines"
        ).fetchone()  # type: ignore[misc]
        c.execute(
            "INSERT INTO bank_statements (id, account_id, format, content_sha256, statement_ref, asset_code,"
            " opening_balance, closing_balance, opening_date, closing_date, line_count, lines_skipped,"
            " source_name, imported_by, imported_at) VALUES (%(s)s, %(b)s, 'csv', md5('x') || md5('y'), 'BENCH',"
            " 'BRL', 0, %(closing)s, %(first)s, %(last)s, %(lines)s, 0, 'bench.csv', 'bench', now())",
            {"s": STATEMENT, "b": BANK, "closing": closing, "first": first, "last": last, "lines": lines},
        )
        c.execute(
            "INSERT INTO statement_lines (statement_id, line_no, account_id, external_id, value_date, amount,"
            " direction, currency, reference, description)"
            " SELECT %(s)s, line_no, %(b)s, 'L' || line_no, day, amount, direction, 'BRL', reference,"
            " CASE WHEN i < 0 THEN 'TARIFA' ELSE 'PIX ' || reference END FROM bench_recon_lines",
            {"s": STATEMENT, "b": BANK},
        )
        c.execute("DROP TABLE bench_recon_rows")
        c.execute("DROP TABLE bench_recon_lines")
        c.execute("VACUUM (ANALYZE)")
        c.execute("CHECKPOINT")
    return {"transfers": transfers, "lines": int(lines), "seed_s": round(time.perf_counter() - started, 1)}


def _backend_peaks_kb(admin_url: str, database: str) -> dict[int, tuple[int, int]]:
    """Peak RSS (`VmHWM`, kB) of each razao_app backend of `database`, and the shared memory it maps now
    (`RssShmem`: the shared buffers it touched, which only grows), read from /proc (empty when PostgreSQL
    runs elsewhere or its processes cannot be read)."""
    with _connect(admin_url) as c:
        pids = [
            int(row[0])
            for row in c.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND usename = 'razao_app'", (database,)
            )
        ]
    peaks: dict[int, tuple[int, int]] = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
            peaks[pid] = (int(fields["VmHWM"].split()[0]), int(fields["RssShmem"].split()[0]))
        except (OSError, KeyError, ValueError):
            continue
    return peaks


def _child(app_url: str, admin_url: str, mode: str, chunk_lines: int) -> dict[str, Any]:
    """One run in this (spawned) process: its wall time, result and this process's peak RSS."""
    from adapters.db.code_bundle import app_code_version
    from adapters.db.engine import make_engine
    from adapters.db.reconciliation import InDatabaseLedgerWindow, SqlLedgerWindow, SqlReconUnitOfWork
    from adapters.db.unit_of_work import SqlUnitOfWork
    from adapters.system import SystemClock
    from application import reconciliation
    from application.read_path import InAppReadPath
    from application.reconciliation import Reconciler, StartRun, balance_by_value_date

    if mode == "db":  # this process's code, deployed right before the run (the checkout may have moved on)
        h.deploy_checkout_code(h.Database(make_url(admin_url).database or "", admin_url, app_url))
    engine = make_engine(app_url, pool_size=2, max_overflow=0)
    try:
        uow = lambda: SqlReconUnitOfWork(engine)  # noqa: E731
        inner: Any = (
            SqlLedgerWindow(engine) if mode == "app" else InDatabaseLedgerWindow(engine, app_code_version())
        )
        largest = [0]
        backends: dict[int, tuple[int, int]] = {}  # pid -> (peak RSS, shared) kB, db mode
        database = make_url(app_url).database or ""

        class Counted:
            def items(self, *args: Any) -> Any:
                found = inner.items(*args)
                largest[0] = max(largest[0], len(found))
                if mode == "db":
                    backends.update(_backend_peaks_kb(admin_url, database))
                return found

        class Ids:
            def new_id(self) -> uuid.UUID:
                return uuid.uuid4()

        run = reconciliation.create_run(StartRun(STATEMENT, by="bench"), uow(), SystemClock(), Ids())
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        reconciler = Reconciler(
            uow,
            Counted(),
            balance_by_value_date(InAppReadPath(lambda: SqlUnitOfWork(engine))),
            SystemClock(),
            chunk_lines=chunk_lines,
        )
        started = time.perf_counter()
        chunks = [0]

        def progress(done: int, total: int, partial: dict[str, Any]) -> None:
            chunks[0] += 1

        result = reconciler(run.id, None, progress)
        seconds = time.perf_counter() - started
        return {
            "mode": mode,
            "seconds": round(seconds, 2),
            "chunks": chunks[0],
            "largest_window": largest[0],
            "peak_rss_mb_before": round(rss_before / 1024, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "backend_peak_rss_mb": round(max(p for p, _ in backends.values()) / 1024, 1)
            if backends
            else None,
            # the peak less the shared buffers touched: about what the backend itself allocated
            "backend_peak_private_mb": (
                round(max(p - shared for p, shared in backends.values()) / 1024, 1) if backends else None
            ),
            "summary": result["summary"],
            "balance_check": result["balance_check"],
        }
    finally:
        engine.dispose()


def _copy(db: h.Database, name: str) -> h.Database:
    with _connect(make_url(db.admin_url).set(database="postgres").render_as_string(hide_password=False)) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE "{db.name}"')
    return h.database(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--chunk-lines", type=int, default=5000)
    parser.add_argument("--modes", default="app,db")
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args(argv)
    transfers = 100_000 if args.quick else args.transfers
    notes: list[str] = []
    results: list[dict[str, Any]] = []
    load_before = h.loadavg()
    with h.ledger_database("razao_bench_recon", notes) as db:
        _log(f"seeding {transfers:,} transfers ...")
        seeded = seed(db, transfers, args.every)
        _log(f"seeded: {seeded}")
        context = multiprocessing.get_context("spawn")
        for mode in args.modes.split(","):
            copy = _copy(db, f"razao_bench_recon_{mode}")
            try:
                with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                    outcome = pool.submit(
                        _child, copy.app_url, copy.admin_url, mode, args.chunk_lines
                    ).result()
            finally:
                h.drop_database(copy.host, copy.port, copy.name)
            outcome["lines_per_s"] = round(seeded["lines"] / outcome["seconds"])
            results.append(outcome)
            _log(json.dumps(outcome))
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "seeded": seeded,
        "chunk_lines": args.chunk_lines,
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "load_after": h.loadavg(),
        "notes": notes,
        "runs": results,
    }
    print(f"\nReconciliation: {seeded['lines']:,} lines against {transfers:,} transfers", end="")
    print(f" (chunks of {args.chunk_lines:,} lines)")
    print(
        "| mode | seconds | lines/s | chunks | largest window | peak RSS MB | backend peak (private) MB",
        end="",
    )
    print(" | matched | ambiguous | unmatched | difference |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        bank = r["summary"]["bank"]
        print(
            f"| {r['mode']} | {r['seconds']} | {r['lines_per_s']:,} | {r['chunks']} | {r['largest_window']:,} |"
            f" {r['peak_rss_mb']} | {r['backend_peak_rss_mb'] or '-'} ({r['backend_peak_private_mb'] or '-'}) |"
            f" {bank['matched']:,} | {bank['ambiguous']:,} | {bank['unmatched']:,} |"
            f" {r['balance_check'].get('difference')} |"
        )
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=2)
            out.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
