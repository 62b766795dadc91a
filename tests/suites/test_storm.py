"""The storm with faults: many concurrent clients while backends, the API, a worker and PostgreSQL die.

For each execution mode (in the app, in the database), on a private PostgreSQL cluster migrated with
`razao db setup`, with two API processes (two `razao serve`, one worker process each, on two ports;
group commit on: `GROUPING`), two Celery workers and two Celery beats as real processes: at least 32
clients, spread over both API processes, book transfers, batches, bulk requests, holds, partial and
full posts, voids, reversals and deliberate replays over a few hot accounts and many cold ones,
re-sending the same request (same ids) after every connection error, timeout or 5xx. Meanwhile backends
are terminated at random, an API process is SIGKILLed and restarted (each in turn; the other goes on),
the worker running an interest accrual is SIGKILLed midway (a new one is started; the pool must finish
the job), and PostgreSQL is restarted. Afterwards the ledger checker must find nothing wrong, every
acknowledged transfer must exist exactly once with the lines the client was told (bulk items one by
one), no refused bulk item may exist (unless its id was acknowledged by another answer), the product's
own verification job must agree, and every account with an interest policy must have accrued exactly
once per day.

Events: the checker's `events` check finds every committed change with its events, once, and no event
naming what does not exist; and a client tailing `GET /v1/events` through every fault (`FeedTail`) saw
exactly the events stored, each once, in the stored order.

Webhooks: Celery beat runs too (the fan-out every `WEBHOOKS["RAZAO_WEBHOOK_DISPATCH_SECONDS"]`), and
two endpoints are created through the API before any account is opened, each with a real receiver on
127.0.0.1 that verifies signatures (`storm/webhooks.py`): an ordered one of every event type for a dozen
wallets (an account code prefix), and an unordered one of a few types for every account. The receivers
go down (503 with `Retry-After: 1`) for a few seconds in the schedule, and are slow at times. After the
other checks, once every delivery has finished (a bounded wait), each endpoint must have received every
stored event its subscription selects, nothing else, each signature valid, every delivery succeeded:
after de-duplication by `webhook-id`, exactly once (duplicates are counted: delivery is at least once);
and the ordered endpoint's first arrivals must be in the feed's order.

Many processes, one truth (`storm/single.py`): the two beats claim each firing in the database, and no
firing may have been sent by both (`beat_firings_duplicated`; the second beat's `beat_firing_taken`
proves it was ticking too); no job may have been run by two workers at once (`jobs_run_concurrently`:
the spans of the lease holders' writes, from the workers' logs). With Redis redelivering an unfinished
task after `VISIBILITY_TIMEOUT`, the other worker does get the accrual while it runs: it defers to the
lease's holder (`deferred_to_the_holder`).

The sealed journal (docs/audit/seals.md): both beats seal the committed journal every
`SEAL_INTERVAL_SECONDS` through every fault (a killed worker mid-block, PostgreSQL restarted, backends
terminated). Afterwards a `journal-sealing` job seals the rest and a `seal-verification` job recomputes
every block: no finding (a fork of the chain, a row that does not prove into its block), no row left
unsealed, and beat must have sealed during the storm (`sealed_journal`).

Grouping must have happened: the single transfers the clients created are grouped by the transaction
that wrote them (`xmin` of their rows, which a group shares: one transaction, or in `db` mode one
subtransaction of the function call), and at least one transaction must hold several of them. The
summary reports the groups' sizes, and the last API process's own count of `post_each` calls.

`RAZAO_SUITE_LEVEL=long` runs it for several minutes per mode with more clients, accounts and faults.
"""

from __future__ import annotations

import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import Engine, create_engine, pool, text

from adapters.db.checker import CheckReport, check_ledger, journal_baseline
from razao.local.processes import free_port
from tests.suites.storm.clients import Admin, Books, Client, Tally, open_books
from tests.suites.storm.cluster import PrivateCluster
from tests.suites.storm.faults import (
    API_KILLED,
    BACKEND_TERMINATED,
    KINDS,
    POSTGRES_RESTARTED,
    RECEIVER_OUTAGE,
    WORKER_KILLED,
    BackendTerminator,
    FaultLog,
    Faults,
)
from tests.suites.storm.processes import (
    Process,
    Services,
    create_api_key,
    forget_queue,
    run_cli,
    service_env,
    wait_for,
)
from tests.suites.storm.single import Firings, JobRuns, beat_firings, job_runs
from tests.suites.storm.tail import FeedTail, feed_problems
from tests.suites.storm.webhooks import (
    Delivered,
    Slowdowns,
    Subscriptions,
    counted,
    wait_for_deliveries,
    webhook_problems,
)
from tests.suites.summary import SuiteRecord, is_long, recording, scaled

