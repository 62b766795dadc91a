"""The job runner on in-memory fakes: chunks, progress, resuming after a redelivery, failures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from uuid import UUID

import pytest

from adapters.tasks.jobs import INTEREST_ACCRUAL, LEASE, LEDGER_VERIFICATION, JobRunner
from application.accounts import OpenAccount, open_account
from application.batch_path import InAppBatchPath
from application.interest import AccrualSummary
from application.jobs import (
    JobHeld,
    JobState,
    Lease,
    create_job,
    finish_job,
    get_job,
    progress_job,
    start_job,
)
from application.ports import RetryableConflict
from application.verification import (
    PART_ROWS,
    VerificationPart,
    progress_from_dict,
    report_to_dict,
    verify_ledger,
    verify_part,
)
from application.write_path import InAppWritePath
from domain.errors import ValidationError
from domain.transfers import TransferRequest
from domain.verification import AccountProgress, VerificationReport
from tests.fakes import FakeClock, InMemoryStore, SequentialIds

ACCOUNTS = [UUID(int=n) for n in range(1, 24)]
PARAMS = {"start": "2026-01-01", "end": "2026-01-10"}


class RecordingBatchPath:
    """Accounts 1..23 with a policy; records the chunks it was asked to accrue."""

    def __init__(self, fail_on: UUID | None = None) -> None:
        self.chunks: list[list[UUID]] = []
        self.fail_on = fail_on
        self.post_open: set[bool] = set()

    def accrue_interest(
        self, account_ids: Sequence[UUID], start: date, end: date, post_open: bool = False
    ) -> AccrualSummary:
        if self.fail_on in account_ids:
            raise ValidationError.of("account_id", "planted failure")
        self.chunks.append(list(account_ids))
        self.post_open.add(post_open)
        return AccrualSummary(accounts=len(account_ids), days=len(account_ids) * ((end - start).days + 1))

    def accounts_with_policies(self, after_id: UUID | None, limit: int) -> list[UUID]:
        return [a for a in ACCOUNTS if after_id is None or a > after_id][:limit]

    def verify_ledger(self) -> VerificationReport:
        return verify_ledger(InMemoryStore().unit_of_work())

    def verify_part(
        self,
        phase: str,
        after_id: UUID | None,
        limit: int,
        *,
        progress: AccountProgress | None = None,
        max_rows: int = PART_ROWS,
    ) -> VerificationPart:
        return verify_part(InMemoryStore().unit_of_work(), phase, after_id, limit, progress=progress)


class CrashingBatchPath(InAppBatchPath):
    """Verification over the store that dies (like a killed worker) after `parts` parts."""

    def __init__(self, store: InMemoryStore, parts: int | None = None) -> None:
        super().__init__(store.unit_of_work, FakeClock())
        self.asked: list[tuple[str, UUID | None]] = []
        self.resumed: list[AccountProgress] = []
        self.parts = parts

    def verify_part(
        self,
        phase: str,
        after_id: UUID | None,
        limit: int,
        *,
        progress: AccountProgress | None = None,
        max_rows: int = PART_ROWS,
    ) -> VerificationPart:
        if self.parts is not None and len(self.asked) == self.parts:
            raise SystemExit("worker killed")
        self.asked.append((phase, after_id))
        if progress is not None:
            self.resumed.append(progress)
        return super().verify_part(phase, after_id, limit, progress=progress, max_rows=max_rows)


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


def runner(store: InMemoryStore, batch: RecordingBatchPath) -> JobRunner:
    clock = FakeClock()
    return JobRunner(
        store.unit_of_work, clock, InAppWritePath(store.unit_of_work, clock), batch, chunk_size=5
    )


def new_job(store: InMemoryStore, kind: str = INTEREST_ACCRUAL, params: dict[str, object] = PARAMS) -> UUID:
    return create_job(kind, params, "req-1", store.unit_of_work(), FakeClock(), SequentialIds()).id


def test_accrual_runs_in_chunks_and_records_progress(store: InMemoryStore) -> None:
    batch = RecordingBatchPath()
    job_id = new_job(store)

    result = runner(store, batch)(job_id)

    assert [len(c) for c in batch.chunks] == [5, 5, 5, 5, 3]
    job = get_job(job_id, store.unit_of_work())
    assert job.state is JobState.SUCCEEDED and (job.processed, job.total) == (23, 23)
    assert result == job.result and result["accounts"] == 23 and result["days"] == 230
    assert "after_id" not in result


def test_an_accrual_asked_to_post_open_periods_asks_every_chunk(store: InMemoryStore) -> None:
    plain, batch = RecordingBatchPath(), RecordingBatchPath()
    runner(store, plain)(new_job(store))
    other = InMemoryStore()
    result = runner(other, batch)(new_job(other, params={**PARAMS, "post_open_periods": True}))
    assert (plain.post_open, batch.post_open) == ({False}, {True})
    assert result["post_open_periods"] is True


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


def _ledger(store: InMemoryStore, people: int) -> VerificationReport:
    """A bank paying `people` accounts (one of them corrupted); the whole ledger's report."""
    clock, ids = FakeClock(), SequentialIds(namespace=0x77)
    opened = [
        open_account(OpenAccount(code, code, "BRL", side, floor), store.unit_of_work(), clock, ids).account
        for code, side, floor in [("bank", "debit", None)] + [(f"p{n}", "credit", 0) for n in range(people)]
    ]
    path = InAppWritePath(store.unit_of_work, clock)
    for person in opened[1:]:
        path.post_transfers(
            [
                TransferRequest.simple(
                    ids.new_id(), debit_account_id=opened[0].id, credit_account_id=person.id, amount=100
                )
            ]
        )
    stored = store.accounts[opened[2].id]
    store.accounts[opened[2].id] = replace(stored, balances=replace(stored.balances, posted_credits=1))
    return verify_ledger(store.unit_of_work())


