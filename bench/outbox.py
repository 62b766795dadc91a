"""What the events outbox costs the write path: transfers/s with and without it, side by side in one run.

    python -m bench.outbox [--quick] [--seconds 10] [--accounts 50] [--batch-accounts 1000] [--json FILE]

Two ledger databases on the same server, migrated alike. `with` runs the code as deployed. `without` runs
the same code except that `application.events.booked` answers no events: a booked transfer then builds no
event document, encodes nothing and inserts no `events` row, which is everything the outbox adds to
booking (the use cases call `uow.events.add` with what `booked` returns; nothing else changes). In db mode
that variant is a code bundle deployed into the second database only (its version differs: the calls pass
each database's deployed version); in app mode the client processes patch the function before booking.
Nothing in the product can turn the outbox off: the variant exists only in this benchmark's throwaway
database and processes.

Rows, each pair run back to back (TPC-B first and last, for the ratios): db mode single transfers
(8 clients, `pgbench -f`), db mode batches of 1,000 through `razao.post_transfers` and `razao.post_each`
(2 clients), app mode batches of 1,000 through `InAppWritePath` (2 processes). Each pair's `extra` holds
`with / without`: the share of throughput the outbox keeps.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench import _harness as h
from bench.sql import (
    BATCH_CLIENTS,
    BATCH_SCRIPT,
    BATCH_SIZE,
    SINGLE_CLIENTS,
    SINGLE_SCRIPT,
    TPCB_CLIENTS,
    _client_batches,
)

WITH, WITHOUT = "with outbox", "without outbox"
#: The one change of the `without` variant: `booked` returns before building any event.
_BOOKED = re.compile(r"(def booked\([^)]*\)[^:]*:\n    \"\"\".*?\"\"\"\n)", re.S)


def _without_events_source(source: str) -> str:
    patched, count = _BOOKED.subn(
        r"\1    return []  # bench.outbox: the variant without the outbox\n", source
    )
    if count != 1:
        raise RuntimeError("application.events.booked was not found: update bench/outbox.py")
    return patched


def _deploy_without_outbox(db: h.Database) -> None:
    """Deploy into `db` this checkout's bundle with `booked` answering no events."""
    from sqlalchemy import create_engine

    from adapters.db import code_bundle

    bundle = code_bundle.current_bundle()
    modules = tuple(
        replace(m, source=_without_events_source(m.source)) if m.name == "application.events" else m
        for m in bundle.modules
    )
    engine = create_engine(db.admin_url)
    try:
        with engine.begin() as connection:
            code_bundle.deploy_bundle(connection, replace(bundle, modules=modules), None, "bench_no_outbox")
    finally:
        engine.dispose()


def _client_batches_without(*args: Any) -> tuple[int, list[float], list[str]]:
    """`bench.sql._client_batches` in a process whose `booked` answers no events."""
    from application import events

    events.booked = lambda outcomes, at: []
    return _client_batches(*args)


def _app_batches(
    db: h.Database, meter: h.CpuMeter, label: str, client: Callable[..., Any], accounts: int, seconds: int
) -> h.Row:
    r = h.Row("sql", "app", f"batch {BATCH_SIZE} (InAppWritePath), {label}", BATCH_CLIENTS, "transfers")
    settings = db.settings("app", pool=1)
    with h.row(meter, r):
        start = time.perf_counter()
        with ProcessPoolExecutor(BATCH_CLIENTS, mp_context=multiprocessing.get_context("spawn")) as pool:
            runs = [
                pool.submit(client, settings, 1 + i * accounts, accounts, BATCH_SIZE, seconds, i)
                for i in range(BATCH_CLIENTS)
            ]
            results = [run.result() for run in runs]
        r.seconds = time.perf_counter() - start
    latencies = [ms for _, lat, _ in results for ms in lat]
    r.rate = sum(done for done, _, _ in results) / seconds
    r.calls, r.failed = len(latencies), sum(len(f) for _, _, f in results)
    r.p50_ms, r.p99_ms = h.percentile(latencies, 0.5), h.percentile(latencies, 0.99)
    return r


