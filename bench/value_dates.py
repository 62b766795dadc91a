"""Value dates (revision 0015): how fast a balance by value date reads, and what the value days cost a write.

    python -m bench.value_dates [--quick] [--entries 1000000] [--calls 2000] [--seconds 10]
                                [--rounds 2] [--only latency|writes] [--json FILE]

1. **Effective-time balance latency** (target: p99 <= 5 ms). One credit-normal account with
   `--entries` posted entries (one per transfer; a debit-normal counterpart takes the other line) booked
   evenly over 3 years, 5 % of them backdated by up to 30 days (`effective_at = created_at - random(0 .. 30
   days)`; a transfer's value date is its entries'). The journal is written with set-based SQL as the
   superuser, 100,000 transfers per INSERT, through every trigger: `entries_book` checks each statement
   (sequence, `balance_after`, value dates) and fills `account_value_days` exactly as it does for the
   application. Then VACUUM ANALYZE. Rows, each over the same random instants of the 3 years (warm-up
   calls first, not counted):
   - `razao.value_net(account, at)` alone, one prepared statement over one connection as `razao_app`;
   - the same at the last microsecond of a UTC day: the function sums that whole day's entries (the
     worst case of the day-plus-entries scheme);
   - `ReadPath.balance_as_of(account, at, basis)` of app mode (`InAppReadPath`: a transaction, the
     account, then `razao.value_net`) and of db mode (`InDatabaseReadPath`: one PL/Python call), each on
     the `effective` basis and on the `booked` one (an index lookup on `ix_entries_balance_as_of`) for
     comparison.
   Every latency is the caller's wall time of one call (client round trip on 127.0.0.1 included).
   Before the rows, a few instants are checked: `value_net` equals the plain sum over the journal.

2. **What the value days cost a write**: transfers/s of the batch path in two databases side by side,
   both at head. `with` runs revision 0015 as is. `without` gets revision 0009's `razao.book_entries()`
   back (`_book_entries(references=True)` of migrations/versions/0009_entries_refs_in_trigger.py) and
   loses what revisions 0015 and 0016 add to a write (`ADDED_TO_WRITES`): no RZ119/RZ120 rules, no
   `account_value_days` upsert, two indexes less on `entries` and two on `transfers`. That is everything
   the ledger model adds to each write except the `effective_at` column itself (8 bytes per entry, still
   written). Rows: db mode, `razao.post_transfers` with batches of 1,000
   (pgbench, 2 clients, each between 1,000 accounts of its own); app mode, `InAppWritePath` with the same
   batches (2 processes). Each mode runs `--rounds` times with, without, without, with (so that a drift of
   the machine's load falls on both sides alike); `with ÷ without` divides the means, of transfers/s and
   of PostgreSQL CPU per 1,000 transfers (the steadier figure on a shared machine). pgbench's TPC-B runs
   first and last as the machine's yardstick. Then the journal INSERT alone: one statement of 2,000 entries
   (1,000 transfers, staged beforehand), timed in each database alternately and rolled back, 40 times
   each; then again once the `without` database has ix_entries_value_date back, which splits the cost
   between the index and the trigger's extra work (rules and `account_value_days` upsert).

`--quick`: 100,000 entries, 1,000 calls per row, 3 seconds per throughput row, one round, 10 INSERTs. The
databases are created and dropped by the run; the load average is noted before and after each row (the
machine is shared). Nothing here is a test: every figure is printed, none is asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from bench import _harness as h
from bench.outbox import _app_batches
from bench.sql import BATCH_CLIENTS, BATCH_SCRIPT, BATCH_SIZE, ID_PREFIX, TPCB_CLIENTS, _client_batches
from domain.time_basis import Basis
from razao.container import dispose_engines

TARGET_P99_MS = 5.0
YEARS = 3
#: The journal spans these 3 years (booking time); the account opens a month and a half before.
START = datetime(2023, 12, 1, tzinfo=UTC)
SPAN = timedelta(days=365 * YEARS + 1)
OPENED = START - timedelta(days=45)
BACKDATED_SHARE = 0.05
MAX_BACKDATE_DAYS = 30
#: Transfers per INSERT while seeding (each statement runs `entries_book` over its 2 x CHUNK entries).
CHUNK = 100_000
WARM_UP = 20
ACCOUNT = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
COUNTERPART = uuid.UUID("00000000-0000-4000-8000-0000000000c1")
MIGRATION_0009 = Path(__file__).resolve().parents[1] / "migrations/versions/0009_entries_refs_in_trigger.py"
WITH, WITHOUT = "with value days", "without value days"
INDEX_ONLY = "0009's trigger + ix_entries_value_date"


def _log(message: str) -> None:
    print(f"[value_dates {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _connect(url: str, autocommit: bool = True) -> psycopg.Connection[Any]:
    u = make_url(url)
    return psycopg.connect(
        host=u.host,
        port=u.port,
        user=u.username,
        password=u.password,
        dbname=u.database,
        autocommit=autocommit,
    )


# --- 1. the journal of one account, and the latency of its balance by value date -----------------------


@dataclass
class Seeded:
    entries: int
    backdated: int
    value_days: int
    seconds: float
    posted_balance: int


def seed_journal(db: h.Database, entries: int) -> Seeded:
    """`entries` transfers crediting ACCOUNT and debiting COUNTERPART, booked evenly over the 3 years,
    BACKDATED_SHARE of them with a value date up to MAX_BACKDATE_DAYS earlier; set-based, through the
    triggers, CHUNK transfers per statement; then VACUUM ANALYZE."""
    started = time.perf_counter()
    with _connect(db.admin_url) as c:
        c.execute("SET synchronous_commit = off")
        c.execute("SET work_mem = '256MB'")
        c.execute("SET maintenance_work_mem = '512MB'")
        c.execute("INSERT INTO assets (code, scale, created_at) VALUES ('BRL', 2, %s)", (OPENED,))
        c.execute(
            """
            INSERT INTO accounts (id, code, name, asset_code, normal_side, min_balance, status, created_at)
            VALUES (%(a)s, 'bench:value:account', 'Value dates account', 'BRL', 'credit', NULL, 'active', %(at)s),
                   (%(c)s, 'bench:value:counterpart', 'Counterpart', 'BRL', 'debit', NULL, 'active', %(at)s)
            """,
            {"a": ACCOUNT, "c": COUNTERPART, "at": OPENED},
        )
        c.execute("SELECT setseed(0.14)")
        # Every transfer once: its number (= both lines' seq), booking time, value date, amount and the
        # running balance (the same on both accounts: one is credit-normal and credited, the other
        # debit-normal and debited).
        c.execute(
            f"""
            CREATE UNLOGGED TABLE bench_value_rows AS
            SELECT i, gen_random_uuid() AS transfer_id, at AS created_at,
                   CASE WHEN random() < {BACKDATED_SHARE}
                        THEN at - random() * interval '{MAX_BACKDATE_DAYS} days' ELSE at END AS effective_at,
                   amount, sum(amount) OVER (ORDER BY i) AS balance
            FROM (
                SELECT i, %(start)s + (i - 1) * (%(span)s / %(n)s) AS at,
                       (1 + floor(random() * 10000))::numeric AS amount
                FROM generate_series(1, %(n)s) AS i
            ) s
            """,
            {"start": START, "span": SPAN, "n": entries},
        )
        c.execute("ALTER TABLE bench_value_rows ADD PRIMARY KEY (i)")
        for low in range(0, entries, CHUNK):
            chunk = "FROM bench_value_rows WHERE i > %(low)s AND i <= %(high)s"
            params = {"low": low, "high": low + CHUNK, "a": ACCOUNT, "c": COUNTERPART}
            c.execute(
                f"""
                INSERT INTO transfers (id, status, two_phase, description, metadata, effective_at,
                                       created_at, fingerprint)
                SELECT transfer_id, 'posted', false, 'Deposit', '{{}}'::jsonb, effective_at, created_at,
                       md5(transfer_id::text)
                {chunk} ORDER BY i
                """,
                params,
            )
            # Line 0 debits the counterpart, line 1 credits the account.
            c.execute(
                f"""
                INSERT INTO entries (transfer_id, account_id, seq, line, layer, side, amount, asset_code,
                                     balance_after, created_at, effective_at)
                SELECT transfer_id, %(c)s, i, 0, 'posted', 'debit', amount, 'BRL', balance, created_at,
                       effective_at
                {chunk}
                UNION ALL
                SELECT transfer_id, %(a)s, i, 1, 'posted', 'credit', amount, 'BRL', balance, created_at,
                       effective_at
                {chunk}
                """,
                params,
            )
            _log(f"  {min(low + CHUNK, entries):,} transfers ({time.perf_counter() - started:.0f} s)")
        backdated = _one(c, "SELECT count(*) FROM bench_value_rows WHERE effective_at < created_at")
        c.execute("DROP TABLE bench_value_rows")
        c.execute("VACUUM (ANALYZE)")
        c.execute("CHECKPOINT")
        days = _one(c, "SELECT count(*) FROM account_value_days WHERE account_id = %s", (ACCOUNT,))
        balance = _one(c, "SELECT posted_credits - posted_debits FROM accounts WHERE id = %s", (ACCOUNT,))
    return Seeded(entries, int(backdated), int(days), time.perf_counter() - started, int(balance))


def _one(c: psycopg.Connection[Any], sql: str, params: tuple[Any, ...] = ()) -> Any:
    row = c.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


def check_value_net(db: h.Database, instants: list[datetime]) -> int:
    """`razao.value_net` against the plain sum over the journal at `instants`; raises on a difference."""
    with _connect(db.admin_url) as c:
        for at in instants:
            fast = _one(c, "SELECT razao.value_net(%s, %s)", (ACCOUNT, at))
            plain = _one(
                c,
                "SELECT coalesce(sum(CASE WHEN side = 'credit' THEN amount ELSE -amount END), 0) FROM entries"
                " WHERE account_id = %s AND layer = 'posted' AND effective_at <= %s",
                (ACCOUNT, at),
            )
            if fast != plain:
                raise RuntimeError(f"razao.value_net at {at} is {fast}, the journal's sum {plain}")
    return len(instants)


@dataclass
class LatencyRow:
    name: str
    mode: str  # "sql", "app" or "db"
    basis: str
    calls: int = 0
    p50_ms: float = float("nan")
    p95_ms: float = float("nan")
    p99_ms: float = float("nan")
    max_ms: float = float("nan")
    mean_ms: float = float("nan")
    load_before: float = 0.0
    load_after: float = 0.0
    note: str = ""

    def fill(self, latencies: list[float]) -> None:
        self.calls = len(latencies)
        self.p50_ms = h.percentile(latencies, 0.50)
        self.p95_ms = h.percentile(latencies, 0.95)
        self.p99_ms = h.percentile(latencies, 0.99)
        self.max_ms = max(latencies)
        self.mean_ms = sum(latencies) / len(latencies)


def _timed(row: LatencyRow, call: Callable[[datetime], object], instants: list[datetime]) -> LatencyRow:
    for at in instants[:WARM_UP]:
        call(at)
    row.load_before = h.loadavg()
    latencies = []
    for at in instants:
        t0 = time.perf_counter()
        call(at)
        latencies.append((time.perf_counter() - t0) * 1000)
    row.load_after = h.loadavg()
    row.fill(latencies)
    _log(f"  {row.name}: p50 {row.p50_ms:.3f}, p99 {row.p99_ms:.3f}, max {row.max_ms:.3f} ms")
    return row


def sql_rows(db: h.Database, instants: list[datetime]) -> list[LatencyRow]:
    day_ends = [
        datetime.combine(at.date(), datetime.max.time(), tzinfo=UTC) for at in instants
    ]  # 23:59:59.999999 UTC
    rows = []
    with _connect(db.app_url) as c:
        for name, times in (
            ("razao.value_net (SQL function alone)", instants),
            ("razao.value_net at a day's last microsecond", day_ends),
        ):

            def call(at: datetime) -> object:
                return c.execute("SELECT razao.value_net(%s, %s)", (ACCOUNT, at), prepare=True).fetchone()

            rows.append(_timed(LatencyRow(name, "sql", "effective"), call, times))
    return rows


def read_path_rows(db: h.Database, mode: str, instants: list[datetime]) -> list[LatencyRow]:
    container = h.app_container(db, mode, pool=1)
    try:
        read = container.unmetered_read_path()
        rows = []
        for basis in (Basis.EFFECTIVE, Basis.BOOKED):

            def call(at: datetime, basis: Basis = basis) -> object:
                return read.balance_as_of(ACCOUNT, at, basis)

            name = f"{type(read).__name__}.balance_as_of, {basis.value}"
            rows.append(_timed(LatencyRow(name, mode, basis.value), call, instants))
        return rows
    finally:
        dispose_engines(container)


def latency_table(rows: list[LatencyRow]) -> str:
    lines = [
        "| mode | row | basis | calls | p50 ms | p95 ms | p99 ms | max ms | mean ms"
        f" | p99 <= {TARGET_P99_MS:g} ms | load before→after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        met = "yes" if r.p99_ms <= TARGET_P99_MS else "no"
        if r.basis != "effective":
            met = "-"
        lines.append(
            f"| {r.mode} | {r.name} | {r.basis} | {r.calls:,} | {r.p50_ms:.3f} | {r.p95_ms:.3f}"
            f" | {r.p99_ms:.3f} | {r.max_ms:.3f} | {r.mean_ms:.3f} | {met}"
            f" | {r.load_before:.2f}→{r.load_after:.2f} |"
        )
    return "\n".join(lines)


def measure_latency(entries: int, calls: int, notes: list[str]) -> tuple[dict[str, Any], list[LatencyRow]]:
    rows: list[LatencyRow] = []
    name = f"razao_bench_value_dates_{os.getpid()}"
    load_before = h.loadavg()
    with h.ledger_database(name, notes) as db:
        _log(f"seeding {entries:,} transfers into {db.name}")
        seeded = seed_journal(db, entries)
        _log(
            f"seeded in {seeded.seconds:.0f} s: {seeded.backdated:,} backdated, {seeded.value_days:,} value days"
        )
        rng = random.Random(14)
        instants = [START + SPAN * rng.random() for _ in range(calls)]
        checked = check_value_net(db, [*instants[:5], START + SPAN])
        rows += sql_rows(db, instants)
        for mode in ("app", "db"):
            rows += read_path_rows(db, mode, instants)
        size = db.scalar("SELECT pg_size_pretty(pg_total_relation_size('entries'))")
    meta = {
        "entries_on_account": seeded.entries,
        "backdated": seeded.backdated,
        "value_days_rows": seeded.value_days,
        "seed_seconds": round(seeded.seconds, 1),
        "entries_table_size": size,
        "span": f"{START.date()} .. {(START + SPAN).date()} (booking time)",
        "backdating": f"{BACKDATED_SHARE:.0%} of transfers, value date up to {MAX_BACKDATE_DAYS} days earlier",
        "calls_per_row": calls,
        "warm_up_calls": WARM_UP,
        "value_net_checked_at": checked,
        "target_p99_ms": TARGET_P99_MS,
        "load_before": load_before,
        "load_after": h.loadavg(),
    }
    return meta, rows


# --- 2. the cost of the value days on the write path ------------------------------------------------------


def book_entries_0009() -> str:
    """Revision 0009's `CREATE OR REPLACE FUNCTION razao.book_entries()`, the text revision 0015 extends."""
    spec = importlib.util.spec_from_file_location("razao_migration_0009", MIGRATION_0009)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    body: str = module._book_entries(references=True)
    return body


