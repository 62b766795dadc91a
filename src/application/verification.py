"""Use cases: verify the ledger (balances against the journal, transfers balanced, holds open), whole
or a chunk at a time.

`verify_ledger` checks everything in one snapshot. `verify_part` checks the next `limit` accounts (phase
`accounts`) or transfers (phase `transfers`) after a given id, each part in its own snapshot: every check
concerns one account or one transfer, so the parts of a large ledger add up (`domain.verification.combine`)
and a job can record where it got to and resume there. A part of the `accounts` phase also reads at most
`max_rows` journal rows, so its cost is bounded whatever one account holds: when it stops inside an account,
the part carries that account's `AccountProgress` and the next part (given it back) resumes at the next entry,
asking the scan, in its own snapshot, which of the account's earlier holds are still open
(`domain.verification` explains why).

The rows stream through the `LedgerScan` port a page at a time (server-side cursors in the app,
`plpy.cursor` inside PostgreSQL), as plain tuples, into `domain.verification.LedgerVerifier`, which holds
one account or one transfer at a time: memory stays bounded whatever the size of the journal. Both scans
read one snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable
from uuid import UUID

from domain.errors import ValidationError
from domain.verification import (
    AccountProgress,
    Discrepancy,
    JournalLine,
    JournalRow,
    LedgerVerifier,
    StoredAccount,
    TransferRow,
    TransferSums,
    VerificationReport,
    journal_tuple,
    transfer_tuple,
)

ACCOUNTS = "accounts"
TRANSFERS = "transfers"
PHASES = (ACCOUNTS, TRANSFERS)
#: Most accounts or transfers one part may check.
MAX_PART = 100_000
#: Most journal rows one part of the `accounts` phase may read, and how many it reads by default.
MAX_PART_ROWS = 1_000_000
PART_ROWS = 100_000


@runtime_checkable
class LedgerScan(Protocol):
    def snapshot(self) -> None:
        """Make the reads that follow see one consistent snapshot (call first)."""
        ...

    def journal_pages(
        self,
        after_id: UUID | None = None,
        limit: int | None = None,
        *,
        resume_seq: int | None = None,
        max_rows: int | None = None,
    ) -> Iterable[Sequence[JournalRow]]:
        """The journal rows (`domain.verification.JournalRow`), a page at a time, of each account (the
        first `limit` with an id above `after_id`; all by default): one row per entry, in (account id, seq)
        order, or one for an account without entries; the account's columns on its first row. With
        `resume_seq`, the rows start with the account `after_id` itself, from its entries after
        `resume_seq` (one row if it has no more). At most `max_rows` rows in all (None: no limit)."""
        ...

    def transfer_sum_pages(
        self, after_id: UUID | None = None, limit: int | None = None
    ) -> Iterable[Sequence[TransferRow]]:
        """Debits and credits per transfer (the first `limit` with an id above `after_id`; all by
        default), layer and asset (`domain.verification.TransferRow`), in transfer id order, a page at a
        time; a transfer without entries once, with layer and asset None."""
        ...

    def counts(self) -> tuple[int, int]:
        """How many accounts and transfers the ledger holds."""
        ...

    def open_holds(self, account_id: UUID, through_seq: int) -> tuple[int, int]:
        """The pending debits and credits of the account's holds (pending entries) numbered up to
        `through_seq` whose transfer is still pending."""
        ...


class RowLedgerScan(Protocol):
    """A ledger scan that hands over rows as objects, one at a time (the in-memory fake of the tests):
    as `LedgerScan`, with `journal` and `transfer_sums` for its pages. Its rows become one-row pages."""

    def snapshot(self) -> None: ...

    def journal(
        self,
        after_id: UUID | None = None,
        limit: int | None = None,
        *,
        resume_seq: int | None = None,
        max_rows: int | None = None,
    ) -> Iterable[tuple[StoredAccount, JournalLine | None]]: ...

    def transfer_sums(
        self, after_id: UUID | None = None, limit: int | None = None
    ) -> Iterable[TransferSums]: ...

    def counts(self) -> tuple[int, int]: ...

    def open_holds(self, account_id: UUID, through_seq: int) -> tuple[int, int]: ...


class VerificationUnitOfWork(Protocol):
    ledger_scan: LedgerScan | RowLedgerScan

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def _journal_pages(
    scan: LedgerScan | RowLedgerScan,
    after_id: UUID | None = None,
    limit: int | None = None,
    *,
    resume_seq: int | None = None,
    max_rows: int | None = None,
) -> Iterable[Sequence[JournalRow]]:
    if isinstance(scan, LedgerScan):
        return scan.journal_pages(after_id, limit, resume_seq=resume_seq, max_rows=max_rows)
    rows = scan.journal(after_id, limit, resume_seq=resume_seq, max_rows=max_rows)
    return ((journal_tuple(account, line),) for account, line in rows)


def _transfer_sum_pages(
    scan: LedgerScan | RowLedgerScan, after_id: UUID | None = None, limit: int | None = None
) -> Iterable[Sequence[TransferRow]]:
    if isinstance(scan, LedgerScan):
        return scan.transfer_sum_pages(after_id, limit)
    return ((transfer_tuple(sums),) for sums in scan.transfer_sums(after_id, limit))


def verify_ledger(uow: VerificationUnitOfWork) -> VerificationReport:
    """Recompute and check everything; the report lists what disagrees (nothing is changed)."""
    verifier = LedgerVerifier()
    with uow:
        uow.ledger_scan.snapshot()
        for page in _journal_pages(uow.ledger_scan):
            verifier.journal_page(page)
        for sums in _transfer_sum_pages(uow.ledger_scan):
            verifier.transfer_page(sums)
    return verifier.report()


@dataclass(frozen=True, slots=True)
class VerificationPart:
    """What one part checked: its report, the last id it checked (None: nothing was left), whether the
    phase is complete, on the first part of the `accounts` phase the ledger's (accounts, transfers), and
    when the part stopped inside the account `last_id`, how far it got (pass it to the next part)."""

    phase: str
    report: VerificationReport
    last_id: UUID | None
    complete: bool
    totals: tuple[int, int] | None = None
    progress: AccountProgress | None = None


def _count(name: str, value: object, most: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= most:
        raise ValidationError.of(name, f"must be an integer from 1 to {most:,}")
    return value


def verify_part(
    uow: VerificationUnitOfWork,
    phase: str,
    after_id: UUID | None,
    limit: int,
    *,
    progress: AccountProgress | None = None,
    max_rows: int = PART_ROWS,
) -> VerificationPart:
    """Check the next `limit` accounts or transfers after `after_id` (None: from the first), reading at
    most `max_rows` journal rows; with `progress` (from the previous part), continue inside that account."""
    if phase not in PHASES:
        raise ValidationError.of("phase", f"must be one of {', '.join(PHASES)}")
    _count("limit", limit, MAX_PART)
    _count("max_rows", max_rows, MAX_PART_ROWS)
    if progress is not None and (phase != ACCOUNTS or progress.account_id != after_id):
        raise ValidationError.of("progress", "resumes the account after_id of the accounts phase only")
    with uow:
        scan = uow.ledger_scan
        scan.snapshot()
        totals = scan.counts() if phase == ACCOUNTS and after_id is None else None
        if progress is None:
            verifier = LedgerVerifier()
        else:
            resumed = progress
            verifier = LedgerVerifier(
                resume=resumed, earlier_holds=lambda: scan.open_holds(resumed.account_id, resumed.seq)
            )
        if phase == ACCOUNTS:
            resume_seq = None if progress is None else progress.seq
            for page in _journal_pages(scan, after_id, limit, resume_seq=resume_seq, max_rows=max_rows):
                verifier.journal_page(page)
            last, seen = verifier.last_account_id, verifier.accounts_seen
        else:
            for sums in _transfer_sum_pages(scan, after_id, limit):
                verifier.transfer_page(sums)
            last, seen = verifier.last_transfer_id, 0
        # A full budget may have stopped inside the last account (unless its last row said it had no
        # more). Finishing the last account may read its earlier holds: in this snapshot.
        stopped = verifier.journal_rows >= max_rows
        paused = verifier.pause() if stopped and verifier.ended_on_entry else None
        report = verifier.report()
    checked = seen if phase == ACCOUNTS else report.transfers
    complete = not stopped and checked < limit
    return VerificationPart(phase, report, last, complete=complete, totals=totals, progress=paused)


# --- as JSON (the in-database function's answer, and a job's result) ---------------------------


def report_to_dict(report: VerificationReport) -> dict[str, Any]:
    return {
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


def part_to_dict(part: VerificationPart) -> dict[str, Any]:
    return {
        "phase": part.phase,
        "report": report_to_dict(part.report),
        "last_id": None if part.last_id is None else str(part.last_id),
        "complete": part.complete,
        "totals": None if part.totals is None else list(part.totals),
        "progress": progress_to_dict(part.progress),
    }


def part_from_dict(data: Mapping[str, Any]) -> VerificationPart:
    totals = data["totals"]
    return VerificationPart(
        phase=data["phase"],
        report=report_from_dict(data["report"]),
        last_id=None if data["last_id"] is None else UUID(data["last_id"]),
        complete=bool(data["complete"]),
        totals=None if totals is None else (int(totals[0]), int(totals[1])),
        progress=progress_from_dict(data.get("progress")),
    )


def progress_to_dict(progress: AccountProgress | None) -> dict[str, Any] | None:
    """As JSON, amounts as decimal strings (they may exceed what a JSON reader's doubles hold)."""
    if progress is None:
        return None
    return {
        "account_id": str(progress.account_id),
        "seq": progress.seq,
        "posted_debits": str(progress.posted_debits),
        "posted_credits": str(progress.posted_credits),
    }


def progress_from_dict(data: Mapping[str, Any] | None) -> AccountProgress | None:
    if data is None:
        return None
    try:
        return AccountProgress(
            UUID(data["account_id"]),
            int(data["seq"]),
            int(data["posted_debits"]),
            int(data["posted_credits"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValidationError.of("progress", f"is not a verification progress: {error}") from error


def report_from_dict(data: Mapping[str, Any]) -> VerificationReport:
    return VerificationReport(
        accounts=int(data["accounts"]),
        entries=int(data["entries"]),
        transfers=int(data["transfers"]),
        discrepancy_count=int(data["discrepancy_count"]),
        discrepancies=tuple(
            Discrepancy(d["kind"], d["subject_id"], d["expected"], d["found"]) for d in data["discrepancies"]
        ),
    )
