"""Webhook delivery throughput of one worker process: deliveries/s to a receiver that answers 200 at once.

    python -m bench.webhooks [--quick] [--events 5000] [--json FILE]

What one worker process is measured running: `adapters.tasks.webhooks.WebhookWorker`, built by the
container exactly as a Celery worker builds it (`container.webhook_worker()`: the SQL store, the Fernet
box, the HTTP sender with its SSRF guard, the policy), driven in this one process: `fan_out` (the
dispatch task's body), then `deliver(endpoint)` (the delivery task's body) until nothing is due. The
Celery round trip per task is left out on purpose: a delivery task works on its endpoint for up to
RAZAO_WEBHOOK_TASK_BUDGET_SECONDS, so one task message carries hundreds of deliveries, and the broker
would only add noise (and another process's CPU) to what is a per-delivery cost. Webhooks run over the
same SQL store in both execution modes, so one mode (app) stands for both.

Per row: a fresh endpoint, then N events recorded (N transfers booked in batches of 1,000, committed
before the row starts: the backlog a worker finds after an outage), then the clock starts: fan-out of
the N events to the endpoint, and delivery of all of them. Rows: an ordered endpoint (one delivery at a
time: claim, send, record, next), and unordered ones (`max_in_flight` 10 and 50; the worker's thread
pool sends a claimed batch at once). The receiver is a separate process (a threaded HTTP server that
reads the body and answers 200 with no work), so its CPU is not the worker's.

Reported per row: deliveries/s (fan-out included), fan-out and delivery seconds apart, p50/p99 of one
attempt (sign, POST, answer), and p50/p99 from the event's commit to its delivery. With a backlog
recorded before the row, that latency is mostly waiting in line (p50 about half the row's length);
it is the figure a receiver sees after an outage. CPU of PostgreSQL and of this process, and the load
average before and after each row. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
import uuid
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any

from bench import _harness as h

#: Accounts the transfers move between (any: only the events count here).
ACCOUNTS = 20
RECORD_BATCH = 1000
#: (name, ordered, max_in_flight) of each row.
ROWS: tuple[tuple[str, bool, int], ...] = (
    ("ordered", True, 1),
    ("unordered, 10 in flight", False, 10),
    ("unordered, 50 in flight", False, 50),
)


# --- the receiver: another process, answering 200 at once -------------------------------------------


def _serve(ready: Connection) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    ready.send(server.server_address[1])
    server.serve_forever()


def start_receiver() -> tuple[multiprocessing.process.BaseProcess, str]:
    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(theirs,), daemon=True, name="bench-webhook-receiver")
    process.start()
    port = mine.recv()
    return process, f"http://127.0.0.1:{port}/hook"


# --- the worker's side -----------------------------------------------------------------------------------


def _quiet_logging() -> None:
    """The worker logs every attempt as JSON, as in production; here the lines go to /dev/null (their
    cost counts, their noise does not)."""
    from razao.logging import configure_logging

    saved = sys.stderr
    sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - kept open for the process
    try:
        configure_logging("INFO", "json")
    finally:
        sys.stderr = saved


def _settle(engine: Any) -> None:
    """Wait until every event committed so far is below the feed's watermark (readable by the fan-out)."""
    from sqlalchemy import text

    with engine.connect() as connection:
        xid = connection.execute(text("SELECT pg_current_xact_id()::text")).scalar_one()
        connection.commit()
        deadline = time.monotonic() + 60
        while not connection.execute(
            text("SELECT pg_snapshot_xmin(pg_current_snapshot()) > CAST(:xid AS xid8)"), {"xid": xid}
        ).scalar_one():
            connection.rollback()
            if time.monotonic() > deadline:
                raise RuntimeError("another session holds the events' watermark back")
            time.sleep(0.02)


def _record(container: Any, events: int) -> None:
    """`events` transfer.posted events: transfers between the benchmark's accounts, in batches."""
    from domain.transfers import TransferRequest

    write = container.write_path()
    for start in range(0, events, RECORD_BATCH):
        write.post_transfers(
            [
                TransferRequest.simple(
                    uuid.uuid4(),
                    debit_account_id=h.account_id(1 + n % ACCOUNTS),
                    credit_account_id=h.account_id(1 + (n + 1) % ACCOUNTS),
                    amount=1,
                )
                for n in range(start, min(events, start + RECORD_BATCH))
            ]
        )


def _endpoint(container: Any, url: str, ordered: bool, max_in_flight: int) -> uuid.UUID:
    from application.webhooks import EndpointSpec, create_endpoint

    services = container.webhook_services()
    _settle(container.engine())  # the events recorded before it are not its own
    endpoint, _ = create_endpoint(
        EndpointSpec(url=url, ordered=ordered, max_in_flight=max_in_flight),
        services.uow(),
        services.box,
        services.new_secret,
        container.clock(),
        container.ids(),
        services.check_url,
    )
    return endpoint.id


