"""Use case: verify the whole ledger (balances against the journal, transfers balanced, holds open).

The rows stream through the `LedgerScan` port (server-side cursors in the app, `plpy.cursor` inside
PostgreSQL) into `domain.verification.LedgerVerifier`, which holds one account or one transfer at a
time: memory stays bounded whatever the size of the journal. Both scans read one snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Protocol, Self

from domain.verification import (
    Discrepancy,
    JournalLine,
    LedgerVerifier,
    StoredAccount,
    TransferSums,
    VerificationReport,
)


class LedgerScan(Protocol):
    def snapshot(self) -> None:
        """Make the reads that follow see one consistent snapshot (call first)."""
        ...

    def journal(self) -> Iterable[tuple[StoredAccount, JournalLine | None]]:
        """Every account with each of its entries, in (account id, seq) order; an account without
        entries once, with None."""
        ...

    def transfer_sums(self) -> Iterable[TransferSums]:
        """Debits and credits per transfer, layer and asset, in transfer id order; a transfer without
        entries once, with layer and asset None."""
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
