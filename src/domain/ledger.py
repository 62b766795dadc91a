"""The ledger's operations on locked accounts: create, post, void, expire and reverse transfers.

These functions are the whole of the write path's decision-making. The caller (an application use case
in the app, or a PL/Python entry point inside PostgreSQL) loads and locks what they need, calls one of
them, and stores the returned transfer and entries. Nothing is changed unless every rule holds: new
balances are computed first, checked, and only then assigned to the accounts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import ModuleType
from typing import cast
from uuid import UUID

from domain import kernel
from domain.accounts import Account, Balances, Layer, Side
from domain.errors import (
    AccountNotFound,
    AssetMismatch,
    DomainError,
    InvalidState,
    NotFound,
    UnbalancedTransfer,
    ValidationError,
)
from domain.periods import ClosedPeriods
from domain.transfers import (
    Entry,
    Posting,
    ReversalRequest,
    Transfer,
    TransferRequest,
    TransferStatus,
    posted_amount,
)
from domain.values import check_timestamp

MAX_BATCH = 1000
#: The most requests one `post_each` call takes (the bulk endpoint's limit; groups are smaller).
MAX_EACH = 10_000


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one operation: the transfer, the journal lines written, and whether it was a
    replay of an earlier identical request (in which case nothing was written)."""

    transfer: Transfer
    entries: tuple[Entry, ...] = ()
    replayed: bool = False


# --- movements ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Move:
    account: Account
    layer: Layer
    side: Side
    delta: int  # negative releases a hold
    line: int


#: Index of each (layer, side) running sum in `Balances`' field order.
_SUM = {
    (Layer.POSTED, Side.DEBIT): 0,
    (Layer.POSTED, Side.CREDIT): 1,
    (Layer.PENDING, Side.DEBIT): 2,
    (Layer.PENDING, Side.CREDIT): 3,
}


def _apply(moves: Sequence[_Move], transfer_id: UUID, at: datetime) -> tuple[Entry, ...]:
    """Check then apply `moves`: every balance is computed and checked before any account changes.

    Returns one journal entry per positive move (releasing a hold writes no entry: the hold's own
    entry stops counting once its transfer is no longer pending). The running sums are plain integers
    per account, and each account gets one new `Balances` at the end, however many moves touch it.
    """
    # Keyed by object identity (hashing a UUID runs Python code): the moves of one operation refer to
    # one object per account.
    sums: dict[int, list[int]] = {}
    accounts: dict[int, Account] = {}
    for move in moves:
        acc = move.account
        running = sums.get(id(acc))
        if running is None:
            accounts[id(acc)] = acc
            running = sums[id(acc)] = list(acc.balances.sums())
        index = _SUM[move.layer, move.side]
        running[index] += move.delta
        if running[index] < 0:
            raise _negative(move.layer, move.side)
    after = {key: Balances(*running) for key, running in sums.items()}
    for key, account in accounts.items():
        account.ensure_within_limit(account.balances, after[key])

    entries: list[Entry] = []
    posted = {key: account.posted_balance for key, account in accounts.items()}
    for move in moves:
        acc = move.account
        if move.layer is Layer.POSTED:
            posted[id(acc)] += move.delta if move.side is acc.normal_side else -move.delta
        if move.delta <= 0:
            continue
        acc.last_seq += 1
        entries.append(
            Entry(
                transfer_id,
                acc.id,
                acc.last_seq,
                move.layer,
                move.side,
                move.delta,
                acc.asset.code,
                posted[id(acc)],
                at,
                move.line,
            )
        )
    for key, account in accounts.items():
        account.balances = after[key]
    return tuple(entries)


def _negative(layer: Layer, side: Side) -> InvalidState:
    return InvalidState(f"{layer.value}_{side.value}s would become negative")