CLIENTS = scaled(32, 48)
HOT_ACCOUNTS = 4
COLD_ACCOUNTS = scaled(150, 1000)
WITH_INTEREST = scaled(30, 120)
ACCRUAL_DAYS = scaled(20, 30)
#: Seconds of storm at least (the faults take what they take on top).
STORM_SECONDS = scaled(20, 300)
#: The process faults, in order; backends are terminated throughout. A receiver outage comes early, so
#: that the deliveries it holds back have the rest of the storm to go out; PostgreSQL restarts before
#: the worker is killed (a restart between a webhook's send and its record leaves the claim leased,
#: 4 x RAZAO_WEBHOOK_TIMEOUT_SECONDS + 30 s, and an ordered endpoint waits behind it: the earlier, the
#: more of that wait the storm itself absorbs).
SCHEDULE = (
    ("receiver", "api", "postgres", "worker")
    if not is_long()
    else (
        "receiver",
        "api",
        "worker",
        "postgres",
        "api",
        "receiver",
        "worker",
        "api",
        "postgres",
        "api",
        "worker",
        "api",
    )
)
#: Midway through the storm the ledger is closed through this many days ago: before every interest
#: accrual the storm runs (their postings are dated the day after each period), within the clients'
#: backdating (`storm.clients.BACKDATED_DAYS`), so some backdated transfers meet `period_closed`.
CLOSED_DAYS_AGO = ACCRUAL_DAYS * SCHEDULE.count("worker") + 2
#: Seconds each receiver outage lasts.
OUTAGE_SECONDS = 4.0
#: Seconds between two slow patches of the receivers (random in this range).
SLOW_EVERY = (2.0, 6.0)
#: The longest wait after the storm for every webhook delivery to finish.
DELIVERY_TIMEOUT = scaled(90, 300)
#: Seconds between two backend terminations (random in this range), and most backends per strike.
TERMINATE_EVERY = (0.3, 1.5)
#: Acknowledged operations that must follow each fault before the next (the service recovered).
RECOVERY_OPERATIONS = 20
#: Redis redelivers an unacknowledged task after this many seconds (the killed worker's job).
VISIBILITY_TIMEOUT = 5
#: Celery workers (solo pool) running side by side; one is killed mid-job, a new one replaces it.
WORKERS = 2
#: API processes: `razao serve` each, with one worker process (RAZAO_API_WORKERS), on ports of their own.
API_PROCESSES = 2
#: Beats ticking the same schedule (as if a second were started by mistake): each firing is sent once.
BEATS = 2
#: The job lease: a killed worker's job is taken over this long after its last progress (the default is
#: 120 s); well over a chunk of JOB_CHUNK_SIZE accounts, even through a restart of PostgreSQL.
JOB_LEASE_SECONDS = 10
JOB_CHUNK_SIZE = 3
JOB_TIMEOUT = scaled(90, 240)
#: The sealed journal: both beats seal the committed journal this often through every fault, in blocks
#: small enough that the storm makes many of them (docs/audit/seals.md).
SEAL_INTERVAL_SECONDS = 2
SEAL_BLOCK_ROWS = 500
#: Group commit on, spelled out (the API's defaults: docs/operations.md), whatever the defaults become.
GROUPING = {"RAZAO_GROUP_MAX_WAIT_MS": "2", "RAZAO_GROUP_MAX_SIZE": "256", "RAZAO_GROUP_CONCURRENCY": "4"}
#: Webhooks: the receivers on 127.0.0.1 allowed; beat fans out every second; a delivery task works on
#: its endpoint at most 3 s (under the visibility timeout, so that it is not redelivered meanwhile, and
#: short enough that the interest accrual job soon finds a free worker); the slow receiver stays within
#: the timeout. The key that encrypts the signing secrets is generated per run (`_webhook_settings`).
#: The circuit breaker is on at its default threshold: a receiver outage opens it for 30 s (the requests
#: in flight when it opened do not lengthen the rest: webhook_policy.after_failure), which the storm
#: absorbs before its final wait.
WEBHOOKS = {
    "RAZAO_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    "RAZAO_WEBHOOK_DISPATCH_SECONDS": "1",
    "RAZAO_WEBHOOK_TASK_BUDGET_SECONDS": "3",
    # the lease of a claim whose answer was never recorded is 4 x this + 30 s
    "RAZAO_WEBHOOK_TIMEOUT_SECONDS": "2",
}