def after_the_lease() -> FakeClock:
    """The clock of a redelivery: the killed run's lease (the runner's default) has lapsed by then."""
    clock = FakeClock()
    clock.advance(LEASE.total_seconds() + 1)
    return clock


def _verifier(
    store: InMemoryStore, batch: InAppBatchPath, rows: int = PART_ROWS, clock: FakeClock | None = None
) -> JobRunner:
    clock = clock or FakeClock()
    return JobRunner(
        store.unit_of_work,
        clock,
        InAppWritePath(store.unit_of_work, clock),
        batch,
        verify_chunk=4,
        verify_rows=rows,
    )


def test_verification_runs_in_parts_and_reports_the_whole_ledger(store: InMemoryStore) -> None:
    whole = _ledger(store, 9)
    batch = CrashingBatchPath(store)
    job_id = create_job(LEDGER_VERIFICATION, {}, None, store.unit_of_work(), FakeClock(), SequentialIds()).id

    result = _verifier(store, batch)(job_id)

    assert [phase for phase, _ in batch.asked] == ["accounts"] * 3 + ["transfers"] * 3
    assert result == report_to_dict(whole) and not result["ok"] and result["discrepancy_count"] == 1
    job = get_job(job_id, store.unit_of_work())
    assert (job.processed, job.total) == (19, 19)  # 10 accounts and 9 transfers


def test_a_redelivered_verification_resumes_after_the_last_finished_part(store: InMemoryStore) -> None:
    whole = _ledger(store, 9)
    job_id = create_job(LEDGER_VERIFICATION, {}, None, store.unit_of_work(), FakeClock(), SequentialIds()).id
    killed = CrashingBatchPath(store, parts=4)
    with pytest.raises(SystemExit):
        _verifier(store, killed)(job_id)
    assert get_job(job_id, store.unit_of_work()).processed == 14

    again = CrashingBatchPath(store)
    result = _verifier(store, again, clock=after_the_lease())(job_id)

    fourth = sorted(store.transfers)[3]  # the last transfer of the part finished before the kill
    assert [phase for phase, _ in again.asked] == ["transfers", "transfers"]
    assert again.asked[0] == ("transfers", fourth)
    assert result == report_to_dict(whole)


def test_verification_parts_stop_and_resume_inside_a_busy_account(store: InMemoryStore) -> None:
    whole = _ledger(store, 9)  # the funding account has 9 entries, each customer one
    batch = CrashingBatchPath(store)
    job_id = create_job(LEDGER_VERIFICATION, {}, None, store.unit_of_work(), FakeClock(), SequentialIds()).id

    result = _verifier(store, batch, rows=2)(job_id)

    assert result == report_to_dict(whole)
    assert batch.resumed, "no part stopped inside an account"
    job = get_job(job_id, store.unit_of_work())
    assert (job.processed, job.total) == (19, 19)  # every account counted once


def test_a_redelivered_verification_resumes_inside_the_account_it_stopped_in(store: InMemoryStore) -> None:
    whole = _ledger(store, 9)
    job_id = create_job(LEDGER_VERIFICATION, {}, None, store.unit_of_work(), FakeClock(), SequentialIds()).id
    killed = CrashingBatchPath(store, parts=3)
    with pytest.raises(SystemExit):
        _verifier(store, killed, rows=2)(job_id)
    saved = get_job(job_id, store.unit_of_work()).result
    assert saved is not None and saved["progress"] is not None  # killed while inside an account

    again = CrashingBatchPath(store)
    result = _verifier(store, again, rows=2, clock=after_the_lease())(job_id)

    assert again.resumed[0] == progress_from_dict(saved["progress"])
    assert result == report_to_dict(whole)