#: What revisions 0015 and 0016 add to a write besides the trigger's work: the journal's two new
#: indexes, the transfers' two (the metadata one is partial: empty metadata adds nothing to it), and the
#: row trigger that fills a missing value date (its WHEN clause is all a writer that gives one pays).
ADDED_TO_WRITES = (
    "DROP INDEX ix_entries_value_date",
    "DROP INDEX ix_entries_created_at",
    "DROP INDEX ix_transfers_effective_at_id",
    "DROP INDEX ix_transfers_metadata",
    "DROP TRIGGER entries_value_date ON entries",
)


def strip_value_dates(db: h.Database) -> None:
    """Turn `db` into the `without` variant: 0009's trigger function, and none of `ADDED_TO_WRITES`."""
    with _connect(db.admin_url) as c:
        c.execute(book_entries_0009())
        for statement in ADDED_TO_WRITES:
            c.execute(statement)


#: One batch of `size` transfers between accounts 1 .. `accounts` (opened by `h.open_accounts`), staged in
#: temporary tables: the transfers, then their entries numbered and balanced as `entries_book` expects.
STAGE_SQL = (
    """
    CREATE TEMP TABLE bench_drawn ON COMMIT DROP AS
    SELECT n, gen_random_uuid() AS transfer_id, 1 + floor(random() * %(accounts)s)::int AS a,
           floor(random() * (%(accounts)s - 1))::int AS k, (1 + floor(random() * 100))::numeric AS amount
    FROM generate_series(1, %(size)s) AS n
    """,
    """
    INSERT INTO transfers (id, status, two_phase, description, metadata, effective_at, created_at, fingerprint)
    SELECT transfer_id, 'posted', false, '', '{}'::jsonb, now(), now(), md5(transfer_id::text)
    FROM bench_drawn ORDER BY n
    """,
    f"""
    CREATE TEMP TABLE bench_lines ON COMMIT DROP AS
    WITH lines AS (
        SELECT n, transfer_id, 0 AS line, ('{ID_PREFIX}' || lpad(a::text, 12, '0'))::uuid
                   AS account_id, 'debit' AS side, amount
        FROM bench_drawn
        UNION ALL
        SELECT n, transfer_id, 1, ('{ID_PREFIX}'
                                   || lpad((1 + (a + k) %% %(accounts)s)::text, 12, '0'))::uuid, 'credit', amount
        FROM bench_drawn
    )
    SELECT l.transfer_id, l.account_id, x.last_seq + row_number() OVER w AS seq, l.line::smallint AS line,
           'posted'::text AS layer, l.side, l.amount, 'BRL'::text AS asset_code,
           x.posted_credits - x.posted_debits
               + sum(CASE WHEN l.side = 'credit' THEN l.amount ELSE -l.amount END) OVER w AS balance_after,
           now() AS created_at, now() AS effective_at
    FROM lines l JOIN accounts x ON x.id = l.account_id
    WINDOW w AS (PARTITION BY l.account_id ORDER BY l.n, l.line)
    """,
)
#: The measured statement: the journal INSERT of the staged batch, `entries_book` and all.
JOURNAL_INSERT = (
    "INSERT INTO entries (transfer_id, account_id, seq, line, layer, side, amount, asset_code, balance_after,"
    " created_at, effective_at) SELECT transfer_id, account_id, seq, line, layer, side, amount, asset_code,"
    " balance_after, created_at, effective_at FROM bench_lines"
)


