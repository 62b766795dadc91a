"""Group balances (docs/groups.md): how fast a code-prefix group and a category add up 100,000 accounts.

    python -m bench.groups [--accounts 100000] [--calls 30] [--keep NAME] [--json FILE]

The target: an aggregate over 100,000 accounts in at most 200 ms.

The data set, written with set-based SQL as the superuser in a throwaway database at head (through every
trigger of the journal, as `bench.seed_jobs` does):
- `--accounts` customer wallets (BRL, credit-normal) coded `customers:<country>:<city>:<n>`: 5 countries,
  20 cities each, the accounts spread evenly; and one cash account `bank:cash` (debit-normal) that funds
  them;
- `len(ROUNDS)` deposits per wallet, booked on three days; 5 % of them backdated by up to 30 days (their
  value date, and so the value days of `account_value_days`, is earlier than their booking);
- categories: `liabilities` > `customer-deposits` > one category per country holding its wallets, and
  `customer-deposits` > `vip` holding every tenth wallet (which is then in two subcategories of
  `customer-deposits`, counted once in its balance). Then VACUUM ANALYZE.

Rows, per execution mode (`app`: `InAppReadPath`, SQL from this process; `db`: `InDatabaseReadPath`, one
PL/Python call), each over `--calls` calls after 3 warm-up calls, the caller's wall time of one call:
- prefix `` (the whole ledger) and `customers:` (every wallet): current balances, as of an instant booked,
  as of an instant effective;
- category `liabilities` (every wallet, through two levels of nesting and the overlap of `vip`): the same
  three.
The answers of both modes are compared (they must be equal). Nothing here is a test: every figure is
printed, none is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from adapters.db.code_bundle import app_code_version
from adapters.db.engine import make_engine
from adapters.db.in_database import InDatabaseReadPath
from adapters.db.unit_of_work import SqlUnitOfWork
from application.read_path import InAppReadPath, ReadPath
from bench import _harness as h
from domain.time_basis import Basis

TARGET_MS = 200.0
COUNTRIES = ("ar", "br", "cl", "mx", "us")
CITIES = 20
OPENED = datetime(2026, 9, 1, tzinfo=UTC)
#: Each wallet's deposits: booking time and amount in cents (plus the wallet's number mod 1000).
ROUNDS = (
    (datetime(2026, 10, 1, 12, tzinfo=UTC), 10_000),
    (datetime(2026, 10, 15, 12, tzinfo=UTC), 2_500),
    (datetime(2026, 11, 1, 12, tzinfo=UTC), 4_000),
)
#: The instant the as-of rows ask for: between the second and the third round.
AS_OF = datetime(2026, 10, 20, 0, tzinfo=UTC)
BACKDATED_PERCENT = 5
MAX_BACKDATE_DAYS = 30
WARM_UP = 3


def _log(message: str) -> None:
    print(f"[groups {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _connect(url: str) -> psycopg.Connection[Any]:
    u = make_url(url)
    return psycopg.connect(
        host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database, autocommit=True
    )


def seed(db: h.Database, accounts: int) -> dict[str, int]:
    """The data set of the module's docstring; returns what it holds."""
    started = time.perf_counter()
    per_city = max(1, accounts // (len(COUNTRIES) * CITIES))
    with _connect(db.admin_url) as c:
        c.execute("SET synchronous_commit = off")
        c.execute("SET work_mem = '256MB'")
        c.execute("SET maintenance_work_mem = '512MB'")
        c.execute("INSERT INTO assets (code, scale, created_at) VALUES ('BRL', 2, %s)", (OPENED,))
        c.execute(
            "INSERT INTO accounts (id, code, name, asset_code, normal_side, min_balance, status, created_at)"
            " VALUES (gen_random_uuid(), 'bank:cash', 'Cash', 'BRL', 'debit', NULL, 'active', %s)",
            (OPENED,),
        )
        c.execute(
            """
            CREATE UNLOGGED TABLE bench_wallets AS
            SELECT i, gen_random_uuid() AS id,
                   'customers:' || (%(countries)s::text[])[1 + i %% %(n)s] || ':city-'
                       || lpad(((i / %(n)s) %% %(cities)s)::text, 2, '0') || ':' || lpad(i::text, 7, '0') AS code,
                   (%(countries)s::text[])[1 + i %% %(n)s] AS country
            FROM generate_series(0, %(accounts)s - 1) AS i
            """,
            {"countries": list(COUNTRIES), "n": len(COUNTRIES), "cities": CITIES, "accounts": accounts},
        )
        c.execute(
            "INSERT INTO accounts (id, code, name, asset_code, normal_side, min_balance, status, created_at)"
            " SELECT id, code, 'Wallet ' || i, 'BRL', 'credit', 0, 'active', %s FROM bench_wallets ORDER BY code",
            (OPENED,),
        )
        _log(f"{accounts:,} wallets ({per_city:,} per city): {time.perf_counter() - started:.0f} s")
        rounds = ", ".join(
            f"({r}, timestamptz '{at.isoformat()}', {amount})" for r, (at, amount) in enumerate(ROUNDS, 1)
        )
        c.execute("SELECT setseed(0.6)")
        c.execute(
            f"""
            CREATE UNLOGGED TABLE bench_deposits AS
            WITH d AS (
                SELECT w.i, w.id AS account_id, r.round,
                       r.at + make_interval(secs => w.i * 0.001) AS at,
                       (r.amount + (w.i % 1000))::numeric AS amount,
                       random() * 100 < {BACKDATED_PERCENT} AS backdated,
                       random() AS shift
                FROM bench_wallets w CROSS JOIN (VALUES {rounds}) AS r(round, at, amount)
            )
            SELECT d.i, d.account_id, d.round, d.at, d.amount, gen_random_uuid() AS transfer_id,
                   CASE WHEN d.backdated THEN d.at - make_interval(secs => d.shift * {MAX_BACKDATE_DAYS} * 86400)
                        ELSE d.at END AS effective_at,
                   d.round::bigint AS wallet_seq,
                   sum(d.amount) OVER (PARTITION BY d.i ORDER BY d.round) AS wallet_balance,
                   row_number() OVER (ORDER BY d.round, d.i) AS cash_seq,
                   sum(d.amount) OVER (ORDER BY d.round, d.i) AS cash_balance
            FROM d
            """
        )
        cash = c.execute("SELECT id FROM accounts WHERE code = 'bank:cash'").fetchone()
        assert cash is not None
        for round_ in range(1, len(ROUNDS) + 1):
            params = {"round": round_, "cash": cash[0]}
            c.execute(
                """
                INSERT INTO transfers (id, status, two_phase, description, metadata, effective_at, created_at,
                                       fingerprint)
                SELECT transfer_id, 'posted', false, 'Deposit', '{}'::jsonb, effective_at, at,
                       md5(transfer_id::text)
                FROM bench_deposits WHERE round = %(round)s ORDER BY i
                """,
                params,
            )
            c.execute(
                """
                INSERT INTO entries (transfer_id, account_id, seq, line, layer, side, amount, asset_code,
                                     balance_after, created_at, effective_at)
                SELECT transfer_id, account_id, wallet_seq, 1, 'posted', 'credit', amount, 'BRL',
                       wallet_balance, at, effective_at
                FROM bench_deposits WHERE round = %(round)s
                UNION ALL
                SELECT transfer_id, %(cash)s, cash_seq, 0, 'posted', 'debit', amount, 'BRL', cash_balance, at,
                       effective_at
                FROM bench_deposits WHERE round = %(round)s
                """,
                params,
            )
            _log(f"deposit round {round_}: {time.perf_counter() - started:.0f} s")
        c.execute(
            """
            INSERT INTO categories (id, code, name, parent_id, created_at)
            VALUES ('00000000-0000-4000-8000-00000000c001', 'liabilities', 'Liabilities', NULL, %(at)s),
                   ('00000000-0000-4000-8000-00000000c002', 'customer-deposits', 'Customer deposits',
                    '00000000-0000-4000-8000-00000000c001', %(at)s),
                   ('00000000-0000-4000-8000-00000000c003', 'vip', 'VIP customers',
                    '00000000-0000-4000-8000-00000000c002', %(at)s)
            """,
            {"at": OPENED},
        )
        c.execute(
            """
            INSERT INTO categories (id, code, name, parent_id, created_at)
            SELECT gen_random_uuid(), 'deposits-' || country, 'Deposits ' || upper(country),
                   '00000000-0000-4000-8000-00000000c002', %s
            FROM unnest(%s::text[]) AS country
            """,
            (OPENED, list(COUNTRIES)),
        )
        c.execute(
            """
            INSERT INTO account_categories (category_id, account_id)
            SELECT k.id, w.id FROM bench_wallets w JOIN categories k ON k.code = 'deposits-' || w.country
            UNION ALL
            SELECT '00000000-0000-4000-8000-00000000c003', w.id FROM bench_wallets w WHERE w.i % 10 = 0
            """
        )
        c.execute("DROP TABLE bench_deposits")
        c.execute("DROP TABLE bench_wallets")
        c.execute("VACUUM (ANALYZE)")
        c.execute("CHECKPOINT")
        held = {
            "accounts": c.execute("SELECT count(*) FROM accounts").fetchone()[0],  # type: ignore[index]
            "entries": c.execute("SELECT count(*) FROM entries").fetchone()[0],  # type: ignore[index]
            "account_value_days": c.execute("SELECT count(*) FROM account_value_days").fetchone()[0],  # type: ignore[index]
            "memberships": c.execute("SELECT count(*) FROM account_categories").fetchone()[0],  # type: ignore[index]
        }
    _log(f"seeded in {time.perf_counter() - started:.0f} s: {held}")
    return held


@dataclass
class Row:
    mode: str
    group: str
    balances: str
    calls: int
    p50_ms: float
    p95_ms: float
    max_ms: float


def _measure(call: Callable[[], Any], calls: int) -> tuple[list[float], Any]:
    answer = None
    for _ in range(WARM_UP):
        answer = call()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        answer = call()
        times.append((time.perf_counter() - started) * 1000)
    return times, answer


def _cases(category_id: Any) -> list[tuple[str, str, Callable[[ReadPath], Any]]]:
    cases: list[tuple[str, str, Callable[[ReadPath], Any]]] = []
    for label, as_of, basis in (
        ("current", None, Basis.BOOKED),
        ("as of, booked", AS_OF, Basis.BOOKED),
        ("as of, effective", AS_OF, Basis.EFFECTIVE),
    ):
        for prefix in ("", "customers:"):
            cases.append(
                (
                    f"prefix '{prefix}'",
                    label,
                    lambda r, p=prefix, a=as_of, b=basis: r.group_balance(p, as_of=a, basis=b),
                )
            )
        cases.append(
            (
                "category liabilities",
                label,
                lambda r, a=as_of, b=basis: r.category_balance(category_id, as_of=a, basis=b),
            )
        )
    return cases


def measure(db: h.Database, calls: int) -> tuple[list[Row], list[str]]:
    engine = make_engine(db.app_url, pool_size=2, max_overflow=0)
    notes: list[str] = []
    try:
        paths: dict[str, ReadPath] = {
            "app": InAppReadPath(
                lambda: SqlUnitOfWork(engine.execution_options(isolation_level="AUTOCOMMIT"))
            ),
            "db": InDatabaseReadPath(engine, app_code_version()),
        }
        category = db.scalar("SELECT id FROM categories WHERE code = 'liabilities'")
        rows: list[Row] = []
        answers: dict[tuple[str, str], dict[str, Any]] = {}
        for group, balances, call in _cases(category):
            for mode, path in paths.items():
                times, answer = _measure(lambda c=call, p=path: c(p), calls)  # type: ignore[misc]
                answers.setdefault((group, balances), {})[mode] = answer
                rows.append(
                    Row(
                        mode,
                        group,
                        balances,
                        calls,
                        round(h.percentile(times, 0.5), 1),
                        round(h.percentile(times, 0.95), 1),
                        round(max(times), 1),
                    )
                )
                _log(f"{mode} {group} {balances}: p50 {rows[-1].p50_ms} ms")
        for (group, balances), by_mode in answers.items():
            if by_mode["app"] != by_mode["db"]:
                notes.append(f"DIFFERENT ANSWERS for {group}, {balances}: app and db disagree")
        total = answers[("category liabilities", "current")]["app"].totals
        notes.append(f"category liabilities, current: {[(t.asset, t.accounts, t.posted) for t in total]}")
    finally:
        engine.dispose()
    return rows, notes


def table(rows: list[Row]) -> str:
    out = [
        "| mode | group | balances | calls | p50 ms | p95 ms | max ms |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    out += [
        f"| {r.mode} | {r.group} | {r.balances} | {r.calls} | {r.p50_ms} | {r.p95_ms} | {r.max_ms} |"
        for r in rows
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000, help="customer wallets (default 100,000)")
    parser.add_argument("--calls", type=int, default=30, help="calls per row (default 30)")
    parser.add_argument(
        "--keep", help="seed (once) and keep a database of this name instead of a throwaway one"
    )
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    _log(f"load average at start: {h.loadavg():.2f}")
    notes: list[str] = []
    if args.keep:
        db = h.database(args.keep)
        created = h.migrate.ensure_database(db.admin_url)
        if created:
            h.migrate.upgrade(db.admin_url, "head")
        if note := h.deploy_checkout_code(db):
            notes.append(note)
        held = seed(db, args.accounts) if created else {}
        rows, more = measure(db, args.calls)
    else:
        with h.ledger_database("razao_bench_groups", notes) as db:
            held = seed(db, args.accounts)
            rows, more = measure(db, args.calls)
    notes += more
    print(
        f"\nGroup balances over {args.accounts:,} accounts (target {TARGET_MS:.0f} ms), {os.cpu_count()} cores"
    )
    print(", ".join(f"{k}: {v:,}" for k, v in held.items()))
    print(table(rows))
    for note in notes:
        print(f"- {note}")
    _log(f"load average at end: {h.loadavg():.2f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            payload = {
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "cores": os.cpu_count(),
                "held": held,
                "notes": notes,
                "rows": [asdict(r) for r in rows],
            }
            json.dump(payload, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
