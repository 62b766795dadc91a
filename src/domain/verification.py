"""Ledger verification: recompute every balance from the journal and check every transfer, streaming.

`LedgerVerifier` is fed two streams (whole, or a range of accounts or transfers at a time: each
account's and each transfer's checks need only its own rows, so a ledger can be checked in chunks and the
reports `combine`d) and keeps only one account (or one transfer) in memory at a time:
- the journal, as rows of (account with its stored balances, one of its entries or None) in
  (account id, seq) order; an account without entries comes once with None;
- per-transfer sums, as rows of (transfer, layer, asset, debits, credits) in transfer order; a
  transfer without entries comes once with layer and asset None.
It reports each discrepancy found, by kind:
- `balance_mismatch`: a stored balance (posted or pending, debits or credits) differs from the sum of
  the account's entries (pending counts only holds of transfers still pending);
- `last_seq_mismatch`, `seq_gap`: the entries do not number 1, 2, ... up to the stored `last_seq`;
- `balance_after_mismatch`: an entry's `balance_after` is not the running posted balance;
- `asset_mismatch`: an entry in another asset than its account's;
- `below_min_balance`: the recomputed available balance is below what `min_balance` allows;
- `unbalanced_transfer`: debits differ from credits for one transfer, layer and asset;
- `pending_without_hold`: a pending transfer with no hold (pending entries) left to release;
- `transfer_without_entries`: a transfer with no journal lines at all.

A part may also stop inside an account whose journal is too long for one part (a busy settlement account
can hold millions of entries): `pause()` hands back that account's `AccountProgress` instead of finishing
it, and the next part's verifier, built with `resume=` that progress, carries on from the next entry. Parts
read different snapshots of a live ledger, so only what cannot change is carried: the last seq checked and
the posted sums up to it (posted entries are immutable and always count). Holds can: a hold counts while
its transfer is pending, and the transfer may be posted, voided or expire between two parts. So the part
that finishes a resumed account asks `earlier_holds` for the holds up to the resumed seq that are still
open in its own snapshot, and checks the pending sums and the minimum balance against those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from uuid import UUID

from domain.accounts import Balances, Layer, Side
from domain.transfers import TransferStatus

#: Most discrepancies a report lists (all are counted).
MAX_LISTED = 1000


@dataclass(frozen=True, slots=True)
class StoredAccount:
    id: UUID
    asset: str
    normal_side: Side
    min_balance: int | None
    balances: Balances
    last_seq: int


@dataclass(frozen=True, slots=True)
class JournalLine:
    """One entry as verification sees it, with the status of its transfer."""

    account_id: UUID
    seq: int
    transfer_id: UUID
    layer: Layer
    side: Side
    amount: int
    asset: str
    balance_after: int
    transfer_status: TransferStatus


@dataclass(frozen=True, slots=True)
class AccountProgress:
    """How far a part got into one account: the last seq it checked and the posted sums up to it."""

    account_id: UUID
    seq: int
    posted_debits: int
    posted_credits: int


@dataclass(frozen=True, slots=True)
class TransferSums:
    """Debits and credits of one transfer on one layer in one asset (layer None: no entries)."""

    transfer_id: UUID
    status: TransferStatus
    layer: Layer | None
    asset: str | None
    debits: int
    credits: int


@dataclass(frozen=True, slots=True)
class Discrepancy:
    kind: str
    subject_id: str
    expected: str
    found: str


@dataclass(frozen=True, slots=True)
class VerificationReport:
    accounts: int
    entries: int
    transfers: int
    discrepancy_count: int
    discrepancies: tuple[Discrepancy, ...]

    @property
    def ok(self) -> bool:
        return self.discrepancy_count == 0


#: The pending debits and credits of a resumed account's holds up to its resumed seq that are still open.
EarlierHolds = Callable[[], tuple[int, int]]


@dataclass(slots=True)
class _AccountState:
    account: StoredAccount
    balances: Balances = field(default_factory=Balances)
    last_seq: int = 0
    earlier_holds: EarlierHolds | None = None


class LedgerVerifier:
    """Feed `journal_row` then `transfer_rows` (any number of calls), then read `report()`.

    With `resume`, the first journal row of that account continues its recomputation (it was counted by the
    part that paused it), and `earlier_holds` is asked once, when the account is finished; `pause()` ends a
    part inside the current account without finishing it."""

    def __init__(
        self,
        max_listed: int = MAX_LISTED,
        resume: AccountProgress | None = None,
        earlier_holds: EarlierHolds | None = None,
    ) -> None:
        if resume is not None and earlier_holds is None:
            raise ValueError("a resumed account needs its earlier holds")
        self._max_listed = max_listed
        self._resume = resume
        self._earlier_holds = earlier_holds
        self._found: list[Discrepancy] = []
        self._count = 0
        self._accounts = 0
        self._entries = 0
        self._transfers = 0
        self._account: _AccountState | None = None
        self._transfer: UUID | None = None
        self._transfer_status: TransferStatus | None = None
        self._transfer_has_hold = False

    def _report(self, kind: str, subject: object, expected: object, found: object) -> None:
        self._count += 1
        if len(self._found) < self._max_listed:
            self._found.append(Discrepancy(kind, str(subject), str(expected), str(found)))

    # --- the journal, account by account ---------------------------------------------------------
    def journal_row(self, account: StoredAccount, line: JournalLine | None) -> None:
        if self._account is None or self._account.account.id != account.id:
            self._finish_account()
            resume, self._resume = self._resume, None
            if resume is not None and resume.account_id == account.id:
                posted = Balances(resume.posted_debits, resume.posted_credits)
                self._account = _AccountState(account, posted, resume.seq, self._earlier_holds)
            else:
                self._account = _AccountState(account)
                self._accounts += 1
        if line is not None:
            self._entry(self._account, line)

    def _entry(self, state: _AccountState, line: JournalLine) -> None:
        self._entries += 1
        subject = f"{line.account_id}#{line.seq}"
        if line.seq != state.last_seq + 1:
            self._report("seq_gap", subject, state.last_seq + 1, line.seq)
        state.last_seq = line.seq
        if line.asset != state.account.asset:
            self._report("asset_mismatch", subject, state.account.asset, line.asset)
        if line.layer is Layer.POSTED or line.transfer_status is TransferStatus.PENDING:
            state.balances = _add(state.balances, line.layer, line.side, line.amount)
        posted = state.balances.posted(state.account.normal_side)
        if line.balance_after != posted:
            self._report("balance_after_mismatch", subject, posted, line.balance_after)

    def pause(self) -> AccountProgress | None:
        """Stop inside the current account (None: there is none): its end-of-account checks are left to
        the part that resumes it from the progress returned."""
        state, self._account = self._account, None
        if state is None:
            return None
        return AccountProgress(
            state.account.id, state.last_seq, state.balances.posted_debits, state.balances.posted_credits
        )

    def _finish_account(self) -> None:
        state, self._account = self._account, None
        if state is None:
            return
        if state.earlier_holds is not None:
            held_debits, held_credits = state.earlier_holds()
            b = state.balances
            state.balances = Balances(
                b.posted_debits,
                b.posted_credits,
                b.pending_debits + held_debits,
                b.pending_credits + held_credits,
            )
        account, found = state.account, state.account.balances
        for name in ("posted_debits", "posted_credits", "pending_debits", "pending_credits"):
            expected, stored = getattr(state.balances, name), getattr(found, name)
            if expected != stored:
                self._report("balance_mismatch", f"{account.id}.{name}", expected, stored)
        if state.last_seq != account.last_seq:
            self._report("last_seq_mismatch", account.id, state.last_seq, account.last_seq)
        available = state.balances.available(account.normal_side)
        if account.min_balance is not None and available < min(account.min_balance, 0):
            self._report("below_min_balance", account.id, f">= {min(account.min_balance, 0)}", available)

    # --- the transfers, by transfer id ---------------------------------------------------------------
    def transfer_row(self, row: TransferSums) -> None:
        if row.transfer_id != self._transfer:
            self._finish_transfer()
            self._transfer, self._transfer_status = row.transfer_id, row.status
            self._transfer_has_hold = False
            self._transfers += 1
        if row.layer is None:
            self._report("transfer_without_entries", row.transfer_id, "at least two entries", 0)
            return
        if row.layer is Layer.PENDING:
            self._transfer_has_hold = True
        if row.debits != row.credits:
            subject = f"{row.transfer_id}.{row.layer.value}.{row.asset}"
            self._report("unbalanced_transfer", subject, f"debits = credits = {row.debits}", row.credits)

    def _finish_transfer(self) -> None:
        pending = self._transfer_status is TransferStatus.PENDING
        if self._transfer is not None and pending and not self._transfer_has_hold:
            self._report("pending_without_hold", self._transfer, "a hold", "none")
        self._transfer = None

    def report(self) -> VerificationReport:
        self._finish_account()
        self._finish_transfer()
        return VerificationReport(
            accounts=self._accounts,
            entries=self._entries,
            transfers=self._transfers,
            discrepancy_count=self._count,
            discrepancies=tuple(self._found),
        )


def combine(reports: Iterable[VerificationReport], max_listed: int = MAX_LISTED) -> VerificationReport:
    """One report of several parts (checked in chunks): counts add up, discrepancies are listed in order
    up to `max_listed` (all are counted)."""
    parts = list(reports)
    listed = tuple(d for part in parts for d in part.discrepancies)[:max_listed]
    return VerificationReport(
        accounts=sum(p.accounts for p in parts),
        entries=sum(p.entries for p in parts),
        transfers=sum(p.transfers for p in parts),
        discrepancy_count=sum(p.discrepancy_count for p in parts),
        discrepancies=listed,
    )


def _add(balances: Balances, layer: Layer, side: Side, amount: int) -> Balances:
    name = f"{layer.value}_{side.value}s"
    values = {n: getattr(balances, n) for n in Balances.__dataclass_fields__}
    values[name] += amount
    return Balances(**values)