def _webhook_settings() -> dict[str, str]:
    from adapters.webhooks.secrets import new_key

    return {**WEBHOOKS, "RAZAO_WEBHOOK_SECRET_KEY": new_key()}


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    cluster = PrivateCluster.create()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def services(cluster: PrivateCluster, mode: str, tmp_path: Path) -> Iterator[Services]:
    queue = f"razao-storm-{uuid.uuid4().hex[:12]}"
    env = service_env(
        database_url=cluster.app_url,
        admin_url=cluster.admin_url,
        mode=mode,
        queue=queue,
        visibility_timeout=VISIBILITY_TIMEOUT,
        chunk_size=JOB_CHUNK_SIZE,
        extra={
            **GROUPING,
            **_webhook_settings(),
            "RAZAO_API_WORKERS": "1",
            "RAZAO_JOB_LEASE_SECONDS": str(JOB_LEASE_SECONDS),
            "RAZAO_SEAL_INTERVAL_SECONDS": str(SEAL_INTERVAL_SECONDS),
            "RAZAO_SEAL_BLOCK_ROWS": str(SEAL_BLOCK_ROWS),
        },
    )
    run_cli(env, "db", "setup")
    services = Services(env, tmp_path, free_port(), [free_port() for _ in range(API_PROCESSES - 1)])
    try:
        yield services
    finally:
        services.stop_all()
        forget_queue(queue)


@pytest.fixture
def admin_engine(cluster: PrivateCluster) -> Iterator[Engine]:
    engine = create_engine(cluster.admin_url, poolclass=pool.NullPool)
    yield engine
    engine.dispose()


def _recovered(tally: Tally, after: int) -> bool:
    return tally.total(tally.acknowledged) >= after + RECOVERY_OPERATIONS


def _accrual_problems(engine: Engine, accounts: tuple[str, ...], jobs: list[dict[str, Any]]) -> list[str]:
    """Every account with a policy accrued exactly once on each day of the jobs that succeeded, and
    at most once on the days of the others."""
    complete: set[date] = set()
    partial: set[date] = set()
    for job in jobs:
        start, end = date.fromisoformat(job["params"]["start"]), date.fromisoformat(job["params"]["end"])
        days = {start + timedelta(days=i) for i in range((end - start).days + 1)}
        (complete if job["state"] == "succeeded" else partial).update(days)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT account_id::text, day, count(*) FROM razao.interest_accruals GROUP BY 1, 2")
        ).all()
    found: dict[str, dict[date, int]] = {a: {} for a in accounts}
    for account_id, day, count in rows:
        found.setdefault(account_id, {})[day] = count
    problems = []
    for account_id, accrued in found.items():
        twice = sorted(day for day, count in accrued.items() if count > 1)
        if account_id not in accounts:
            problems.append(f"{account_id} has no policy but accrued on {sorted(accrued)}")
        elif twice or not complete <= set(accrued) <= complete | partial:
            problems.append(
                f"{account_id} accrued on {sorted(accrued)} ({twice} twice), expected once on each of "
                f"{sorted(complete)} and at most once on each of {sorted(partial)}"
            )
    return problems + _interest_conserved(engine)


#: Each account's interest posted (signed towards its normal side), from its interest postings' entries.
_INTEREST_POSTED = text("""
SELECT e.account_id::text, sum(CASE WHEN e.side = a.normal_side THEN e.amount ELSE -e.amount END) AS posted
FROM public.entries e
JOIN public.transfers t ON t.id = e.transfer_id
JOIN public.accounts a ON a.id = e.account_id
WHERE e.layer = 'posted' AND t.metadata -> 'interest' ->> 'account_id' = e.account_id::text
GROUP BY 1
""")