def journal_insert(databases: dict[str, h.Database], accounts: int, repeats: int) -> dict[str, Any]:
    """The journal INSERT of one batch of BATCH_SIZE transfers (2 x BATCH_SIZE entries, one statement), timed
    alone in each database, `repeats` times, alternating between them, each in a transaction rolled back (so
    both databases stay as they were). The steadiest view of what the trigger's extra work costs."""
    times: dict[str, list[float]] = {label: [] for label in databases}
    connections = {label: _connect(db.admin_url, autocommit=False) for label, db in databases.items()}
    params = {"accounts": accounts, "size": BATCH_SIZE}
    load_before = h.loadavg()
    try:
        for i in range(repeats + 2):  # the first two of each: warm-up
            for label, c in connections.items():
                for statement in STAGE_SQL:
                    c.execute(statement, params)
                t0 = time.perf_counter()
                c.execute(JOURNAL_INSERT)
                elapsed = (time.perf_counter() - t0) * 1000
                c.rollback()
                if i >= 2:
                    times[label].append(elapsed)
    finally:
        for c in connections.values():
            c.close()
    out: dict[str, Any] = {
        "statement": f"INSERT of {2 * BATCH_SIZE:,} entries ({BATCH_SIZE:,} transfers), rolled back",
        "repeats": repeats,
        "load_before": load_before,
        "load_after": h.loadavg(),
    }
    for label, values in times.items():
        out[label] = {
            "p50_ms": round(h.percentile(values, 0.5), 2),
            "p90_ms": round(h.percentile(values, 0.9), 2),
            "min_ms": round(min(values), 2),
            "mean_ms": round(sum(values) / len(values), 2),
        }
    first, second = list(databases)
    out["first_over_second_p50"] = round(out[first]["p50_ms"] / out[second]["p50_ms"], 3)
    out["first_over_second_min"] = round(out[first]["min_ms"] / out[second]["min_ms"], 3)
    _log(
        f"  journal INSERT of {BATCH_SIZE:,} transfers, p50 (min) ms: {first} {out[first]['p50_ms']}"
        f" ({out[first]['min_ms']}), {second} {out[second]['p50_ms']} ({out[second]['min_ms']}):"
        f" {out['first_over_second_p50']}"
    )
    return out


