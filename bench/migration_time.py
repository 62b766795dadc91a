"""How long revisions 0015 and 0016 take on a large ledger (docs/operations.md, upgrading).

    python -m bench.migration_time [--transfers 1000000] [--accounts 100000] [--database NAME] [--keep]

1. A throwaway database (`--database`, dropped first and at the end unless `--keep`) is upgraded to
   revision 0014_code_d7d2b0e32e7b, the one before the value dates.
2. It is loaded as the superuser with set-based SQL: `--accounts` accounts (BRL, half debit-normal, half
   credit-normal, no minimum balance; 10 % with metadata) and `--transfers` posted transfers of two
   entries each between them (10 % with metadata), one every 30 s of booking time from 2025-01-01, 5 %
   of them backdated by up to 30 days (`effective_at` before `created_at`). Each account's seq and
   `balance_after` are computed beforehand with window functions, and the journal is inserted 100,000
   transfers per statement through every trigger of revision 0014 (`entries_book` checks sequence,
   `balance_after` and balances, and keeps the accounts' sums). The data predates the outbox, so
   `events_horizon` gets the row revision 0010 writes for a ledger that already held accounts (the
   checker's `events` check then compares nothing older). Then VACUUM ANALYZE and CHECKPOINT.
3. `migrate.upgrade(admin_url, "0015_value_dates_and_periods")`, then `... "0016_categories_and_search")`,
   each timed (wall seconds) with the load average before and after, and the sizes around them: the
   database, `entries`, `account_value_days` and each index the two revisions build.
4. `check_ledger` over the upgraded database (the admin URL's engine): its time, whether it is ok, the
   violations; then the `value_dates` check alone, timed in its own snapshot.

The migrations run with the server's own settings (shown at the start: `maintenance_work_mem` bounds the
index builds). The machine may be shared: read the load averages. Nothing here is a test: every figure
is printed, none is asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import psycopg
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import make_url

from adapters.db import migrate
from adapters.db.checker import CheckReport, _snapshot, check_ledger
from adapters.db.checker_value_dates import check_value_dates
from bench._harness import loadavg
from razao.settings import Settings

BEFORE = "0014_code_d7d2b0e32e7b"
STEPS = ("0015_value_dates_and_periods", "0016_categories_and_search")
#: Transfers per INSERT (each statement runs `entries_book` over its rows).
CHUNK = 100_000
SETTINGS = (
    "shared_buffers",
    "maintenance_work_mem",
    "work_mem",
    "max_parallel_maintenance_workers",
    "max_wal_size",
)
#: The relations the two revisions create (their sizes are reported after each step).
NEW_RELATIONS = (
    "account_value_days",
    "account_value_days_pkey",
    "ix_entries_value_date",
    "ix_entries_created_at",
    "ix_accounts_metadata",
    "ix_accounts_status_code",
    "ix_transfers_metadata",
    "ix_transfers_effective_at_id",
)

STAGE = """
CREATE UNLOGGED TABLE bench_accounts AS
SELECT n, gen_random_uuid() AS id, CASE WHEN n % 2 = 0 THEN 'debit' ELSE 'credit' END AS normal_side
FROM generate_series(0, {accounts} - 1) AS n;
ALTER TABLE bench_accounts ADD PRIMARY KEY (n);
CREATE UNLOGGED TABLE bench_transfers AS
SELECT i, gen_random_uuid() AS id,
       timestamptz '2025-01-01T00:00:00Z' + make_interval(secs => i * 30) AS created_at,
       timestamptz '2025-01-01T00:00:00Z' + make_interval(secs => i * 30)
           - CASE WHEN i % 20 = 7 THEN make_interval(secs => (i * 7919) % (30 * 86400)) ELSE interval '0' END
           AS effective_at,
       (100 + (i * 37) % 100000)::numeric AS amount,
       i % {accounts} AS debit_n,
       (i + 1 + (i * 7919) % ({accounts} - 1)) % {accounts} AS credit_n
FROM generate_series(0::bigint, {transfers} - 1) AS i;
ALTER TABLE bench_transfers ADD PRIMARY KEY (i);
CREATE UNLOGGED TABLE bench_entries AS
WITH lines AS (
    SELECT i, id AS transfer_id, created_at, amount, 0 AS line, 'debit' AS side, debit_n AS n FROM bench_transfers
    UNION ALL
    SELECT i, id, created_at, amount, 1, 'credit', credit_n FROM bench_transfers
)
SELECT l.i, l.transfer_id, a.id AS account_id, l.line, l.side, l.amount, l.created_at,
       row_number() OVER w AS seq,
       sum(CASE WHEN (l.side = a.normal_side) THEN l.amount ELSE -l.amount END) OVER w AS balance_after
FROM lines l JOIN bench_accounts a USING (n)
WINDOW w AS (PARTITION BY l.n ORDER BY l.i);
CREATE INDEX ON bench_entries (i);
"""

ACCOUNTS = """
INSERT INTO assets (code, scale, created_at) VALUES ('BRL', 2, '2024-12-31T00:00:00Z');
INSERT INTO accounts (id, code, name, asset_code, normal_side, min_balance, status, metadata, created_at)
SELECT id, 'bench:' || n, 'Account ' || n, 'BRL', normal_side, NULL, 'active',
       CASE WHEN n % 10 = 0
            THEN jsonb_build_object('segment', (ARRAY['retail', 'sme', 'corporate'])[n % 3 + 1], 'branch', n % 97)
            ELSE '{}'::jsonb END,
       '2024-12-31T00:00:00Z'