def _interest_conserved(engine: Engine) -> list[str]:
    """Whatever was killed midway, every account's exact interest accrued equals what it was posted plus
    what it carries (the rounding remainder and its open period's interest): nothing made, nothing lost."""
    with engine.connect() as conn:
        days = conn.execute(
            text("SELECT account_id::text, numerator, denominator FROM razao.interest_accruals")
        ).all()
        posted = dict(conn.execute(_INTEREST_POSTED).tuples().all())
        carried = {
            a: Fraction(int(n), int(d))
            for a, n, d in conn.execute(
                text("SELECT account_id::text, numerator, denominator FROM razao.interest_carry")
            ).all()
        }
    accrued: dict[str, Fraction] = {}
    for account_id, numerator, denominator in days:
        accrued[account_id] = accrued.get(account_id, Fraction(0)) + Fraction(
            int(numerator), int(denominator)
        )
    return [
        f"{a}: accrued {total}, posted {posted.get(a, 0)} and carries {carried.get(a, Fraction(0))}"
        for a, total in sorted(accrued.items())
        if total != int(posted.get(a, 0)) + carried.get(a, Fraction(0))
    ]


#: The transactions that created the clients' single transfers: rows still as written (a posted
#: transfer's row never changes; a hold's changes when it is resolved, so only open holds count).
_GROUPS = text("""
SELECT xmin::text AS tx, count(*) AS n FROM public.transfers
WHERE id = ANY(:ids) AND (NOT two_phase OR status = 'pending')
GROUP BY xmin
""")


@dataclass
class Groups:
    """How the clients' single transfers were grouped: transactions by number of them."""

    sizes: Counter[int]

    @property
    def transfers(self) -> int:
        return sum(size * n for size, n in self.sizes.items())

    @property
    def transactions(self) -> int:
        return sum(self.sizes.values())

    @property
    def shared(self) -> int:
        """Transactions that booked more than one single transfer: groups that formed."""
        return sum(n for size, n in self.sizes.items() if size > 1)

    def details(self) -> dict[str, Any]:
        return {
            "single_transfers_measured": self.transfers,
            "transactions": self.transactions,
            "groups_of_2_or_more": self.shared,
            "in_groups_of_2_or_more": sum(size * n for size, n in self.sizes.items() if size > 1),
            "largest": max(self.sizes, default=0),
            "mean_size": round(self.transfers / self.transactions, 2) if self.transactions else 0,
            "by_size": dict(sorted(self.sizes.items())),
        }


def _groups(engine: Engine, single_ids: list[str]) -> Groups:
    with engine.connect() as conn:
        rows = conn.execute(_GROUPS, {"ids": [UUID(i) for i in single_ids]}).all()
    return Groups(Counter(int(n) for _, n in rows))


def _refused_that_exist(engine: Engine, tally: Tally) -> list[str]:
    """Refused bulk items that exist, though no answer acknowledged their id."""
    acknowledged = {str(ack.transfer_id) for ack in tally.transfers}
    suspects = sorted(set(tally.refused_ids) - acknowledged)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT id::text FROM public.transfers WHERE id = ANY(:ids)"),
            {"ids": [UUID(i) for i in suspects]},
        ).scalars()
        return [f"bulk item {transfer_id} was refused, yet it exists" for transfer_id in found]


_SAMPLE = re.compile(r"^(\w+)\{(.*)\} ([0-9.e+]+)$")
_LABEL = re.compile(r'(\w+)="([^"]*)"')


def _api_counts(base_urls: list[str]) -> dict[str, float]:
    """From each API process's `/metrics` (since it last started), added up: `post_each` calls, and
    POST requests answered on /v1/transfers and /v1/transfers/bulk."""
    counts = {"post_each_calls": 0.0, "single_transfer_requests": 0.0, "bulk_requests": 0.0}
    pages = []
    for base_url in base_urls:
        try:
            pages.append(httpx.get(f"{base_url}/metrics", timeout=10).text)
        except httpx.TransportError:
            continue
    for line in "\n".join(pages).splitlines():
        match = _SAMPLE.match(line)
        if match is None:
            continue
        name, labels, value = match[1], dict(_LABEL.findall(match[2])), float(match[3])
        if name == "razao_use_case_calls_total" and labels.get("use_case") == "post_each":
            counts["post_each_calls"] += value
        elif name == "razao_http_requests_total" and labels.get("method") == "POST":
            route = labels.get("route")
            if route == "/v1/transfers":
                counts["single_transfer_requests"] += value
            elif route == "/v1/transfers/bulk":
                counts["bulk_requests"] += value
    return counts


@dataclass
class Started:
    apis: list[Process]
    workers: list[Process]
    beats: list[Process]
    admin_token: str
    client_token: str


