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
goes away during a job (a lost connection, a restart, a failover, no free connection), the runner waits
and resumes the same way, in the same task; writes of the job record itself (start, finish, fail) wait
out an outage the same way. An outage longer than the runner waits (`run_attempts` × `retry_pause`) does
not fail the job: the error goes up to the task, which sends itself again for later (`razao.run_job`),
and that run resumes the job once this run's lease has lapsed.

One run at a time (`application.jobs.Lease`): each call claims the job record for a holder of its own
(host, process id, the task id and a nonce) for `lease` (RAZAO_JOB_LEASE_SECONDS), renews it with every
progress write, and releases it when the job ends. A call that finds another holder's lease alive
raises `JobHeld` without touching the job (the Celery task then retries after the lease's end: a holder
that died is taken over then, a live one has renewed it, or finished). A holder whose lease lapsed and
was taken over (a chunk longer than the lease, or an outage longer than it) gets `LeaseLost` at its next
write and stops: the new holder resumes from the recorded progress. The lease orders the job record's
writes, not the chunks' own transactions: a run whose lease lapsed in the middle of a chunk can still
commit that chunk, while the new holder redoes it. Every chunk is therefore idempotent (interest: one
accrual per account and day, under the accounts' locks; expiry: the due holds locked and re-checked;
verification: reads only), so the books never see the work twice. A chunk must take much less than the
lease (`slow_chunk` is logged at half).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import structlog

from application import seals as seals_app
from application.batch_path import BatchPath
from application.jobs import (
    Job,
    JobHeld,
    JobUnitOfWork,
    Lease,
    LeaseLost,
    fail_job,
    finish_job,
    progress_job,
    start_job,
)
from application.pages import MAX_LIMIT as MAX_PAGE
from application.ports import Clock, ExecutionUnavailable, RetryableConflict
from application.seals import SealPath
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
from domain.seals import combine as combine_seals
from domain.verification import combine

EXPIRE_HOLDS = "expire-holds"
INTEREST_ACCRUAL = "interest-accrual"
LEDGER_VERIFICATION = "ledger-verification"
#: Matching a bank statement against the ledger (`application.reconciliation`): params {"run_id"}; the
#: partial result keeps the next chunk and the running summary, so a redelivered task resumes there.
RECONCILIATION = "reconciliation"
#: The sealed journal (`application.seals`, docs/audit/seals.md): seal every sealable row, a block per
#: transaction; recompute every block and name what differs. Both record the head reached in the partial
#: result, so a redelivered task goes on from there (sealing resumes by itself: it starts at the head).
JOURNAL_SEALING = "journal-sealing"
SEAL_VERIFICATION = "seal-verification"
KINDS = (
    EXPIRE_HOLDS,
    INTEREST_ACCRUAL,
    LEDGER_VERIFICATION,
    RECONCILIATION,
    JOURNAL_SEALING,
    SEAL_VERIFICATION,
)

log = structlog.get_logger("razao.jobs")

