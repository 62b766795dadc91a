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
from uuid import UUID

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
            raise InvalidState(f"{move.layer.value}_{move.side.value}s would become negative")
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


def _book(
    request: TransferRequest,
    accounts: Mapping[UUID, Account],
    at: datetime,
    *,
    fingerprint: str,
    reverses_id: UUID | None = None,
) -> Outcome:
    resolved = _resolve(request.postings, accounts)
    _check_balanced(request.postings, resolved)
    layer = Layer.PENDING if request.pending else Layer.POSTED
    moves = [
        _Move(account, layer, p.side, p.amount, line)
        for line, (p, account) in enumerate(zip(request.postings, resolved, strict=True))
    ]
    entries = _apply(moves, request.id, at)
    postings = tuple(
        Posting(p.account_id, p.side, p.amount, account.asset.code)
        for p, account in zip(request.postings, resolved, strict=True)
    )
    transfer = Transfer(
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
    return Outcome(transfer, entries)


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
) -> list[Outcome]:
    """Book each request in order on the locked `accounts`; all or nothing (any error aborts all).

    A request whose id is in `existing` is a replay: the same request returns the original result,
    a different one fails with `idempotency_conflict`.
    """
    check_batch(requests)
    check_timestamp(at, "at")
    outcomes = []
    for request in requests:
        fingerprint = request.fingerprint()
        done = existing.get(request.id)
        if done is not None:
            outcomes.append(Outcome(done.replay(fingerprint), replayed=True))
        else:
            outcomes.append(_book(request, accounts, at, fingerprint=fingerprint))
    return outcomes


def post_each(
    requests: Sequence[TransferRequest],
    *,
    existing: Mapping[UUID, Transfer],
    accounts: Mapping[UUID, Account],
    at: datetime,
) -> list[Outcome | DomainError]:
    """Book each request in order on the locked `accounts`, independently of the others.

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
    booked = dict(existing)
    results: list[Outcome | DomainError] = []
    for request in requests:
        try:
            fingerprint = request.fingerprint()
            done = booked.get(request.id)
            if done is not None:
                results.append(Outcome(done.replay(fingerprint), replayed=True))
                continue
            outcome = _book(request, accounts, at, fingerprint=fingerprint)
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
) -> Outcome:
    """Post a pending transfer in full, or for a smaller `amount`, releasing the rest of the hold."""
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
) -> Outcome:
    """Book a new transfer with the opposite of what `original` posted; a transfer reverses once."""
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
    )
    outcome = _book(opposite, accounts, at, fingerprint=fingerprint, reverses_id=original.id)
    original.reversed_by_id = request.id
    return outcome