def _start(services: Services) -> Started:
    """Keys, the API processes, the workers and the beats: eight Python start-ups, side by side."""
    env = services.env
    with ThreadPoolExecutor(max_workers=2 + API_PROCESSES + WORKERS + BEATS) as starting:
        admin_key = starting.submit(create_api_key, env, "storm-admin", "admin")
        client_key = starting.submit(create_api_key, env, "storm-clients", "ledger:write")
        apis = [starting.submit(services.start_api, 5, port) for port in services.api_ports]
        workers = [starting.submit(services.start_worker) for _ in range(WORKERS)]
        beats = [starting.submit(services.start_beat) for _ in range(BEATS)]
    for base_url in services.base_urls:
        ready = httpx.get(f"{base_url}/health/ready", timeout=10)
        assert ready.status_code == 200, f"the API is not ready on the private cluster: {ready.text}"
    return Started(
        [a.result() for a in apis],
        [w.result() for w in workers],
        [b.result() for b in beats],
        admin_key.result(),
        client_key.result(),
    )


def _close_midway(admin: Admin, stop: threading.Event, closes: list[dict[str, Any]]) -> None:
    """Close the ledger's books through CLOSED_DAYS_AGO while the clients write (the close waits for the
    journal's writers; the checker's `value_dates` check then finds nothing booked into the period)."""
    if stop.wait(STORM_SECONDS / 2):
        return
    through = date.today() - timedelta(days=CLOSED_DAYS_AGO)
    closes.append(
        admin.call("POST", "/v1/periods/close", {"through": through.isoformat(), "reason": "storm"})
    )


def _run_schedule(faults: Faults, tally: Tally, stop: threading.Event, began: float) -> list[dict[str, Any]]:
    """Inject SCHEDULE's faults, spread over STORM_SECONDS; after each, the clients must get answers
    again. Returns the interest accrual jobs (finished)."""
    rng = random.Random()
    today = date.today()
    jobs = []
    for number, fault in enumerate(SCHEDULE):
        due = began + number * STORM_SECONDS / len(SCHEDULE) - time.monotonic()
        stop.wait(max(due, rng.uniform(0.5, 2.0)))
        acknowledged = tally.total(tally.acknowledged)
        if fault == "api":
            faults.kill_api()
        elif fault == "receiver":
            faults.receiver_outage(OUTAGE_SECONDS, stop)
        elif fault == "worker":
            # Only days that have ended accrue: consecutive ranges, the last one ending yesterday.
            first = today - timedelta(days=ACCRUAL_DAYS * (SCHEDULE.count("worker") - len(faults.accruals)))
            jobs.append(
                faults.kill_worker_during_job(first, first + timedelta(days=ACCRUAL_DAYS - 1), JOB_TIMEOUT)
            )
        else:
            faults.restart_postgres("immediate" if number % 2 == 0 else "fast")
        wait_for(partial(_recovered, tally, acknowledged), 90, f"the clients to recover from {fault}")
    remaining = STORM_SECONDS - (time.monotonic() - began)
    if remaining > 0:
        stop.wait(remaining)
    return jobs


@dataclass
class Findings:
    """What the checks after the storm found."""

    report: CheckReport
    verification: dict[str, Any]
    jobs: list[dict[str, Any]]
    accrual_problems: list[str]
    groups: Groups
    refused_existing: list[str]
    api_counts: dict[str, float]
    feed_problems: list[str]
    #: Per webhook endpoint: what its receiver got against what its subscription selects.
    webhooks: list[Delivered]
    #: Endpoints whose deliveries had not all finished when the bounded wait ended.
    unfinished_deliveries: dict[str, Any]
    #: What the beats sent (each firing once?), and the job runs' spans (one at a time?).
    firings: Firings
    runs: JobRuns
    #: The sealed journal: what beat had sealed when the storm ended, the final sealing job, the
    #: verification job's report over every block, and the sealer's status after both.
    seals: Seals

    @property
    def seal_problems(self) -> list[str]:
        return self.seals.problems

    @property
    def webhook_problems(self) -> list[str]:
        unfinished = [f"deliveries unfinished after the wait: {self.unfinished_deliveries}"]
        return (unfinished if self.unfinished_deliveries else []) + [
            p for d in self.webhooks for p in d.problems
        ]

    @property
    def lost_acknowledgements(self) -> int:
        """Acknowledged transfers missing, or with other lines than told (a duplicate booking included)."""
        return sum(1 for v in self.report.violations if v.check == "acknowledged")

    @property
    def failed_jobs(self) -> list[dict[str, Any]]:
        return [job for job in [*self.jobs, self.verification] if job["state"] != "succeeded"]


