"""Fixtures of the use-case tests: an in-memory store, a hand-driven clock, ids, and small helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from application.accounts import OpenAccount, open_account
from application.write_path import InAppWritePath
from domain.accounts import Account
from domain.ledger import Outcome
from domain.transfers import TransferRequest
from tests.fakes import FakeClock, FakeUnitOfWork, InMemoryStore, SequentialIds
from tests.unit.builders import MoveFn, OpenFn


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def uow(store: InMemoryStore) -> Callable[[], FakeUnitOfWork]:
    """The unit of work factory: `uow()` is a new unit of work over the store."""
    return store.unit_of_work


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture
def write(store: InMemoryStore, clock: FakeClock) -> InAppWritePath:
    return InAppWritePath(store.unit_of_work, clock)


@pytest.fixture
def open_(store: InMemoryStore, clock: FakeClock, ids: SequentialIds) -> OpenFn:
    """`open_("alice")`: a credit-normal BRL account with a zero minimum, unless told otherwise."""

    def _open(code: str, **options: Any) -> Account:
        fields: dict[str, Any] = {"asset": "BRL", "normal_side": "credit", "min_balance": 0, **options}
        command = OpenAccount(code, fields.pop("name", code.title()), **fields)
        return open_account(command, store.unit_of_work(), clock, ids).account

    return _open


@pytest.fixture
def move(write: InAppWritePath, ids: SequentialIds) -> MoveFn:
    """`move(source, target, amount, **options)`: book one simple transfer through the write path."""

    def _move(source: Account, target: Account, amount: int, **options: Any) -> Outcome:
        request = TransferRequest.simple(
            options.pop("id", None) or ids.new_id(),
            debit_account_id=source.id,
            credit_account_id=target.id,
            amount=amount,
            **options,
        )
        return write.post_transfers([request])[0]

    return _move
