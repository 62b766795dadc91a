"""The cost of a new connection in db mode: the first call of a fresh PostgreSQL backend, and pgbench -C.

    python -m bench.cold_start [--connections 30] [--seconds 10] [--clients 4] [--database NAME ...]

For each database (by default one it creates, migrates to head and drops at the end; `--database` names
existing, migrated databases instead, e.g. one at an older code revision to compare) it prints:
- the first call of `razao.trial_balance` and of `razao.post_transfers` in each of `--connections` new
  connections as `razao_app` (median and p90, milliseconds), and the second call in the same backend;
- the floor under them: the first `DO $$ pass $$ LANGUAGE plpython3u` of a new backend (starting the
  Python interpreter), as the superuser;
- `pgbench -C` (a new connection per transaction) of a single-transfer `razao.post_transfers` call,
  beside pgbench's built-in TPC-B with -C on the same server in the same run, and their ratio.
The load average is printed before and after: the figures are only comparable within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence

import psycopg
from sqlalchemy.engine import make_url

from adapters.db import migrate
from application import codec
from application.accounts import OpenAccount, open_account
from bench import _harness as h
from domain.transfers import TransferRequest
from razao.container import build_container, dispose_engines
from razao.settings import Settings

PGBENCH = h.pgbench_binary()
#: Stand-ins replaced in SQL by a new transfer id and two accounts (pgbench script variables).
_ID, _DEBIT, _CREDIT = (uuid.UUID(int=n) for n in (1, 2, 3))


def _conninfo(url: str) -> str:
    u = make_url(url)
    return f"host={u.host or '127.0.0.1'} port={u.port or 5432} user={u.username} dbname={u.database}" + (
        f" password={u.password}" if u.password else ""
    )


def _pg_args(url: str) -> list[str]:
    u = make_url(url)
    return ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]


def _version(admin_url: str) -> str:
    with psycopg.connect(_conninfo(admin_url)) as c:
        row = c.execute("SELECT version FROM razao.code_version").fetchone()
    assert row is not None
    return str(row[0])


def _accounts(admin_url: str, app_url: str, count: int) -> list[uuid.UUID]:
    container = build_container(Settings(database_url=app_url, admin_database_url=admin_url))
    try:
        clock, ids = container.clock(), container.ids()
        return [
            open_account(
                OpenAccount(f"bench:cold:{uuid.uuid4()}", "Cold start", "BRL", "credit", min_balance=None),
                container.uow(),
                clock,
                ids,
            ).account.id
            for _ in range(count)
        ]
    finally:
        dispose_engines(container)


def _transfer_sql(version: str, accounts: Sequence[uuid.UUID], literal: bool = False) -> str:
    """One single-transfer call; in pgbench syntax (`:d`, `:c` pick the accounts) unless `literal`."""
    template = json.dumps(
        [
            codec.transfer_request_to_dict(
                TransferRequest.simple(_ID, debit_account_id=_DEBIT, credit_account_id=_CREDIT, amount=1)
            )
        ]
    )
    ids = "ARRAY[" + ",".join(f"'{a}'" for a in accounts) + "]"
    debit, credit = ("1", "2") if literal else (":d", ":c")
    return (
        f"SELECT razao.post_transfers('{version}', replace(replace(replace('{template}',"
        f" '{_ID}', gen_random_uuid()::text), '{_DEBIT}', ({ids})[{debit}]), '{_CREDIT}', ({ids})[{credit}])"
        "::jsonb)"
    )


def _first_call(app_url: str, sql: str) -> tuple[float, float]:
    """Milliseconds of the first and the second call of `sql` in a new backend."""
    with psycopg.connect(_conninfo(app_url), autocommit=True) as c:
        c.execute("SELECT 1")  # the connection itself is not what is measured
        times = []
        for _ in range(2):
            start = time.perf_counter()
            c.execute(sql).fetchall()
            times.append((time.perf_counter() - start) * 1000)
    return times[0], times[1]


def _interpreter(admin_url: str) -> float:
    """Milliseconds of the first PL/Python block of a new backend: starting the interpreter."""
    with psycopg.connect(_conninfo(admin_url), autocommit=True) as c:
        c.execute("SELECT 1")
        start = time.perf_counter()
        c.execute("DO $$ pass $$ LANGUAGE plpython3u")
        return (time.perf_counter() - start) * 1000


def _stats(times: Sequence[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return f"median {statistics.median(ordered):7.1f}  p90 {p90:7.1f}"


def _pgbench(args: list[str]) -> float:
    out = subprocess.run([PGBENCH, *args], check=True, capture_output=True, text=True).stdout
    match = re.search(r"tps = ([0-9.]+)", out)
    return float(match.group(1)) if match else float("nan")


def _transfers_with_c(
    app_url: str, version: str, accounts: Sequence[uuid.UUID], clients: int, seconds: int
) -> float:
    half = len(accounts) // 2
    script = f"\\set d random(1, {half})\n\\set c random({half + 1}, {len(accounts)})\n"
    script += _transfer_sql(version, accounts) + ";\n"
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    try:
        db = make_url(app_url).database or ""
        base = [
            *_pg_args(app_url),
            "-n",
            "-C",
            "-f",
            f.name,
            "-c",
            str(clients),
            "-j",
            "2",
            "-T",
            str(seconds),
        ]
        return _pgbench([*base, db])
    finally:
        os.unlink(f.name)


def _tpcb_with_c(admin_url: str, clients: int, seconds: int) -> float:
    name = f"{make_url(admin_url).database}_tpcb"
    base = _pg_args(admin_url)
    subprocess.run(["createdb", *base, name], check=True)
    try:
        subprocess.run([PGBENCH, *base, "-i", "-q", "-s", "10", name], check=True, capture_output=True)
        return _pgbench(
            [*base, "-C", "-b", "tpcb-like", "-c", str(clients), "-j", "2", "-T", str(seconds), name]
        )
    finally:
        subprocess.run(["dropdb", *base, "--force", name], check=False)


def _drop(admin_url: str) -> None:
    url = make_url(admin_url)
    with psycopg.connect(_conninfo(admin_url.replace(f"/{url.database}", "/postgres")), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--connections", type=int, default=30, help="new connections per first-call figure")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each pgbench run")
    parser.add_argument("--clients", type=int, default=4, help="pgbench clients")
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--database", nargs="+", help="existing migrated databases (default: a new one)")
    args = parser.parse_args(argv)

    print(f"load average before: {_load()}")
    own = args.database is None
    names = [f"razao_cold_{os.getpid()}"] if own else args.database
    try:
        targets = []
        for name in names:
            db = h.database(name)
            admin_url, app_url = db.admin_url, db.app_url
            if own:
                migrate.ensure_database(admin_url)
                migrate.upgrade(admin_url, "head")
            version = _version(admin_url)
            accounts = _accounts(admin_url, app_url, args.accounts)
            calls = {
                "trial_balance": f"SELECT razao.trial_balance('{version}', NULL)",
                "post_transfers (1 transfer)": _transfer_sql(version, accounts, literal=True),
            }
            targets.append((name, admin_url, app_url, version, accounts, calls))
        # Rounds over the databases, one new connection each, so that the load of the machine falls on all.
        figures: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(args.connections):
            for name, admin_url, app_url, _v, _a, calls in targets:
                floor = _interpreter(admin_url)
                figures.setdefault((name, "Python start (DO $$ pass $$)"), []).append((floor, 0.0))
                for label, sql in calls.items():
                    figures.setdefault((name, label), []).append(_first_call(app_url, sql))
        print(f"\nfirst call in a new backend, {args.connections} connections each (ms)")
        for (name, label), times in figures.items():
            first = _stats([t[0] for t in times])
            second = "" if label.startswith("Python") else f"   second call {_stats([t[1] for t in times])}"
            print(f"  {name:<14} {label:<30} {first}{second}")
        tpcb = [_tpcb_with_c(targets[0][1], args.clients, args.seconds)]
        rates = [
            (name, _transfers_with_c(app_url, version, accounts, args.clients, args.seconds))
            for name, _admin, app_url, version, accounts, _calls in targets
        ]
        tpcb.append(_tpcb_with_c(targets[0][1], args.clients, args.seconds))
        mean = statistics.fmean(tpcb)
        print(
            f"\npgbench -C (a new connection per transaction), {args.clients} clients, {args.seconds} s each"
        )
        print(f"  TPC-B (built-in tpcb-like, run before and after) {tpcb[0]:8.1f} / {tpcb[1]:.1f} tps")
        for name, tps in rates:
            print(
                f"  {name:<14} one-transfer post_transfers   {tps:8.1f} tps   ratio to TPC-B {tps / mean:.2f}"
            )
    finally:
        if own:
            _drop(h.database(names[0]).admin_url)
        print(f"\nload average after: {_load()}")


if __name__ == "__main__":
    main()