def _resolve(postings: Sequence[Posting], accounts: Mapping[UUID, Account]) -> list[Account]:
    resolved = []
    for index, posting in enumerate(postings):
        account = accounts.get(posting.account_id)
        if account is None:
            raise AccountNotFound(
                f"account {posting.account_id} does not exist",
                account_id=str(posting.account_id),
                posting=index,
            )
        if posting.asset is not None and posting.asset != account.asset.code:
            raise AssetMismatch(
                f"posting {index} is in {posting.asset} but account {account.code} holds "
                f"{account.asset.code}",
                posting=index,
                account_id=str(account.id),
            )
        account.ensure_accepts_postings()
        resolved.append(account)
    return resolved


def _plainly_balanced(postings: Sequence[Posting], accounts: Sequence[Account]) -> bool:
    """The common case, decided cheaply: one asset, debits equal to credits, no account on both sides.
    False sends the postings through the full check, which names what is wrong (if anything is)."""
    asset = accounts[0].asset.code
    net = 0
    sides: dict[int, Side] = {}  # by object identity: `accounts` holds one object per account
    for posting, account in zip(postings, accounts, strict=True):
        if account.asset.code != asset or sides.setdefault(id(account), posting.side) is not posting.side:
            return False
        net += posting.amount if posting.side is Side.DEBIT else -posting.amount
    return net == 0


def _check_balanced(postings: Sequence[Posting], accounts: Sequence[Account]) -> None:
    if _plainly_balanced(postings, accounts):
        return
    sums: dict[str, dict[Side, int]] = defaultdict(lambda: {Side.DEBIT: 0, Side.CREDIT: 0})
    sides: dict[str, dict[UUID, set[Side]]] = defaultdict(lambda: defaultdict(set))
    for posting, account in zip(postings, accounts, strict=True):
        sums[account.asset.code][posting.side] += posting.amount
        sides[account.asset.code][account.id].add(posting.side)
    unbalanced = {a: s for a, s in sums.items() if s[Side.DEBIT] != s[Side.CREDIT]}
    if unbalanced:
        if len(sums) > 1 and any(0 in s.values() for s in unbalanced.values()):
            raise AssetMismatch(
                "the postings span " + ", ".join(sorted(sums)) + " and each asset must balance on "
                "its own; use accounts of one asset, or add the counter-postings of each asset",
                assets=sorted(sums),
            )
        asset, s = next(iter(sorted(unbalanced.items())))
        raise UnbalancedTransfer(
            f"{asset} debits ({s[Side.DEBIT]}) differ from credits ({s[Side.CREDIT]})",
            asset=asset,
            debits=s[Side.DEBIT],
            credits=s[Side.CREDIT],
        )
    for by_account in sides.values():
        for account_id, used in by_account.items():
            if len(used) > 1:
                raise ValidationError.of("postings", f"account {account_id} is on both sides of the transfer")


# --- creating transfers ------------------------------------------------------------------------


def _checked(
    request: TransferRequest, accounts: Mapping[UUID, Account], closed: ClosedPeriods | None = None
) -> list[Account]:
    """The accounts of `request`'s postings, once they may take them, the request takes effect outside
    the `closed` periods (None: none can be closed, see `domain.periods.may_be_closed`) and the
    postings balance."""
    resolved = _resolve(request.postings, accounts)
    if closed is not None and request.effective_at is not None:
        _ensure_open(closed, request.effective_at, resolved, request.id)
    _check_balanced(request.postings, resolved)
    return resolved


def _ensure_open(
    closed: ClosedPeriods, effective_at: datetime, accounts: Sequence[Account], transfer_id: UUID
) -> None:
    """Refuse (`period_closed`) entries on `accounts` taking effect at `effective_at` in a closed period."""
    for asset in sorted({account.asset.code for account in accounts}):
        closed.ensure_open(effective_at, asset, transfer_id=transfer_id)


def _transfer(
    request: TransferRequest,
    resolved: Sequence[Account],
    at: datetime,
    fingerprint: str,
    reverses_id: UUID | None = None,
) -> Transfer:
    postings = tuple(
        Posting(p.account_id, p.side, p.amount, account.asset.code)
        for p, account in zip(request.postings, resolved, strict=True)
    )
    return Transfer(
        id=request.id,
        postings=postings,
        status=TransferStatus.PENDING if request.pending else TransferStatus.POSTED,
        two_phase=request.pending,
        description=request.description,
        metadata=request.metadata,
        effective_at=request.effective_at or at,
        created_at=at,
        fingerprint=fingerprint,
        timeout_at=(at + timedelta(seconds=request.timeout_seconds) if request.timeout_seconds else None),
        posted=() if request.pending else postings,
        reverses_id=reverses_id,
    )