class FlakyBatchPath(RecordingBatchPath):
    """Loses the database connection on the third chunk, once."""

    def __init__(self) -> None:
        super().__init__()
        self.lost = False

    def accrue_interest(
        self, account_ids: Sequence[UUID], start: date, end: date, post_open: bool = False
    ) -> AccrualSummary:
        if len(self.chunks) == 2 and not self.lost:
            self.lost = True
            raise RetryableConflict("the connection to the database was lost")
        return super().accrue_interest(account_ids, start, end, post_open)


def test_a_job_resumes_after_the_database_went_away(store: InMemoryStore) -> None:
    batch = FlakyBatchPath()
    job_id = new_job(store)
    clock = FakeClock()
    run = JobRunner(
        store.unit_of_work,
        clock,
        InAppWritePath(store.unit_of_work, clock),
        batch,
        chunk_size=5,
        retry_pause=0,
    )

    result = run(job_id)

    assert batch.lost and [c[0] for c in batch.chunks] == [
        ACCOUNTS[0],
        ACCOUNTS[5],
        ACCOUNTS[10],
        ACCOUNTS[15],
        ACCOUNTS[20],
    ]
    assert result["accounts"] == 23 and get_job(job_id, store.unit_of_work()).state is JobState.SUCCEEDED


def test_a_database_away_longer_than_the_runner_waits_pauses_the_job_for_a_later_run(
    store: InMemoryStore,
) -> None:
    """The outage goes up to the task (which sends itself again for later), the job is not failed for
    it, and a later run resumes it once the first run's lease has lapsed."""

    class Gone(RecordingBatchPath):
        def accounts_with_policies(self, after_id: UUID | None, limit: int) -> list[UUID]:
            raise RetryableConflict("the connection to the database was lost")

    job_id = new_job(store)
    clock = FakeClock()
    write_path = InAppWritePath(store.unit_of_work, clock)
    gone = JobRunner(store.unit_of_work, clock, write_path, Gone(), run_attempts=3, retry_pause=0)

    with pytest.raises(RetryableConflict):
        gone(job_id)
    paused = get_job(job_id, store.unit_of_work())
    assert paused.state is JobState.RUNNING and paused.holder is not None

    later = JobRunner(store.unit_of_work, clock, write_path, RecordingBatchPath(), retry_pause=0)
    with pytest.raises(JobHeld):  # the first run's lease is alive: the task waits for its end
        later(job_id)
    clock.advance(LEASE.total_seconds() + 1)
    assert later(job_id)["accounts"] == 23
    assert get_job(job_id, store.unit_of_work()).state is JobState.SUCCEEDED


def test_a_run_back_from_an_outage_stops_when_another_run_ended_the_job_meanwhile(
    store: InMemoryStore,
) -> None:
    job_id = new_job(store)
    clock = FakeClock()

    class EndedMeanwhile(RecordingBatchPath):
        """Loses the connection once, for longer than the lease; another run takes over and finishes."""

        def accrue_interest(
            self, account_ids: Sequence[UUID], start: date, end: date, post_open: bool = False
        ) -> AccrualSummary:
            if not self.chunks:
                clock.advance(LEASE.total_seconds() + 1)
                other = Lease("another run", LEASE, clock)
                start_job(job_id, store.unit_of_work(), clock, lease=other)
                finish_job(job_id, {"accounts": 23}, store.unit_of_work(), clock, other)
                raise RetryableConflict("the connection to the database was lost")
            return super().accrue_interest(account_ids, start, end, post_open)

    batch = EndedMeanwhile()
    run = JobRunner(
        store.unit_of_work, clock, InAppWritePath(store.unit_of_work, clock), batch, retry_pause=0
    )

    assert "lease_lost" in run(job_id)
    assert batch.chunks == []  # no chunk run again on a job that had ended
    assert get_job(job_id, store.unit_of_work()).result == {"accounts": 23}


def test_the_job_record_is_written_through_an_outage(store: InMemoryStore) -> None:
    """Starting and finishing the record meet a lost connection once each: the task waits and writes
    them (a task that gave up there would be acknowledged and leave its job queued for good)."""
    lost: list[int] = []

    def unit_of_work():  # type: ignore[no-untyped-def]
        calls = len(lost)
        lost.append(calls)
        if calls in (0, 4):  # the first start, and a later write of the record
            raise RetryableConflict("the connection to the database was lost")
        return store.unit_of_work()

    job_id = new_job(store)
    clock = FakeClock()
    run = JobRunner(
        unit_of_work,
        clock,
        InAppWritePath(store.unit_of_work, clock),
        RecordingBatchPath(),
        chunk_size=5,
        retry_pause=0,
    )

    result = run(job_id)

    assert result["accounts"] == 23 and get_job(job_id, store.unit_of_work()).state is JobState.SUCCEEDED