FROM bench_accounts ORDER BY n;
INSERT INTO events_horizon (singleton, txid, n, started_at) VALUES (true, '0', 0, now());
"""

TRANSFERS = """
INSERT INTO transfers (id, status, two_phase, description, metadata, effective_at, created_at, fingerprint)
SELECT id, 'posted', false, 'Transfer ' || i,
       CASE WHEN i %% 10 = 0
            THEN jsonb_build_object('order', 'ord-' || i, 'channel', (ARRAY['pix', 'ted', 'boleto'])[i %% 3 + 1])
            ELSE '{}'::jsonb END,
       effective_at, created_at, md5(id::text)
FROM bench_transfers WHERE i >= %(low)s AND i < %(high)s ORDER BY i
"""

ENTRIES = """
INSERT INTO entries (transfer_id, account_id, seq, line, layer, side, amount, asset_code, balance_after, created_at)
SELECT transfer_id, account_id, seq, line, 'posted', side, amount, 'BRL', balance_after, created_at
FROM bench_entries WHERE i >= %(low)s AND i < %(high)s
"""

SIZES = """
SELECT 'database', pg_database_size(current_database())
UNION ALL SELECT 'entries', pg_relation_size('entries')
UNION ALL SELECT 'entries (total)', pg_total_relation_size('entries')
UNION ALL SELECT 'transfers (total)', pg_total_relation_size('transfers')
UNION ALL SELECT 'accounts (total)', pg_total_relation_size('accounts')
UNION ALL SELECT c, pg_relation_size(c) FROM unnest(%(relations)s::text[]) AS c WHERE to_regclass(c) IS NOT NULL
"""


def _log(message: str) -> None:
    print(f"[migration_time {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _urls(database: str) -> tuple[str, dict[str, Any]]:
    url = make_url(Settings().admin_database_url).set(database=database)
    params = {"host": url.host, "port": url.port, "user": url.username, "password": url.password}
    return url.render_as_string(hide_password=False), params


def _drop(params: dict[str, Any], database: str) -> None:
    with psycopg.connect(**params, dbname="postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _sizes(params: dict[str, Any], database: str) -> dict[str, int]:
    with psycopg.connect(**params, dbname=database, autocommit=True) as c:
        rows = c.execute(SIZES, {"relations": list(NEW_RELATIONS)}).fetchall()
    return {str(name): int(size) for name, size in rows}


def load(params: dict[str, Any], database: str, transfers: int, accounts: int) -> float:
    """Fill the database at revision 0014; the seconds it took."""
    started = time.perf_counter()
    with psycopg.connect(**params, dbname=database, autocommit=True) as c:
        c.execute("SET synchronous_commit = off")
        c.execute("SET work_mem = '256MB'")
        c.execute("SET maintenance_work_mem = '512MB'")
        c.execute(STAGE.format(accounts=int(accounts), transfers=int(transfers)))
        c.execute(ACCOUNTS)
        _log(f"staged, accounts in: {time.perf_counter() - started:.0f} s")
        for low in range(0, transfers, CHUNK):
            with c.transaction():
                c.execute(TRANSFERS, {"low": low, "high": low + CHUNK})
                c.execute(ENTRIES, {"low": low, "high": low + CHUNK})
            _log(f"transfers < {min(low + CHUNK, transfers):,}: {time.perf_counter() - started:.0f} s")
        c.execute("DROP TABLE bench_entries, bench_transfers, bench_accounts")
        c.execute("VACUUM (ANALYZE)")
        c.execute("CHECKPOINT")
    return time.perf_counter() - started


def upgrade_step(admin_url: str, revision: str) -> dict[str, float]:
    before = loadavg()
    started = time.perf_counter()
    migrate.upgrade(admin_url, revision)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 1), "load_before": before, "load_after": loadavg()}


def check(admin_url: str) -> dict[str, Any]:
    engine = create_engine(admin_url, poolclass=pool.NullPool)
    try:
        started = time.perf_counter()
        report = check_ledger(engine)
        total = time.perf_counter() - started
        alone = CheckReport()
        started = time.perf_counter()
        with engine.connect() as conn, conn.begin():
            _snapshot(conn)
            check_value_dates(conn, alone)
        value_dates = time.perf_counter() - started
    finally:
        engine.dispose()
    return {
        "check_ledger_seconds": round(total, 1),
        "ok": report.ok,
        "violation_count": report.violation_count,
        "violations": report.to_dict()["violations"],
        "counts": report.counts,
        "value_dates_alone_seconds": round(value_dates, 1),
        "value_dates_ok": alone.ok,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--database", default="razao_bench_migration_time")
    parser.add_argument("--keep", action="store_true", help="leave the database (at head of the two steps)")
    args = parser.parse_args(argv)
    admin_url, params = _urls(args.database)
    result: dict[str, Any] = {"transfers": args.transfers, "accounts": args.accounts}
    _drop(params, args.database)
    try:
        migrate.ensure_database(admin_url)
        migrate.upgrade(admin_url, BEFORE)
        with psycopg.connect(**params, dbname=args.database, autocommit=True) as c:
            result["settings"] = {name: str(c.execute(f"SHOW {name}").fetchall()[0][0]) for name in SETTINGS}
        _log(f"at {BEFORE}; loading {args.transfers:,} transfers over {args.accounts:,} accounts")
        result["load_seconds"] = round(load(params, args.database, args.transfers, args.accounts), 1)
        result["sizes"] = {BEFORE: _sizes(params, args.database)}
        for revision in STEPS:
            _log(f"upgrading to {revision}")
            result[revision] = upgrade_step(admin_url, revision)
            result["sizes"][revision] = _sizes(params, args.database)
            _log(f"{revision}: {result[revision]}")
        _log("checking")
        result["check"] = check(admin_url)
    finally:
        if not args.keep:
            _drop(params, args.database)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
