"""Step definitions of `jobs.feature`: one worker at a time on a background job, in operators' words.

A "worker" is one run of the job: a lease holder named after it (`application.jobs.Lease`), on the
scenario's clock, so "3 seconds pass" lets a lease lapse in every mode (the database mode really waits).
The steps call the job use cases the Celery task runs (`start_job`, `progress_job`, `finish_job`), on the
scenario's store: the in-memory fakes, or PostgreSQL in the app and database modes (jobs are kept by the
application in both). Imported by `conftest.py`, so that the steps are fixtures of every feature test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

from pytest_bdd import given, then, when

from application.jobs import (
    Job,
    JobHeld,
    JobState,
    Lease,
    LeaseLost,
    create_job,
    finish_job,
    get_job,
    progress_job,
    start_job,
)
from tests.fakes import SequentialIds
from tests.features.conftest import words
from tests.features.driver import LedgerDriver

VERIFICATION = "ledger-verification"


@dataclass
class Workers:
    """The scenario's job, its lease length, and what each worker last heard."""

    length: timedelta = timedelta(seconds=2)
    job_id: UUID | None = None
    heard: dict[str, Job | Exception] = field(default_factory=dict)

    def lease(self, ledger: LedgerDriver, name: str) -> Lease:
        return Lease(holder=f"worker {name}", length=self.length, clock=ledger.clock)

    @property
    def job(self) -> UUID:
        assert self.job_id is not None, "the scenario has no job yet"
        return self.job_id


def _workers(ledger: LedgerDriver) -> Workers:
    found: Workers = vars(ledger).setdefault("workers", Workers())
    return found


def _hear(ledger: LedgerDriver, name: str, run: Callable[[], Job]) -> None:
    """Run a worker's call; keep what it answered, or the refusal it met."""
    try:
        _workers(ledger).heard[name] = run()
    except (JobHeld, LeaseLost) as answer:
        _workers(ledger).heard[name] = answer


@given(words("workers hold a job for {seconds:d} seconds after each progress report"))
def _(ledger: LedgerDriver, seconds: int) -> None:
    _workers(ledger).length = timedelta(seconds=seconds)


@given(words("a ledger verification job"))
def _(ledger: LedgerDriver) -> None:
    job = create_job(VERIFICATION, {}, None, ledger.unit_of_work(), ledger.clock, SequentialIds())
    _workers(ledger).job_id = job.id


@given(words('worker "{name:Name}" has started it'))
def _(ledger: LedgerDriver, name: str) -> None:
    workers = _workers(ledger)
    start_job(workers.job, ledger.unit_of_work(), ledger.clock, lease=workers.lease(ledger, name))


@when(words('worker "{name:Name}" picks up the same job'))
def _(ledger: LedgerDriver, name: str) -> None:
    workers = _workers(ledger)
    lease = workers.lease(ledger, name)
    _hear(ledger, name, lambda: start_job(workers.job, ledger.unit_of_work(), ledger.clock, lease=lease))


@given(words('worker "{name:Name}" has reported {count:d} items done'))
@when(words('worker "{name:Name}" reports {count:d} items done'))
def _(ledger: LedgerDriver, name: str, count: int) -> None:
    workers = _workers(ledger)
    lease = workers.lease(ledger, name)
    _hear(ledger, name, lambda: progress_job(workers.job, count, ledger.unit_of_work(), lease=lease))


@given(words('worker "{name:Name}" has finished it'))
def _(ledger: LedgerDriver, name: str) -> None:
    workers = _workers(ledger)
    finish_job(
        workers.job, {"ok": True}, ledger.unit_of_work(), ledger.clock, lease=workers.lease(ledger, name)
    )


@then(words('worker "{name:Name}" is told the job is held by worker "{holder:Name}"'))
def _(ledger: LedgerDriver, name: str, holder: str) -> None:
    answer = _workers(ledger).heard[name]
    assert isinstance(answer, JobHeld), answer
    assert answer.holder == f"worker {holder}", answer


@then(words('worker "{name:Name}" is told another worker took the job over'))
def _(ledger: LedgerDriver, name: str) -> None:
    answer = _workers(ledger).heard[name]
    assert isinstance(answer, LeaseLost), answer


@then(words('worker "{name:Name}" holds the job with {count:d} items done'))
def _(ledger: LedgerDriver, name: str, count: int) -> None:
    answer = _workers(ledger).heard[name]
    assert isinstance(answer, Job), answer
    job = get_job(_workers(ledger).job, ledger.unit_of_work())
    assert (job.holder, job.processed, job.state) == (f"worker {name}", count, JobState.RUNNING), job


@then(words("the job is running with {count:d} items done"))
def _(ledger: LedgerDriver, count: int) -> None:
    job = get_job(_workers(ledger).job, ledger.unit_of_work())
    assert (job.state, job.processed) == (JobState.RUNNING, count), job


@then(words('worker "{name:Name}" finds the job already finished'))
def _(ledger: LedgerDriver, name: str) -> None:
    answer = _workers(ledger).heard[name]
    assert isinstance(answer, Job) and answer.finished and answer.state is JobState.SUCCEEDED, answer
    assert get_job(answer.id, ledger.unit_of_work()).holder is None
