"""Automatic failover: the primary of a pg_auto_failover formation is SIGKILLed while clients write.

A formation (`razao.local.formation`: a monitor, a primary and a synchronous secondary, on free ports)
is migrated with `razao db setup` through the multi-host admin URL; the API (`razao serve`) and two
Celery workers run as real processes whose RAZAO_DATABASE_URL names both nodes with
`target_session_attrs=read-write`. The storm's clients (`TimedClient`: transfers, batches, bulk
requests, holds, posts, voids, reversals, replays) write through the API, re-sending the same request
(same ids) after every connection error, timeout or 5xx, and a client tails `GET /v1/events`.

An interest accrual job is started and, once midway, the primary is killed: SIGKILL to its pg_autoctl
keeper and to its postmaster. Midway whatever the job's speed: the test holds the row lock of a gate
account (an account with a policy that no client touches, past the job's first chunk), so the job
records the progress of its first chunks and then waits inside the gate's chunk; the kill comes once
that progress is seen, with a chunk in flight, and takes the gate's lock with the old primary. The
monitor notices, promotes the secondary, the app's next connections find the new primary, and the
clients' retries get answers. Writing goes on for a while. In the long
run (`RAZAO_SUITE_LEVEL=long`) the killed node is started again, rejoins as the synchronous secondary,
and the new primary is killed in turn: several failovers, back and forth.

What each level runs: the short level (`make test`) runs the `db` execution mode only, with one kill:
it exercises the same connection handling as `app` (the multi-host URL, retries, 503s) and, beyond it,
the PL/Python functions on the promoted node (the interest job's chunks and every write run there). The
long level runs both modes, four kills each. The API, the workers and beat start side by side, while
the API keys are made, and the test waits for all of them.

Then, on the surviving primary: `razao check` (the ledger checker) finds no violation; every
acknowledged transfer exists exactly once with the lines the client was told (0 lost, 0 duplicated);
the job finished, accruing exactly once per account and day; the feed tail saw every stored event
once, in order; both webhook endpoints of the storm (`storm.webhooks`: an ordered one for a few wallets,
an unordered one of a few types for every account, served by real receivers that verify signatures,
fanned out by Celery beat) received every event their subscriptions select, after de-duplication
exactly once, the ordered one in the feed's order; no request was answered 500. Seconds of write
unavailability are the longest gap between acknowledged writes around each kill (`failover.writes`);
the summary row records them.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, pool, text
from sqlalchemy.exc import DBAPIError

from adapters.db.checker import journal_baseline
from adapters.webhooks.secrets import new_key
from razao.local.formation import Formation
from razao.local.processes import free_port
from tests.suites.failover.writes import AckTimes, TimedClient
from tests.suites.storm.clients import ASSET, Admin, Books, Tally, open_books
from tests.suites.storm.processes import (
    RAZAO,
    Process,
    Services,
    create_api_key,
    forget_queue,
    run_cli,
    service_env,
    wait_for,
)
from tests.suites.storm.tail import FeedTail, feed_problems
from tests.suites.storm.webhooks import Subscriptions, counted, wait_for_deliveries, webhook_problems
from tests.suites.summary import is_long, recording, scaled

#: `db` only at the short level (see the module's docstring), both at the long one.
MODES = ("db", "app") if is_long() else ("db",)
FAILOVERS = scaled(1, 4)
CLIENTS = scaled(8, 16)
HOT_ACCOUNTS = 4
COLD_ACCOUNTS = scaled(40, 200)
WITH_INTEREST = scaled(30, 60)
ACCRUAL_DAYS = scaled(40, 60)
#: Seconds of writing before each kill, and after the last recovery.
WRITE_BEFORE = scaled(4, 15)
WRITE_AFTER = scaled(4, 20)
#: Acknowledged transfers that must follow a kill before the clients count as recovered.
RECOVERY_ACKS = 20
RECOVERY_TIMEOUT = 90
WORKERS = 2
#: Small chunks: the job records progress before it reaches the gate account's chunk.
JOB_CHUNK_SIZE = 2
JOB_TIMEOUT = scaled(120, 300)
VISIBILITY_TIMEOUT = 5
#: Webhooks as in the storm (`test_storm.WEBHOOKS`): receivers on 127.0.0.1, fan-out every second,
#: short delivery tasks and timeouts (a claim whose answer the kill lost is leased 4 x 2 s + 30 s).
WEBHOOKS = {
    "RAZAO_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    "RAZAO_WEBHOOK_DISPATCH_SECONDS": "1",
    "RAZAO_WEBHOOK_TASK_BUDGET_SECONDS": "3",
    "RAZAO_WEBHOOK_TIMEOUT_SECONDS": "2",
}
DELIVERY_TIMEOUT = scaled(90, 180)


@pytest.fixture
def formation() -> Iterator[Formation]:
    # Under /tmp, not pytest's tmp_path: the postgres OS user must reach it (tmp_path is root's, 0700).
    formation = Formation.create(Path(tempfile.mkdtemp(prefix="razao-failover-")))
    try:
        yield formation
    finally:
        formation.destroy()


@pytest.fixture
def services(formation: Formation, mode: str, tmp_path: Path) -> Iterator[Services]:
    queue = f"razao-failover-{uuid.uuid4().hex[:12]}"
    env = service_env(
        database_url=formation.multi_host_url("razao_app"),
        admin_url=formation.multi_host_url("postgres"),
        mode=mode,
        queue=queue,
        visibility_timeout=VISIBILITY_TIMEOUT,
        chunk_size=JOB_CHUNK_SIZE,
        extra={**WEBHOOKS, "RAZAO_WEBHOOK_SECRET_KEY": new_key(), "RAZAO_API_WORKERS": "2"},
    )
    run_cli(env, "db", "setup")
    services = Services(env, tmp_path, free_port())
    try:
        yield services
    finally:
        services.stop_all()
        forget_queue(queue)


@pytest.fixture
def admin_engine(formation: Formation) -> Iterator[Engine]:
    engine = create_engine(formation.multi_host_url("postgres"), poolclass=pool.NullPool)
    yield engine
    engine.dispose()


def _accrual_problems(engine: Engine, accounts: tuple[str, ...], start: date, end: date) -> list[str]:
    """Every account with a policy accrued exactly once on each day of the job, and nothing else."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT account_id::text, day, count(*) FROM razao.interest_accruals GROUP BY 1, 2")
        ).all()
    days = {start + timedelta(days=i) for i in range((end - start).days + 1)}
    found: dict[str, dict[date, int]] = {}
    for account_id, day, count in rows:
        found.setdefault(account_id, {})[day] = count
    problems = [f"{a} has no policy but accrued" for a in found if a not in accounts]
    for account_id in accounts:
        accrued = found.get(account_id, {})
        if set(accrued) != days or any(count != 1 for count in accrued.values()):
            twice = sorted(day.isoformat() for day, count in accrued.items() if count > 1)
            problems.append(f"{account_id}: {len(accrued)} days accrued of {len(days)}, twice on {twice}")
    return problems


