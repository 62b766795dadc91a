"""Use cases for accounts: open, freeze, unfreeze, close, read, list, balances and statements.

Opening an account and changing its status record an event (`application.events`); a replay of an
opening, or a status the account already has, records nothing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from application import events
from application.assets import resolve_asset
from application.events import EventType
from application.pages import Page, check_limit, paginate
from application.ports import Clock, IdSource, StatementLine, UnitOfWork
from application.search import AccountFilter
from domain.accounts import Account, Side
from domain.errors import AccountNotFound, IdempotencyConflict, ValidationError
from domain.time_basis import (
    Basis,
    DayBalance,
    ValuePosition,
    check_history_range,
    posted_from_net,
    running_balances,
)
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
    where: AccountFilter | None = None,
    *,
    code_prefix: str | None = None,
    asset: str | None = None,
    after_code: str | None = None,
    limit: int = 100,
) -> Page[Account, str]:
    """Accounts in code order matching `where` (`application.search`; `code_prefix` and `asset` are
    shorthands for its fields). A category that does not exist is a `validation_error` on
    `category`, not an empty list."""
    check_limit(limit)
    where = where or AccountFilter()
    if code_prefix is not None or asset is not None:
        where = replace(where, code_prefix=code_prefix or where.code_prefix, asset=asset or where.asset)
    with uow:
        categories = None
        if where.category is not None:
            categories = uow.accounts.category_tree(where.category, descendants=where.category_descendants)
            if categories is None:
                raise ValidationError.of("category", f"there is no category {where.category}")
        rows = uow.accounts.query(where, categories=categories, after_code=after_code, limit=limit + 1)
    return paginate(rows, limit, lambda a: a.code)


@dataclass(frozen=True, slots=True)
class BalanceAsOf:
    account: Account
    as_of: datetime
    posted_balance: int
    #: Which instant of its transfers an entry counts from (`domain.time_basis`).
    basis: Basis = Basis.BOOKED


def balance_as_of(
    account_id: UUID, at: datetime, uow: UnitOfWork, basis: Basis = Basis.BOOKED
) -> BalanceAsOf:
    """The posted balance at `at`: as the books stood then (`booked`, an index lookup), or counting
    every posted entry whose value date is at or before `at`, whenever it was booked (`effective`:
    exact under backdating; a backdated entry may even predate the account's opening)."""
    check_timestamp(at, "as_of")
    with uow:
        account = _existing(account_id, uow.accounts.get(account_id))
        if basis is Basis.EFFECTIVE:
            net = uow.accounts.value_net(account_id, at)
            return BalanceAsOf(account, at, posted_from_net(net, account.normal_side), basis)
        if at < account.created_at:
            return BalanceAsOf(account, at, 0, basis)
        return BalanceAsOf(account, at, uow.accounts.balance_as_of(account_id, at), basis)


def statement(
    account_id: UUID,
    uow: UnitOfWork,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    after_seq: int | None = None,
    limit: int = 100,
) -> Page[StatementLine, int]:
    """The account's posted entries with their running balance, in booking order (`start <= booked
    at < end`)."""
    check_limit(limit)
    _check_window(start, end)
    with uow:
        _existing(account_id, uow.accounts.get(account_id))
        rows = uow.accounts.statement(account_id, start=start, end=end, after_seq=after_seq, limit=limit + 1)
    return paginate(rows, limit, lambda line: line.entry.seq)


def _check_window(start: datetime | None, end: datetime | None) -> None:
    for value, name in ((start, "from"), (end, "to")):
        if value is not None:
            check_timestamp(value, name)
    if start is not None and end is not None and end < start:
        raise ValidationError.of("to", "must not be before 'from'")


def value_statement(
    account_id: UUID,
    uow: UnitOfWork,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    after: ValuePosition | None = None,
    limit: int = 100,
) -> Page[StatementLine, ValuePosition]:
    """The account's posted entries in value-date order (value date, then entry number), `start <=
    value date < end`, each with the posted balance just after it IN THAT ORDER: the page's opening is
    every posted entry before its first line (`AccountRepository.value_net_before`), so a backdated
    entry moves every later line's balance, whichever page it is on."""
    check_limit(limit)
    _check_window(start, end)
    with uow:
        account = _existing(account_id, uow.accounts.get(account_id))
        rows = uow.accounts.value_statement(account_id, start=start, end=end, after=after, limit=limit + 1)
        page = paginate(rows, limit, lambda line: ValuePosition(line.effective_at, line.entry.seq))
        if not page.items:
            return page
        first = page.items[0]
        opening = uow.accounts.value_net_before(
            account_id, ValuePosition(first.effective_at, first.entry.seq)
        )
    balances = running_balances(
        opening, account.normal_side, ((line.entry.side, line.entry.amount) for line in page.items)
    )
    lines = [
        replace(line, entry=replace(line.entry, balance_after=balance))
        for line, balance in zip(page.items, balances, strict=True)
    ]
    return Page(lines, page.next_cursor)


@dataclass(frozen=True, slots=True)
class BalanceHistory:
    """An account's closing posted balances, one per UTC day from `first` to `last`."""

    account: Account
    basis: Basis
    first: date
    last: date
    days: list[DayBalance]


def history(
    account_id: UUID, first: date, last: date, uow: UnitOfWork, basis: Basis = Basis.BOOKED
) -> BalanceHistory:
    """The account's posted balance at the end of every UTC day from `first` to `last` (both
    included, at most `MAX_HISTORY_DAYS`): as booked by then, or by value date."""
    check_history_range(first, last)
    with uow:
        account = _existing(account_id, uow.accounts.get(account_id))
        read = uow.accounts.value_history if basis is Basis.EFFECTIVE else uow.accounts.booked_history
        days = [DayBalance(day, balance) for day, balance in read(account_id, first, last)]
    return BalanceHistory(account, basis, first, last, days)
