"""Small builders for the unit tests: accounts, transfer requests, a booking helper for the domain
tests, and the shapes of the use-case fixtures (`open_`, `move`) of `conftest.py`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain import ledger
from domain.accounts import Account, Side
from domain.assets import Asset
from domain.ledger import Outcome
from domain.transfers import Posting, Transfer, TransferRequest
from tests.fakes import InMemoryStore, SequentialIds

AT = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
BRL = Asset("BRL", 2)
USD = Asset("USD", 2)

_ids = SequentialIds(namespace=0xD0)


def new_id() -> UUID:
    return _ids.new_id()


def account(
    code: str,
    *,
    asset: Asset = BRL,
    normal_side: Side = Side.CREDIT,
    min_balance: int | None = 0,
) -> Account:
    """A new active account: credit-normal with a zero minimum unless told otherwise."""
    return Account.open(
        id=new_id(),
        code=code,
        name=code.title(),
        asset=asset,
        normal_side=normal_side,
        min_balance=min_balance,
        at=AT,
    )


def funding(code: str = "bank", *, asset: Asset = BRL) -> Account:
    """A debit-normal account without a minimum, the source of money in tests."""
    return account(code, asset=asset, normal_side=Side.DEBIT, min_balance=None)


def move(
    source: Account, target: Account, amount: int, *, id: UUID | None = None, **options: Any
) -> TransferRequest:
    """Debit `source`, credit `target`."""
    return TransferRequest.simple(
        id or new_id(), debit_account_id=source.id, credit_account_id=target.id, amount=amount, **options
    )


def lines(*postings: tuple[Account, Side, int], **options: Any) -> TransferRequest:
    return TransferRequest(
        new_id(), tuple(Posting(a.id, side, amount) for a, side, amount in postings), **options
    )


#: `open_("alice", **options)` opens an account through the use case and returns it.
OpenFn = Callable[..., Account]
#: `move(source, target, amount, **options)` books one simple transfer through the write path.
MoveFn = Callable[..., Outcome]


def balance(store: InMemoryStore, account: Account) -> tuple[int, int]:
    """(posted, available) as committed in the store."""
    stored = store.accounts[account.id]
    return stored.posted_balance, stored.available_balance


class Books:
    """Accounts held in a dict, with the ledger's operations applied to them (no persistence)."""

    def __init__(self, *accounts: Account) -> None:
        self.accounts: dict[UUID, Account] = {a.id: a for a in accounts}
        self.transfers: dict[UUID, Transfer] = {}

    def book(self, *requests: TransferRequest, at: datetime = AT) -> list[Outcome]:
        outcomes = ledger.post_transfers(
            requests, existing=self.existing(requests), accounts=self.accounts, at=at
        )
        for outcome in outcomes:
            if not outcome.replayed:
                self.transfers[outcome.transfer.id] = outcome.transfer
        return outcomes

    def existing(self, requests: Sequence[TransferRequest]) -> Mapping[UUID, Transfer]:
        return {r.id: self.transfers[r.id] for r in requests if r.id in self.transfers}

    def fund(self, source: Account, target: Account, amount: int) -> Transfer:
        return self.book(move(source, target, amount))[0].transfer