@dataclass(frozen=True, slots=True)
class Seals:
    during_storm: dict[str, Any]
    sealing: dict[str, Any]
    verification: dict[str, Any]
    after: dict[str, Any]

    @property
    def problems(self) -> list[str]:
        """Blocks that do not recompute (a fork or a rewritten row), rows left unsealed once the clients
        stopped and the last sealing job ran, or a sealer that sealed nothing while the faults struck."""
        found = [f"{f['kind']} at block {f['height']}: {f['detail']}" for f in self.verification["findings"]]
        if not self.verification["ok"] and not found:
            found.append(f"seal verification failed: {self.verification}")
        if self.after["unsealed_rows"]:
            found.append(f"{self.after['unsealed_rows']} journal rows left unsealed: {self.after}")
        if self.verification["head_height"] != self.after["height"]:
            found.append(
                f"verified up to {self.verification['head_height']}, the head is {self.after['height']}"
            )
        if not self.during_storm["height"]:
            found.append("beat sealed nothing during the storm")
        return found

    def details(self) -> dict[str, Any]:
        return {
            "blocks_sealed_during_storm": self.during_storm["height"],
            "rows_sealed_during_storm": self.during_storm["sealed_rows"],
            "blocks": self.after["height"],
            "rows": self.after["sealed_rows"],
            "verified_blocks": self.verification["blocks"],
            "findings": len(self.verification["findings"]),
        }


def _seals(admin: Admin) -> Seals:
    """Seal what beat has not sealed yet, then recompute every block (both as jobs, on the workers)."""
    during = admin.call("GET", "/v1/admin/seals")
    sealing = admin.finished_job(admin.call("POST", "/v1/jobs/journal-sealing")["id"], JOB_TIMEOUT)
    verification = admin.finished_job(admin.call("POST", "/v1/jobs/seal-verification")["id"], JOB_TIMEOUT)
    return Seals(during, sealing, verification.get("result") or {}, admin.call("GET", "/v1/admin/seals"))


def _check(
    admin: Admin,
    engine: Engine,
    tally: Tally,
    baseline: dict[str, str],
    books: Books,
    jobs: list[dict[str, Any]],
    services: Services,
    tail: FeedTail,
    subscriptions: Subscriptions,
    phases: dict[str, float],
) -> Findings:
    """The product's own verification job, the independent checker, the accruals, the feed, and (once
    every delivery has finished, or the bounded wait ended) the webhooks."""
    verification = admin.finished_job(admin.call("POST", "/v1/jobs/ledger-verification")["id"], JOB_TIMEOUT)
    seals = _seals(admin)
    tail.drain()
    report = check_ledger(engine, acknowledged=tally.transfers, baseline=baseline)
    waiting = time.monotonic()
    unfinished = wait_for_deliveries(engine, subscriptions, DELIVERY_TIMEOUT)
    phases["webhook_wait"] = time.monotonic() - waiting
    return Findings(
        report,
        verification,
        jobs,
        _accrual_problems(engine, books.with_interest, jobs),
        _groups(engine, tally.single_ids),
        _refused_that_exist(engine, tally),
        _api_counts(services.base_urls),
        feed_problems(engine, tail),
        webhook_problems(engine, subscriptions),
        unfinished,
        beat_firings([p for p in services.started if p.log.name.startswith("beat-")], engine),
        job_runs([p for p in services.started if p.log.name.startswith("worker-")]),
        seals,
    )