def _book(
    request: TransferRequest,
    accounts: Mapping[UUID, Account],
    at: datetime,
    *,
    fingerprint: str,
    reverses_id: UUID | None = None,
    closed: ClosedPeriods | None = None,
) -> Outcome:
    resolved = _checked(request, accounts, closed)
    layer = Layer.PENDING if request.pending else Layer.POSTED
    moves = [
        _Move(account, layer, p.side, p.amount, line)
        for line, (p, account) in enumerate(zip(request.postings, resolved, strict=True))
    ]
    entries = _apply(moves, request.id, at)
    return Outcome(_transfer(request, resolved, at, fingerprint, reverses_id), entries)


# --- booking a batch with the kernel ----------------------------------------------------------


class _Batch:
    """Checked requests whose arithmetic the kernel decides in one call: `_apply`'s, transfer after
    transfer, on plain integers.

    The accounts are numbered in order of first use (slots) and described by their four running sums,
    normal side, minimum and last sequence number; each move is `slot * 4 + sum index` and an amount;
    `ends` says where each transfer's moves end.
    """

    __slots__ = ("accounts", "amounts", "credit", "ends", "mins", "moves", "queue", "seqs", "slots", "sums")

    def __init__(self) -> None:
        self.slots: dict[int, int] = {}  # by object identity, as in `_apply`
        self.accounts: list[Account] = []
        self.sums: list[int] = []
        self.credit: list[bool] = []
        self.mins: list[int | None] = []
        self.seqs: list[int] = []
        self.moves: list[int] = []
        self.amounts: list[int] = []
        self.ends: list[int] = []
        #: Per request: its place in the results, the request, its accounts, its fingerprint and its
        #: first move (a plain tuple: one is made per request).
        self.queue: list[tuple[int, TransferRequest, list[Account], str, int]] = []

    def add(self, place: int, request: TransferRequest, resolved: list[Account], fingerprint: str) -> None:
        """Queue the moves `_book` would apply for `request` (checked: `_checked`)."""
        layer = Layer.PENDING if request.pending else Layer.POSTED
        self.queue.append((place, request, resolved, fingerprint, len(self.moves)))
        for posting, account in zip(request.postings, resolved, strict=True):
            slot = self.slots.get(id(account))
            if slot is None:
                slot = self.slots[id(account)] = len(self.accounts)
                self.accounts.append(account)
                self.sums.extend(account.balances.sums())
                self.credit.append(account.normal_side is Side.CREDIT)
                self.mins.append(account.min_balance)
                self.seqs.append(account.last_seq)
            self.moves.append(4 * slot + _SUM[layer, posting.side])
            self.amounts.append(posting.amount)
        self.ends.append(len(self.moves))

    def book(
        self, native: ModuleType, at: datetime, *, each: bool
    ) -> dict[int, Outcome | DomainError] | None:
        """Each queued request's outcome or refusal by its place, the accounts changed accordingly; or
        None, the accounts untouched: an overflow, a refusal without `each`, a disagreement."""
        try:
            answer = native.apply_batch(
                self.sums, self.credit, self.mins, self.seqs, self.moves, self.amounts, self.ends, each
            )
        except OverflowError:  # an input outside the kernel's integers
            return None
        if answer is None:
            return None
        sums, seqs, move_seqs, balances_after, failures = answer
        if failures and not each:
            return None
        decided: dict[int, Outcome | DomainError] = {}
        width = native.APPLY_FAILURE_WIDTH
        for start in range(0, len(failures), width):
            failure = failures[start : start + width]
            place, request, _, _, first = self.queue[failure[0]]
            refusal = self._refusal(native, failure, request, first)
            if refusal is None:
                return None
            decided[place] = refusal
        for place, request, resolved, fingerprint, first in self.queue:
            if place in decided:
                continue
            layer = Layer.PENDING if request.pending else Layer.POSTED
            entries = tuple(
                Entry(
                    request.id,
                    account.id,
                    move_seqs[first + line],
                    layer,
                    p.side,
                    p.amount,
                    account.asset.code,
                    balances_after[first + line],
                    at,
                    line,
                )
                for line, (p, account) in enumerate(zip(request.postings, resolved, strict=True))
            )
            decided[place] = Outcome(_transfer(request, resolved, at, fingerprint), entries)
        for slot, account in enumerate(self.accounts):
            account.balances = Balances(*sums[4 * slot : 4 * slot + 4])
            account.last_seq = seqs[slot]
        return decided

    def _refusal(
        self, native: ModuleType, failure: list[int], request: TransferRequest, first: int
    ) -> DomainError | None:
        """The error `_apply` raises for a transfer the kernel refused (None: the reference would not)."""
        kind, where, before, after = failure[1], failure[2], failure[3:7], failure[7:11]
        if kind == native.APPLY_NEGATIVE:
            posting = request.postings[where - first]
            return _negative(Layer.PENDING if request.pending else Layer.POSTED, posting.side)
        if kind == native.APPLY_LIMIT:
            try:
                self.accounts[where].ensure_within_limit(Balances(*before), Balances(*after))
            except DomainError as refused:
                return refused
        return None