#: The job lease's default length (RAZAO_JOB_LEASE_SECONDS): chunks take a second or less.
LEASE = timedelta(seconds=120)


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
    #: How long a job rides out the database being away (a restart, a failover: docs/failover.md measured
    #: 5-7 s of write unavailability with pg_auto_failover tuned, its defaults take longer): attempts
    #: `retry_pause` apart, about a minute in all, before the task gives up and fails.
    run_attempts: int = 60
    retry_pause: float = 1.0
    #: How long a run holds the job after each write to its record (claim, progress).
    lease: timedelta = LEASE
    #: Runs a reconciliation run (`application.reconciliation.Reconciler`); None: the kind is refused.
    reconcile: (
        Callable[[UUID, dict[str, Any] | None, Callable[[int, int, dict[str, Any]], None]], dict[str, Any]]
        | None
    ) = None
    #: The sealed journal's path (in the app or in the database); None: its kinds are refused.
    seals: SealPath | None = None

    def holder(self, task_id: str | None = None) -> str:
        """This run's holder name: unique per call, readable in the job record."""
        return f"{socket.gethostname()}:{os.getpid()}:{task_id or '-'}:{uuid.uuid4().hex[:8]}"

    def __call__(self, job_id: UUID, task_id: str | None = None) -> dict[str, Any]:
        """Run (or resume) the job to its end. `JobHeld`: another run holds it (nothing was done)."""
        lease = Lease(self.holder(task_id), self.lease, self.clock)
        structlog.contextvars.bind_contextvars(job_id=str(job_id), holder=lease.holder)
        try:
            job = self._through_outages(lambda: start_job(job_id, self.uow(), self.clock, lease=lease))
        except JobHeld as held:
            log.info("job_held_elsewhere", holder=held.holder, until=held.until.isoformat())
            raise
        structlog.contextvars.bind_contextvars(job_kind=job.kind)
        if job.finished:
            log.info("job_already_finished", state=job.state.value)
            return job.result or {}
        began = time.perf_counter()
        log.info("job_started", processed=job.processed, resumed=job.processed > 0 or job.result is not None)
        try:
            result = self._run_resuming(job, lease)
            self._through_outages(lambda: finish_job(job.id, result, self.uow(), self.clock, lease))
        except LeaseLost as lost:
            log.warning("job_lease_lost", taken_by=lost.holder)
            return {"lease_lost": lost.holder}
        except (RetryableConflict, ExecutionUnavailable) as error:
            # the database stayed away longer than the runner waits: the job is not failed for that; the
            # task runs again later (`razao.run_job` retries it) and resumes, once this run's lease lapsed
            log.warning("job_paused_by_outage", error=str(error))
            raise
        except DomainError as error:
            self._record_failure(job, lease, error.code, error.detail)
            log.warning("job_failed", code=error.code, detail=error.detail)
            return {"failed": error.code}
        except Exception as error:
            self._record_failure(job, lease, "internal_error", str(error))
            log.exception("job_failed")
            raise
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

    def _record_failure(self, job: Job, lease: Lease, code: str, detail: str) -> None:
        errors = [{"code": code, "detail": detail}]
        try:
            self._through_outages(lambda: fail_job(job.id, errors, self.uow(), self.clock, lease))
        except LeaseLost as lost:  # the new holder decides how the job ends
            log.warning("job_lease_lost", taken_by=lost.holder)

    def _progress(
        self,
        job: Job,
        lease: Lease,
        processed: int,
        total: int | None = None,
        result: dict[str, Any] | None = None,
    ) -> None:
        """Record progress and renew the lease in one write; warn when a chunk took over half the lease
        (a longer one could be taken over while it runs)."""
        progress_job(job.id, processed, self.uow(), total=total, result=result, lease=lease)
        now = self.clock.now()
        if job.leased_until is not None and job.leased_until - now < self.lease / 2:
            log.warning(
                "slow_chunk",
                lease_s=self.lease.total_seconds(),
                left_s=(job.leased_until - now).total_seconds(),
            )
        job.leased_until = now + self.lease

    def _run_resuming(self, job: Job, lease: Lease) -> dict[str, Any]:
        """Run the job; when the database goes away mid-way (a lost connection, a restart, no free
        connection), wait and resume after the last finished chunk, up to `run_attempts` times."""
        for attempt in range(1, self.run_attempts + 1):
            try:
                return self._run(job, lease)
            except (RetryableConflict, ExecutionUnavailable) as error:
                if attempt == self.run_attempts:
                    raise
                log.warning("job_interrupted", attempt=attempt, error=str(error))
                time.sleep(self.retry_pause)
                job = self._reload(job, lease)
        raise AssertionError("unreachable")

    def _reload(self, job: Job, lease: Lease) -> Job:
        """The job as last recorded (its progress and partial result), claimed again; `job` itself if that
        cannot be read yet (the next attempt then meets the same outage and waits again). Another run
        that took the job over during the outage keeps it: `LeaseLost`."""
        try:
            reloaded = start_job(job.id, self.uow(), self.clock, lease=lease)
        except (RetryableConflict, ExecutionUnavailable):
            return job
        except JobHeld as held:
            raise LeaseLost(job.id, held.holder) from held
        if reloaded.finished:  # another run took the job over during the outage, and ended it
            raise LeaseLost(job.id, f"a run that ended it ({reloaded.state.value})")
        return reloaded

    def _run(self, job: Job, lease: Lease) -> dict[str, Any]:
        if job.kind == EXPIRE_HOLDS:
            return self._expire_holds(job, lease)
        if job.kind == INTEREST_ACCRUAL:
            return self._accrue_interest(job, lease)
        if job.kind == LEDGER_VERIFICATION:
            return self._verify_ledger(job, lease)
        if job.kind == RECONCILIATION:
            return self._reconcile(job, lease)
        if job.kind == JOURNAL_SEALING:
            return self._seal_journal(job, lease)
        if job.kind == SEAL_VERIFICATION:
            return self._verify_seals(job, lease)
        raise ValidationError.of("kind", f"no such job kind: {job.kind}")

    def _expire_holds(self, job: Job, lease: Lease) -> dict[str, Any]:
        expired = int((job.result or {}).get("expired", 0))
        while True:
            batch = len(self.write_path.expire_due(self.expire_batch))
            expired += batch
            self._progress(job, lease, expired, result={"expired": expired})
            if batch < self.expire_batch:
                return {"expired": expired}

    def _policy_accounts(self, after: UUID | None, page: int) -> Iterator[list[UUID]]:
        """The accounts with a policy after `after`, `page` ids at a time (only one page in memory)."""
        while found := self.batch_path.accounts_with_policies(after, page):
            yield found
            if len(found) < page:
                return
            after = found[-1]

    def _accrue_interest(self, job: Job, lease: Lease) -> dict[str, Any]:
        start, end = date.fromisoformat(job.params["start"]), date.fromisoformat(job.params["end"])
        post_open = job.params.get("post_open_periods") is True
        done = dict(job.result or {"accounts": 0, "days": 0, "postings": 0, "amount": 0})
        after = UUID(done["after_id"]) if done.get("after_id") else None
        total = job.total
        if total is None:  # counted once, by pages, without holding the ids
            total = sum(len(ids) for ids in self._policy_accounts(None, MAX_PAGE))
        processed = job.processed
        self._progress(job, lease, processed, total=total)
        for chunk in self._policy_accounts(after, self.chunk_size):
            summary = self.batch_path.accrue_interest(chunk, start, end, post_open)
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
            self._progress(job, lease, processed, total=max(total, processed), result=done)
            log.info("job_progress", processed=processed, total=total)
        done.pop("after_id", None)
        return {"start": start.isoformat(), "end": end.isoformat(), "post_open_periods": post_open, **done}

    def _verify_ledger(self, job: Job, lease: Lease) -> dict[str, Any]:
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
            self._progress(job, lease, processed, total=max(total or 0, processed), result=partial)
            log.info("job_progress", processed=processed, total=total)
        result = report_to_dict(report)
        if not report.ok:
            log.error(
                "ledger_discrepancies", count=report.discrepancy_count, first=result["discrepancies"][:5]
            )
        return result

    def _reconcile(self, job: Job, lease: Lease) -> dict[str, Any]:
        if self.reconcile is None:
            raise ValidationError.of("kind", "reconciliation is not configured in this worker")

        def progress(done: int, total: int, partial: dict[str, Any]) -> None:
            self._progress(job, lease, done, total=max(total, done), result=partial)
            log.info("job_progress", processed=done, total=total)

        return self.reconcile(UUID(str(job.params["run_id"])), job.result, progress)

    def _sealer(self) -> SealPath:
        if self.seals is None:
            raise ValidationError.of("kind", "sealing is not configured in this worker")
        return self.seals

    def _seal_journal(self, job: Job, lease: Lease) -> dict[str, Any]:
        done = dict(job.result or {"blocks": 0, "rows": 0})

        def progress(block: dict[str, Any]) -> None:
            done.update(blocks=done["blocks"] + 1, rows=done["rows"] + block["row_count"])
            done.update(height=block["height"], head_hash=block["hash"])
            self._progress(job, lease, done["rows"], result=done)

        seal_all(self._sealer(), each=progress)
        return done

    def _verify_seals(self, job: Job, lease: Lease) -> dict[str, Any]:
        state = dict(job.result or {})
        reports = [seals_app.report_from_dict(state["report"])] if "report" in state else []
        after = int(state.get("after_height", 0))
        while True:
            part = self._sealer().verify(after)
            if part.blocks == 0 and not part.findings:
                break
            reports.append(part)
            report = combine_seals(reports)
            after = part.head_height or after
            self._progress(
                job,
                lease,
                report.rows,
                result={"after_height": after, "report": seals_app.report_to_dict(report)},
            )
            if part.blocks == 0:
                break
        report = combine_seals(reports)
        result = seals_app.report_to_dict(report)
        if not report.ok:
            log.error("seal_discrepancies", broken_blocks=report.broken_blocks, first=result["findings"][:5])
        return result


