"""Running a job record to its end: the loop a `razao.run_job` task delegates to.

Each kind calls its use cases through the ports (the write path expires holds, the batch path accrues
interest and verifies the ledger) in chunks, recording progress in the job record after each chunk.
Interest accrual counts the accounts with a policy (for the progress total), then walks them in id order,
`chunk_size` at a time, holding one chunk of ids, and stores the last finished account id in the job's
partial result: a redelivered task (its worker was killed) starts
the job again, skips the finished chunks, and redoes at most the chunk in flight, whose effects are
idempotent per account and day (database unique keys), so nothing is booked twice. Ledger verification
checks `verify_chunk` accounts (at most `verify_rows` journal rows: a part may stop, and the next resume,
inside a busy account), then transfers, at a time, and keeps the combined report and where it got to in the
partial result: a redelivered task resumes after the last finished part. When the database
goes away during a job (a lost connection, a restart, no free connection), the runner waits and resumes
the same way, in the same task, before giving up; writes of the job record itself (start, finish, fail)
wait out an outage the same way, so a task never gives up and leaves its job queued or running.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import structlog

from application.batch_path import BatchPath
from application.jobs import Job, JobUnitOfWork, fail_job, finish_job, progress_job, start_job
from application.pages import MAX_LIMIT as MAX_PAGE
from application.ports import Clock, ExecutionUnavailable, RetryableConflict
from application.verification import (
    ACCOUNTS,
    PART_ROWS,
    TRANSFERS,
    progress_from_dict,
    progress_to_dict,
    report_from_dict,
    report_to_dict,
)
from application.write_path import WritePath
from domain.errors import DomainError, ValidationError
from domain.verification import combine

EXPIRE_HOLDS = "expire-holds"
INTEREST_ACCRUAL = "interest-accrual"
LEDGER_VERIFICATION = "ledger-verification"
KINDS = (EXPIRE_HOLDS, INTEREST_ACCRUAL, LEDGER_VERIFICATION)

log = structlog.get_logger("razao.jobs")


@dataclass(frozen=True, slots=True)
class JobRunner:
    uow: Callable[[], JobUnitOfWork]
    clock: Clock
    write_path: WritePath
    batch_path: BatchPath
    chunk_size: int = 500
    expire_batch: int = 500
    verify_chunk: int = 10_000
    verify_rows: int = PART_ROWS
    run_attempts: int = 10
    retry_pause: float = 1.0

    def __call__(self, job_id: UUID) -> dict[str, Any]:
        job = self._through_outages(lambda: start_job(job_id, self.uow(), self.clock))
        structlog.contextvars.bind_contextvars(job_id=str(job.id), job_kind=job.kind)
        if job.finished:
            log.info("job_already_finished", state=job.state.value)
            return job.result or {}
        began = time.perf_counter()
        log.info("job_started", processed=job.processed, resumed=job.processed > 0 or job.result is not None)
        try:
            result = self._run_resuming(job)
        except DomainError as error:
            self._record_failure(job, error.code, error.detail)
            log.warning("job_failed", code=error.code, detail=error.detail)
            return {"failed": error.code}
        except Exception as error:
            self._record_failure(job, "internal_error", str(error))
            log.exception("job_failed")
            raise
        self._through_outages(lambda: finish_job(job.id, result, self.uow(), self.clock))
        log.info("job_succeeded", duration_ms=round((time.perf_counter() - began) * 1000, 2), **_flat(result))
        return result

    def _through_outages(self, step: Callable[[], Job]) -> Job:
        """`step` (one write to the job record), tried again after a pause while the database is away,
        up to `run_attempts` times: a task that gave up here would be acknowledged as failed and leave
        its job queued or running for good."""
        for attempt in range(1, self.run_attempts + 1):
            try:
                return step()
            except (RetryableConflict, ExecutionUnavailable) as error:
                if attempt == self.run_attempts:
                    raise
                log.warning("job_record_unavailable", attempt=attempt, error=str(error))
                time.sleep(self.retry_pause)
        raise AssertionError("unreachable")

    def _record_failure(self, job: Job, code: str, detail: str) -> None:
        errors = [{"code": code, "detail": detail}]
        self._through_outages(lambda: fail_job(job.id, errors, self.uow(), self.clock))

    def _run_resuming(self, job: Job) -> dict[str, Any]:
        """Run the job; when the database goes away mid-way (a lost connection, a restart, no free
        connection), wait and resume after the last finished chunk, up to `run_attempts` times."""
        for attempt in range(1, self.run_attempts + 1):
            try:
                return self._run(job)
            except (RetryableConflict, ExecutionUnavailable) as error:
                if attempt == self.run_attempts:
                    raise
                log.warning("job_interrupted", attempt=attempt, error=str(error))
                time.sleep(self.retry_pause)
                job = self._reload(job)
        raise AssertionError("unreachable")

    def _reload(self, job: Job) -> Job:
        """The job as last recorded (its progress and partial result); `job` itself if that cannot be read
        yet (the next attempt then meets the same outage and waits again)."""
        try:
            return start_job(job.id, self.uow(), self.clock)
        except (RetryableConflict, ExecutionUnavailable):
            return job

    def _run(self, job: Job) -> dict[str, Any]:
        if job.kind == EXPIRE_HOLDS:
            return self._expire_holds(job)
        if job.kind == INTEREST_ACCRUAL:
            return self._accrue_interest(job)
        if job.kind == LEDGER_VERIFICATION:
            return self._verify_ledger(job)
        raise ValidationError.of("kind", f"no such job kind: {job.kind}")

    def _expire_holds(self, job: Job) -> dict[str, Any]:
        expired = int((job.result or {}).get("expired", 0))
        while True:
            batch = len(self.write_path.expire_due(self.expire_batch))
            expired += batch
            progress_job(job.id, expired, self.uow(), result={"expired": expired})
            if batch < self.expire_batch:
                return {"expired": expired}

    def _policy_accounts(self, after: UUID | None, page: int) -> Iterator[list[UUID]]:
        """The accounts with a policy after `after`, `page` ids at a time (only one page in memory)."""
        while found := self.batch_path.accounts_with_policies(after, page):
            yield found
            if len(found) < page:
                return
            after = found[-1]

    def _accrue_interest(self, job: Job) -> dict[str, Any]:
        start, end = date.fromisoformat(job.params["start"]), date.fromisoformat(job.params["end"])
        done = dict(job.result or {"accounts": 0, "days": 0, "postings": 0, "amount": 0})
        after = UUID(done["after_id"]) if done.get("after_id") else None
        total = job.total
        if total is None:  # counted once, by pages, without holding the ids
            total = sum(len(ids) for ids in self._policy_accounts(None, MAX_PAGE))
        processed = job.processed
        progress_job(job.id, processed, self.uow(), total=total)
        for chunk in self._policy_accounts(after, self.chunk_size):
            summary = self.batch_path.accrue_interest(chunk, start, end)
            processed += len(chunk)
            done.update(
                accounts=done["accounts"] + summary.accounts,
                days=done["days"] + summary.days,
                postings=done["postings"] + len(summary.postings),
                amount=done["amount"] + sum(p.amount for p in summary.postings),
                failures=done.get("failures", [])
                + [
                    {"account_id": str(f.account_id), "code": f.code, "detail": f.detail}
                    for f in summary.failures
                ],
                after_id=str(chunk[-1]),
            )
            progress_job(job.id, processed, self.uow(), total=max(total, processed), result=done)
            log.info("job_progress", processed=processed, total=total)
        done.pop("after_id", None)
        return {"start": start.isoformat(), "end": end.isoformat(), **done}

    def _verify_ledger(self, job: Job) -> dict[str, Any]:
        state = dict(job.result or {"phase": ACCOUNTS, "after_id": None})
        phase: str | None = state["phase"]
        after = UUID(state["after_id"]) if state["after_id"] else None
        progress = progress_from_dict(state.get("progress"))
        report = report_from_dict(state["report"]) if "report" in state else combine([])
        processed, total = job.processed, job.total
        while phase is not None:
            part = self.batch_path.verify_part(
                phase, after, self.verify_chunk, progress=progress, max_rows=self.verify_rows
            )
            report = combine([report, part.report])
            processed += part.report.accounts if phase == ACCOUNTS else part.report.transfers
            if part.totals is not None:
                total = sum(part.totals)
            if part.complete:
                phase, after = (TRANSFERS if phase == ACCOUNTS else None), None
            else:
                after = part.last_id
            progress = part.progress
            partial = {
                "phase": phase,
                "after_id": after and str(after),
                "progress": progress_to_dict(progress),
                "report": report_to_dict(report),
            }
            progress_job(job.id, processed, self.uow(), total=max(total or 0, processed), result=partial)
            log.info("job_progress", processed=processed, total=total)
        result = report_to_dict(report)
        if not report.ok:
            log.error(
                "ledger_discrepancies", count=report.discrepancy_count, first=result["discrepancies"][:5]
            )
        return result


def _flat(result: dict[str, Any]) -> dict[str, Any]:
    """The scalar fields of a result, for the log line."""
    return {k: v for k, v in result.items() if isinstance(v, int | str | bool)}
