"""The job runner on in-memory fakes: chunks, progress, resuming after a redelivery, failures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

import pytest

from adapters.tasks.jobs import INTEREST_ACCRUAL, JobRunner
from application.interest import AccrualSummary
from application.jobs import JobState, create_job, get_job, progress_job, start_job
from application.write_path import InAppWritePath
from domain.errors import ValidationError
from domain.verification import VerificationReport
from tests.fakes import FakeClock, InMemoryStore, SequentialIds

ACCOUNTS = [UUID(int=n) for n in range(1, 24)]
PARAMS = {"start": "2026-01-01", "end": "2026-01-10"}


class RecordingBatchPath:
    """Accounts 1..23 with a policy; records the chunks it was asked to accrue."""

    def __init__(self, fail_on: UUID | None = None) -> None:
        self.chunks: list[list[UUID]] = []
        self.fail_on = fail_on

    def accrue_interest(self, account_ids: Sequence[UUID], start: date, end: date) -> AccrualSummary:
        if self.fail_on in account_ids:
            raise ValidationError.of("account_id", "planted failure")
        self.chunks.append(list(account_ids))
        return AccrualSummary(accounts=len(account_ids), days=len(account_ids) * ((end - start).days + 1))

    def accounts_with_policies(self, after_id: UUID | None, limit: int) -> list[UUID]:
        return [a for a in ACCOUNTS if after_id is None or a > after_id][:limit]

    def verify_ledger(self) -> VerificationReport:
        return VerificationReport(accounts=0, entries=0, transfers=0, discrepancy_count=0, discrepancies=())


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


def runner(store: InMemoryStore, batch: RecordingBatchPath) -> JobRunner:
    clock = FakeClock()
    return JobRunner(
        store.unit_of_work, clock, InAppWritePath(store.unit_of_work, clock), batch, chunk_size=5
    )


def new_job(store: InMemoryStore, kind: str = INTEREST_ACCRUAL) -> UUID:
    return create_job(kind, PARAMS, "req-1", store.unit_of_work(), FakeClock(), SequentialIds()).id


def test_accrual_runs_in_chunks_and_records_progress(store: InMemoryStore) -> None:
    batch = RecordingBatchPath()
    job_id = new_job(store)

    result = runner(store, batch)(job_id)

    assert [len(c) for c in batch.chunks] == [5, 5, 5, 5, 3]
    job = get_job(job_id, store.unit_of_work())
    assert job.state is JobState.SUCCEEDED and (job.processed, job.total) == (23, 23)
    assert result == job.result and result["accounts"] == 23 and result["days"] == 230
    assert "after_id" not in result


def test_a_redelivered_accrual_resumes_after_the_last_finished_chunk(store: InMemoryStore) -> None:
    batch = RecordingBatchPath()
    job_id = new_job(store)
    # What a killed worker left: running, two chunks done.
    start_job(job_id, store.unit_of_work(), FakeClock(), total=23)
    done = {"accounts": 10, "days": 100, "postings": 0, "amount": 0, "after_id": str(ACCOUNTS[9])}
    progress_job(job_id, 10, store.unit_of_work(), result=done)

    result = runner(store, batch)(job_id)

    assert batch.chunks[0][0] == ACCOUNTS[10] and sum(len(c) for c in batch.chunks) == 13
    assert result["accounts"] == 23 and result["days"] == 230


def test_a_finished_job_is_not_run_again(store: InMemoryStore) -> None:
    batch = RecordingBatchPath()
    job_id = new_job(store)
    first = runner(store, batch)(job_id)
    batch.chunks.clear()

    assert runner(store, batch)(job_id) == first
    assert batch.chunks == []


def test_a_rule_violation_fails_the_job_with_its_code(store: InMemoryStore) -> None:
    job_id = new_job(store)

    runner(store, RecordingBatchPath(fail_on=ACCOUNTS[7]))(job_id)

    job = get_job(job_id, store.unit_of_work())
    assert job.state is JobState.FAILED and job.errors[0]["code"] == "validation_error"
    assert job.processed == 5  # the first chunk stays done; a new job would redo only the rest


def test_an_unknown_kind_fails(store: InMemoryStore) -> None:
    job_id = new_job(store, kind="compact-ledger")

    runner(store, RecordingBatchPath())(job_id)

    assert get_job(job_id, store.unit_of_work()).state is JobState.FAILED