def _summarize(
    entry: SuiteRecord,
    tally: Tally,
    log: FaultLog,
    found: Findings,
    phases: dict[str, float],
    api_start_crashes: int,
    tail: FeedTail,
) -> None:
    report = found.report
    entry.operations = tally.total(tally.attempted)
    entry.faults = log.total
    entry.violations = (
        report.violation_count
        + len(tally.violations)
        + len(found.accrual_problems)
        + len(found.refused_existing)
        + len(found.feed_problems)
        + len(found.webhook_problems)
        + found.firings.duplicated
        + len(found.runs.concurrent)
        + len(found.seal_problems)
    )
    hooks = counted(found.webhooks)
    entry.details = {
        "clients": CLIENTS,
        "api_processes": API_PROCESSES,
        "workers": WORKERS,
        "beats": BEATS,
        "beat_firings_duplicated": found.firings.duplicated,
        "jobs_run_concurrently": len(found.runs.concurrent),
        "beat": found.firings.details(),
        "job_runs": found.runs.details(),
        "sealed_journal": found.seals.details(),
        "grouping": GROUPING,
        "groups": found.groups.details(),
        "last_api_process": found.api_counts,
        "bulk_items": dict(tally.bulk_items),
        "lost_or_changed_acknowledgements": found.lost_acknowledgements,
        "refused_bulk_items_that_exist": len(found.refused_existing),
        "feed_tail": {
            "events_seen": len(tail.seen),
            "reads": tail.reads,
            "re_reads": dict(tail.retries),
            "problems": len(found.feed_problems),
        },
        "webhooks": {
            "deliveries": hooks["deliveries"],
            "duplicates_received": hooks["duplicates"],
            "retries": hooks["retries"],
            "receiver_outages": log.counts[RECEIVER_OUTAGE],
            "unfinished_after_wait": found.unfinished_deliveries,
            **{d.name: d.details() for d in found.webhooks},
        },
        "accounts": {"hot": HOT_ACCOUNTS, "cold": COLD_ACCOUNTS, "with_interest": WITH_INTEREST},
        "acknowledged": tally.total(tally.acknowledged),
        "transfers_acknowledged": len(tally.transfers),
        "retried": tally.retried,
        "refused": tally.total(tally.refused),
        "replays_verified": tally.replays_verified,
        "unanswered": len(tally.unanswered),
        "faults": {kind: log.counts[kind] for kind in KINDS},
        "api_start_crashes": api_start_crashes,
        "faults_at_s": [(at, kind) for at, kind, _ in log.events if kind != BACKEND_TERMINATED],
        "phases_s": {name: round(seconds, 1) for name, seconds in phases.items()},
        "by_operation": dict(tally.attempted),
        "retry_causes": dict(tally.retry_causes),
        "refusals": dict(tally.refused),
        "checker_counts": report.counts,
        "violation_sample": [
            *(f"{v.check} {v.subject}: {v.detail}" for v in report.violations[:5]),
            *tally.violations[:5],
            *found.accrual_problems[:5],
            *found.refused_existing[:5],
            *found.feed_problems[:5],
            *found.webhook_problems[:5],
            *found.runs.concurrent[:5],
            *found.seal_problems[:5],
        ],
        "jobs": [
            {"kind": j["kind"], "state": j["state"], "result": j["result"], "errors": j["errors"]}
            for j in [*found.jobs, found.verification, found.seals.sealing]
        ],
    }
    print(
        f"\nstorm [{entry.mode}]: {entry.operations} operations attempted, "
        f"{entry.details['acknowledged']} acknowledged ({len(tally.transfers)} transfers), "
        f"{tally.retried} re-sent, {entry.details['refused']} refused, "
        f"{tally.replays_verified} replays verified; faults {dict(log.counts)}; "
        f"groups {found.groups.details()}; last API process {found.api_counts}; "
        f"bulk items {dict(tally.bulk_items)}; "
        f"violations {entry.violations} (lost or changed acknowledgements {found.lost_acknowledgements}, "
        f"refused bulk items that exist {len(found.refused_existing)}); failed jobs {len(found.failed_jobs)}; "
        f"feed tail {entry.details['feed_tail']}; "
        f"webhooks {entry.details['webhooks']}; "
        f"processes: {API_PROCESSES} API, {WORKERS} workers, {BEATS} beats; beat {entry.details['beat']}; "
        f"job runs {entry.details['job_runs']}; sealed journal {entry.details['sealed_journal']}; "
        f"API crashes at start-up {api_start_crashes}; "
        f"retry causes {dict(tally.retry_causes)}; phases {entry.details['phases_s']}"
    )