def journal_table(results: list[dict[str, Any]]) -> str:
    lines = [
        f"\nThe journal INSERT alone ({2 * BATCH_SIZE:,} entries, {BATCH_SIZE:,} transfers, rolled back)",
        "| database | p50 ms | p90 ms | min ms | mean ms | repeats | load before→after |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for label, figures in result.items():
            if isinstance(figures, dict):
                lines.append(
                    f"| {label} | {figures['p50_ms']} | {figures['p90_ms']} | {figures['min_ms']}"
                    f" | {figures['mean_ms']} | {result['repeats']}"
                    f" | {result['load_before']:.2f}→{result['load_after']:.2f} |"
                )
        lines.append(f"| first ÷ second (p50) | {result['first_over_second_p50']} | | | | | |")
    return "\n".join(lines)


def _pg_ms_per_1000(r: h.Row) -> float:
    """PostgreSQL CPU milliseconds per 1,000 transfers booked in the row: steadier than the rate on a
    shared machine, and where the value days' work lands in both modes."""
    booked = r.calls * BATCH_SIZE
    return r.pg_cpu_s * 1000 / (booked / 1000) if booked else float("nan")


def _pair(rows: list[h.Row]) -> None:
    """The rows ran with, without, without, with (once per round): record on the first the means of each
    side and their ratio, of throughput and of PostgreSQL CPU per 1,000 transfers."""
    sides: dict[bool, list[h.Row]] = {True: [], False: []}
    for r in rows:
        sides[WITHOUT not in r.name].append(r)
    with_rate, without_rate = (sum(r.rate for r in sides[s]) / len(sides[s]) for s in (True, False))
    with_cpu, without_cpu = (sum(_pg_ms_per_1000(r) for r in sides[s]) / len(sides[s]) for s in (True, False))
    for r in rows:
        r.extra["pg_cpu_ms_per_1000_transfers"] = round(_pg_ms_per_1000(r), 1)
    first = rows[0]
    first.extra.update(
        with_mean=round(with_rate, 1),
        without_mean=round(without_rate, 1),
        with_over_without=round(with_rate / without_rate, 3) if without_rate else None,
        pg_cpu_ms_per_1000_with=round(with_cpu, 1),
        pg_cpu_ms_per_1000_without=round(without_cpu, 1),
        pg_cpu_with_over_without=round(with_cpu / without_cpu, 3) if without_cpu else None,
    )
    _log(
        f"    {first.mode}: with / without = {with_rate:,.0f} / {without_rate:,.0f} transfers/s"
        f" = {first.extra['with_over_without']}; PG CPU ms per 1,000: {with_cpu:.0f} / {without_cpu:.0f}"
    )


def measure_writes(
    seconds: int, rounds: int, repeats: int, batch_accounts: int, notes: list[str]
) -> tuple[dict[str, Any], list[h.Row]]:
    base = f"razao_bench_value_writes_{os.getpid()}"
    rows: list[h.Row] = []
    opened = BATCH_CLIENTS * batch_accounts
    with (
        h.ledger_database(f"{base}_with", notes) as with_db,
        h.ledger_database(f"{base}_without", notes) as without_db,
        h.tpcb_database(with_db.host, with_db.port, f"{base}_tpcb") as tpcb,
        tempfile.TemporaryDirectory() as tmp,
    ):
        strip_value_dates(without_db)
        databases = {WITH: with_db, WITHOUT: without_db}
        for db in databases.values():
            _log(f"opening {opened} accounts in {db.name}")
            h.open_accounts(db, range(1, opened + 1))
        meter = h.CpuMeter(h.postmaster_pid(with_db), [with_db.name, without_db.name, tpcb.name])
        script = Path(tmp) / "batch.sql"
        script.write_text(BATCH_SCRIPT.replace("{function}", "razao.post_transfers"), encoding="utf-8")

        def db_batches(label: str, run: int) -> h.Row:
            db = databases[label]
            variables = {
                "version": str(db.scalar("SELECT razao.deployed_code_version()")),
                "accounts": str(batch_accounts),
                "batch_accounts": str(batch_accounts),
                "size": str(BATCH_SIZE),
            }
            name = f"post_transfers batch {BATCH_SIZE}, {label} ({run})"
            with h.row(meter, h.Row("sql", "db", name, BATCH_CLIENTS, "transfers")) as r:
                result = h.pgbench(
                    db,
                    ["-n", "-f", str(script)],
                    clients=BATCH_CLIENTS,
                    seconds=seconds,
                    user="razao_app",
                    variables=variables,
                )
                h.fill_from_pgbench(r, result, BATCH_SIZE, seconds)
            _log(f"  {r.name}: {r.rate:,.0f} transfers/s")
            return r

        def app_batches(label: str, run: int) -> h.Row:
            r = _app_batches(
                databases[label], meter, f"{label} ({run})", _client_batches, batch_accounts, seconds
            )
            _log(f"  {r.name}: {r.rate:,.0f} transfers/s")
            return r

        rows.append(h.tpcb_row("sql", tpcb, meter, TPCB_CLIENTS, seconds, "before"))
        for measure in (db_batches, app_batches):
            pair: list[h.Row] = []
            for run, label in enumerate((WITH, WITHOUT, WITHOUT, WITH) * rounds):
                pair.append(measure(label, 1 + run // 2))
            _pair(pair)
            rows += pair
        rows.append(h.tpcb_row("sql", tpcb, meter, TPCB_CLIENTS, seconds, "after"))
        for label, db in databases.items():
            days = db.scalar("SELECT count(*) FROM account_value_days")
            booked = db.scalar("SELECT count(*) FROM transfers")
            notes.append(f"{label}: {booked:,} transfers booked, {days:,} account_value_days rows")
        # After the rows: today's value days exist, so the upsert updates, as it mostly does in production.
        journal = journal_insert(databases, batch_accounts, repeats)
        # Then the `without` database gets the index back: what remains is the trigger's own extra work.
        with _connect(without_db.admin_url) as c:
            c.execute(
                "CREATE INDEX ix_entries_value_date ON entries (account_id, effective_at, seq)"
                " INCLUDE (side, amount) WHERE layer = 'posted'"
            )
            c.execute("ANALYZE entries")
        journal_index = journal_insert({WITH: with_db, INDEX_ONLY: without_db}, batch_accounts, repeats)
    meta = {
        "seconds_per_row": seconds,
        "rounds": rounds,
        "batch_accounts_per_client": batch_accounts,
        "journal_insert": journal,
        "journal_insert_index_kept": journal_index,
    }
    return meta, rows


# --- the report -----------------------------------------------------------------------------------------


def save(json_path: str, key: str, payload: dict[str, Any]) -> None:
    """Write `payload` under `key` of the JSON file, keeping its other keys."""
    data: dict[str, Any] = {}
    if os.path.exists(json_path):
        with open(json_path, encoding="utf-8") as f:
            data = json.load(f)
    data[key] = payload
    os.makedirs(os.path.dirname(json_path) or ".", exist_ok=True)
    with open(json_path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100,000 entries, 1,000 calls, 3 s per row")
    parser.add_argument("--entries", type=int, help="entries on the measured account (default 1,000,000)")
    parser.add_argument("--calls", type=int, help="calls per latency row (default 2,000)")
    parser.add_argument("--seconds", type=int, help="seconds per throughput row (default 10)")
    parser.add_argument(
        "--rounds", type=int, help="rounds of with, without, without, with per mode (default 2; quick 1)"
    )
    parser.add_argument("--batch-accounts", type=int, default=1000, help="accounts of each batch client")
    parser.add_argument("--only", choices=("latency", "writes"), help="run one of the two measurements")
    parser.add_argument("--json", help="also write the results to this file (keys `latency`, `writes`)")
    args = parser.parse_args(argv)
    entries = args.entries or (100_000 if args.quick else 1_000_000)
    calls = args.calls or (1_000 if args.quick else 2_000)
    seconds = args.seconds or (3 if args.quick else 10)
    rounds = args.rounds or (1 if args.quick else 2)
    repeats = 10 if args.quick else 40
    notes: list[str] = []
    _log(f"load average at start: {h.loadavg():.2f}")

    if args.only in (None, "latency"):
        meta, rows = measure_latency(entries, calls, notes)
        print(f"\nBalance by value date, one account of {entries:,} entries, {os.cpu_count()} cores")
        print(", ".join(f"{k}: {v}" for k, v in meta.items()))
        print(latency_table(rows))
        if args.json:
            save(
                args.json,
                "latency",
                {
                    "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "cores": os.cpu_count(),
                    **meta,
                    **({"notes": list(notes)} if notes else {}),
                    "rows": [asdict(r) for r in rows],
                },
            )
    if args.only in (None, "writes"):
        write_notes: list[str] = []
        meta, write_rows = measure_writes(seconds, rounds, repeats, args.batch_accounts, write_notes)
        h.finish(
            f"What the value days cost the batch path, {os.cpu_count()} cores",
            write_rows,
            TPCB_CLIENTS,
            args.json,
            "writes",
            {**meta, **({"notes": write_notes} if write_notes else {})},
        )
        print(journal_table([meta["journal_insert"], meta["journal_insert_index_kept"]]))
    _log(f"load average at end: {h.loadavg():.2f}")


if __name__ == "__main__":
    main()