def _pair(rows: list[h.Row]) -> None:
    """Record with / without on the `with` row of the last pair."""
    with_row, without_row = rows[-2], rows[-1]
    if without_row.rate and without_row.rate == without_row.rate:
        with_row.extra["with_over_without"] = round(with_row.rate / without_row.rate, 3)
        print(f"    with / without: {with_row.extra['with_over_without']:.2f}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="seconds per row (default 10)")
    parser.add_argument("--quick", action="store_true", help="3 seconds per row, for development")
    parser.add_argument("--accounts", type=int, default=50, help="accounts the single transfers move between")
    parser.add_argument("--batch-accounts", type=int, default=1000, help="accounts of each batch client")
    parser.add_argument("--json", help="also write the rows to this file (key `outbox`; other keys are kept)")
    args = parser.parse_args(argv)
    seconds = 3 if args.quick else args.seconds
    base = f"razao_bench_outbox_{os.getpid()}"
    notes: list[str] = []
    rows: list[h.Row] = []
    opened = max(args.accounts, BATCH_CLIENTS * args.batch_accounts)
    with (
        h.ledger_database(f"{base}_with", notes) as with_db,
        h.ledger_database(f"{base}_without", notes) as without_db,
        h.tpcb_database(with_db.host, with_db.port, f"{base}_tpcb") as tpcb,
        tempfile.TemporaryDirectory() as tmp,
    ):
        _deploy_without_outbox(without_db)
        databases = {WITH: with_db, WITHOUT: without_db}
        for db in databases.values():
            print(f"opening {opened} accounts in {db.name}", file=sys.stderr)
            h.open_accounts(db, range(1, opened + 1))
        meter = h.CpuMeter(h.postmaster_pid(with_db), [with_db.name, without_db.name, tpcb.name])

        def custom(label: str, name: str, text: str, function: str, clients: int, per_call: int) -> h.Row:
            db = databases[label]
            path = Path(tmp) / f"{name}.sql"
            path.write_text(text.replace("{function}", function), encoding="utf-8")
            variables = {
                "version": str(db.scalar("SELECT razao.deployed_code_version()")),
                "accounts": str(args.accounts),
                "batch_accounts": str(args.batch_accounts),
                "size": str(BATCH_SIZE),
            }
            with h.row(meter, h.Row("sql", "db", f"{name}, {label}", clients, "transfers")) as r:
                result = h.pgbench(
                    db,
                    ["-n", "-f", str(path)],
                    clients=clients,
                    seconds=seconds,
                    user="razao_app",
                    variables=variables,
                )
                h.fill_from_pgbench(r, result, per_call, seconds)
            print(f"  {r.name}: {r.rate:,.0f} transfers/s", file=sys.stderr)
            return r

        rows.append(h.tpcb_row("sql", tpcb, meter, TPCB_CLIENTS, seconds, "before"))
        for name, text, function, clients, per_call in (
            (
                f"post_transfers single, {args.accounts} accounts",
                SINGLE_SCRIPT,
                "razao.post_transfers",
                SINGLE_CLIENTS,
                1,
            ),
            (
                f"post_transfers batch {BATCH_SIZE}",
                BATCH_SCRIPT,
                "razao.post_transfers",
                BATCH_CLIENTS,
                BATCH_SIZE,
            ),
            (f"post_each batch {BATCH_SIZE}", BATCH_SCRIPT, "razao.post_each", BATCH_CLIENTS, BATCH_SIZE),
        ):
            for label in (WITH, WITHOUT):
                rows.append(custom(label, name, text, function, clients, per_call))
            _pair(rows)
        for label, client in ((WITH, _client_batches), (WITHOUT, _client_batches_without)):
            rows.append(_app_batches(databases[label], meter, label, client, args.batch_accounts, seconds))
            print(f"  {rows[-1].name}: {rows[-1].rate:,.0f} transfers/s", file=sys.stderr)
        _pair(rows)
        rows.append(h.tpcb_row("sql", tpcb, meter, TPCB_CLIENTS, seconds, "after"))

    h.finish(
        f"The outbox's cost on the write path, {os.cpu_count()} cores, PostgreSQL on {with_db.host}",
        rows,
        TPCB_CLIENTS,
        args.json,
        "outbox",
        {"seconds_per_row": seconds, "accounts": args.accounts, **({"notes": notes} if notes else {})},
    )


if __name__ == "__main__":
    main()
