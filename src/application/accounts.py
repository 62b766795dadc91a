"""Use cases for accounts: open, freeze, unfreeze, close, read, list, balances and statements.

Opening an account and changing its status record an event (`application.events`); a replay of an
opening, or a status the account already has, records nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from application import events
from application.assets import resolve_asset
from application.events import EventType
from application.pages import Page, check_limit, paginate
from application.ports import Clock, IdSource, StatementLine, UnitOfWork
from domain.accounts import Account, Side
from domain.errors import AccountNotFound, IdempotencyConflict, ValidationError
from domain.values import check_timestamp


@dataclass(frozen=True, slots=True)
class OpenAccount:
    code: str
    name: str
    asset: str
    normal_side: Side | str
    min_balance: int | None = 0
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Opened:
    account: Account
    replayed: bool


def open_account(cmd: OpenAccount, uow: UnitOfWork, clock: Clock, ids: IdSource) -> Opened:
    """Open an account. The code is its idempotency key: the same request again returns the
    original account; a different request with a used code is an `idempotency_conflict`."""
    with uow:
        asset = resolve_asset(cmd.asset, uow)
        account = Account.open(
            id=ids.new_id(),
            code=cmd.code,
            name=cmd.name,
            asset=asset,
            normal_side=cmd.normal_side,
            min_balance=cmd.min_balance,
            metadata=cmd.metadata,
            at=clock.now(),
        )
        existing = uow.accounts.get_by_code(cmd.code)
        if existing is not None:
            if not existing.same_opening(account):
                raise IdempotencyConflict(
                    f"an account with code {cmd.code} already exists with other attributes",
                    account_id=str(existing.id),
                )
            return Opened(existing.as_opened(), replayed=True)
        uow.accounts.add(account)
        uow.events.add([events.of_account(EventType.ACCOUNT_OPENED, account, account.created_at)])
        uow.commit()
        return Opened(account, replayed=False)


def _change_status(account_id: UUID, uow: UnitOfWork, clock: Clock, action: str, event: EventType) -> Account:
    with uow:
        account = _existing(account_id, uow.accounts.lock([account_id]).get(account_id))
        before = account.status
        getattr(account, action)()
        if account.status is not before:
            uow.accounts.save([account])
            uow.events.add([events.of_account(event, account, clock.now())])
            uow.commit()
        return account


def freeze_account(account_id: UUID, uow: UnitOfWork, clock: Clock) -> Account:
    """Stop all new postings on the account (holds can still be voided or expire)."""
    return _change_status(account_id, uow, clock, "freeze", EventType.ACCOUNT_FROZEN)


def unfreeze_account(account_id: UUID, uow: UnitOfWork, clock: Clock) -> Account:
    return _change_status(account_id, uow, clock, "unfreeze", EventType.ACCOUNT_UNFROZEN)


def close_account(account_id: UUID, uow: UnitOfWork, clock: Clock) -> Account:
    """Close for good: needs a zero posted balance and nothing pending."""
    return _change_status(account_id, uow, clock, "close", EventType.ACCOUNT_CLOSED)


def _existing(account_id: UUID, account: Account | None) -> Account:
    if account is None:
        raise AccountNotFound(f"account {account_id} does not exist", account_id=str(account_id))
    return account


def get_account(account_id: UUID, uow: UnitOfWork) -> Account:
    with uow:
        return _existing(account_id, uow.accounts.get(account_id))


def list_accounts(
    uow: UnitOfWork,
    *,
    code_prefix: str | None = None,
    asset: str | None = None,
    after_code: str | None = None,
    limit: int = 100,
) -> Page[Account, str]:
    check_limit(limit)
    with uow:
        rows = uow.accounts.query(
            code_prefix=code_prefix, asset=asset, after_code=after_code, limit=limit + 1
        )
    return paginate(rows, limit, lambda a: a.code)


@dataclass(frozen=True, slots=True)
class BalanceAsOf:
    account: Account
    as_of: datetime
    posted_balance: int


def balance_as_of(account_id: UUID, at: datetime, uow: UnitOfWork) -> BalanceAsOf:
    """The posted balance as the books stood at `at` (booking time)."""
    check_timestamp(at, "as_of")
    with uow:
        account = _existing(account_id, uow.accounts.get(account_id))
        if at < account.created_at:
            return BalanceAsOf(account, at, 0)
        return BalanceAsOf(account, at, uow.accounts.balance_as_of(account_id, at))


def statement(
    account_id: UUID,
    uow: UnitOfWork,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    after_seq: int | None = None,
    limit: int = 100,
) -> Page[StatementLine, int]:
    """The account's posted entries with their running balance, oldest first."""
    check_limit(limit)
    for value, name in ((start, "from"), (end, "to")):
        if value is not None:
            check_timestamp(value, name)
    if start is not None and end is not None and end < start:
        raise ValidationError.of("to", "must not be before 'from'")
    with uow:
        _existing(account_id, uow.accounts.get(account_id))
        rows = uow.accounts.statement(account_id, start=start, end=end, after_seq=after_seq, limit=limit + 1)
    return paginate(rows, limit, lambda line: line.entry.seq)
