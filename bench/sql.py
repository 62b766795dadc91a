"""Throughput at the SQL level, with pgbench (a C client) beside pgbench's built-in TPC-B, in one run.

    python -m bench.sql [--quick] [--seconds 10] [--accounts 50] [--batch-accounts 1000] [--json FILE]

Rows, in this order (TPC-B runs first and last; `vs TPC-B` divides by the mean of the two, since this
machine is shared and noisy):

- pgbench TPC-B-like, 8 clients (before);
- db mode, `razao.post_transfers(expected_version, requests)` with one transfer per call, 8 clients, between
  `--accounts` accounts (pgbench custom script, as the `razao_app` role);
- db mode, the same function with a batch of 1,000 transfers per call (built in SQL with generate_series and
  jsonb_agg), 2 clients, each between `--batch-accounts` accounts of its own (shared accounts would make
  one batch wait for the other's commit: the row would measure one client at a time);
- db mode, `razao.post_each(expected_version, requests)` (non-atomic, one result per request), the same
  batches -- skipped with a note where the database has no such function;
- app mode, the same batches through `InAppWritePath` (a Python driver: app mode has no single SQL
  function), one process per client, as two API processes would be;
- pgbench TPC-B-like, 8 clients (after).

Each row reports transfers/s (TPC-B: transactions/s), p50/p99 of one call (pgbench's per-transaction log),
CPU seconds of PostgreSQL (this run's databases and the server's background processes; `PG all`: the
whole server, other developers' databases included), of the client (pgbench or the Python driver) and the
load average before and after. The databases are created and dropped by the run.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import random
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from adapters.db.code_bundle import app_code_version
from bench import _harness as h
from domain.transfers import TransferRequest
from razao.container import build_container, dispose_engines

ID_PREFIX = h.ACCOUNT_ID_FORMAT.split("%")[0]  # "00000000-0000-4000-8000-"

#: One transfer per call: debit account a, credit account b (b != a), both drawn by pgbench.
SINGLE_SCRIPT = f"""\
\\set a random(1, :accounts)
\\set k random(0, :accounts - 2)
\\set b 1 + (:a + :k) % :accounts
\\set amount random(1, 100)
SELECT {{function}}(:version::text, jsonb_build_array(jsonb_build_object(
    'id', gen_random_uuid(),
    'postings', jsonb_build_array(
        jsonb_build_object('account_id', '{ID_PREFIX}' || lpad(:a::text, 12, '0'),
                           'side', 'debit', 'amount', :amount::int),
        jsonb_build_object('account_id', '{ID_PREFIX}' || lpad(:b::text, 12, '0'),
                           'side', 'credit', 'amount', :amount::int)))));
"""

#: `:size` transfers per call, generated in SQL.
BATCH_SCRIPT = f"""\
SELECT {{function}}(:version::text, (
    SELECT jsonb_agg(jsonb_build_object(
        'id', gen_random_uuid(),
        'postings', jsonb_build_array(
            jsonb_build_object('account_id', '{ID_PREFIX}' || lpad(a::text, 12, '0'),
                               'side', 'debit', 'amount', amount),
            jsonb_build_object('account_id', '{ID_PREFIX}' || lpad((1 + (a + k) % n)::text, 12, '0'),
                               'side', 'credit', 'amount', amount))))
    FROM (SELECT 1 + floor(random() * :batch_accounts::int)::int AS a,
                 floor(random() * (:batch_accounts::int - 1))::int AS k,
                 1 + floor(random() * 100)::int AS amount,
                 :batch_accounts::int AS n
          FROM generate_series(1, :size::int)) AS drawn));
