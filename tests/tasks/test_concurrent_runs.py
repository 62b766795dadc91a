"""The same work started twice at once, against a real database, in both execution modes (the chunks run
in this process, `InAppBatchPath`, or in PostgreSQL, `InDatabaseBatchPath`): it is done once.

- Two `JobRunner`s on one interest accrual job, started together: one runs it, the other gets `JobHeld`
  and does nothing; every account accrues each day once (the journal and the accrual rows say so).
- A holder "killed" mid-job (it stops without a word: its lease is neither renewed nor released): a new
  run is refused while the lease lives, takes the job over once it lapsed, and completes it once.
- Two expiries of due holds at once (beat's task, or the job kind, in two workers): each hold expires
  once (row locks, `SKIP LOCKED`), with one `transfer.expired` event.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine, text

from adapters.tasks.jobs import INTEREST_ACCRUAL, JobRunner
from adapters.tasks.runtime import expire_all_due
from application.batch_path import BatchPath
from application.interest import AccrualSummary
from application.jobs import JobHeld, JobState, create_job, get_job
from razao.container import Container
from tests.e2e.conftest import Api
from tests.tasks.helpers import accounts_with_interest, accrual_days

ACCOUNTS = 30
DAYS = 12
MODES = pytest.mark.parametrize("execution_mode", ["app", "db"], indirect=True)


class Killed(BaseException):
    """Stands for SIGKILL: not an `Exception`, so the runner neither records a failure nor releases."""


class PacedBatchPath:
    """The real batch path, a pause before each chunk; `kill_after` chunks, then `Killed`."""

    def __init__(self, inner: BatchPath, pause: float, kill_after: int | None = None) -> None:
        self.inner, self.pause, self.kill_after = inner, pause, kill_after
        self.chunks = 0

    def accrue_interest(
        self, account_ids: Sequence[UUID], start: date, end: date, post_open: bool = False
    ) -> AccrualSummary:
        if self.kill_after is not None and self.chunks >= self.kill_after:
            raise Killed()
        time.sleep(self.pause)
        self.chunks += 1
        return self.inner.accrue_interest(account_ids, start, end, post_open)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _accrual_job(api: Api, container: Container) -> tuple[UUID, list[dict[str, Any]], dict[str, Any], date]:
    first_day = datetime.now(UTC).date() - timedelta(days=DAYS)
    wallets, bank = accounts_with_interest(
        api, container, ACCOUNTS, deposit=3_000_000, rate_bps=1500, since=first_day
    )
    params = {"start": first_day.isoformat(), "end": (first_day + timedelta(days=DAYS - 1)).isoformat()}
    job = create_job(INTEREST_ACCRUAL, params, None, container.uow(), container.clock(), container.ids())
    return job.id, wallets, bank, first_day


def _accrued_once(
    api: Api, admin_engine: Engine, wallets: list[dict[str, Any]], bank: dict[str, Any], first_day: date
) -> None:
    days = accrual_days(admin_engine, [w["id"] for w in wallets])
    expected = [first_day + timedelta(days=i) for i in range(DAYS)]
    assert all(sorted(d) == expected for d in days.values()), days  # each day once, no day twice
    balances = [api.balances(w)["posted_credits"] for w in wallets]
    assert len(set(balances)) == 1 and balances[0] > 3_000_000  # same terms, same interest
    assert api.balances(bank)["posted_debits"] == (balances[0] - 3_000_000) * ACCOUNTS  # paid once


def _runner(container: Container, pause: float, lease: float, kill_after: int | None = None) -> JobRunner:
    runner = container.job_runner()
    return replace(
        runner,
        batch_path=PacedBatchPath(runner.batch_path, pause, kill_after),
        chunk_size=5,
        lease=timedelta(seconds=lease),
    )


@MODES
def test_two_runners_started_together_run_the_job_once(
    api: Api, container: Container, admin_engine: Engine
) -> None:
    job_id, wallets, bank, first_day = _accrual_job(api, container)
    runners = [_runner(container, pause=0.05, lease=30) for _ in range(2)]
    outcomes: list[Any] = [None, None]
    gate = threading.Barrier(2)

    def run(n: int) -> None:
        gate.wait()
        try:
            outcomes[n] = runners[n](job_id, f"task-{n}")
        except JobHeld as held:
            outcomes[n] = held

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    held = [o for o in outcomes if isinstance(o, JobHeld)]
    done = [o for o in outcomes if isinstance(o, dict)]
    assert len(held) == 1 and len(done) == 1, outcomes
    assert sum(r.batch_path.chunks for r in runners) == ACCOUNTS // 5  # type: ignore[attr-defined]
    assert done[0]["accounts"] == ACCOUNTS and done[0]["days"] == ACCOUNTS * DAYS
    job = get_job(job_id, container.uow())
    assert job.state is JobState.SUCCEEDED and job.holder is None
    _accrued_once(api, admin_engine, wallets, bank, first_day)


@MODES
def test_a_killed_holder_s_job_is_taken_over_after_its_lease_and_completed_once(
    api: Api, container: Container, admin_engine: Engine
) -> None:
    job_id, wallets, bank, first_day = _accrual_job(api, container)
    lease = 2.0
    doomed = _runner(container, pause=0.0, lease=lease, kill_after=2)
    with pytest.raises(Killed):
        doomed(job_id, "task-doomed")
    left = get_job(job_id, container.uow())
    assert left.state is JobState.RUNNING and left.processed == 10 and left.holder is not None
    killed_at = time.monotonic()

    rescuer = _runner(container, pause=0.0, lease=30)
    with pytest.raises(JobHeld):
        rescuer(job_id, "task-early")  # the dead holder's lease still runs: no work
    assert rescuer.batch_path.chunks == 0  # type: ignore[attr-defined]
    time.sleep(max(0.0, lease + 0.2 - (time.monotonic() - killed_at)))
    result = rescuer(job_id, "task-rescuer")

    assert rescuer.batch_path.chunks == (ACCOUNTS - 10) // 5  # type: ignore[attr-defined]
    assert result["accounts"] == ACCOUNTS
    job = get_job(job_id, container.uow())
    assert job.state is JobState.SUCCEEDED and (job.processed, job.total) == (ACCOUNTS, ACCOUNTS)
    _accrued_once(api, admin_engine, wallets, bank, first_day)


HOLDS = 60


@MODES
def test_two_expiries_at_once_expire_each_hold_once(
    api: Api, container: Container, admin_engine: Engine
) -> None:
    source, wallet = api.funding_pair()
    held = []
    for _ in range(HOLDS):
        response = api.transfer(source, wallet, 100, pending=True, timeout_seconds=1)
        assert response.status_code == 201, response.text
        held.append(response.json()["id"])
    time.sleep(1.2)
    write_path = container.write_path()
    counts: list[int] = [0, 0]
    gate = threading.Barrier(2)

    def expire(n: int) -> None:
        gate.wait()
        counts[n] = expire_all_due(write_path, batch=7)

    threads = [threading.Thread(target=expire, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sum(counts) == HOLDS, counts
    with admin_engine.connect() as conn:
        events: dict[str, int] = dict(
            conn.execute(
                text(
                    "SELECT transfer_id::text, count(*) FROM events WHERE type = 'transfer.expired'"
                    " AND transfer_id::text = ANY(:ids) GROUP BY 1"
                ),
                {"ids": held},
            ).all()
        )
        statuses = set(
            conn.execute(
                text("SELECT status FROM transfers WHERE id::text = ANY(:ids)"), {"ids": held}
            ).scalars()
        )
    assert statuses == {"expired"}
    assert sorted(events) == sorted(held) and set(events.values()) == {1}
    balances = api.balances(wallet)
    assert balances["pending_credits"] == 0 and balances["posted_credits"] == 0
