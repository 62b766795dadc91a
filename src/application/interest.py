"""Use cases for interest: set and read an account's policy history, and accrue interest over days.

Accrual runs a chunk of accounts in one transaction with a fixed number of statements: lock the
accounts and their counterparts, skip the days already accrued (the (account, day) rows are unique in
the database), read each remaining day's closing posted balance (booking time: the balance as of the
day's last instant, UTC), group the days into periods and decide which have ended
(`domain.interest.plan`), post each ended period's rounded amount with a deterministic transfer id, keep
the last one open until its month (or policy) ends, and store the day rows and what each account
carries with the postings. A rerun, or a redelivered chunk, finds every day accrued and adds nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from uuid import UUID

from application import collector, events, monitors
from application.pages import check_limit
from application.periods import closed_for
from application.ports import Clock, UnitOfWork
from domain import ledger
from domain.accounts import Account
from domain.errors import AccountNotFound, AssetMismatch, DomainError, ValidationError
from domain.interest import (
    Accrual,
    Carried,
    DayCount,
    InterestPolicy,
    Period,
    Plan,
    carry_on,
    days,
    interest_request,
    plan,
    settle_periods,
)
from domain.periods import ClosedPeriods
from domain.transfers import Transfer, TransferRequest

#: Most days one accrual call may cover (a bit over ten years).
MAX_DAYS = 3700

#: A closing balance's key: (account id, instant).
Key = tuple[UUID, datetime]


class InterestRepository(Protocol):
    """Policies, the unique (account, day) accrual rows and the carry. The accrual methods take a whole
    chunk of accounts, so that a chunk costs a fixed number of statements, whatever its size."""

    def policies(self, account_id: UUID) -> list[InterestPolicy]:
        """The account's policies, oldest `effective_from` first."""
        ...

    def put_policy(self, policy: InterestPolicy, at: datetime) -> None:
        """Store the policy (replacing one with the same account and `effective_from`)."""
        ...

    def policies_of(self, account_ids: Collection[UUID]) -> dict[UUID, list[InterestPolicy]]:
        """The policies of each account that has any, oldest `effective_from` first."""
        ...

    def accrued_days_of(self, account_ids: Collection[UUID], start: date, end: date) -> dict[UUID, set[date]]:
        """The days from `start` to `end` already accrued, per account (accounts with none are left out)."""
        ...

    def balances_as_of(self, account_ids: Collection[UUID], instants: Collection[datetime]) -> dict[Key, int]:
        """The posted balance of each account at each instant (booking time), keyed (account, instant)."""
        ...

    def add_accruals(self, accruals: Sequence[tuple[Accrual, UUID | None]], at: datetime) -> None:
        """Insert one row per (account, day), each with the transfer that posted its period (None: its
        period rounded to nothing); a day accrued twice violates the unique key."""
        ...

    def link_accruals(self, links: Sequence[tuple[UUID, date, date, UUID]]) -> None:
        """Name, on each (account, first day, last day, transfer), the transfer on the account's rows of
        those days that name none yet (the days of a period accrued while it was open)."""
        ...

    def carries(self, account_ids: Collection[UUID]) -> dict[UUID, Carried]:
        """What each account that has accrued carries (`domain.interest.Carried`)."""
        ...

    def set_carries(self, carries: Sequence[tuple[UUID, Carried]], at: datetime) -> None:
        """Store what each account carries (its accrued through day is never None here)."""
        ...

    def accounts_with_policies(self, after_id: UUID | None, limit: int) -> list[UUID]:
        """Ids of accounts with at least one policy, ascending, after `after_id`."""
        ...


class InterestUnitOfWork(UnitOfWork, Protocol):
    interest: InterestRepository


@dataclass(frozen=True, slots=True)
class SetPolicy:
    account_id: UUID
    effective_from: date
    rate_bps: int
    day_count: DayCount | str
    counterpart_account_id: UUID


