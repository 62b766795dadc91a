"""Use cases for interest: set and read an account's policy history, and accrue interest over days.

Accrual runs account by account, one transaction each: lock the account and its counterparts, skip
the days already accrued (the (account, day) rows are unique in the database), read each remaining
day's closing posted balance (booking time: the balance as of the day's last instant, UTC), group the
days into periods (`domain.interest.periods`), post each period's rounded amount with a deterministic
transfer id, and store the day rows and the new carry with the postings. A rerun, or a redelivered
chunk, finds every day accrued and adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Any, Protocol
from uuid import UUID

from application.pages import check_limit
from application.ports import Clock, UnitOfWork
from domain import ledger
from domain.accounts import Account
from domain.errors import AccountNotFound, AssetMismatch, DomainError, ValidationError
from domain.interest import (
    Accrual,
    DayCount,
    InterestPolicy,
    Period,
    days,
    periods,
    posting_sides,
    settle,
)
from domain.transfers import Posting, TransferRequest

#: Most days one accrual call may cover (a bit over ten years).
MAX_DAYS = 3700


class InterestRepository(Protocol):
    def policies(self, account_id: UUID) -> list[InterestPolicy]:
        """The account's policies, oldest `effective_from` first."""
        ...

    def put_policy(self, policy: InterestPolicy, at: datetime) -> None:
        """Store the policy (replacing one with the same account and `effective_from`)."""
        ...

    def accrued_days(self, account_id: UUID, start: date, end: date) -> set[date]: ...

    def add_accruals(self, accruals: Sequence[Accrual], transfer_id: UUID | None, at: datetime) -> None:
        """Insert one row per (account, day); a day accrued twice violates the unique key."""
        ...

    def carry(self, account_id: UUID) -> Fraction: ...
    def set_carry(self, account_id: UUID, carry: Fraction, through: date, at: datetime) -> None: ...

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


def accrue_interest(
    account_ids: Sequence[UUID],
    start: date,
    end: date,
    uow: Callable[[], InterestUnitOfWork],
    clock: Clock,
    run: Callable[[Callable[[], AccrualSummary]], AccrualSummary] = lambda accrue: accrue(),
) -> AccrualSummary:
    """Accrue interest from `start` to `end` (both included) on each account, one transaction each
    (`run` may wrap each in retries). A day is accrued on its balance as the books stand when it
    ends; a day accrued before it ends uses the balance at the time of the run (the caller chooses
    the range: normally days that have ended). An account a domain rule refuses is reported in `failures`
    and the others go ahead."""
    check_range(start, end)
    summary = AccrualSummary()
    for account_id in sorted(set(account_ids)):
        try:
            summary += run(lambda a=account_id: accrue_account(a, start, end, uow(), clock))  # type: ignore[misc]
        except DomainError as error:
            summary += AccrualSummary(
                accounts=1, failures=(AccrualFailure(account_id, error.code, error.detail),)
            )
    return summary


def _request(account: Account, period: Period, amount: int) -> TransferRequest:
    policy = period.policy
    account_side, counterpart_side = posting_sides(account.normal_side, amount)
    first, last = period.first_day.isoformat(), period.last_day.isoformat()
    return TransferRequest(
        period.transfer_id(),
        (
            Posting(account.id, account_side, abs(amount), account.asset.code),
            Posting(policy.counterpart_account_id, counterpart_side, abs(amount), account.asset.code),
        ),
        effective_at=datetime.combine(period.last_day + timedelta(days=1), time(0), UTC),
        description=f"Interest {first} to {last}",
        metadata={
            "interest": {
                "account_id": str(account.id),
                "from": first,
                "to": last,
                "rate_bps": policy.rate_bps,
                "day_count": policy.day_count.value,
            }
        },
    )


def accrue_account(
    account_id: UUID, start: date, end: date, uow: InterestUnitOfWork, clock: Clock
) -> AccrualSummary:
    check_range(start, end)
    with uow:
        policies = uow.interest.policies(account_id)
        if not policies:
            return AccrualSummary()
        locked = uow.accounts.lock({account_id} | {p.counterpart_account_id for p in policies})
        account = _existing(locked.get(account_id), account_id)
        now = clock.now()
        done = uow.interest.accrued_days(account_id, start, end)
        todo = [d for d in days(start, end) if d not in done]
        found = periods(
            account_id,
            policies,
            ((d, uow.accounts.balance_as_of(account_id, closing_instant(d))) for d in todo),
        )
        if not found:
            return AccrualSummary(accounts=1)
        carry = uow.interest.carry(account_id)
        settled: list[tuple[Period, int]] = []
        for period in found:
            settlement = settle(period.accrued, carry)
            carry = settlement.carry
            settled.append((period, settlement.amount))
        requests = [_request(account, period, amount) for period, amount in settled if amount]
        if requests:
            existing = uow.transfers.get_many(r.id for r in requests)
            for outcome in ledger.post_transfers(requests, existing=existing, accounts=locked, at=now):
                if not outcome.replayed:
                    uow.transfers.add(outcome.transfer, outcome.entries)
            uow.accounts.save(locked.values())
        for period, amount in settled:
            uow.interest.add_accruals(period.accruals, period.transfer_id() if amount else None, now)
        uow.interest.set_carry(account_id, carry, found[-1].last_day, now)
        uow.commit()
        return AccrualSummary(
            accounts=1,
            days=sum(len(p.accruals) for p in found),
            postings=tuple(
                PostedInterest(p.transfer_id(), account_id, p.first_day, p.last_day, amount)
                for p, amount in settled
                if amount
            ),
        )


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
