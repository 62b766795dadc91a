"""Ledger verification: recompute every balance from the journal and check every transfer, streaming.

`LedgerVerifier` is fed two streams (whole, or a range of accounts or transfers at a time: each
account's and each transfer's checks need only its own rows, so a ledger can be checked in chunks and the
reports `combine`d) a page of rows at a time, and keeps only one account (or one transfer) in memory:
- the journal (`journal_page`), as `JournalRow`s in (account id, seq) order: each row is one of the
  account's entries, or the account alone when it has no entries; the account's own columns come on its
  first row (a row without them, or with those of the current account, continues it);
- per-transfer sums (`transfer_page`), as `TransferRow`s in transfer order: one per transfer, layer and
  asset; a transfer without entries comes once with layer and asset None.
Rows are plain tuples (text, int, None): amounts are ints or their decimal digits as text, ids are text;
the current account lives in plain ints, and objects and strings are built only for what is reported.
`journal_row` and `transfer_row` take the same rows as `StoredAccount`/`JournalLine` and `TransferSums`.

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
open in its own snapshot (once), and checks the pending sums and the minimum balance against those.

The page loops below are the specification. The Rust kernel (`domain.kernel`: `verify_journal_page`,
`verify_transfer_page`) implements them again over the same state, in `i128`; when it is absent, or a page
holds what it does not take exactly (an amount or a sum outside `i128`, an unexpected value), it answers
None and the page runs here, from the same state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain import kernel
from domain.accounts import Balances, Layer, Side
from domain.transfers import TransferStatus

#: Most discrepancies a report lists (all are counted).
MAX_LISTED = 1000

#: An amount as a scan hands it over: an int, or its decimal digits as text (NUMERIC read exactly).
Amount = int | str

#: An account's own columns, by position (`ACCOUNT_COLUMNS`), as its first journal row carries them.
AccountColumns = Sequence[str | int | None]
ACCOUNT_COLUMNS = (
    "id",
    "asset",
    "normal_side",
    "min_balance",
    "posted_debits",
    "posted_credits",
    "pending_debits",
    "pending_credits",
    "last_seq",
)
#: One row of the journal, by position (`JOURNAL_COLUMNS`): the account's columns (None but on its first
#: row), then the entry's (all None: the account has no entries). `last_seq`, like the amounts, may come as
#: text. `transfer_status` matters only for a hold (it counts while its transfer is pending); it may be None
#: for a posted entry.
JournalRow = tuple[
    AccountColumns | None,  # account
    int | None,  # seq
    str | None,  # layer
    str | None,  # side
    Amount | None,  # amount
    str | None,  # entry_asset
    Amount | None,  # balance_after
    str | None,  # transfer_status
]
JOURNAL_COLUMNS = (
    "account",
    "seq",
    "layer",
    "side",
    "amount",
    "entry_asset",
    "balance_after",
    "transfer_status",
)
#: Debits and credits of one transfer on one layer in one asset (layer and asset None: no entries).
TransferRow = tuple[str, str, str | None, str | None, Amount, Amount]
TRANSFER_COLUMNS = ("transfer_id", "status", "layer", "asset", "debits", "credits")

_BALANCES = ("posted_debits", "posted_credits", "pending_debits", "pending_credits")


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


def journal_tuple(account: StoredAccount, line: JournalLine | None) -> JournalRow:
    """The journal row of an account and one of its entries (None: it has none), its columns all given."""
    b = account.balances
    columns = (
        str(account.id),
        account.asset,
        str(account.normal_side),
        account.min_balance,
        b.posted_debits,
        b.posted_credits,
        b.pending_debits,
        b.pending_credits,
        account.last_seq,
    )
    if line is None:
        return (columns, None, None, None, None, None, None, None)
    return (
        columns,
        line.seq,
        str(line.layer),
        str(line.side),
        line.amount,
        line.asset,
        line.balance_after,
        str(line.transfer_status),
    )


def transfer_tuple(sums: TransferSums) -> TransferRow:
    layer = None if sums.layer is None else str(sums.layer)
    return (str(sums.transfer_id), str(sums.status), layer, sums.asset, sums.debits, sums.credits)


# --- the state of a scan: plain values, handed to the kernel and back as a tuple ---------------------
# The order of the fields is the kernel's (rust/razao_kernel/src/verification.rs reads what `pack` gives and
# answers a tuple in the same order, which builds the state again).


@dataclass(slots=True)
class _Journal:
    account: str | None = None  # the account being checked (None: none)
    asset: str = ""
    credit: bool = False  # credit-normal
    min_balance: int | None = None
    stored_pd: int = 0  # its stored balances and last seq
    stored_pc: int = 0
    stored_qd: int = 0
    stored_qc: int = 0
    stored_last_seq: int = 0
    pd: int = 0  # the sums recomputed so far: posted and pending debits and credits
    pc: int = 0
    qd: int = 0
    qc: int = 0
    last_seq: int = 0
    resumed: bool = False  # it continues a paused account: its earlier holds count when it is finished
    resume: tuple[str, int, int, int] | None = None  # (account, seq, posted debits, credits) to resume
    accounts: int = 0  # accounts begun here (a resumed one is not)
    seen: int = 0  # accounts met, a resumed one too
    entries: int = 0
    rows: int = 0
    on_entry: bool = False  # the last row was an entry (the part may have stopped inside its account)
    last_account: str | None = None

    def pack(self) -> tuple[Any, ...]:
        return (
            self.account,
            self.asset,
            self.credit,
            self.min_balance,
            self.stored_pd,
            self.stored_pc,
            self.stored_qd,
            self.stored_qc,
            self.stored_last_seq,
            self.pd,
            self.pc,
            self.qd,
            self.qc,
            self.last_seq,
            self.resumed,
            self.resume,
            self.accounts,
            self.seen,
            self.entries,
            self.rows,
            self.on_entry,
            self.last_account,
        )


@dataclass(slots=True)
class _Transfers:
    transfer: str | None = None  # the transfer being checked (None: none)
    pending: bool = False  # its status is pending
    has_hold: bool = False  # it has pending entries
    transfers: int = 0
    last: str | None = None

    def pack(self) -> tuple[Any, ...]:
        return (self.transfer, self.pending, self.has_hold, self.transfers, self.last)


Report = Callable[[str, object, object, object], None]


class _Once:
    """`earlier_holds`, asked at most once (a page the kernel gave up on runs again here)."""

    __slots__ = ("_answer", "_ask")

    def __init__(self, ask: EarlierHolds) -> None:
        self._ask = ask
        self._answer: tuple[int, int] | None = None

    def __call__(self) -> tuple[int, int]:
        if self._answer is None:
            self._answer = self._ask()
        return self._answer


def _no_holds() -> tuple[int, int]:
    raise AssertionError("only a resumed account has earlier holds")


class LedgerVerifier:
    """Feed `journal_page` then `transfer_page` (any number of calls; or `journal_row`/`transfer_row`), then
    read `report()`.

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
        self._found: list[Discrepancy] = []
        self._count = 0
        self._journal = _Journal()
        if resume is not None:
            carried = (str(resume.account_id), resume.seq, resume.posted_debits, resume.posted_credits)
            self._journal.resume = carried
        self._holds: EarlierHolds = _no_holds if earlier_holds is None else _Once(earlier_holds)
        self._transfers = _Transfers()

    def _report(self, kind: str, subject: object, expected: object, found: object) -> None:
        self._count += 1
        if len(self._found) < self._max_listed:
            self._found.append(Discrepancy(kind, str(subject), str(expected), str(found)))

    def _reported(self, found: list[tuple[str, str, str, str]], count: int) -> None:
        """What the kernel found on a page: `count` discrepancies, the first ones there was room for."""
        self._count += count
        self._found.extend(Discrepancy(*d) for d in found)

    @property
    def _room(self) -> int:
        return max(self._max_listed - len(self._found), 0)

    # --- the journal, account by account ---------------------------------------------------------
    def journal_page(self, rows: Sequence[JournalRow]) -> None:
        native = kernel.native()
        check = getattr(native, "verify_journal_page", None)
        if check is not None:
            done = check(self._journal.pack(), rows, self._room, self._holds)
            if done is not None:
                state, found, count = done
                self._journal = _Journal(*state)
                self._reported(found, count)
                return
        _journal_page(self._journal, rows, self._report, self._holds)

    def journal_row(self, account: StoredAccount, line: JournalLine | None) -> None:
        self.journal_page((journal_tuple(account, line),))

    def pause(self) -> AccountProgress | None:
        """Stop inside the current account (None: there is none): its end-of-account checks are left to
        the part that resumes it from the progress returned."""
        state = self._journal
        if state.account is None:
            return None
        progress = AccountProgress(UUID(state.account), state.last_seq, state.pd, state.pc)
        state.account = None
        return progress

    @property
    def journal_rows(self) -> int:
        """Journal rows read so far."""
        return self._journal.rows

    @property
    def accounts_seen(self) -> int:
        """Accounts met in the journal so far, a resumed one too."""
        return self._journal.seen

    @property
    def last_account_id(self) -> UUID | None:
        last = self._journal.last_account
        return None if last is None else UUID(last)

    @property
    def ended_on_entry(self) -> bool:
        """Whether the last journal row read was an entry (not an account without entries)."""
        return self._journal.on_entry

    # --- the transfers, by transfer id ---------------------------------------------------------------
    def transfer_page(self, rows: Sequence[TransferRow]) -> None:
        native = kernel.native()
        check = getattr(native, "verify_transfer_page", None)
        if check is not None:
            done = check(self._transfers.pack(), rows, self._room)
            if done is not None:
                state, found, count = done
                self._transfers = _Transfers(*state)
                self._reported(found, count)
                return
        _transfer_page(self._transfers, rows, self._report)

    def transfer_row(self, row: TransferSums) -> None:
        self.transfer_page((transfer_tuple(row),))

    @property
    def last_transfer_id(self) -> UUID | None:
        last = self._transfers.last
        return None if last is None else UUID(last)

    def report(self) -> VerificationReport:
        _finish_account(self._journal, self._report, self._holds)
        _finish_transfer(self._transfers, self._report)
        return VerificationReport(
            accounts=self._journal.accounts,
            entries=self._journal.entries,
            transfers=self._transfers.transfers,
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


# --- the reference: one page at a time -------------------------------------------------------------


def _credit_normal(normal_side: object) -> bool:
    if normal_side == "credit":
        return True
    if normal_side == "debit":
        return False
    raise ValueError(f"{normal_side!r} is not a normal side")


def _journal_page(s: _Journal, rows: Iterable[JournalRow], report: Report, holds: EarlierHolds) -> None:
    for columns, seq, layer, side, amount, entry_asset, balance_after, status in rows:
        s.rows += 1
        if columns is not None and columns[0] != s.account:
            _finish_account(s, report, holds)
            account, asset, normal, least, spd, spc, sqd, sqc, slast = columns
            s.account = s.last_account = str(account)
            s.asset, s.credit = str(asset), _credit_normal(normal)
            s.min_balance = None if least is None else int(least)
            s.stored_pd, s.stored_pc = int(spd), int(spc)  # type: ignore[arg-type]
            s.stored_qd, s.stored_qc = int(sqd), int(sqc)  # type: ignore[arg-type]
            s.stored_last_seq = int(slast)  # type: ignore[arg-type]
            s.seen += 1
            resume, s.resume = s.resume, None
            if resume is not None and resume[0] == s.account:
                s.last_seq, s.pd, s.pc, s.qd, s.qc, s.resumed = resume[1], resume[2], resume[3], 0, 0, True
            else:
                s.last_seq, s.pd, s.pc, s.qd, s.qc, s.resumed = 0, 0, 0, 0, 0, False
                s.accounts += 1
        elif s.account is None:
            raise ValueError("a journal row continues no account")
        s.on_entry = seq is not None
        if seq is None:
            continue
        s.entries += 1
        if seq != s.last_seq + 1:
            report("seq_gap", f"{s.account}#{seq}", s.last_seq + 1, seq)
        s.last_seq = seq
        if entry_asset != s.asset:
            report("asset_mismatch", f"{s.account}#{seq}", s.asset, entry_asset)
        if side != "debit" and side != "credit":
            raise ValueError(f"{side!r} is not a side")
        if layer == "posted":
            if side == "debit":
                s.pd += int(amount)  # type: ignore[arg-type]
            else:
                s.pc += int(amount)  # type: ignore[arg-type]
        elif layer != "pending":
            raise ValueError(f"{layer!r} is not a layer")
        elif status == "pending":
            if side == "debit":
                s.qd += int(amount)  # type: ignore[arg-type]
            else:
                s.qc += int(amount)  # type: ignore[arg-type]
        posted = s.pc - s.pd if s.credit else s.pd - s.pc
        if (found := int(balance_after)) != posted:  # type: ignore[arg-type]
            report("balance_after_mismatch", f"{s.account}#{seq}", posted, found)


def _finish_account(s: _Journal, report: Report, holds: EarlierHolds) -> None:
    account, s.account = s.account, None
    if account is None:
        return
    qd, qc = s.qd, s.qc
    if s.resumed:
        held_debits, held_credits = holds()
        qd, qc = qd + held_debits, qc + held_credits
    recomputed = (s.pd, s.pc, qd, qc)
    stored = (s.stored_pd, s.stored_pc, s.stored_qd, s.stored_qc)
    for name, expected, found in zip(_BALANCES, recomputed, stored, strict=True):
        if expected != found:
            report("balance_mismatch", f"{account}.{name}", expected, found)
    if s.last_seq != s.stored_last_seq:
        report("last_seq_mismatch", account, s.last_seq, s.stored_last_seq)
    available = s.pc - s.pd - qd if s.credit else s.pd - s.pc - qc
    if s.min_balance is not None and available < (floor := min(s.min_balance, 0)):
        report("below_min_balance", account, f">= {floor}", available)


def _transfer_page(t: _Transfers, rows: Iterable[TransferRow], report: Report) -> None:
    for transfer, status, layer, asset, debits, credits in rows:
        if transfer != t.transfer:
            _finish_transfer(t, report)
            t.transfer, t.last, t.pending, t.has_hold = transfer, transfer, status == "pending", False
            t.transfers += 1
        if layer is None:
            report("transfer_without_entries", transfer, "at least two entries", 0)
            continue
        if layer == "pending":
            t.has_hold = True
        elif layer != "posted":
            raise ValueError(f"{layer!r} is not a layer")
        if (d := int(debits)) != (c := int(credits)):
            report("unbalanced_transfer", f"{transfer}.{layer}.{asset}", f"debits = credits = {d}", c)


def _finish_transfer(t: _Transfers, report: Report) -> None:
    transfer, t.transfer = t.transfer, None
    if transfer is not None and t.pending and not t.has_hold:
        report("pending_without_hold", transfer, "a hold", "none")