def set_policy(cmd: SetPolicy, uow: InterestUnitOfWork, clock: Clock) -> InterestPolicy:
    """Set the account's policy from `effective_from` on (the same date again replaces it). Days
    already accrued keep what they accrued."""
    policy = InterestPolicy(
        cmd.account_id,
        cmd.effective_from,
        cmd.rate_bps,
        DayCount.parse(cmd.day_count),
        cmd.counterpart_account_id,
    )
    with uow:
        account = _existing(uow.accounts.get(cmd.account_id), cmd.account_id)
        counterpart = _existing(uow.accounts.get(cmd.counterpart_account_id), cmd.counterpart_account_id)
        if counterpart.asset != account.asset:
            raise AssetMismatch(
                f"the counterpart {counterpart.code} holds {counterpart.asset.code}, "
                f"the account {account.code} holds {account.asset.code}",
                account_id=str(account.id),
                counterpart_account_id=str(counterpart.id),
            )
        uow.interest.put_policy(policy, clock.now())
        uow.commit()
    return policy


def policy_history(account_id: UUID, uow: InterestUnitOfWork) -> list[InterestPolicy]:
    with uow:
        _existing(uow.accounts.get(account_id), account_id)
        return uow.interest.policies(account_id)


def accounts_with_policies(uow: InterestUnitOfWork, after_id: UUID | None, limit: int) -> list[UUID]:
    """Up to `limit` ids of accounts that have a policy, ascending, after `after_id` (chunking)."""
    check_limit(limit)
    with uow:
        return uow.interest.accounts_with_policies(after_id, limit)


def _existing(account: Account | None, account_id: UUID) -> Account:
    if account is None:
        raise AccountNotFound(f"account {account_id} does not exist", account_id=str(account_id))
    return account


@dataclass(frozen=True, slots=True)
class PostedInterest:
    transfer_id: UUID
    account_id: UUID
    first_day: date
    last_day: date
    amount: int


@dataclass(frozen=True, slots=True)
class AccrualFailure:
    """An account whose accrual a domain rule refused (a frozen counterpart, say): nothing of it was
    written; the other accounts of the chunk went ahead."""

    account_id: UUID
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class AccrualSummary:
    """What one accrual call did: accounts looked at, days accrued, each posting made, and the
    accounts that could not be accrued."""

    accounts: int = 0
    days: int = 0
    postings: tuple[PostedInterest, ...] = field(default_factory=tuple)
    failures: tuple[AccrualFailure, ...] = field(default_factory=tuple)

    def __add__(self, other: AccrualSummary) -> AccrualSummary:
        return AccrualSummary(
            self.accounts + other.accounts,
            self.days + other.days,
            self.postings + other.postings,
            self.failures + other.failures,
        )


def closing_instant(day: date) -> datetime:
    """The last instant of a UTC day (PostgreSQL keeps microseconds): its closing balance's time."""
    return datetime.combine(day + timedelta(days=1), time(0), UTC) - timedelta(microseconds=1)


def check_range(start: date, end: date) -> None:
    if not isinstance(start, date) or not isinstance(end, date):
        raise ValidationError.of("start", "start and end must be dates")
    if end < start:
        raise ValidationError.of("end", "must not be before start")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationError.of("end", f"a range covers at most {MAX_DAYS} days")


def check_ended(end: date, now: datetime) -> None:
    """A day accrues on its closing balance: only days that have ended (UTC) can be accrued."""
    today = now.astimezone(UTC).date()
    if end >= today:
        raise ValidationError.of(
            "end", f"must be a day that has ended: before {today.isoformat()} (UTC), the day of the run"
        )


