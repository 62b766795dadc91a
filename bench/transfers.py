"""Transfers per second on the local PostgreSQL: single transfers and batches of 100 and 1,000,
through the use case (in-process `WritePath`) and through HTTP (a uvicorn process of the API).

    python -m bench.transfers [--singles 2000] [--clients 1 4] [--accounts 1000]

It creates (and drops at the end) a database of its own, so it never touches real data. Every figure
printed is measured in this run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
from sqlalchemy.engine import make_url

from adapters.db import migrate
from application.accounts import OpenAccount, open_account
from application.api_keys import create_api_key
from domain.transfers import TransferRequest
from razao.container import build_container
from razao.settings import Settings


@dataclass
class Result:
    path: str
    shape: str
    clients: int
    transfers: int
    seconds: float
    latencies: list[float]

    def row(self) -> str:
        rate = self.transfers / self.seconds
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000
        return (
            f"| {self.path:<8} | {self.shape:<11} | {self.clients:>7} | {self.transfers:>9} | "
            f"{self.seconds:>7.2f} | {rate:>11,.0f} | {p50:>8.2f} | {p99:>8.2f} |"
        )


HEADER = (
    "| path     | shape       | clients | transfers | seconds | transfers/s | p50 (ms) | p99 (ms) |\n"
    "|----------|-------------|---------|-----------|---------|-------------|----------|----------|"
)


def _db_urls(name: str) -> tuple[str, str]:
    base = Settings()
    admin = make_url(base.admin_database_url).set(database=name)
    app = make_url(base.database_url).set(database=name)
    return admin.render_as_string(hide_password=False), app.render_as_string(hide_password=False)


def _drop(admin_url: str) -> None:
    import psycopg

    url = make_url(admin_url)
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def _random_transfer(accounts: Sequence[uuid.UUID], rng: random.Random) -> TransferRequest:
    debit, credit = rng.sample(list(accounts), 2)
    return TransferRequest.simple(
        uuid.uuid4(), debit_account_id=debit, credit_account_id=credit, amount=rng.randint(1, 100)
    )


def _run(
    path: str,
    shape: str,
    clients: int,
    total_calls: int,
    per_call: int,
    call: Callable[[list[TransferRequest]], None],
    accounts: Sequence[uuid.UUID],
) -> Result:
    rng = random.Random(42)
    work = [[_random_transfer(accounts, rng) for _ in range(per_call)] for _ in range(total_calls)]
    latencies: list[float] = []

    def one(requests: list[TransferRequest]) -> None:
        t0 = time.perf_counter()
        call(requests)
        latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, work))
    return Result(path, shape, clients, total_calls * per_call, time.perf_counter() - start, latencies)


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--singles", type=int, default=2000, help="single transfers per measurement")
    parser.add_argument("--batches", type=int, default=10, help="batches per measurement")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--database", default=f"razao_bench_{os.getpid()}")
    args = parser.parse_args(argv)

    admin_url, app_url = _db_urls(args.database)
    migrate.ensure_database(admin_url)
    migrate.upgrade(admin_url, "head")
    settings = Settings(
        database_url=app_url, admin_database_url=admin_url, db_pool_size=max(args.clients) + 2
    )
    container = build_container(settings)
    results: list[Result] = []
    server = None
    try:
        clock, ids = container.clock(), container.ids()
        funding = open_account(
            OpenAccount("bench:funding", "Funding", "BRL", "credit", min_balance=None),
            container.uow(),
            clock,
            ids,
        ).account.id
        wallets = [
            open_account(
                OpenAccount(f"bench:wallet:{i}", f"Wallet {i}", "BRL", "credit", min_balance=None),
                container.uow(),
                clock,
                ids,
            ).account.id
            for i in range(args.accounts)
        ]
        accounts = [funding, *wallets]
        write = container.write_path()

        def use_case(requests: list[TransferRequest]) -> None:
            write.post_transfers(requests)

        for clients in args.clients:
            results.append(_run("use case", "single", clients, args.singles, 1, use_case, accounts))
        for size in (100, 1000):
            results.append(_run("use case", f"batch {size}", 1, args.batches, size, use_case, accounts))

        _, token = create_api_key("bench", ["admin"], container.admin_uow(), clock, ids)
        port = _free_port()
        env = {
            **os.environ,
            "RAZAO_DATABASE_URL": app_url,
            "RAZAO_ADMIN_DATABASE_URL": admin_url,
            "RAZAO_DB_POOL_SIZE": str(max(args.clients) + 2),
            "RAZAO_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "razao.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(100):
            try:
                if httpx.get(f"{base}/health/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        http = httpx.Client(
            base_url=base, headers=headers, timeout=60, limits=httpx.Limits(max_connections=64)
        )

        def over_http(requests: list[TransferRequest]) -> None:
            if len(requests) == 1:
                response = http.post("/v1/transfers", json=_payload(requests[0]))
            else:
                response = http.post(
                    "/v1/transfers/batch", json={"transfers": [_payload(r) for r in requests]}
                )
            if response.status_code != 201:
                raise RuntimeError(f"HTTP {response.status_code}: {response.text}")

        for clients in args.clients:
            results.append(_run("http", "single", clients, args.singles, 1, over_http, accounts))
        for size in (100, 1000):
            results.append(_run("http", f"batch {size}", 1, args.batches, size, over_http, accounts))
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        container.engine().dispose()
        container.admin_engine().dispose()
        _drop(admin_url)

    print(f"\nRazão transfers benchmark — {os.cpu_count()} cores, PostgreSQL on 127.0.0.1")
    print(HEADER)
    for result in results:
        print(result.row())
    print(json.dumps({"results": [r.__dict__ | {"latencies": None} for r in results]}), file=sys.stderr)


if __name__ == "__main__":
    main()