#: Most seconds one sealing task seals blocks for (then it returns; the next beat goes on from the head),
#: so that under sustained writes a task never runs on and on.
SEAL_TASK_SECONDS = 30.0


def seal_all(
    seals: SealPath,
    max_blocks: int | None = None,
    each: Callable[[dict[str, Any]], None] | None = None,
    max_seconds: float | None = SEAL_TASK_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Seal every sealable row (one transaction per block), stopping after `max_blocks` blocks or once
    `max_seconds` have passed (`capped` in the result: rows may be left for the next run); log each
    block's header (`journal_sealed`: the anchor, also the event `journal.sealed`) and call `each` with
    it. A refusal to seal (`application.seals.XID_BEHIND`) is logged (`journal_sealing_refused`) and
    raised."""
    sealed, rows, head, capped = 0, 0, None, False
    deadline = None if max_seconds is None else clock() + max_seconds
    while True:
        if (max_blocks is not None and sealed >= max_blocks) or (
            deadline is not None and clock() >= deadline
        ):
            capped = True
            break
        try:
            block = seals.seal_next()
        except DomainError as error:
            if error.context.get("reason") == seals_app.XID_BEHIND:
                log.error("journal_sealing_refused", reason=seals_app.XID_BEHIND, detail=error.detail)
            raise
        if block is None:
            break
        sealed, rows, head = sealed + 1, rows + block["row_count"], block
        log.info(
            "journal_sealed",
            height=block["height"],
            hash=block["hash"],
            prev_hash=block["prev_hash"],
            merkle_root=block["merkle_root"],
            row_count=block["row_count"],
            last_position=block["last_position"],
            sealed_at=block["sealed_at"],
        )
        if each is not None:
            each(block)
    height = None if head is None else head["height"]
    return {"blocks": sealed, "rows": rows, "height": height, "capped": capped}


def _flat(result: dict[str, Any]) -> dict[str, Any]:
    """The scalar fields of a result, for the log line."""
    return {k: v for k, v in result.items() if isinstance(v, int | str | bool)}