def accrue_interest(
    account_ids: Sequence[UUID],
    start: date,
    end: date,
    uow: Callable[[], InterestUnitOfWork],
    clock: Clock,
    run: Callable[[Callable[[], AccrualSummary]], AccrualSummary] = lambda accrue: accrue(),
    post_open: bool = False,
) -> AccrualSummary:
    """Accrue interest from `start` to `end` (both included) on the accounts, all in one transaction
    (`run` may wrap it in retries). A day accrues on its closing balance, so every day of the range must
    have ended (`check_ended`). A period posts once it has ended; `post_open` posts the periods still
    open at `end` too (`domain.interest.plan`). An account a domain rule refuses is reported in
    `failures` and the others go ahead. Should the database refuse the chunk as a whole, each account is
    tried in a transaction of its own, so that one bad account cannot hold back the rest. The collector
    stays paused until the chunk's objects are gone (`application.collector`)."""
    check_range(start, end)
    check_ended(end, clock.now())
    with collector.paused():
        return _accrue_each(sorted(set(account_ids)), start, end, uow, clock, run, post_open)


def _accrue_each(
    ids: list[UUID],
    start: date,
    end: date,
    uow: Callable[[], InterestUnitOfWork],
    clock: Clock,
    run: Callable[[Callable[[], AccrualSummary]], AccrualSummary],
    post_open: bool,
) -> AccrualSummary:
    try:
        return run(lambda: accrue_accounts(ids, start, end, uow(), clock, post_open))
    except DomainError:
        if len(ids) == 1:
            raise
    summary = AccrualSummary()
    for account_id in ids:
        try:
            summary += run(lambda a=account_id: accrue_accounts([a], start, end, uow(), clock, post_open))  # type: ignore[misc]
        except DomainError as error:
            summary += AccrualSummary(
                accounts=1, failures=(AccrualFailure(account_id, error.code, error.detail),)
            )
    return summary


def _request(account: Account, period: Period, amount: int) -> TransferRequest:
    """The request that posts the period (`domain.interest.interest_request`: a `TransferRequest` made
    without checking again what its construction guarantees)."""
    return interest_request(account.id, account.normal_side, account.asset.code, period, amount)


def _interest_events(account_id: UUID, outcome: ledger.Outcome, now: datetime) -> list[events.Event]:
    """`events.booked([outcome], now)` and `events.interest_posted(account_id, ...)`: the same two events,
    whose data is the same transfer document, made once (an accrual posts thousands of transfers)."""
    booked = events.booked([outcome], now)[0]
    posted = events.Event(
        events.EventType.ACCOUNT_INTEREST_POSTED,
        now,
        booked.data,
        (account_id,),
        transfer_id=booked.transfer_id,
    )
    return [booked, posted]


@dataclass(slots=True)
class _Accrued:
    """One account's work within a chunk: its periods (posted and open), what each posted period posts,
    what it carries afterwards, and the requests that book the postings (then what booking them did)."""

    plan: Plan
    settled: list[tuple[Period, int]]
    carried: Carried
    requests: list[TransferRequest]
    outcomes: list[ledger.Outcome] = field(default_factory=list)

    def rows(self) -> Iterator[tuple[Accrual, UUID | None]]:
        """The day rows to add: each posted period's with its transfer (None: it rounded to nothing),
        the open period's with none yet."""
        for period, amount in self.settled:
            for accrual in period.accruals:
                yield accrual, period.transfer_id() if amount else None
        if self.plan.open is not None:
            for accrual in self.plan.open.accruals:
                yield accrual, None

    def links(self, account_id: UUID) -> Iterator[tuple[UUID, date, date, UUID]]:
        """The earlier rows the postings pay: each posted period that was open before this chunk."""
        for period, amount in self.settled:
            if amount and period.opened is not None:
                yield account_id, period.opened, period.last_day, period.transfer_id()

    @property
    def days(self) -> int:
        return sum(1 for _ in self.rows())


