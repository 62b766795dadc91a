"""Transfers per second on the local PostgreSQL, with the use case run in the app and in the database.

    python -m bench.transfers [--modes app db] [--clients 8 32] [--singles 4000] [--http]

For each execution mode (`app`: the use case runs in this process over SQLAlchemy; `db`: one call of
the PL/Python function that runs the same use case inside PostgreSQL) it measures single transfers and
batches of 100 and 1,000 with each number of concurrent clients, and prints transfers/s with p50/p99
latency per call. `--http` adds the same shapes through the HTTP API (a uvicorn process). Last, it runs
pgbench's built-in TPC-B script on the same server for the same client counts, and prints each Razão
figure as a ratio to it (TPC-B: one transaction = 3 UPDATEs, 1 SELECT, 1 INSERT).

It creates (and drops at the end) databases of its own, so it never touches real data. Every figure
printed is measured in this run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import httpx
from sqlalchemy.engine import make_url

from adapters.db import migrate
from application.accounts import OpenAccount, open_account
from application.api_keys import create_api_key
from domain.transfers import TransferRequest
from razao.container import build_container, dispose_engines
from razao.settings import Settings


@dataclass
class Result:
    path: str
    mode: str
    shape: str
    clients: int
    transfers: int
    seconds: float
    latencies: list[float] = field(repr=False)
    #: Calls that failed (for example a statement timeout behind hot-account locks), by error type.
    failures: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.transfers / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def row(self, tpcb: dict[int, float]) -> str:
        ratio = f"{self.rate / tpcb[self.clients]:.2f}" if self.clients in tpcb else "-"
        return (
            f"| {self.path:<8} | {self.mode:<4} | {self.shape:<10} | {self.clients:>7} | {self.transfers:>9} | "
            f"{self.seconds:>7.2f} | {self.rate:>11,.0f} | {statistics.median(self.latencies) * 1000:>8.2f} | "
            f"{self.percentile(0.99):>8.2f} | {ratio:>9} |"
            + (
                " failed: " + ", ".join(f"{n} x {k}" for k, n in self.failures.items())
                if self.failures
                else ""
            )
        )


HEADER = (
    "| path     | mode | shape      | clients | transfers | seconds | transfers/s | p50 (ms) | p99 (ms) | vs TPC-B |\n"
    "|----------|------|------------|---------|-----------|---------|-------------|----------|----------|----------|"
)


def _urls(name: str) -> tuple[str, str]:
    base = Settings()
    admin = make_url(base.admin_database_url).set(database=name)
    app = make_url(base.database_url).set(database=name)
    return admin.render_as_string(hide_password=False), app.render_as_string(hide_password=False)


def _drop(admin_url: str) -> None:
    import psycopg

    url = make_url(admin_url)
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname="postgres", autocommit=True
    ) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def _random_transfer(accounts: Sequence[uuid.UUID], rng: random.Random) -> TransferRequest:
    debit, credit = rng.sample(list(accounts), 2)
    return TransferRequest.simple(
        uuid.uuid4(), debit_account_id=debit, credit_account_id=credit, amount=rng.randint(1, 100)
    )


def _measure(
    label: tuple[str, str, str],
    clients: int,
    calls: int,
    per_call: int,
    call: Callable[[list[TransferRequest]], None],
    accounts: Sequence[uuid.UUID],
) -> Result:
    rng = random.Random(42)
    work = [[_random_transfer(accounts, rng) for _ in range(per_call)] for _ in range(calls)]
    latencies: list[float] = []

    failures: dict[str, int] = {}

    def one(requests: list[TransferRequest]) -> None:
        t0 = time.perf_counter()
        try:
            call(requests)
        except Exception as error:  # measured and reported, never hidden
            name = type(getattr(error, "orig", None) or error).__name__
            failures[name] = failures.get(name, 0) + 1
            return
        latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, work))
    path, mode, shape = label
    done = len(latencies) * per_call
    return Result(path, mode, shape, clients, done, time.perf_counter() - start, latencies or [0.0], failures)


def _payload(request: TransferRequest) -> dict[str, object]:
    debit, credit = request.postings
    return {
        "id": str(request.id),
        "debit_account_id": str(debit.account_id),
        "credit_account_id": str(credit.account_id),
        "amount": debit.amount,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tpcb(admin_url: str, clients: Sequence[int], seconds: int) -> dict[int, float]:
    """pgbench's built-in TPC-B-like script on the same server: transactions per second by clients."""
    pgbench = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"
    url = make_url(admin_url)
    name = f"{url.database}_tpcb"
    base = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    subprocess.run(["createdb", *base, name], check=True)
    try:
        subprocess.run([pgbench, *base, "-i", "-q", "-s", "10", name], check=True, capture_output=True)
        figures = {}
        for count in clients:
            out = subprocess.run(
                [pgbench, *base, "-b", "tpcb-like", "-c", str(count), "-j", "2", "-T", str(seconds), name],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            match = re.search(r"tps = ([0-9.]+)", out)
            figures[count] = float(match.group(1)) if match else float("nan")
        return figures
    finally:
        subprocess.run(["dropdb", *base, "--force", name], check=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--modes", nargs="+", default=["app", "db"], choices=["app", "db"])
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--singles", type=int, default=4000, help="single transfers per measurement")
    parser.add_argument("--batches-per-client", type=int, default=1, help="batches each client sends")
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--http", action="store_true", help="also measure through the HTTP API")
    parser.add_argument("--tpcb-seconds", type=int, default=15)
    parser.add_argument("--database", default=f"razao_bench_{os.getpid()}")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    admin_url, app_url = _urls(args.database)
    migrate.ensure_database(admin_url)
    migrate.upgrade(admin_url, "head")
    pool = max(args.clients) + 4
    containers = {
        mode: build_container(
            Settings(
                database_url=app_url, admin_database_url=admin_url, db_pool_size=pool, execution_mode=mode
            )
        )
        for mode in args.modes
    }
    results: list[Result] = []
    server = None
    try:
        setup = next(iter(containers.values()))
        clock, ids = setup.clock(), setup.ids()
        accounts = [
            open_account(
                OpenAccount(f"bench:wallet:{i}", f"Wallet {i}", "BRL", "credit", min_balance=None),
                setup.uow(),
                clock,
                ids,
            ).account.id
            for i in range(args.accounts)
        ]
        for mode, container in containers.items():
            write = container.write_path()

            def use_case(requests: list[TransferRequest], write=write) -> None:  # type: ignore[no-untyped-def]
                write.post_transfers(requests)

            for clients in args.clients:
                results.append(
                    _measure(("use case", mode, "single"), clients, args.singles, 1, use_case, accounts)
                )
                for size in (100, 1000):
                    calls = clients * args.batches_per_client
                    results.append(
                        _measure(
                            ("use case", mode, f"batch {size}"), clients, calls, size, use_case, accounts
                        )
                    )
            print(f"measured {mode} mode", file=sys.stderr)

        if args.http:
            _, token = create_api_key("bench", ["admin"], setup.admin_uow(), clock, ids)
            # The API process opens pools of its own: give the connections of the use-case runs back.
            for container in containers.values():
                dispose_engines(container)
            for mode in args.modes:
                port = _free_port()
                env = {
                    **os.environ,
                    "RAZAO_DATABASE_URL": app_url,
                    "RAZAO_ADMIN_DATABASE_URL": admin_url,
                    "RAZAO_DB_POOL_SIZE": str(pool),
                    "RAZAO_EXECUTION_MODE": mode,
                    "RAZAO_LOG_LEVEL": "WARNING",
                }
                server = subprocess.Popen(
                    [sys.executable, "-m", "razao.cli", "serve", "--port", str(port)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                )
                base = f"http://127.0.0.1:{port}"
                for _ in range(200):
                    try:
                        if httpx.get(f"{base}/health/ready").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    time.sleep(0.1)
                http = httpx.Client(
                    base_url=base,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=120,
                    limits=httpx.Limits(max_connections=64),
                )

                def over_http(requests: list[TransferRequest], http=http) -> None:  # type: ignore[no-untyped-def]
                    if len(requests) == 1:
                        response = http.post("/v1/transfers", json=_payload(requests[0]))
                    else:
                        response = http.post(
                            "/v1/transfers/batch", json={"transfers": [_payload(r) for r in requests]}
                        )
                    if response.status_code != 201:
                        raise RuntimeError(f"HTTP {response.status_code}: {response.text}")

                for clients in args.clients:
                    results.append(
                        _measure(("http", mode, "single"), clients, args.singles, 1, over_http, accounts)
                    )
                    for size in (100, 1000):
                        calls = clients * args.batches_per_client
                        results.append(
                            _measure(
                                ("http", mode, f"batch {size}"), clients, calls, size, over_http, accounts
                            )
                        )
                http.close()
                server.terminate()
                server.wait(10)
                server = None
                print(f"measured http in {mode} mode", file=sys.stderr)
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        for container in containers.values():
            dispose_engines(container)
        _drop(admin_url)

    tpcb = _tpcb(admin_url, args.clients, args.tpcb_seconds)
    print(f"\nRazão transfers benchmark — {os.cpu_count()} cores, PostgreSQL on 127.0.0.1")
    print(
        "pgbench TPC-B-like on the same server: "
        + ", ".join(f"{c} clients {t:,.0f} tps" for c, t in tpcb.items())
    )
    print(HEADER)
    for result in results:
        print(result.row(tpcb))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(
                {
                    "tpcb": tpcb,
                    "results": [
                        {
                            **{k: v for k, v in asdict(r).items() if k != "latencies"},
                            "rate": r.rate,
                            "p50_ms": statistics.median(r.latencies) * 1000,
                            "p99_ms": r.percentile(0.99),
                        }
                        for r in results
                    ],
                },
                out,
                indent=2,
            )


if __name__ == "__main__":
    main()