def _post_natively(
    native: ModuleType,
    requests: Sequence[TransferRequest],
    existing: Mapping[UUID, Transfer],
    accounts: Mapping[UUID, Account],
    at: datetime,
    *,
    each: bool,
    closed: ClosedPeriods | None = None,
) -> list[Outcome | DomainError] | None:
    """`post_each` (`each`) or `post_transfers`, with the kernel doing `_apply`'s arithmetic for the whole
    batch in one call: the same outcomes, entries, balances and errors.

    Every request is resolved and checked in Python as `_book` does, then the kernel decides the moves of
    all, and only then do the accounts change. None leaves the accounts as they were, for the reference to
    run instead: on an overflow (a sum outside the kernel's integers), a request id given twice to
    `post_each` (whether the second is a replay hangs on the first), and any refusal in `post_transfers`
    (the reference names it, and leaves the accounts as it does).
    """
    if getattr(native, "apply_batch", None) is None:  # a kernel built before it had this function
        return None
    if each and len(requests) > 1 and len({request.id for request in requests}) < len(requests):
        return None
    batch = _Batch()
    results: list[Outcome | DomainError | None] = []
    for request in requests:
        try:
            fingerprint = request.fingerprint()
            done = existing.get(request.id)
            if done is not None:
                results.append(Outcome(done.replay(fingerprint), replayed=True))
                continue
            resolved = _checked(request, accounts, closed)
        except DomainError as refused:
            if not each:
                return None
            results.append(refused)
            continue
        batch.add(len(results), request, resolved, fingerprint)
        results.append(None)
    if batch.queue:
        decided = batch.book(native, at, each=each)
        if decided is None:
            return None
        for place, result in decided.items():
            results[place] = result
    return cast(list[Outcome | DomainError], results)  # every place is filled


def check_batch(requests: Sequence[TransferRequest]) -> None:
    if not requests:
        raise ValidationError.of("transfers", "a batch needs at least one transfer")
    if len(requests) > MAX_BATCH:
        raise ValidationError.of("transfers", f"a batch takes at most {MAX_BATCH} transfers")
    seen: set[UUID] = set()
    for index, request in enumerate(requests):
        if request.id in seen:
            raise ValidationError.of(f"transfers[{index}].id", "appears twice in the batch")
        seen.add(request.id)