def accrue_accounts(
    account_ids: Sequence[UUID],
    start: date,
    end: date,
    uow: InterestUnitOfWork,
    clock: Clock,
    post_open: bool = False,
) -> AccrualSummary:
    """Accrue a chunk of accounts in one transaction, with a fixed number of statements: lock the
    accounts and their counterparts (id order), read the policies, the days already accrued, the closing
    balances of the days to do and what the chunk's accounts carry, then work out each account in memory
    (an account a domain rule refuses goes to `failures`, untouched), and write every posting, accrual
    row and carry together. The chunk's many short-lived objects are made with Python's cycle collector
    paused (`application.collector`)."""
    check_range(start, end)
    ids = sorted(set(account_ids))
    with collector.paused(), uow:
        policies = uow.interest.policies_of(ids)
        if not policies:
            return AccrualSummary(accounts=len(ids))
        counterparts = {p.counterpart_account_id for found in policies.values() for p in found}
        locked = uow.accounts.lock(set(policies) | counterparts)
        now = clock.now()
        done = uow.interest.accrued_days_of(list(policies), start, end)
        range_days = list(days(start, end))
        todo = {a: [d for d in range_days if d not in done.get(a, set())] for a in policies}
        instants = {d: closing_instant(d) for d in sorted({d for found in todo.values() for d in found})}
        closing = uow.interest.balances_as_of([a for a in policies if todo[a]], list(instants.values()))
        carried = uow.interest.carries([a for a in policies if todo[a] or post_open])
        plans = {
            a: _plan(a, policies[a], todo[a], closing, instants, carried.get(a, Carried()), post_open)
            for a in policies
        }
        existing = uow.transfers.get_many(p.transfer_id() for found in plans.values() for p in found.posted)
        accrued: dict[UUID, _Accrued] = {}
        refused: dict[UUID, DomainError] = {}
        for account_id in policies:
            try:
                accrued[account_id] = _settle(
                    account_id, plans[account_id], carried.get(account_id, Carried()), locked
                )
            except DomainError as error:
                refused[account_id] = error
        # Postings dated in a closed accounting period are refused (`period_closed`), per account.
        closed = closed_for(uow, (r.effective_at for work in accrued.values() for r in work.requests), now)
        refused.update(_book(accrued, locked, existing, now, closed))
        accrued = {a: work for a, work in accrued.items() if a not in refused}
        failures = [AccrualFailure(a, refused[a].code, refused[a].detail) for a in policies if a in refused]
        posted: list[events.Event] = []
        for account_id, work in accrued.items():
            for outcome in work.outcomes:
                if not outcome.replayed:
                    uow.transfers.add(outcome.transfer, outcome.entries)
                    posted += _interest_events(account_id, outcome, now)
        uow.events.add(posted)
        # Balance monitors of the accounts the postings moved, in this transaction (application.monitors).
        moved = [o.transfer for work in accrued.values() for o in work.outcomes if not o.replayed]
        uow.events.add(monitors.watch_transfers(uow, locked, moved, now))
        uow.accounts.save(locked.values())
        uow.interest.link_accruals([link for a, work in accrued.items() for link in work.links(a)])
        uow.interest.add_accruals([row for work in accrued.values() for row in work.rows()], now)
        uow.interest.set_carries(
            [(a, work.carried) for a, work in accrued.items() if work.carried != carried.get(a, Carried())],
            now,
        )
        uow.commit()
    return AccrualSummary(
        accounts=len(ids),
        days=sum(work.days for work in accrued.values()),
        postings=tuple(
            PostedInterest(p.transfer_id(), a, p.first_day, p.last_day, amount)
            for a, work in accrued.items()
            for p, amount in work.settled
            if amount
        ),
        failures=tuple(failures),
    )


def _plan(
    account_id: UUID,
    policies: Sequence[InterestPolicy],
    todo: Sequence[date],
    closing: Mapping[Key, int],
    instants: Mapping[date, datetime],
    carried: Carried,
    post_open: bool,
) -> Plan:
    balances = ((d, closing.get((account_id, instants[d]), 0)) for d in todo)
    return plan(account_id, policies, balances, carried, post_open)