def _ledger_check(
    services: Services, admin_url: str, tally: Tally, baseline: dict[str, str], directory: Path
) -> dict[str, Any]:
    """`razao check` on the formation's primary (through the multi-host URL), with every transfer the
    clients were told about and the journal's baseline from before the writes: its JSON report."""
    acks = directory / "acks.jsonl"
    acks.write_text("".join(json.dumps(ack.to_dict()) + "\n" for ack in tally.transfers))
    before = directory / "baseline.json"
    before.write_text(json.dumps(baseline))
    command = [RAZAO, "check", "--database-url", admin_url, "--acks", str(acks), "--baseline", str(before)]
    done = subprocess.run(
        [*command, "--json"],
        env=services.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 1), f"razao check failed ({done.returncode}):\n{done.stderr[-3000:]}"
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _acknowledged_since(clock: AckTimes, before: int) -> bool:
    """The clients have recovered: RECOVERY_ACKS acknowledgements since `before` were counted."""
    return clock.count() >= before + RECOVERY_ACKS


def _gate_account(admin: Admin, books: Books, run: str, since: date) -> tuple[str, tuple[str, ...]]:
    """An account with an interest policy like the books' (no balance; no client touches it) that the
    job reaches after its first chunk (it walks the accounts with a policy in id order), and every
    account with a policy now. While the test holds the gate's row lock, the job accrues its first
    chunks and then waits inside the gate's chunk, however fast it is. A gate that landed in the first
    chunk is kept (it has a policy) and another is opened."""
    earning = list(books.with_interest)
    policy = {
        "rate_bps": 1200,
        "day_count": "ACT/365F",
        "counterpart_account_id": books.bank,
        "effective_from": since.isoformat(),
    }
    for number in range(20):
        body = {"code": f"storm:{run}:gate-{number}", "name": f"gate-{number}", "asset": ASSET}
        gate = str(admin.call("POST", "/v1/accounts", {**body, "normal_side": "credit"})["id"])
        admin.call("PUT", f"/v1/accounts/{gate}/interest-policy", policy)
        earning.append(gate)
        if sorted(earning, key=uuid.UUID).index(gate) >= JOB_CHUNK_SIZE:
            return gate, tuple(earning)
    raise AssertionError("no gate account past the job's first chunk")