"""
#: Each client books between accounts of its own (`:client_id` is pgbench's 0-based client number): two
#: batches of 1,000 drawn from shared accounts almost always share one, and the second then waits for the
#: first to commit, so the row would measure one client at a time, not the server.
BATCH_SCRIPT = BATCH_SCRIPT.replace(
    "lpad(a::text", "lpad((:client_id::int * :batch_accounts::int + a)::text"
).replace(
    "lpad((1 + (a + k) % n)::text", "lpad((:client_id::int * :batch_accounts::int + 1 + (a + k) % n)::text"
)

POST_EACH = "razao.post_each(text, jsonb)"
TPCB_CLIENTS = 8
SINGLE_CLIENTS = 8
BATCH_CLIENTS = 2
BATCH_SIZE = 1000


def _expected_version(db: h.Database) -> tuple[str, str]:
    """The version the calls pass, and a note when the deployed code is not this checkout's."""
    ours = app_code_version()
    deployed = db.scalar("SELECT razao.deployed_code_version()")
    if deployed == ours:
        return ours, ""
    return deployed, f"deployed code {deployed[:12]} != checkout {ours[:12]}: calls pass the deployed version"


def _client_batches(
    settings: Any, first: int, accounts: int, size: int, seconds: float, seed: int
) -> tuple[int, list[float], list[str]]:
    """One app-mode client (a process of its own, as an API process would be): batches of `size` between
    accounts `first` to `first + accounts - 1` for `seconds`. Returns (transfers, latencies in ms, failures)."""
    container = build_container(settings)
    write = container.unmetered_write_path()
    with contextlib.suppress(Exception):  # an empty batch is refused; the pool is open either way
        write.post_transfers([])
    rng = random.Random(seed)
    latencies: list[float] = []
    failed: list[str] = []
    done = 0
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
        t0 = time.perf_counter()
        try:
            write.post_transfers(batch)
        except Exception as error:  # counted and reported, never hidden
            failed.append(type(getattr(error, "orig", None) or error).__name__)
            continue
        latencies.append((time.perf_counter() - t0) * 1000)
        done += size
    dispose_engines(container)
    return done, latencies, failed


