"""Running a job record to its end: the loop a `razao.run_job` task delegates to.

Each kind calls its use cases through the ports (the write path expires holds, the batch path accrues
interest and verifies the ledger) in chunks, recording progress in the job record after each chunk.
Interest accrual walks the accounts with a policy in id order, `chunk_size` at a time, and stores the
last finished account id in the job's partial result: a redelivered task (its worker was killed) starts
the job again, skips the finished chunks, and redoes at most the chunk in flight, whose effects are
idempotent per account and day (database unique keys), so nothing is booked twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import structlog

from application.batch_path import BatchPath
from application.jobs import Job, JobUnitOfWork, fail_job, finish_job, progress_job, start_job
from application.ports import Clock
from application.write_path import WritePath
from domain.errors import DomainError, ValidationError

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
    chunk_size: int = 200
    expire_batch: int = 500

    def __call__(self, job_id: UUID) -> dict[str, Any]:
        job = start_job(job_id, self.uow(), self.clock)
        structlog.contextvars.bind_contextvars(job_id=str(job.id), job_kind=job.kind)
        if job.finished:
            log.info("job_already_finished", state=job.state.value)
            return job.result or {}
        began = time.perf_counter()
        log.info("job_started", processed=job.processed, resumed=job.processed > 0 or job.result is not None)
        try:
            result = self._run(job)
        except DomainError as error:
            fail_job(job.id, [{"code": error.code, "detail": error.detail}], self.uow(), self.clock)
            log.warning("job_failed", code=error.code, detail=error.detail)
            return {"failed": error.code}
        except Exception as error:
            fail_job(job.id, [{"code": "internal_error", "detail": str(error)}], self.uow(), self.clock)
            log.exception("job_failed")
            raise
        finish_job(job.id, result, self.uow(), self.clock)
        log.info("job_succeeded", duration_ms=round((time.perf_counter() - began) * 1000, 2), **_flat(result))
        return result

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

    def _policy_accounts(self) -> list[UUID]:
        ids: list[UUID] = []
        while page := self.batch_path.accounts_with_policies(ids[-1] if ids else None, self.chunk_size):
            ids.extend(page)
            if len(page) < self.chunk_size:
                break
        return ids

    def _accrue_interest(self, job: Job) -> dict[str, Any]:
        start, end = date.fromisoformat(job.params["start"]), date.fromisoformat(job.params["end"])
        done = dict(job.result or {"accounts": 0, "days": 0, "postings": 0, "amount": 0})
        after = UUID(done["after_id"]) if done.get("after_id") else None
        accounts = self._policy_accounts()
        todo = [a for a in accounts if after is None or a > after]
        processed = len(accounts) - len(todo)
        progress_job(job.id, processed, self.uow(), total=len(accounts))
        for offset in range(0, len(todo), self.chunk_size):
            chunk = todo[offset : offset + self.chunk_size]
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
            progress_job(job.id, processed, self.uow(), result=done)
            log.info("job_progress", processed=processed, total=len(accounts))
        done.pop("after_id", None)
        return {"start": start.isoformat(), "end": end.isoformat(), **done}

    def _verify_ledger(self, job: Job) -> dict[str, Any]:
        report = self.batch_path.verify_ledger()
        result: dict[str, Any] = {
            "ok": report.ok,
            "accounts": report.accounts,
            "entries": report.entries,
            "transfers": report.transfers,
            "discrepancy_count": report.discrepancy_count,
            "discrepancies": [
                {"kind": d.kind, "subject_id": d.subject_id, "expected": d.expected, "found": d.found}
                for d in report.discrepancies
            ],
        }
        progress_job(job.id, report.accounts, self.uow(), total=report.accounts)
        if not report.ok:
            log.error(
                "ledger_discrepancies", count=report.discrepancy_count, first=result["discrepancies"][:5]
            )
        return result


def _flat(result: dict[str, Any]) -> dict[str, Any]:
    """The scalar fields of a result, for the log line."""
    return {k: v for k, v in result.items() if isinstance(v, int | str | bool)}