@contextmanager
def _gate_held(engine: Engine, gate: str) -> Iterator[None]:
    """Hold the gate account's row lock (as the job's chunk takes it: `FOR UPDATE`) until the primary
    is killed, which ends this session and its lock. On the way out the connection is dropped, not
    rolled back (its server is gone, or the lock goes with the session)."""
    conn = engine.connect()
    try:
        conn.begin()
        conn.execute(text("SELECT id FROM accounts WHERE id = :id FOR UPDATE"), {"id": gate})
        yield
    finally:
        conn.invalidate()
        conn.close()


def _midway(admin: Admin, job_id: str) -> dict[str, Any]:
    """The job once it is midway (or finished: too late to strike it, which the test then fails)."""

    def midway_or_finished() -> dict[str, Any] | None:
        job = admin.job(job_id)
        progress = job["progress"]
        if job["state"] in ("succeeded", "failed"):
            return job
        return job if progress["total"] and 0 < progress["processed"] < progress["total"] else None

    found: dict[str, Any] = wait_for(midway_or_finished, 60, f"job {job_id} to be midway", interval=0.05)
    return found


def _start(services: Services) -> tuple[str, str, list[Process]]:
    """The admin's and the clients' API keys, and the API, the workers and beat started, side by side
    (each is a Python process that spends its first seconds importing): the keys and the workers."""
    with ThreadPoolExecutor(max_workers=3 + WORKERS + 1) as starting:
        admin = starting.submit(create_api_key, services.env, "failover-admin", "admin")
        client = starting.submit(create_api_key, services.env, "failover-clients", "ledger:write")
        api = starting.submit(services.start_api)
        workers = [starting.submit(services.start_worker) for _ in range(WORKERS)]
        beat = starting.submit(services.start_beat)
        api.result()
        beat.result()
        return admin.result(), client.result(), [worker.result() for worker in workers]


