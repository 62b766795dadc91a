"""Use cases for transfers: the write path (book, batch, post/void pending, expire, reverse) and reads.

Every write follows the same steps: lock the accounts involved (ascending id: no deadlocks), look for
an earlier transfer with the same id (a replay), let `domain.ledger` decide, store what it returns and
its events (`application.events`: none for a replay), evaluate the balance monitors of the accounts it
changed (`application.monitors.watch`: their events follow the change's), commit. Locking before the
replay check means a concurrent twin of the same request waits and then sees the first one's result.
A request dated before today (UTC) is also checked against the closed accounting periods
(`application.periods.closed_for`: read only then), the database refusing anything that slips past.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from application import events, monitors
from application.events import EventType
from application.pages import Page, check_limit, paginate
from application.periods import closed_for
from application.ports import Clock, RetryableConflict, TransferCursor, UnitOfWork
from application.search import TransferFilter
from domain import ledger
from domain.accounts import Account
from domain.errors import DomainError, NotFound, PeriodClosed
from domain.ledger import Outcome
from domain.transfers import ReversalRequest, Transfer, TransferRequest


def post_transfers(requests: Sequence[TransferRequest], uow: UnitOfWork, clock: Clock) -> list[Outcome]:
    """Book one or more transfers atomically: all of them, or none."""
    ledger.check_batch(requests)
    with uow:
        accounts = uow.accounts.lock(set().union(*(r.account_ids() for r in requests)))
        existing = uow.transfers.get_many(r.id for r in requests)
        now = clock.now()
        closed = closed_for(uow, (r.effective_at for r in requests), now)
        outcomes = ledger.post_transfers(
            requests, existing=existing, accounts=accounts, at=now, closed=closed
        )
        written = [o for o in outcomes if not o.replayed]
        if written:
            for outcome in written:
                uow.transfers.add(outcome.transfer, outcome.entries)
            uow.accounts.save(accounts.values())
            uow.events.add(events.booked(written, now))
            uow.events.add(monitors.watch_transfers(uow, accounts, [o.transfer for o in written], now))
            uow.commit()
        return outcomes


def post_each(
    requests: Sequence[TransferRequest], uow: UnitOfWork, clock: Clock
) -> list[Outcome | DomainError]:
    """Book many transfers in one transaction, each on its own: a refused one gets its error and
    the others stand (`domain.ledger.post_each`). What groups of concurrent requests and the bulk
    endpoint run.

    A close that commits after the closes were read makes the journal refuse the whole lot (RZ120,
    `period_closed` from the unit of work): that is a `RetryableConflict`, and the run again reads the
    close and refuses the items it covers, one by one, as when the close came first."""
    try:
        with uow:
            accounts = uow.accounts.lock(set().union(*(r.account_ids() for r in requests)))
            existing = uow.transfers.get_many(r.id for r in requests)
            now = clock.now()
            closed = closed_for(uow, (r.effective_at for r in requests), now)
            results = ledger.post_each(requests, existing=existing, accounts=accounts, at=now, closed=closed)
            written = [r for r in results if isinstance(r, Outcome) and not r.replayed]
            if written:
                for outcome in written:
                    uow.transfers.add(outcome.transfer, outcome.entries)
                uow.events.add(events.booked(written, now))
                uow.events.add(monitors.watch_transfers(uow, accounts, [o.transfer for o in written], now))
                uow.commit()
            return results
    except PeriodClosed as refused:
        raise RetryableConflict(f"a period was closed meanwhile: {refused.detail}") from refused


def _lock_with_accounts(uow: UnitOfWork, transfer_id: UUID) -> tuple[Transfer | None, dict[UUID, Account]]:
    peek = uow.transfers.get(transfer_id)
    if peek is None:
        return None, {}
    accounts = uow.accounts.lock(peek.account_ids())
    return uow.transfers.lock(transfer_id), accounts


def post_pending(transfer_id: UUID, amount: int | None, uow: UnitOfWork, clock: Clock) -> Outcome:
    """Post a pending transfer, in full or for a smaller amount (the rest of the hold is released)."""
    with uow:
        transfer, accounts = _lock_with_accounts(uow, transfer_id)
        now = clock.now()
        closed = closed_for(uow, [transfer.effective_at] if transfer else [], now)
        outcome = ledger.post_pending(transfer_id, transfer, accounts, now, amount, closed)
        if not outcome.replayed:
            uow.transfers.save(outcome.transfer, outcome.entries)
            uow.accounts.save(accounts.values())
            uow.events.add([events.of_transfer(EventType.TRANSFER_CAPTURED, outcome.transfer, now)])
            uow.events.add(monitors.watch(uow, accounts.values(), now))
            uow.commit()
        return outcome


def void_pending(transfer_id: UUID, uow: UnitOfWork, clock: Clock) -> Outcome:
    """Cancel a pending transfer and release its holds."""
    with uow:
        transfer, accounts = _lock_with_accounts(uow, transfer_id)
        now = clock.now()
        outcome = ledger.void_pending(transfer_id, transfer, accounts, now)
        if not outcome.replayed:
            uow.transfers.save(outcome.transfer, ())
            uow.accounts.save(accounts.values())
            uow.events.add([events.of_transfer(EventType.TRANSFER_VOIDED, outcome.transfer, now)])
            uow.events.add(monitors.watch(uow, accounts.values(), now))
            uow.commit()
        return outcome


def expire_due(uow: UnitOfWork, clock: Clock, limit: int = 500) -> list[Transfer]:
    """Expire up to `limit` pending transfers whose timeout has passed; returns those expired."""
    with uow:
        now = clock.now()
        due = uow.transfers.lock_due(now, limit)
        if not due:
            return []
        accounts = uow.accounts.lock(set().union(*(t.account_ids() for t in due)))
        expired = []
        for transfer in due:
            expired.append(ledger.expire_pending(transfer, accounts, now).transfer)
            uow.transfers.save(transfer, ())
        uow.accounts.save(accounts.values())
        uow.events.add([events.of_transfer(EventType.TRANSFER_EXPIRED, t, now) for t in expired])
        uow.events.add(monitors.watch(uow, accounts.values(), now))
        uow.commit()
        return expired


def reverse_transfer(request: ReversalRequest, uow: UnitOfWork, clock: Clock) -> Outcome:
    """Reverse a posted transfer with a new transfer of the opposite postings (once only). Records the
    reversal's `transfer.posted`, then `transfer.reversed` about the original (now `reversed_by_id`)."""
    with uow:
        original = uow.transfers.get(request.original_id)
        accounts = uow.accounts.lock(original.account_ids() if original else ())
        existing = uow.transfers.get(request.id)
        original = uow.transfers.lock(request.original_id) if original else None
        now = clock.now()
        closed = closed_for(uow, [request.effective_at], now)
        outcome = ledger.reverse(
            request, existing=existing, original=original, accounts=accounts, at=now, closed=closed
        )
        if not outcome.replayed:
            assert original is not None  # ledger.reverse refuses a missing original
            uow.transfers.add(outcome.transfer, outcome.entries)
            uow.accounts.save(accounts.values())
            uow.events.add(
                [
                    events.of_transfer(EventType.TRANSFER_POSTED, outcome.transfer, now),
                    events.of_transfer(EventType.TRANSFER_REVERSED, original, now),
                ]
            )
            uow.events.add(monitors.watch(uow, accounts.values(), now))
            uow.commit()
        return outcome


def get_transfer(transfer_id: UUID, uow: UnitOfWork) -> Transfer:
    with uow:
        transfer = uow.transfers.get(transfer_id)
    if transfer is None:
        raise NotFound(f"transfer {transfer_id} does not exist", transfer_id=str(transfer_id))
    return transfer


def list_transfers(
    uow: UnitOfWork,
    where: TransferFilter = TransferFilter(),
    *,
    after: TransferCursor | None = None,
    limit: int = 100,
) -> Page[Transfer, TransferCursor]:
    """Transfers newest first on the filter's basis (booking time, or value date), matching it
    (`application.search`: a search that no index answers is refused, `filter_needs_index`)."""
    check_limit(limit)
    where.check()
    with uow:
        rows = uow.transfers.query(where, after=after, limit=limit + 1)
    return paginate(rows, limit, lambda t: TransferCursor(where.instant(t), t.id))