@pytest.mark.timeout(scaled(300, 2400))
@pytest.mark.parametrize("mode", ["app", "db"])
def test_the_ledger_survives_a_storm_with_faults(
    mode: str,
    cluster: PrivateCluster,
    services: Services,
    admin_engine: Engine,
    request: pytest.FixtureRequest,
) -> None:
    began = time.monotonic()
    started = _start(services)
    admin = Admin(services.base_url, started.admin_token)
    run = uuid.uuid4().hex[:8]
    subscriptions = Subscriptions.create(admin, admin_engine, run)
    request.addfinalizer(subscriptions.stop)
    books = open_books(
        admin,
        hot=HOT_ACCOUNTS,
        cold=COLD_ACCOUNTS,
        with_interest=WITH_INTEREST,
        hot_funds=50_000_000,
        cold_funds=200_000,
        since=date.today() - timedelta(days=ACCRUAL_DAYS * SCHEDULE.count("worker") + 30),
        run=run,
    )
    baseline = journal_baseline(admin_engine)
    phases = {"set_up": time.monotonic() - began}

    tally = Tally()
    tally.transfers.extend(books.funding)
    log = FaultLog()
    faults = Faults(
        cluster,
        services,
        admin,
        log,
        started.apis[0],
        started.workers,
        subscriptions,
        more_apis=started.apis[1:],
    )
    slowdowns = Slowdowns(subscriptions, log, SLOW_EVERY)
    stop = threading.Event()
    urls = services.base_urls
    clients = [
        Client(n, urls[n % len(urls)], started.client_token, books.accounts, tally, stop)
        for n in range(CLIENTS)
    ]
    threads = [threading.Thread(target=c.run, name=f"storm-client-{c.number}", daemon=True) for c in clients]
    terminator = BackendTerminator(cluster, log, TERMINATE_EVERY)
    tail = FeedTail(services.base_url, started.admin_token, stop)
    threads.append(threading.Thread(target=tail.run, name="storm-feed-tail", daemon=True))
    closes: list[dict[str, Any]] = []
    threads.append(
        threading.Thread(
            target=_close_midway, args=(admin, stop, closes), name="storm-period-close", daemon=True
        )
    )

    with recording("storm", mode) as entry:
        storm = time.monotonic()
        try:
            for thread in threads:
                thread.start()
            wait_for(lambda: _recovered(tally, 0), 60, "the clients to get going")
            terminator.start()
            slowdowns.start()
            jobs = _run_schedule(faults, tally, stop, storm)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=180)
            terminator.stop()
            slowdowns.stop()
        phases["storm"] = time.monotonic() - storm
        assert not [t.name for t in threads if t.is_alive()], "clients still running"
        assert not [c.error for c in clients if c.error is not None], [c.error for c in clients]
        assert tail.error is None, repr(tail.error)
        assert len(closes) == 1, "the period close midway got no answer"

        checking = time.monotonic()
        found = _check(
            admin, admin_engine, tally, baseline, books, jobs, services, tail, subscriptions, phases
        )
        admin.close()
        phases["checks"] = time.monotonic() - checking
        _summarize(entry, tally, log, found, phases, len(services.crashed_starts), tail)

    assert not tally.unanswered, tally.unanswered[:10]
    assert not tally.violations, tally.violations[:20]
    assert found.report.ok, found.report.violations[:20]
    assert not found.failed_jobs, found.failed_jobs
    assert found.verification["result"]["ok"], found.verification["result"]
    assert not found.accrual_problems, found.accrual_problems[:10]
    assert not found.refused_existing, found.refused_existing[:10]
    assert not found.feed_problems, found.feed_problems[:10]
    assert len(tail.seen) > len(tally.transfers), "the feed tail saw fewer events than transfers booked"
    assert not found.webhook_problems, found.webhook_problems[:20]
    assert found.firings.duplicated == 0, found.firings.details()
    assert found.firings.taken >= 1, f"the second beat never met a claimed firing: {found.firings.details()}"
    assert not found.runs.concurrent, found.runs.concurrent[:10]
    assert not found.seal_problems, found.seal_problems[:10]
    assert found.seals.sealing["state"] == "succeeded", found.seals.sealing
    ordered, unordered = found.webhooks
    assert ordered.unique >= 10 and unordered.unique >= 10, "too few webhooks for the checks to mean much"
    assert log.counts[RECEIVER_OUTAGE] == SCHEDULE.count("receiver")
    assert found.groups.shared >= 1, f"no two single transfers shared a transaction: {found.groups.details()}"
    assert tally.bulk_items["201"] >= 1, f"no bulk item was booked: {dict(tally.bulk_items)}"
    server_errors = {cause: n for cause, n in tally.retry_causes.items() if cause.startswith("500")}
    assert not server_errors, f"answered 500 (a database that is down or busy is a 503): {server_errors}"
    assert all(log.counts[kind] >= 1 for kind in KINDS), log.counts
    assert log.counts[API_KILLED] == SCHEDULE.count("api")
    assert log.counts[WORKER_KILLED] == SCHEDULE.count("worker")
    assert log.counts[POSTGRES_RESTARTED] == SCHEDULE.count("postgres")