@pytest.mark.timeout(scaled(300, 1800))
@pytest.mark.parametrize("mode", MODES)
def test_writes_survive_the_primary_being_killed(
    mode: str,
    formation: Formation,
    services: Services,
    admin_engine: Engine,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    began = time.monotonic()
    admin_token, client_token, workers = _start(services)
    admin = Admin(services.base_url, admin_token)
    run = uuid.uuid4().hex[:8]
    subscriptions = Subscriptions.create(admin, admin_engine, run)
    request.addfinalizer(subscriptions.stop)
    today = date.today()
    accrual = (today - timedelta(days=ACCRUAL_DAYS), today - timedelta(days=1))
    books = open_books(
        admin,
        hot=HOT_ACCOUNTS,
        cold=COLD_ACCOUNTS,
        with_interest=WITH_INTEREST,
        hot_funds=50_000_000,
        cold_funds=200_000,
        since=accrual[0] - timedelta(days=10),
        run=run,
    )
    gate, with_interest = _gate_account(admin, books, run, accrual[0] - timedelta(days=10))
    baseline = journal_baseline(admin_engine)
    phases = {"set_up": time.monotonic() - began}

    tally = Tally()
    tally.transfers.extend(books.funding)
    clock = AckTimes()
    stop = threading.Event()
    clients = [
        TimedClient(n, services.base_url, client_token, books.accounts, tally, stop, clock=clock)
        for n in range(CLIENTS)
    ]
    tail = FeedTail(services.base_url, admin_token, stop)
    threads = [
        threading.Thread(target=c.run, name=f"failover-client-{c.number}", daemon=True) for c in clients
    ]
    threads.append(threading.Thread(target=tail.run, name="failover-feed-tail", daemon=True))
    failovers: list[dict[str, Any]] = []
    job_id = ""
    job_at_kill: dict[str, Any] = {}

    with recording("failover", mode) as entry:
        writing = time.monotonic()
        try:
            for thread in threads:
                thread.start()
            wait_for(lambda: clock.count() >= RECOVERY_ACKS, 60, "the clients to get going")
            for number in range(FAILOVERS):
                stop.wait(WRITE_BEFORE)
                with ExitStack() as gated:
                    if number == 0:  # the kill strikes the job midway, with the gate's chunk in flight
                        gated.enter_context(_gate_held(admin_engine, gate))
                        body = {"start": accrual[0].isoformat(), "end": accrual[1].isoformat()}
                        job_id = admin.call("POST", "/v1/jobs/interest-accrual", body)["id"]
                        job_at_kill = _midway(admin, job_id)
                    acks_before = clock.count()
                    killed_at = time.monotonic()
                    old = formation.kill_primary()
                    new = formation.wait_for_new_primary(old)
                    promoted_at = time.monotonic()
                wait_for(
                    partial(_acknowledged_since, clock, acks_before),
                    RECOVERY_TIMEOUT,
                    f"the clients to recover from failover {number + 1}",
                )
                recovered_at = time.monotonic()
                gap, _, gap_to = clock.longest_gap(killed_at - 1, recovered_at)
                failovers.append(
                    {
                        "killed": old.name,
                        "promoted": new.name,
                        "promoted_after_s": round(promoted_at - killed_at, 2),
                        "first_ack_after_s": round(gap_to - killed_at, 2),
                        "seconds_unavailable": round(gap, 2),
                        "recovered_after_s": round(recovered_at - killed_at, 2),
                    }
                )
                if number + 1 < FAILOVERS:  # back and forth: the killed node rejoins as the standby
                    formation.restart(old)
                    formation.wait_until_stable(180)
            stop.wait(WRITE_AFTER)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=180)
        phases["writing"] = time.monotonic() - writing
        assert not [t.name for t in threads if t.is_alive()], "clients still running"
        assert not [c.error for c in clients if c.error is not None], [c.error for c in clients]
        assert tail.error is None, repr(tail.error)

        checking = time.monotonic()
        job = admin.finished_job(job_id, JOB_TIMEOUT)
        tail.drain()
        admin.close()
        report = _ledger_check(services, formation.multi_host_url("postgres"), tally, baseline, tmp_path)
        accrual_problems = _accrual_problems(admin_engine, with_interest, *accrual)
        feed = feed_problems(admin_engine, tail)
        waiting = time.monotonic()
        unfinished = wait_for_deliveries(admin_engine, subscriptions, DELIVERY_TIMEOUT)
        phases["webhook_wait"] = time.monotonic() - waiting
        delivered = webhook_problems(admin_engine, subscriptions)
        hooks = [f"deliveries unfinished after the wait: {unfinished}"] if unfinished else []
        hooks += [p for d in delivered for p in d.problems]
        phases["checks"] = time.monotonic() - checking

        acknowledged = [v for v in report["violations"] if v["check"] == "acknowledged"]
        lost = sum(1 for v in acknowledged if "not in the ledger" in v["detail"])
        duplicated = len(acknowledged) - lost
        server_errors = {c: n for c, n in tally.retry_causes.items() if c.startswith("500")}
        entry.operations = tally.total(tally.attempted)
        entry.faults = len(failovers)
        entry.violations = (
            report["violation_count"]
            + len(tally.violations)
            + len(accrual_problems)
            + len(feed)
            + len(hooks)
            + len(tally.unanswered)
            + sum(server_errors.values())
        )
        unavailable = [f["seconds_unavailable"] for f in failovers]
        entry.details = {
            "failovers": len(failovers),
            "acknowledged_transfers_checked": report["counts"].get("acknowledged", 0),
            "lost": lost,
            "duplicated": duplicated,
            "seconds_unavailable_max": max(unavailable, default=0.0),
            "seconds_unavailable": unavailable,
            "each_failover": failovers,
            "clients": CLIENTS,
            "acknowledged": tally.total(tally.acknowledged),
            "retried": tally.retried,
            "retry_causes": dict(tally.retry_causes),
            "unanswered": len(tally.unanswered),
            "job": {"state": job["state"], "result": job["result"], "errors": job["errors"]},
            "job_progress_at_kill": job_at_kill.get("progress"),
            "accrual_problems": len(accrual_problems),
            "feed_tail": {
                "events_seen": len(tail.seen),
                "re_reads": dict(tail.retries),
                "problems": len(feed),
            },
            "webhooks": {**counted(delivered), **{d.name: d.details() for d in delivered}},
            "checker_counts": report["counts"],
            "violation_sample": [
                *(f"{v['check']} {v['subject']}: {v['detail']}" for v in report["violations"][:5]),
                *tally.violations[:5],
                *accrual_problems[:5],
                *feed[:5],
                *hooks[:5],
            ],
            "phases_s": {name: round(seconds, 1) for name, seconds in phases.items()},
            "workers_alive": sum(1 for w in workers if w.alive()),
        }
        print(
            f"\nfailover [{mode}]: {len(failovers)} failover(s) {failovers}; "
            f"{entry.operations} operations, {len(tally.transfers)} acknowledged transfers checked, "
            f"lost {lost}, duplicated {duplicated}, violations {entry.violations}; "
            f"job {job['state']} (at the kill: {job_at_kill.get('progress')}, result {job['result']}); "
            f"webhooks {dict(counted(delivered))}, problems {len(hooks)}; "
            f"retry causes {dict(tally.retry_causes)}; phases {entry.details['phases_s']}"
        )

    assert len(failovers) == FAILOVERS
    assert job_at_kill["state"] not in ("succeeded", "failed"), "the job ended before the kill"
    assert not tally.unanswered, tally.unanswered[:10]
    assert not tally.violations, tally.violations[:20]
    assert report["ok"], report["violations"][:20]
    assert lost == 0 and duplicated == 0
    assert job["state"] == "succeeded", job
    assert not accrual_problems, accrual_problems[:10]
    assert not feed, feed[:10]
    assert not hooks, hooks[:20]
    ordered, unordered = delivered
    assert ordered.unique >= 5 and unordered.unique >= 5, "too few webhooks for the check to mean much"
    assert len(tail.seen) > len(tally.transfers) - len(books.funding), "the feed tail saw too few events"
    assert not server_errors, f"answered 500 (a database that is away is a 503): {server_errors}"
    ready = httpx.get(f"{services.base_url}/health/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    assert os.path.isdir(formation.root)


def test_a_write_refused_as_read_only_is_retryable() -> None:
    """A pooled connection left on a node that was demoted (or a pooler vouching for a node state it
    remembered) gets 25006 on its next write: retried, and a 503 if it persists, never a 500."""
    from adapters.db.errors import as_retryable

    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("SET TRANSACTION READ ONLY"))
            with pytest.raises(DBAPIError) as refused:
                conn.execute(text("CREATE TABLE razao_failover_never (id int)"))
    finally:
        engine.dispose()
    assert getattr(refused.value.orig, "sqlstate", None) == "25006"
    assert as_retryable(refused.value) is not None
