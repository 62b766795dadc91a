"""Server time of each page of the operator console (/console), in both execution modes.

    python -m bench.console [--accounts 2000] [--transfers 40000] [--repeat 20]

Creates a database of its own (migrated to head, this checkout's code deployed, dropped at the end),
opens `--accounts` BRL accounts and books `--transfers` transfers through the write path, half of them
on account 1 (the "busy" account: a long statement, many days of history) and a few held (pending).
Then, for each execution mode, it signs in to the console of the app the composition root builds and
requests every page `--repeat` times in-process (Starlette's TestClient: no network, no uvicorn), and
prints the median, p95 and maximum milliseconds per page. The budget is 300 ms a page; nothing is
asserted (docs/console.md keeps the figures).
"""

from __future__ import annotations

import argparse
import random
import re
import time
import uuid

from fastapi.testclient import TestClient

from adapters.http.app import create_app
from application.api_keys import create_api_key
from application.jobs import create_job
from bench import _harness as h
from domain.accounts import Side
from domain.transfers import Posting, TransferRequest
from razao.container import dispose_engines

BUDGET_MS = 300.0
_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


def seed(db: h.Database, accounts: int, transfers: int) -> None:
    started = time.perf_counter()
    h.open_accounts(db, range(1, accounts + 1))
    container = h.app_container(db, "app", pool=2)
    rng = random.Random(7)
    try:
        path, batch = container.write_path(), []
        for n in range(transfers):
            debit = h.account_id(1 if n % 2 else rng.randint(2, accounts))
            credit = h.account_id(rng.randint(2, accounts))
            if credit == debit:
                credit = h.account_id(1)
            amount = rng.randint(1, 100_000)
            postings = (Posting(debit, Side.DEBIT, amount), Posting(credit, Side.CREDIT, amount))
            held = n % 500 == 1
            batch.append(TransferRequest(uuid.uuid4(), postings, pending=held, description=f"Bench {n}"))
            if len(batch) == 500:
                path.post_transfers(batch)
                batch = []
        if batch:
            path.post_transfers(batch)
    finally:
        dispose_engines(container)
    print(f"seeded {accounts} accounts, {transfers} transfers in {time.perf_counter() - started:.1f} s")


def pages(db: h.Database, mode: str, repeat: int) -> list[tuple[str, list[float]]]:
    container = h.app_container(db, mode, pool=4)
    try:
        services = container.services()
        _, token = create_api_key("bench", ["admin"], container.admin_uow(), services.clock, services.ids)
        assert services.jobs is not None
        job = create_job("expire-holds", {}, None, services.jobs.uow(), services.clock, services.ids)
        busy = h.account_id(1)
        with TestClient(create_app(services)) as client:
            form = client.get("/console/sign-in").text
            csrf = _TOKEN.search(form)
            assert csrf is not None
            signed = client.post(
                "/console/sign-in",
                data={"api_key": token, "csrf_token": csrf.group(1)},
                follow_redirects=False,
            )
            assert signed.status_code == 303, signed.text
            transfer = client.get(
                f"/v1/transfers?account_id={busy}&limit=1", headers={"Authorization": f"Bearer {token}"}
            )
            transfer_id = transfer.json()["items"][0]["id"]
            paths = {
                "account search (prefix)": "/console/accounts?code_prefix=bench:acct:1",
                "account search (status, asset)": "/console/accounts?status=active&asset=BRL",
                "account (busy)": f"/console/accounts/{busy}",
                "account statement page 40": f"/console/accounts/{busy}?after=1000",
                "account (quiet)": f"/console/accounts/{h.account_id(2)}",
                "transfer": f"/console/transfers/{transfer_id}",
                "trial balance": "/console/trial-balance",
                "jobs": "/console/jobs",
                "job": f"/console/jobs/{job.id}",
                "job progress (JSON)": f"/console/jobs/{job.id}/progress",
                "webhooks": "/console/webhooks",
                "freeze confirmation": f"/console/accounts/{busy}/freeze",
            }
            timings = []
            for name, path in paths.items():
                assert client.get(path).status_code == 200, path  # warm: first use of each statement
                spent = []
                for _ in range(repeat):
                    start = time.perf_counter()
                    answer = client.get(path)
                    spent.append((time.perf_counter() - start) * 1000)
                    assert answer.status_code == 200, (path, answer.status_code)
                timings.append((name, spent))
            return timings
    finally:
        dispose_engines(container)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--transfers", type=int, default=40_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    notes: list[str] = []
    with h.ledger_database("razao_bench_console", notes) as db:
        seed(db, args.accounts, args.transfers)
        for note in notes:
            print("note:", note)
        print(f"load average {h.loadavg():.2f}")
        print("| mode | page | median ms | p95 ms | max ms | within 300 ms |")
        print("|---|---|---:|---:|---:|---|")
        for mode in ("app", "db"):
            for name, spent in pages(db, mode, args.repeat):
                p95 = h.percentile(spent, 0.95)
                ok = "yes" if p95 <= BUDGET_MS else "NO"
                print(
                    f"| {mode} | {name} | {h.percentile(spent, 0.5):.1f} | {p95:.1f} | {max(spent):.1f} | {ok} |"
                )
        print(f"load average {h.loadavg():.2f}")


if __name__ == "__main__":
    main()
