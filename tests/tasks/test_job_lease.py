"""The job lease on in-memory fakes: one run at a time, a dead holder taken over after its lease, a holder
whose lease was taken over stops, and the Celery task defers a held job until the lease's end."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from adapters.tasks.celery_app import RUN_JOB, CeleryConfig, create_celery
from adapters.tasks.jobs import INTEREST_ACCRUAL, JobRunner
from adapters.tasks.runtime import TaskRuntime
from application.interest import AccrualSummary
from application.jobs import JobHeld, JobState, Lease, LeaseLost, create_job, get_job, progress_job, start_job
from application.write_path import InAppWritePath
from tests.fakes import FakeClock, InMemoryStore, SequentialIds
from tests.tasks.test_job_runner import ACCOUNTS, PARAMS, RecordingBatchPath

LEASE = timedelta(seconds=30)


class MidwayBatchPath(RecordingBatchPath):
    """Calls `midway` once, during the chunk number `at` (before accruing it)."""

    def __init__(self, at: int, midway: Callable[[], None]) -> None:
        super().__init__()
        self.at, self.midway, self.called = at, midway, False

    def accrue_interest(
        self, account_ids: Sequence[UUID], start: date, end: date, post_open: bool = False
    ) -> AccrualSummary:
        if len(self.chunks) == self.at and not self.called:
            self.called = True
            self.midway()
        return super().accrue_interest(account_ids, start, end, post_open)


def _runner(store: InMemoryStore, batch: RecordingBatchPath, clock: FakeClock) -> JobRunner:
    return JobRunner(
        store.unit_of_work,
        clock,
        InAppWritePath(store.unit_of_work, clock),
        batch,
        chunk_size=5,
        lease=LEASE,
    )


def _job(store: InMemoryStore) -> UUID:
    return create_job(INTEREST_ACCRUAL, PARAMS, None, store.unit_of_work(), FakeClock(), SequentialIds()).id


def _accrued(*batches: RecordingBatchPath) -> list[UUID]:
    return [a for batch in batches for chunk in batch.chunks for a in chunk]


def test_a_second_run_while_the_lease_is_alive_does_no_work() -> None:
    store, clock = InMemoryStore(), FakeClock()
    job_id = _job(store)
    second = RecordingBatchPath()
    held: list[JobHeld] = []

    def second_run() -> None:
        with pytest.raises(JobHeld) as caught:
            _runner(store, second, clock)(job_id, "task-2")
        held.append(caught.value)

    first = MidwayBatchPath(2, second_run)
    result = _runner(store, first, clock)(job_id, "task-1")

    assert held and held[0].until == clock.now() + LEASE and ":task-1:" in held[0].holder
    assert second.chunks == []  # the second run did nothing
    assert sorted(_accrued(first)) == ACCOUNTS  # every account once
    job = get_job(job_id, store.unit_of_work())
    assert job.state is JobState.SUCCEEDED and result["accounts"] == len(ACCOUNTS)
    assert job.holder is None and job.leased_until is None  # released at the end


def test_a_holder_that_died_is_taken_over_once_its_lease_lapsed() -> None:
    store, clock = InMemoryStore(), FakeClock()
    job_id = _job(store)
    dead = Lease("host:1:task-1:dead", LEASE, clock)
    start_job(job_id, store.unit_of_work(), clock, total=len(ACCOUNTS), lease=dead)
    done = {"accounts": 10, "days": 100, "postings": 0, "amount": 0, "after_id": str(ACCOUNTS[9])}
    progress_job(job_id, 10, store.unit_of_work(), result=done, lease=dead)
    clock.advance(LEASE.total_seconds() - 1)
    early = RecordingBatchPath()

    with pytest.raises(JobHeld):
        _runner(store, early, clock)(job_id)  # the lease renewed by the last progress is alive
    clock.advance(2)
    rescuer = RecordingBatchPath()
    result = _runner(store, rescuer, clock)(job_id)

    assert early.chunks == [] and _accrued(rescuer) == ACCOUNTS[10:]  # resumed after the dead run's work
    assert result["accounts"] == len(ACCOUNTS)
    assert get_job(job_id, store.unit_of_work()).state is JobState.SUCCEEDED


def test_a_holder_whose_lease_was_taken_over_stops_at_its_next_write() -> None:
    store, clock = InMemoryStore(), FakeClock()
    job_id = _job(store)
    usurper = Lease("host:2:task-2:late", LEASE, clock)

    def stall_then_lose_the_job() -> None:  # a chunk longer than the lease: another run took over
        clock.advance(LEASE.total_seconds() + 1)
        start_job(job_id, store.unit_of_work(), clock, lease=usurper)

    slow = MidwayBatchPath(2, stall_then_lose_the_job)
    result = _runner(store, slow, clock)(job_id)

    assert result == {"lease_lost": usurper.holder}
    job = get_job(job_id, store.unit_of_work())
    assert job.state is JobState.RUNNING and job.holder == usurper.holder  # left to its new holder
    assert job.processed == 10  # the stalled chunk's progress was not recorded by the old holder
    with pytest.raises(LeaseLost):
        progress_job(job_id, 15, store.unit_of_work(), lease=Lease("host:1:task-1:old", LEASE, clock))


def test_a_run_resumes_its_own_lapsed_lease_when_no_one_took_over() -> None:
    store, clock = InMemoryStore(), FakeClock()
    job_id = _job(store)

    def stall() -> None:
        clock.advance(LEASE.total_seconds() * 3)

    batch = MidwayBatchPath(1, stall)
    result = _runner(store, batch, clock)(job_id)

    assert sorted(_accrued(batch)) == ACCOUNTS and result["accounts"] == len(ACCOUNTS)


class HeldRuntime:
    """`run_job` held by another run until `until` for the first `times` calls, then done."""

    def __init__(self, until: datetime, times: int) -> None:
        self.until, self.times = until, times
        self.calls: list[tuple[UUID, str | None]] = []

    def run_job(self, job_id: UUID, task_id: str | None = None) -> dict[str, Any]:
        self.calls.append((job_id, task_id))
        if len(self.calls) <= self.times:
            raise JobHeld(job_id, "elsewhere", self.until)
        return {"done": True}


def test_the_task_of_a_held_job_is_retried_after_the_lease_s_end(monkeypatch: pytest.MonkeyPatch) -> None:
    held = HeldRuntime(datetime.now(UTC) + timedelta(seconds=30), times=1)
    runtime = TaskRuntime(write_path=None, run_job=held.run_job)  # type: ignore[arg-type]
    app = create_celery(CeleryConfig("memory://", visibility_timeout=3600), lambda: runtime)
    task = app.tasks[RUN_JOB]
    asked: list[dict[str, Any]] = []

    def retry(**options: Any) -> Exception:
        asked.append(options)
        return RuntimeError("retried")

    monkeypatch.setattr(task, "retry", retry)
    job_id = UUID(int=7)
    with pytest.raises(RuntimeError, match="retried"):
        task.run(str(job_id))
    assert isinstance(asked[0]["exc"], JobHeld)
    assert 30 <= asked[0]["countdown"] <= 33  # the lease's end, and a margin for clocks
    assert task.run(str(job_id)) == {"done": True}
    assert task.max_retries is None  # retried for as long as the job is held


def test_a_held_job_s_retry_stays_within_half_the_visibility_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    held = HeldRuntime(datetime.now(UTC) + timedelta(seconds=300), times=1)
    runtime = TaskRuntime(write_path=None, run_job=held.run_job)  # type: ignore[arg-type]
    app = create_celery(CeleryConfig("memory://", visibility_timeout=20), lambda: runtime)
    task = app.tasks[RUN_JOB]
    asked: list[dict[str, Any]] = []

    def retry(**options: Any) -> Exception:
        asked.append(options)
        return RuntimeError("retried")

    monkeypatch.setattr(task, "retry", retry)
    with pytest.raises(RuntimeError):
        task.run(str(UUID(int=8)))
    assert asked[0]["countdown"] == 10
