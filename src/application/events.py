"""Events: what happened to the ledger, recorded by the use cases in the transaction of the change.

A use case that changes the books hands its events to `uow.events.add(...)` before `commit()`: they are
written with the change, in both execution modes (inside PostgreSQL too, through the PL/Python store),
so a rolled-back change leaves no event and a committed one always has its events. A replay (the same
request again) changes nothing and records nothing. Each event carries the API's document of the object
it concerns as it stood then (`application.documents`); the store gives it an id and a position
(`application.feed`, docs/events.md).

Transfers:
- `transfer.posted`: a transfer was booked posted (a reversal too: its `reverses_id` names the original);
- `transfer.pending`: a two-phase transfer was booked: its amounts are held;
- `transfer.captured`: a pending transfer was posted, in full or in part;
- `transfer.voided`, `transfer.expired`: a pending transfer was voided, or its time limit passed;
- `transfer.reversed`: about the ORIGINAL transfer, which a new one reversed (its data's
  `reversed_by_id`); the reversing transfer has its own `transfer.posted`, written just before.
Accounts: `account.opened`, `account.frozen`, `account.unfrozen`, `account.closed`;
`account.interest_posted`: interest accrual posted a period's interest to the account (its data: the
posting transfer; the transfer also has its own `transfer.posted`, written just before).
Jobs: `job.succeeded`, `job.failed`.
Periods: `period.closed`, `period.reopened`: an accounting period was closed, or a close reopened
(`application.periods`; its data: the close).
Journal: `journal.sealed`: a block of the journal was sealed (`application.seals`; its data: the block
header, an anchor of the chain published outside the sealed table).
Reconciliation: `reconciliation.finished`: a matching run of a bank statement finished
(`application.reconciliation`; its data: the run, with its summary and closing balance check).
Monitors: `balance.monitor_triggered`: a balance monitor's condition became true (`application.monitors`,
recorded by the change that made it true, after that change's own events; or by the monitor's creation
when it already held). Its data: the monitor (after firing), the account as the change left it, and the
balance value that crossed the threshold.

A new type is one member of `EventType` and one call in the use case that records it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from application.documents import (
    account_document,
    job_document,
    monitor_document,
    period_document,
    transfer_document,
)
from domain.accounts import Account
from domain.monitors import Crossing
from domain.periods import PeriodClose
from domain.transfers import Transfer, TransferStatus

if TYPE_CHECKING:
    from application.jobs import Job
    from domain.ledger import Outcome


class EventType(StrEnum):
    TRANSFER_POSTED = "transfer.posted"
    TRANSFER_PENDING = "transfer.pending"
    TRANSFER_CAPTURED = "transfer.captured"
    TRANSFER_VOIDED = "transfer.voided"
    TRANSFER_EXPIRED = "transfer.expired"
    TRANSFER_REVERSED = "transfer.reversed"
    ACCOUNT_OPENED = "account.opened"
    ACCOUNT_FROZEN = "account.frozen"
    ACCOUNT_UNFROZEN = "account.unfrozen"
    ACCOUNT_CLOSED = "account.closed"
    ACCOUNT_INTEREST_POSTED = "account.interest_posted"
    JOB_SUCCEEDED = "job.succeeded"
    JOB_FAILED = "job.failed"
    BALANCE_MONITOR_TRIGGERED = "balance.monitor_triggered"
    PERIOD_CLOSED = "period.closed"
    PERIOD_REOPENED = "period.reopened"
    JOURNAL_SEALED = "journal.sealed"
    RECONCILIATION_FINISHED = "reconciliation.finished"


#: What each type means, for people (the generated reference docs/api/event-types.md).
DESCRIPTIONS: dict[EventType, str] = {
    EventType.TRANSFER_POSTED: "A transfer was booked posted: its amounts moved (a reversal too: its"
    " `reverses_id` names the original).",
    EventType.TRANSFER_PENDING: "A two-phase transfer was booked: its amounts are held until it is captured,"
    " voided or expires.",
    EventType.TRANSFER_CAPTURED: "A pending transfer was posted, in full or in part (`posted` says how much).",
    EventType.TRANSFER_VOIDED: "A pending transfer was voided: its hold was released, nothing moved.",
    EventType.TRANSFER_EXPIRED: "A pending transfer's time limit passed: its hold was released, nothing moved.",
    EventType.TRANSFER_REVERSED: "A transfer was reversed: `reversed_by_id` names the reversing transfer,"
    " which has its own `transfer.posted`, recorded just before.",
    EventType.ACCOUNT_OPENED: "An account was opened.",
    EventType.ACCOUNT_FROZEN: "An account was frozen: it accepts no postings until it is unfrozen.",
    EventType.ACCOUNT_UNFROZEN: "A frozen account was made active again.",
    EventType.ACCOUNT_CLOSED: "An account was closed, for good.",
    EventType.ACCOUNT_INTEREST_POSTED: "Interest accrual posted a period's interest to the account: `data` is"
    " the posting transfer (which also has its own `transfer.posted`, recorded just before).",
    EventType.JOB_SUCCEEDED: "A background job finished: `data.result` holds its summary.",
    EventType.JOB_FAILED: "A background job failed: `data.errors` says why.",
    EventType.BALANCE_MONITOR_TRIGGERED: "A balance monitor's condition became true (it fires again only after"
    " it has been false in between): `data` holds the monitor, the account as the change left it, and the"
    " balance value that crossed the threshold.",
    EventType.PERIOD_CLOSED: "An accounting period was closed: nothing dated on or before `through` (in its"
    " asset, or any asset when ledger-wide) may be booked any more.",
    EventType.PERIOD_REOPENED: "A period close was reopened (`reopened_by`, `reopen_reason`): its days accept"
    " postings again.",
    EventType.JOURNAL_SEALED: "A block of the journal was sealed (`application.seals`): `data` is its header"
    " (height, hash, prev_hash, merkle_root, row_count, first and last position, sealed_at, and the canonical"
    " `header` text that hashes to `hash`), an anchor to keep outside the ledger.",
    EventType.RECONCILIATION_FINISHED: "A reconciliation run of a bank statement finished: `data` is the run"
    " (its summary of matched, ambiguous and unmatched lines and entries, and its closing balance check).",
}

#: Which API document each type's `data` holds: `transfer`, `account`, `job` or `monitor`.
DOCUMENTS: dict[EventType, str] = {
    **{t: "transfer" for t in EventType if t.value.startswith("transfer.")},
    **{t: "account" for t in EventType if t.value.startswith("account.")},
    EventType.ACCOUNT_INTEREST_POSTED: "transfer",
    EventType.JOB_SUCCEEDED: "job",
    EventType.JOB_FAILED: "job",
    EventType.BALANCE_MONITOR_TRIGGERED: "monitor",
    EventType.PERIOD_CLOSED: "period",
    EventType.PERIOD_REOPENED: "period",
    EventType.JOURNAL_SEALED: "block",
    EventType.RECONCILIATION_FINISHED: "reconciliation",
}


@dataclass(frozen=True, slots=True)
class Event:
    """An event as a use case records it: what happened, when (by the use case's clock), to which
    ledger objects, and the API's document of the object then (`data`)."""

    type: EventType
    occurred_at: datetime
    data: dict[str, Any]
    account_ids: tuple[UUID, ...] = ()
    transfer_id: UUID | None = None
    job_id: UUID | None = None


class EventLog(Protocol):
    def add(self, events: Sequence[Event]) -> None:
        """Record `events`, in this order, in the unit of work's transaction: they are written with
        its other writes (one statement per transaction, whatever the number of calls) and committed
        or rolled back with them."""
        ...


def of_transfer(type_: EventType, transfer: Transfer, at: datetime) -> Event:
    return Event(
        type_, at, transfer_document(transfer), tuple(sorted(transfer.account_ids())), transfer_id=transfer.id
    )


def interest_posted(account_id: UUID, transfer: Transfer, at: datetime) -> Event:
    """Interest posted to `account_id` by `transfer` (which also pays or charges its counterpart)."""
    return Event(
        EventType.ACCOUNT_INTEREST_POSTED,
        at,
        transfer_document(transfer),
        (account_id,),
        transfer_id=transfer.id,
    )


def of_account(type_: EventType, account: Account, at: datetime) -> Event:
    return Event(type_, at, account_document(account), (account.id,))


def monitor_triggered(crossing: Crossing, at: datetime) -> Event:
    """A monitor fired: its document, the account's document as the change left it, the value."""
    data = {
        "monitor": monitor_document(crossing.monitor),
        "account": account_document(crossing.account),
        "value": crossing.value,
    }
    return Event(EventType.BALANCE_MONITOR_TRIGGERED, at, data, (crossing.account.id,))


def of_period(type_: EventType, close: PeriodClose, at: datetime) -> Event:
    """A period was closed or reopened: the close's document; it names no ledger object."""
    return Event(type_, at, period_document(close))


def of_job(type_: EventType, job: Job, at: datetime) -> Event:
    return Event(type_, at, job_document(job), job_id=job.id)


def booked(outcomes: Iterable[Outcome], at: datetime) -> list[Event]:
    """The events of newly booked transfers: `transfer.pending` for a hold, `transfer.posted` otherwise."""
    return [
        of_transfer(
            EventType.TRANSFER_PENDING
            if o.transfer.status is TransferStatus.PENDING
            else EventType.TRANSFER_POSTED,
            o.transfer,
            at,
        )
        for o in outcomes
    ]
