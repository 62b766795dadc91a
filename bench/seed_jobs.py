"""Template databases for the background-jobs benchmark (`bench.jobs`): N accounts with some history.

    python -m bench.seed_jobs 10000 [--rebuild]     # build (or find) the template for 10,000 accounts

A template is a database named `razao_bench_jobs_<N>_<hash>` (the hash covers the Alembic head and
`SEED_VERSION`, so a new migration or a new seed builds a new template), at head, holding:
- N customer accounts `bench:customer:<i>` (BRL, credit-normal, `min_balance` 0), opened on
  `OPENED` (booking time in the past);
- a cash account (debit-normal) that funds them and `COUNTERPARTS` interest-expense accounts
  (debit-normal), none with a minimum balance;
- an interest policy on every customer account (10.50 % ACT/365F from `POLICY_FROM`, paid by one of
  the interest-expense accounts);
- `len(HISTORY)` transfers per customer account, booked on the days before and in the accrual
  range (`ACCRUAL_START`..`ACCRUAL_END`), so each day's closing balance differs.

1,000,000 accounts through the use cases would take hours, so the rows are written with set-based
SQL as the superuser, with every trigger of revision 0002 left on: each statement inserts whole
transfers (both lines), numbers each account's entries and computes its `balance_after` with window
functions, and the triggers check it all (balance, sequence, balance_after, min_balance) as they
would for the application. The template is built under a temporary name and renamed when complete,
so an interrupted build is never taken for a template; `bench.jobs` then clones it for each run
(`CREATE DATABASE ... TEMPLATE ... STRATEGY FILE_COPY`), so every mode starts from the same state.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from datetime import date, datetime

import psycopg
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from adapters.db import migrate
from razao.settings import Settings

#: Bump when what the seed writes changes: templates of another version are rebuilt.
SEED_VERSION = 1
#: The accrual range the benchmark runs: the last day of a month and the first of the next, so the
#: job posts a month-end period (31 Oct) and an end-of-range period (1 Nov) per account.
ACCRUAL_START = date(2026, 10, 31)
ACCRUAL_END = date(2026, 11, 1)
OPENED = datetime.fromisoformat("2026-10-20T09:00:00+00:00")
POLICY_FROM = date(2026, 10, 1)
RATE_BPS = 1050
COUNTERPARTS = 4
#: The history of every customer account: (booking time, +deposit / -withdrawal in cents; the
#: amount grows with the account's number so balances differ between accounts).
HISTORY = (
    (datetime.fromisoformat("2026-10-29T10:00:00+00:00"), 100_000),
    (datetime.fromisoformat("2026-10-31T12:00:00+00:00"), 25_000),
    (datetime.fromisoformat("2026-11-01T15:00:00+00:00"), -40_000),
)
#: Customer accounts per INSERT statement (each one runs the ledger triggers over its rows).
BATCH = 100_000


def head_revision() -> str:
    script = ScriptDirectory.from_config(migrate.alembic_config("postgresql://unused"))
    heads = script.get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"expected one Alembic head, found {heads}")
    return heads[0]


def template_name(accounts: int) -> str:
    digest = hashlib.sha256(f"{head_revision()}:{SEED_VERSION}".encode()).hexdigest()[:8]
    return f"razao_bench_jobs_{accounts}_{digest}"


def admin_url(database: str) -> str:
    return (
        make_url(Settings().admin_database_url).set(database=database).render_as_string(hide_password=False)
    )


def connect(database: str) -> psycopg.Connection:
    url = make_url(Settings().admin_database_url)
    return psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname=database,
        autocommit=True,
    )


def exists(database: str) -> bool:
    with connect("postgres") as c:
        return c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone() is not None


def drop(database: str) -> None:
    with connect("postgres") as c:
        c.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def clone(template: str, database: str) -> None:
    """A fresh copy of `template` (file copy: no WAL for the whole database)."""
    drop(database)
    with connect("postgres") as c:
        c.execute(f'CREATE DATABASE "{database}" TEMPLATE "{template}" STRATEGY FILE_COPY')


def _log(message: str) -> None:
    print(f"[seed {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _history_sql(accounts: int) -> str:
    """Every history transfer as one row: customer number, round, booking time, signed amount, and
    the seq and balance_after of both lines (computed here, checked by the triggers)."""
    rounds = ", ".join(
        f"({r}, timestamptz '{at.isoformat()}', {amount})" for r, (at, amount) in enumerate(HISTORY, 1)
    )
    return f"""
        CREATE UNLOGGED TABLE bench_history AS
        WITH h AS (
            SELECT c.i, c.id AS account_id, r.round,
                   r.at + make_interval(secs => c.i * 0.001) AS at,
                   (r.amount + sign(r.amount) * (c.i % 1000) * 100)::numeric AS signed
            FROM bench_customers c
            CROSS JOIN (VALUES {rounds}) AS r(round, at, amount)
        )
        SELECT h.*, gen_random_uuid() AS transfer_id,
               h.round::bigint AS customer_seq,
               sum(h.signed) OVER (PARTITION BY h.i ORDER BY h.round) AS customer_balance,
               row_number() OVER (ORDER BY h.round, h.i) AS cash_seq,
               sum(h.signed) OVER (ORDER BY h.round, h.i) AS cash_balance
        FROM h
        WHERE h.i < {accounts}
    """


def _comment() -> str:
    return f"bench.seed_jobs v{SEED_VERSION}"


def _older_template(accounts: int) -> str | None:
    """A complete template of this size and seed version at another Alembic revision, if any."""
    with connect("postgres") as c:
        found = c.execute(
            "SELECT datname FROM pg_database"
            " WHERE datname LIKE %s AND shobj_description(oid, 'pg_database') = %s"
            " ORDER BY datname LIMIT 1",
            (f"razao_bench_jobs_{accounts}\\_%", _comment()),
        ).fetchone()
    return None if found is None else str(found[0])


def _finish(building: str, name: str) -> None:
    with connect("postgres") as c:
        c.execute(f"COMMENT ON DATABASE \"{building}\" IS '{_comment()}'")
        c.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')


def build(accounts: int) -> str:
    """The template for `accounts` customer accounts: found, upgraded from one at an older revision
    (the data stays, the migrations run), or built."""
    name = template_name(accounts)
    if exists(name):
        return name
    building = f"{name}_building"
    drop(building)
    started = time.perf_counter()
    older = _older_template(accounts)
    if older is not None:
        _log(f"upgrading {older} to {name}")
        clone(older, building)
        try:
            migrate.upgrade(admin_url(building), "head")
        except Exception as error:  # a rewritten history: build from scratch below
            _log(f"cannot upgrade {older} ({error}); building from scratch")
        else:
            _finish(building, name)
            drop(older)
            _log(f"upgraded in {time.perf_counter() - started:.0f} s")
            return name
        drop(building)
    _log(f"building {name} ({accounts:,} accounts)")
    migrate.ensure_database(admin_url(building))
    migrate.upgrade(admin_url(building), "head")
    with connect(building) as c:
        c.execute("SET synchronous_commit = off")
        c.execute("SET work_mem = '256MB'")
        c.execute("SET maintenance_work_mem = '512MB'")
        c.execute("INSERT INTO assets (code, scale, created_at) VALUES ('BRL', 2, %s)", (OPENED,))
        c.execute(
            """
            INSERT INTO accounts (id, code, name, asset_code, normal_side, min_balance, status, created_at)
            SELECT gen_random_uuid(), code, name, 'BRL', 'debit', NULL::numeric, 'active', %s
            FROM (VALUES ('bench:cash', 'Cash')) AS v(code, name)
            UNION ALL
            SELECT gen_random_uuid(), 'bench:interest-expense:' || k, 'Interest expense ' || k,
                   'BRL', 'debit', NULL, 'active', %s
            FROM generate_series(0, %s - 1) AS k
            """,
            (OPENED, OPENED, COUNTERPARTS),
        )
        c.execute(
            """
            CREATE UNLOGGED TABLE bench_customers AS
            SELECT i, gen_random_uuid() AS id FROM generate_series(0, %s - 1) AS i
            """,
            (accounts,),
        )
        c.execute("ALTER TABLE bench_customers ADD PRIMARY KEY (i)")
        c.execute(
            """
            INSERT INTO accounts (id, code, name, asset_code, normal_side, min_balance, status, created_at)
            SELECT id, 'bench:customer:' || i, 'Customer ' || i, 'BRL', 'credit', 0, 'active', %s
            FROM bench_customers ORDER BY i
            """,
            (OPENED,),
        )
        c.execute(
            """
            INSERT INTO razao.interest_policies
                (account_id, effective_from, rate_bps, day_count, counterpart_account_id, created_at)
            SELECT b.id, %s, %s, 'ACT/365F', x.id, %s
            FROM bench_customers b
            JOIN accounts x ON x.code = 'bench:interest-expense:' || (b.i %% %s)
            """,
            (POLICY_FROM, RATE_BPS, OPENED, COUNTERPARTS),
        )
        _log(f"accounts and policies: {time.perf_counter() - started:.0f} s")
        c.execute(_history_sql(accounts))
        c.execute("CREATE INDEX ON bench_history (round, i)")
        cash = c.execute("SELECT id FROM accounts WHERE code = 'bench:cash'").fetchone()
        assert cash is not None
        for round_ in range(1, len(HISTORY) + 1):
            for low in range(0, accounts, BATCH):
                selected = "FROM bench_history WHERE round = %(round)s AND i >= %(low)s AND i < %(high)s"
                params = {"round": round_, "low": low, "high": low + BATCH, "cash": cash[0]}
                c.execute(
                    f"""
                    INSERT INTO transfers (id, status, two_phase, description, metadata, effective_at,
                                           created_at, fingerprint)
                    SELECT transfer_id, 'posted', false,
                           CASE WHEN signed > 0 THEN 'Deposit' ELSE 'Withdrawal' END,
                           '{{}}'::jsonb, at, at, md5(transfer_id::text)
                    {selected} ORDER BY i
                    """,
                    params,
                )
                # Line 0 is the debit, line 1 the credit: a deposit debits cash and credits the
                # customer, a withdrawal the other way round.
                c.execute(
                    f"""
                    INSERT INTO entries (transfer_id, account_id, seq, line, layer, side, amount,
                                         asset_code, balance_after, created_at, effective_at)
                    SELECT transfer_id, account_id, customer_seq,
                           CASE WHEN signed > 0 THEN 1 ELSE 0 END, 'posted',
                           CASE WHEN signed > 0 THEN 'credit' ELSE 'debit' END, abs(signed), 'BRL',
                           customer_balance, at, at
                    {selected}
                    UNION ALL
                    SELECT transfer_id, %(cash)s, cash_seq,
                           CASE WHEN signed > 0 THEN 0 ELSE 1 END, 'posted',
                           CASE WHEN signed > 0 THEN 'debit' ELSE 'credit' END, abs(signed), 'BRL',
                           cash_balance, at, at
                    {selected}
                    """,
                    params,
                )
            _log(f"history round {round_}: {time.perf_counter() - started:.0f} s")
        c.execute("DROP TABLE bench_history")
        c.execute("DROP TABLE bench_customers")
        c.execute("VACUUM (ANALYZE)")
        c.execute("CHECKPOINT")
    _finish(building, name)
    _log(f"built {name} in {time.perf_counter() - started:.0f} s")
    return name


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("accounts", type=int, nargs="+")
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild existing templates")
    args = parser.parse_args(argv)
    for accounts in args.accounts:
        if args.rebuild:
            drop(template_name(accounts))
        print(build(accounts))


if __name__ == "__main__":
    main()