def post_transfers(
    requests: Sequence[TransferRequest],
    *,
    existing: Mapping[UUID, Transfer],
    accounts: Mapping[UUID, Account],
    at: datetime,
    closed: ClosedPeriods | None = None,
) -> list[Outcome]:
    """Book each request in order on the locked `accounts`; all or nothing (any error aborts all).

    A request whose id is in `existing` is a replay: the same request returns the original result,
    a different one fails with `idempotency_conflict`. A new request taking effect in one of the
    `closed` periods is refused with `period_closed` (None: no request can be, `domain.periods`).
    """
    check_batch(requests)
    check_timestamp(at, "at")
    native = kernel.native()
    if native is not None:
        booked = _post_natively(native, requests, existing, accounts, at, each=False, closed=closed)
        if booked is not None:
            return cast(list[Outcome], booked)  # with `each` False, refusals return None
    outcomes = []
    for request in requests:
        fingerprint = request.fingerprint()
        done = existing.get(request.id)
        if done is not None:
            outcomes.append(Outcome(done.replay(fingerprint), replayed=True))
        else:
            outcomes.append(_book(request, accounts, at, fingerprint=fingerprint, closed=closed))
    return outcomes


def post_each(
    requests: Sequence[TransferRequest],
    *,
    existing: Mapping[UUID, Transfer],
    accounts: Mapping[UUID, Account],
    at: datetime,
    closed: ClosedPeriods | None = None,
) -> list[Outcome | DomainError]:
    """Book each request in order on the locked `accounts`, independently of the others (one taking
    effect in a `closed` period is refused alone, `period_closed`).

    Each request gets what it would have got alone at its place in the order: its outcome, or the
    `DomainError` that refused it, which leaves every account as it was (`_apply` checks before it
    changes anything). A request whose id is in `existing`, or was booked earlier in this call, is a
    replay: the same request returns the original result, a different one `idempotency_conflict`.
    """
    if not requests:
        raise ValidationError.of("transfers", "give at least one transfer")
    if len(requests) > MAX_EACH:
        raise ValidationError.of("transfers", f"at most {MAX_EACH} transfers at once")
    check_timestamp(at, "at")
    native = kernel.native()
    if native is not None:
        decided = _post_natively(native, requests, existing, accounts, at, each=True, closed=closed)
        if decided is not None:
            return decided
    booked = dict(existing)
    results: list[Outcome | DomainError] = []
    for request in requests:
        try:
            fingerprint = request.fingerprint()
            done = booked.get(request.id)
            if done is not None:
                results.append(Outcome(done.replay(fingerprint), replayed=True))
                continue
            outcome = _book(request, accounts, at, fingerprint=fingerprint, closed=closed)
        except DomainError as refused:
            results.append(refused)
            continue
        booked[request.id] = outcome.transfer
        results.append(outcome)
    return results


# --- two-phase transfers -----------------------------------------------------------------------


def _found(transfer: Transfer | None, transfer_id: UUID) -> Transfer:
    if transfer is None:
        raise NotFound(f"transfer {transfer_id} does not exist", transfer_id=str(transfer_id))
    return transfer


def _release(transfer: Transfer, accounts: Mapping[UUID, Account]) -> list[_Move]:
    return [
        _Move(accounts[p.account_id], Layer.PENDING, p.side, -p.amount, line)
        for line, p in enumerate(transfer.postings)
    ]


def _partial(transfer: Transfer, amount: int | None) -> tuple[Posting, ...]:
    if amount is None:
        return transfer.postings
    held = posted_amount(transfer.postings)
    if len(transfer.postings) != 2:
        raise ValidationError.of("amount", "a partial amount applies only to a transfer with two postings")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= held:
        raise ValidationError.of("amount", f"must be an integer from 1 to the pending {held}")
    return tuple(Posting(p.account_id, p.side, amount, p.asset) for p in transfer.postings)


def _ensure_pending(transfer: Transfer, action: str) -> None:
    if transfer.status is not TransferStatus.PENDING:
        raise InvalidState(
            f"transfer {transfer.id} is {transfer.status.value}; only pending transfers can be {action}",
            transfer_id=str(transfer.id),
            status=transfer.status.value,
        )


