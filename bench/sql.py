"""Throughput at the SQL level, with pgbench (a C client) beside pgbench's built-in TPC-B, in one run.

    python -m bench.sql [--quick] [--seconds 10] [--accounts 50] [--json docs/data/throughput.json]

Rows, in this order (TPC-B runs first and last; `vs TPC-B` divides by the mean of the two, since this
machine is shared and noisy):

- pgbench TPC-B-like, 8 clients (before);
- db mode, `razao.post_transfers(expected_version, requests)` with one transfer per call, 8 clients, between
  `--accounts` accounts (pgbench custom script, as the `razao_app` role);
- db mode, the same function with a batch of 1,000 transfers per call (built in SQL with generate_series and
  jsonb_agg), 2 clients;
- db mode, `razao.post_each(expected_version, requests)` (non-atomic, one result per request), batch of 1,000,
  2 clients -- skipped with a note where the database has no such function;
- app mode, batch of 1,000 through `InAppWritePath` (a Python driver: app mode has no single SQL function),
  2 threads;
- pgbench TPC-B-like, 8 clients (after).

Each row reports transfers/s (TPC-B: transactions/s), p50/p99 of one call (pgbench's per-transaction log),
CPU seconds of PostgreSQL (this run's databases and the server's background processes; `PG all`: the
whole server, other developers' databases included), of the client (pgbench or the Python driver) and the
load average before and after. The databases are created and dropped by the run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from adapters.db.code_bundle import app_code_version
from bench import _harness as h
from domain.transfers import TransferRequest
from razao.container import dispose_engines

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
    FROM (SELECT 1 + floor(random() * :accounts::int)::int AS a,
                 floor(random() * (:accounts::int - 1))::int AS k,
                 1 + floor(random() * 100)::int AS amount,
                 :accounts::int AS n
          FROM generate_series(1, :size::int)) AS drawn));
"""

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


def _python_batches(
    db: h.Database, meter: h.CpuMeter, accounts: int, clients: int, size: int, seconds: int
) -> h.Row:
    """App mode's batch figure: `InAppWritePath.post_transfers` from `clients` threads for `seconds`."""
    container = h.app_container(db, "app", pool=clients + 1)
    write = container.unmetered_write_path()
    latencies: list[float] = []
    failed: list[str] = []
    done = [0]
    lock = threading.Lock()

    def client(seed: int, deadline: float) -> None:
        rng = random.Random(seed)
        while time.perf_counter() < deadline:
            batch = []
            for _ in range(size):
                a = rng.randint(1, accounts)
                b = 1 + (a + rng.randint(0, accounts - 2)) % accounts
                batch.append(
                    TransferRequest.simple(
                        uuid.uuid4(),
                        debit_account_id=h.account_id(a),
                        credit_account_id=h.account_id(b),
                        amount=rng.randint(1, 100),
                    )
                )
            t0 = time.perf_counter()
            try:
                write.post_transfers(batch)
            except Exception as error:  # counted and reported, never hidden
                with lock:
                    failed.append(type(getattr(error, "orig", None) or error).__name__)
                continue
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)
                done[0] += size

    with contextlib.suppress(Exception):  # an empty batch may be refused; the pool is open either way
        write.post_transfers([])  # connect before the clock starts
    r = h.Row("sql", "app", f"batch {size} (Python InAppWritePath)", clients, "transfers")
    with h.row(meter, r):
        start = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i, start + seconds)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
    dispose_engines(container)
    r.seconds = elapsed
    r.rate = done[0] / elapsed
    r.calls = len(latencies)
    r.failed = len(failed)
    r.p50_ms = h.percentile(latencies, 0.5)
    r.p99_ms = h.percentile(latencies, 0.99)
    if failed:
        r.note = "failed: " + ", ".join(sorted(set(failed)))
    return r


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="seconds per row (default 10)")
    parser.add_argument("--quick", action="store_true", help="3 seconds per row, for development")
    parser.add_argument("--accounts", type=int, default=50, help="accounts the transfers move between")
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
        print(f"opening {args.accounts} accounts in {db.name}", file=sys.stderr)
        h.open_accounts(db, range(1, args.accounts + 1))
        version, note = _expected_version(db)
        if note:
            notes.append(note)
        has_post_each = db.scalar(f"SELECT to_regprocedure('{POST_EACH}') IS NOT NULL")
        with (
            h.tpcb_database(db.host, db.port, f"{db.name}_tpcb") as tpcb,
            tempfile.TemporaryDirectory() as tmp,
        ):
            meter = h.CpuMeter(h.postmaster_pid(db), [db.name, tpcb.name])
            variables = {"version": version, "accounts": str(args.accounts), "size": str(BATCH_SIZE)}

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
            rows.append(_python_batches(db, meter, args.accounts, BATCH_CLIENTS, BATCH_SIZE, seconds))
            print(f"  app batch: {rows[-1].rate:,.0f} transfers/s", file=sys.stderr)
            rows.append(h.tpcb_row("sql", tpcb, meter, TPCB_CLIENTS, seconds, "after"))

    reference = h.tpcb_reference(rows, TPCB_CLIENTS)
    for r in rows:
        if r.mode != "-" and reference and not r.skipped:
            r.vs_tpcb = r.rate / reference
    h.report(
        f"Razão at the SQL level (pgbench -M prepared), {os.cpu_count()} cores, PostgreSQL on {db.host}",
        rows,
        args.json,
        "sql",
        {
            "seconds_per_row": seconds,
            "accounts": args.accounts,
            "tpcb_scale": h.TPCB_SCALE,
            "tpcb_reference_tps": round(reference, 1) if reference else None,
            **({"notes": notes} if notes else {}),
        },
    )


if __name__ == "__main__":
    main()
