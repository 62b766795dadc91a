"""Use cases: verify the ledger (balances against the journal, transfers balanced, holds open), whole
or a chunk at a time.

`verify_ledger` checks everything in one snapshot. `verify_part` checks the next `limit` accounts (phase
`accounts`) or transfers (phase `transfers`) after a given id, each part in its own snapshot: every check
concerns one account or one transfer, so the parts of a large ledger add up (`domain.verification.combine`)
and a job can record where it got to and resume there.

The rows stream through the `LedgerScan` port (server-side cursors in the app, `plpy.cursor` inside
PostgreSQL) into `domain.verification.LedgerVerifier`, which holds one account or one transfer at a
time: memory stays bounded whatever the size of the journal. Both scans read one snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID

from domain.errors import ValidationError
from domain.verification import (
    Discrepancy,
    JournalLine,
    LedgerVerifier,
    StoredAccount,
    TransferSums,
    VerificationReport,
)

ACCOUNTS = "accounts"
TRANSFERS = "transfers"
PHASES = (ACCOUNTS, TRANSFERS)
#: Most accounts or transfers one part may check.
MAX_PART = 100_000


class LedgerScan(Protocol):
    def snapshot(self) -> None:
        """Make the reads that follow see one consistent snapshot (call first)."""
        ...

    def journal(
        self, after_id: UUID | None = None, limit: int | None = None
    ) -> Iterable[tuple[StoredAccount, JournalLine | None]]:
        """Each account (the first `limit` with an id above `after_id`; all by default) with each of its
        entries, in (account id, seq) order; an account without entries once, with None."""
        ...

    def transfer_sums(self, after_id: UUID | None = None, limit: int | None = None) -> Iterable[TransferSums]:
        """Debits and credits per transfer (the first `limit` with an id above `after_id`; all by
        default), layer and asset, in transfer id order; a transfer without entries once, with layer and
        asset None."""
        ...

    def counts(self) -> tuple[int, int]:
        """How many accounts and transfers the ledger holds."""
        ...


class VerificationUnitOfWork(Protocol):
    ledger_scan: LedgerScan

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def verify_ledger(uow: VerificationUnitOfWork) -> VerificationReport:
    """Recompute and check everything; the report lists what disagrees (nothing is changed)."""
    verifier = LedgerVerifier()
    with uow:
        uow.ledger_scan.snapshot()
        for account, line in uow.ledger_scan.journal():
            verifier.journal_row(account, line)
        for sums in uow.ledger_scan.transfer_sums():
            verifier.transfer_row(sums)
    return verifier.report()


@dataclass(frozen=True, slots=True)
class VerificationPart:
    """What one part checked: its report, the last id it checked (None: nothing was left), whether the
    phase is complete, and on the first part of the `accounts` phase the ledger's (accounts, transfers)."""

    phase: str
    report: VerificationReport
    last_id: UUID | None
    complete: bool
    totals: tuple[int, int] | None = None


def verify_part(
    uow: VerificationUnitOfWork, phase: str, after_id: UUID | None, limit: int
) -> VerificationPart:
    """Check the next `limit` accounts or transfers after `after_id` (None: from the first)."""
    if phase not in PHASES:
        raise ValidationError.of("phase", f"must be one of {', '.join(PHASES)}")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PART:
        raise ValidationError.of("limit", f"must be an integer from 1 to {MAX_PART}")
    verifier = LedgerVerifier()
    last: UUID | None = None
    with uow:
        uow.ledger_scan.snapshot()
        totals = uow.ledger_scan.counts() if phase == ACCOUNTS and after_id is None else None
        if phase == ACCOUNTS:
            for account, line in uow.ledger_scan.journal(after_id, limit):
                verifier.journal_row(account, line)
                last = account.id
        else:
            for sums in uow.ledger_scan.transfer_sums(after_id, limit):
                verifier.transfer_row(sums)
                last = sums.transfer_id
    report = verifier.report()
    checked = report.accounts if phase == ACCOUNTS else report.transfers
    return VerificationPart(phase, report, last, complete=checked < limit, totals=totals)


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
    }


def part_from_dict(data: Mapping[str, Any]) -> VerificationPart:
    totals = data["totals"]
    return VerificationPart(
        phase=data["phase"],
        report=report_from_dict(data["report"]),
        last_id=None if data["last_id"] is None else UUID(data["last_id"]),
        complete=bool(data["complete"]),
        totals=None if totals is None else (int(totals[0]), int(totals[1])),
    )


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