def _python_batches(
    db: h.Database, meter: h.CpuMeter, accounts: int, clients: int, size: int, seconds: int
) -> h.Row:
    """App mode's batch figure: `InAppWritePath.post_transfers` from `clients` processes for `seconds`,
    each between `accounts` accounts of its own (the same accounts as the db-mode batch rows)."""
    r = h.Row("sql", "app", f"batch {size} (Python InAppWritePath)", clients, "transfers")
    settings = db.settings("app", pool=1)
    context = multiprocessing.get_context("spawn")
    with h.row(meter, r):
        start = time.perf_counter()
        with ProcessPoolExecutor(clients, mp_context=context) as pool:
            runs = [
                pool.submit(_client_batches, settings, 1 + i * accounts, accounts, size, seconds, i)
                for i in range(clients)
            ]
            results = [run.result() for run in runs]
        elapsed = time.perf_counter() - start
    latencies = [ms for _, lat, _ in results for ms in lat]
    failed = [f for _, _, fails in results for f in fails]
    r.seconds = elapsed
    r.rate = sum(done for done, _, _ in results) / seconds
    r.calls = len(latencies)
    r.failed = len(failed)
    r.p50_ms = h.percentile(latencies, 0.5)
    r.p99_ms = h.percentile(latencies, 0.99)
    r.note = "one process per client (start-up not counted in the rate)"
    if failed:
        r.note += "; failed: " + ", ".join(sorted(set(failed)))
    return r


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="seconds per row (default 10)")
    parser.add_argument("--quick", action="store_true", help="3 seconds per row, for development")
    parser.add_argument("--accounts", type=int, default=50, help="accounts the single transfers move between")
    parser.add_argument(
        "--batch-accounts", type=int, default=1000, help="accounts of each client of the batch rows (its own)"
    )
    parser.add_argument("--database", default=f"razao_bench_sql_{os.getpid()}")
    parser.add_argument(
        "--migrations-code",
        action="store_true",
        help="run the code the migrations deploy, even when the checkout's sources differ from it",
    )
    parser.add_argument("--json", help="also write the rows to this file (key `sql`; other keys are kept)")
    args = parser.parse_args(argv)
    seconds = 3 if args.quick else args.seconds

    rows: list[h.Row] = []
    notes: list[str] = []
    with h.ledger_database(args.database, notes, checkout_code=not args.migrations_code) as db:
        opened = max(args.accounts, BATCH_CLIENTS * args.batch_accounts)
        print(f"opening {opened} accounts in {db.name}", file=sys.stderr)
        h.open_accounts(db, range(1, opened + 1))
        version, note = _expected_version(db)
        if note:
            notes.append(note)
        has_post_each = db.scalar(f"SELECT to_regprocedure('{POST_EACH}') IS NOT NULL")
        with (
            h.tpcb_database(db.host, db.port, f"{db.name}_tpcb") as tpcb,
            tempfile.TemporaryDirectory() as tmp,
        ):
            meter = h.CpuMeter(h.postmaster_pid(db), [db.name, tpcb.name])
            variables = {
                "version": version,
                "accounts": str(args.accounts),
                "batch_accounts": str(args.batch_accounts),
                "size": str(BATCH_SIZE),
            }

            def script(name: str, text: str, function: str) -> str:
                path = Path(tmp) / f"{name}.sql"
                path.write_text(text.replace("{function}", function), encoding="utf-8")
                return str(path)

            def custom(name: str, path: str, clients: int, per_call: int) -> h.Row:
                before = db.scalar("SELECT count(*) FROM transfers")
                with h.row(meter, h.Row("sql", "db", name, clients, "transfers")) as r:
                    result = h.pgbench(
                        db,
                        ["-n", "-f", path],
                        clients=clients,
                        seconds=seconds,
                        user="razao_app",
                        variables=variables,
                    )
                    h.fill_from_pgbench(r, result, per_call, seconds)
                # pgbench does not read the answers: count what was booked (post_each answers per item).
                booked = db.scalar("SELECT count(*) FROM transfers") - before
                r.extra["booked"] = booked
                if booked != r.calls * per_call:
                    r.note = (r.note + f" booked {booked:,} of {r.calls * per_call:,} transfers sent").strip()
                print(f"  {name}: {r.rate:,.0f} transfers/s", file=sys.stderr)
                return r

            rows.append(h.tpcb_row("sql", tpcb, meter, TPCB_CLIENTS, seconds, "before"))
            rows.append(
                custom(
                    f"post_transfers single, {args.accounts} accounts",
                    script("single", SINGLE_SCRIPT, "razao.post_transfers"),
                    SINGLE_CLIENTS,
                    1,
                )
            )
            rows.append(
                custom(
                    f"post_transfers batch {BATCH_SIZE}",
                    script("batch", BATCH_SCRIPT, "razao.post_transfers"),
                    BATCH_CLIENTS,
                    BATCH_SIZE,
                )
            )
            if has_post_each:
                rows.append(
                    custom(
                        f"post_each batch {BATCH_SIZE}",
                        script("each", BATCH_SCRIPT, "razao.post_each"),
                        BATCH_CLIENTS,
                        BATCH_SIZE,
                    )
                )
            else:
                rows.append(
                    h.skipped(
                        "sql",
                        "db",
                        f"post_each batch {BATCH_SIZE}",
                        BATCH_CLIENTS,
                        "transfers",
                        f"skipped: no {POST_EACH} in this database",
                    )
                )
            rows.append(_python_batches(db, meter, args.batch_accounts, BATCH_CLIENTS, BATCH_SIZE, seconds))
            print(f"  app batch: {rows[-1].rate:,.0f} transfers/s", file=sys.stderr)
            rows.append(h.tpcb_row("sql", tpcb, meter, TPCB_CLIENTS, seconds, "after"))

    h.finish(
        f"Razão at the SQL level (pgbench -M prepared), {os.cpu_count()} cores, PostgreSQL on {db.host}",
        rows,
        TPCB_CLIENTS,
        args.json,
        "sql",
        {
            "seconds_per_row": seconds,
            "accounts": args.accounts,
            "batch_accounts_per_client": args.batch_accounts,
            "tpcb_scale": h.TPCB_SCALE,
            **({"notes": notes} if notes else {}),
        },
    )


if __name__ == "__main__":
    main()