def post_pending(
    transfer_id: UUID,
    transfer: Transfer | None,
    accounts: Mapping[UUID, Account],
    at: datetime,
    amount: int | None = None,
    closed: ClosedPeriods | None = None,
) -> Outcome:
    """Post a pending transfer in full, or for a smaller `amount`, releasing the rest of the hold. The
    posted entries take effect at the hold's `effective_at`: in a `closed` period, `period_closed`."""
    transfer = _found(transfer, transfer_id)
    already_posted = transfer.two_phase and transfer.status is TransferStatus.POSTED
    asked = posted_amount(transfer.postings) if amount is None else amount  # no amount: all that was held
    if already_posted and asked == posted_amount(transfer.posted):
        return Outcome(transfer.as_resolved(), replayed=True)
    _ensure_pending(transfer, "posted")
    if transfer.timeout_at is not None and at >= transfer.timeout_at:
        raise InvalidState(
            f"transfer {transfer.id} timed out at {transfer.timeout_at.isoformat()}",
            transfer_id=str(transfer.id),
        )
    lines = _partial(transfer, amount)
    for p in lines:
        accounts[p.account_id].ensure_accepts_postings()
    if closed is not None:
        _ensure_open(closed, transfer.effective_at, [accounts[p.account_id] for p in lines], transfer.id)
    moves = _release(transfer, accounts) + [
        _Move(accounts[p.account_id], Layer.POSTED, p.side, p.amount, line) for line, p in enumerate(lines)
    ]
    entries = _apply(moves, transfer.id, at)
    transfer.status, transfer.resolved_at, transfer.posted = TransferStatus.POSTED, at, lines
    return Outcome(transfer.as_resolved(), entries)


def void_pending(
    transfer_id: UUID,
    transfer: Transfer | None,
    accounts: Mapping[UUID, Account],
    at: datetime,
) -> Outcome:
    """Cancel a pending transfer and release its holds."""
    transfer = _found(transfer, transfer_id)
    if transfer.status is TransferStatus.VOIDED:
        return Outcome(transfer.as_resolved(), replayed=True)
    _ensure_pending(transfer, "voided")
    _apply(_release(transfer, accounts), transfer.id, at)
    transfer.status, transfer.resolved_at = TransferStatus.VOIDED, at
    return Outcome(transfer.as_resolved())


def expire_pending(transfer: Transfer, accounts: Mapping[UUID, Account], at: datetime) -> Outcome:
    """Expire a pending transfer whose timeout has passed, releasing its holds."""
    _ensure_pending(transfer, "expired")
    if transfer.timeout_at is None or transfer.timeout_at > at:
        raise InvalidState(f"transfer {transfer.id} has not timed out", transfer_id=str(transfer.id))
    _apply(_release(transfer, accounts), transfer.id, at)
    transfer.status, transfer.resolved_at = TransferStatus.EXPIRED, at
    return Outcome(transfer.as_resolved())


# --- reversals ---------------------------------------------------------------------------------


def reverse(
    request: ReversalRequest,
    *,
    existing: Transfer | None,
    original: Transfer | None,
    accounts: Mapping[UUID, Account],
    at: datetime,
    closed: ClosedPeriods | None = None,
) -> Outcome:
    """Book a new transfer with the opposite of what `original` posted; a transfer reverses once. It
    takes effect at the request's `effective_at` (default `at`), refused in a `closed` period."""
    fingerprint = request.fingerprint()
    if existing is not None:
        return Outcome(existing.replay(fingerprint), replayed=True)
    original = _found(original, request.original_id)
    if original.status is not TransferStatus.POSTED:
        raise InvalidState(
            f"transfer {original.id} is {original.status.value}; only posted transfers can be reversed",
            transfer_id=str(original.id),
            status=original.status.value,
        )
    if original.reversed_by_id is not None:
        raise InvalidState(
            f"transfer {original.id} was already reversed by {original.reversed_by_id}",
            transfer_id=str(original.id),
            reversed_by=str(original.reversed_by_id),
        )
    opposite = TransferRequest(
        request.id,
        tuple(p.reversed() for p in original.posted),
        description=request.description or f"Reversal of {original.id}",
        metadata=request.metadata,
        effective_at=request.effective_at,
    )
    outcome = _book(opposite, accounts, at, fingerprint=fingerprint, reverses_id=original.id, closed=closed)
    original.reversed_by_id = request.id
    return outcome