def _row(
    container: Any, meter: h.CpuMeter, url: str, events: int, name: str, ordered: bool, in_flight: int
) -> h.Row:
    from application.webhooks import delete_endpoint

    worker = container.webhook_worker()
    endpoint_id = _endpoint(container, url, ordered, in_flight)
    _record(container, events)
    _settle(container.engine())
    r = h.Row("worker", "app", name, in_flight, "deliveries")
    reports: list[Any] = []
    with h.row(meter, r):
        began = time.perf_counter()
        fanned = worker.fan_out().fanned_out
        fanned_at = time.perf_counter()
        while True:
            made = worker.deliver(endpoint_id)
            reports += made
            if not made:
                break
        ended = time.perf_counter()
    delivered = [x for x in reports if x.outcome.value == "delivered"]
    r.seconds = ended - began
    r.calls = len(reports)
    r.failed = len(reports) - len(delivered)
    r.rate = len(delivered) / r.seconds if r.seconds else float("nan")
    latencies = [x.latency.total_seconds() * 1000 for x in delivered if x.latency is not None]
    attempts = [float(x.duration_ms) for x in reports]
    r.p50_ms, r.p99_ms = h.percentile(latencies, 0.5), h.percentile(latencies, 0.99)
    r.extra = {
        "fanned_out": fanned,
        "fan_out_s": round(fanned_at - began, 3),
        "deliver_s": round(ended - fanned_at, 3),
        "deliveries_per_s_excluding_fan_out": round(len(delivered) / (ended - fanned_at), 1)
        if ended > fanned_at
        else None,
        "attempt_p50_ms": h.percentile(attempts, 0.5),
        "attempt_p99_ms": h.percentile(attempts, 0.99),
        "worker_threads": worker.threads,
    }
    if fanned != events or len(delivered) != events:
        r.note = f"{fanned} fanned out, {len(delivered)} delivered of {events}"
    print(f"  {name}: {r.rate:,.0f} deliveries/s ({len(delivered)} in {r.seconds:.1f} s)", file=sys.stderr)
    delete_endpoint(endpoint_id, container.webhook_services().uow())
    return r


def table(rows: Sequence[h.Row]) -> str:
    lines = [
        "| endpoint | deliveries/s | fan-out s | deliver s | attempt p50/p99 ms | commit→delivery p50/p99 ms"
        " | worker CPU s | PG CPU s | load before→after | failed |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        x = r.extra
        lines.append(
            f"| {r.name} | {r.rate:,.0f} | {x['fan_out_s']:.2f} | {x['deliver_s']:.2f}"
            f" | {x['attempt_p50_ms']:.0f} / {x['attempt_p99_ms']:.0f}"
            f" | {r.p50_ms:,.0f} / {r.p99_ms:,.0f} | {r.client_cpu_s:.1f} | {r.pg_cpu_s:.1f}"
            f" | {r.load_before:.2f}→{r.load_after:.2f} | {r.failed} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--events", type=int, default=5000, help="events recorded before each row (5,000)")
    parser.add_argument("--quick", action="store_true", help="1,000 events per row, for development")
    parser.add_argument(
        "--json", help="also write the rows to this file (key `delivery`; other keys are kept)"
    )
    args = parser.parse_args(argv)
    events = 1000 if args.quick else args.events

    from adapters.webhooks.secrets import new_key
    from razao.container import build_container, dispose_engines

    _quiet_logging()
    notes: list[str] = []
    rows: list[h.Row] = []
    receiver, url = start_receiver()
    try:
        with h.ledger_database(f"razao_bench_webhooks_{os.getpid()}", notes) as db:
            h.open_accounts(db, range(1, ACCOUNTS + 1))
            settings = db.settings("app", pool=12).model_copy(
                update={
                    "webhook_secret_key": new_key(),
                    "webhook_allowed_hosts": "127.0.0.1",
                    "webhook_task_budget_seconds": 3600.0,
                }
            )
            container = build_container(settings)
            try:
                meter = h.CpuMeter(h.postmaster_pid(db), [db.name])
                for name, ordered, in_flight in ROWS:
                    rows.append(_row(container, meter, url, events, name, ordered, in_flight))
            finally:
                container.webhook_sender().close()
                dispose_engines(container)
    finally:
        receiver.terminate()
        receiver.join(10)

    meta: dict[str, Any] = {
        "events_per_row": events,
        "driver": "WebhookWorker in one process (the Celery tasks' bodies), receiver in another",
        **({"notes": notes} if notes else {}),
    }
    print(f"\nWebhook delivery, one worker process, {os.cpu_count()} cores, {events} events per row")
    print(table(rows))
    if args.json:
        h.report("(rows as written)", rows, args.json, "delivery", meta)


if __name__ == "__main__":
    main()