def _settle(account_id: UUID, found: Plan, carried: Carried, locked: Mapping[UUID, Account]) -> _Accrued:
    """Settle the account's ended periods with its carry, and make the requests that post them."""
    account = _existing(locked.get(account_id), account_id)
    amounts, carry = settle_periods(found.posted, carried.amount)
    settled = list(zip(found.posted, amounts, strict=True))
    return _Accrued(
        found,
        settled,
        carry_on(found, carried, carry),
        [_request(account, period, amount) for period, amount in settled if amount],
    )


def _book(
    work: Mapping[UUID, _Accrued],
    locked: dict[UUID, Account],
    existing: Mapping[UUID, Transfer],
    now: datetime,
    closed: ClosedPeriods | None = None,
) -> dict[UUID, DomainError]:
    """Book every account's requests on the locked accounts, in memory, in account order, and return the
    accounts a domain rule refused (with why): those leave every account as it was.

    The accounts go in batches (one `ledger.post_transfers` each, of whole accounts, at most
    `ledger.MAX_BATCH` requests); a batch refused as a whole is put back and booked again one account
    at a time, so that only the refused accounts fail. The results are those of one call per account."""
    refused: dict[UUID, DomainError] = {}
    for batch in _batches(work):
        requests = [r for a in batch for r in work[a].requests]
        touched = {p.account_id for r in requests for p in r.postings}
        before = {a: copy.copy(locked[a]) for a in touched if a in locked}  # booking replaces balances, seq
        try:
            outcomes = iter(
                ledger.post_transfers(requests, existing=existing, accounts=locked, at=now, closed=closed)
            )
        except DomainError as error:
            locked.update(before)
            if len(batch) == 1:
                refused[batch[0]] = error
            else:
                for account_id in batch:
                    refused.update(_book({account_id: work[account_id]}, locked, existing, now, closed))
            continue
        for account_id in batch:
            work[account_id].outcomes = [next(outcomes) for _ in work[account_id].requests]
    return refused


def _batches(work: Mapping[UUID, _Accrued]) -> Iterator[list[UUID]]:
    """The accounts that have requests, in order, in batches of whole accounts of at most
    `ledger.MAX_BATCH` requests (an account with more makes a batch of its own, which `post_transfers`
    refuses)."""
    batch: list[UUID] = []
    size = 0
    for account_id, accrued in work.items():
        count = len(accrued.requests)
        if not count:
            continue
        if batch and size + count > ledger.MAX_BATCH:
            yield batch
            batch, size = [], 0
        batch.append(account_id)
        size += count
    if batch:
        yield batch


# --- as JSON (the in-database function's answer, and a job's result) ---------------------------


def summary_to_dict(summary: AccrualSummary) -> dict[str, Any]:
    return {
        "accounts": summary.accounts,
        "days": summary.days,
        "postings": [
            {
                "transfer_id": str(p.transfer_id),
                "account_id": str(p.account_id),
                "first_day": p.first_day.isoformat(),
                "last_day": p.last_day.isoformat(),
                "amount": p.amount,
            }
            for p in summary.postings
        ],
        "failures": [
            {"account_id": str(f.account_id), "code": f.code, "detail": f.detail} for f in summary.failures
        ],
    }


def summary_from_dict(data: Mapping[str, Any]) -> AccrualSummary:
    return AccrualSummary(
        accounts=int(data["accounts"]),
        days=int(data["days"]),
        postings=tuple(
            PostedInterest(
                UUID(p["transfer_id"]),
                UUID(p["account_id"]),
                date.fromisoformat(p["first_day"]),
                date.fromisoformat(p["last_day"]),
                int(p["amount"]),
            )
            for p in data["postings"]
        ),
        failures=tuple(
            AccrualFailure(UUID(f["account_id"]), str(f["code"]), str(f["detail"]))
            for f in data.get("failures", ())
        ),
    )
