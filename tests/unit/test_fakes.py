"""The in-memory fakes: the unit of work passes the unit of work contract (tests/contracts), the same
checks the SQL unit of work passes on PostgreSQL; the clock and the id source have tests of their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from application.api_keys import ApiKeyUnitOfWork
from application.ports import Clock, IdSource, UnitOfWork, UnitOfWorkFactory
from domain.accounts import Account
from domain.assets import Asset
from tests.contracts.unit_of_work import AT, Implementation, UnitOfWorkContract
from tests.fakes import FakeClock, FakeUnitOfWork, InMemoryStore, SequentialIds, UniqueViolation

# The fakes subclass nothing; these annotations make mypy check that they fit the ports.
_store = InMemoryStore()
_uow: UnitOfWork = _store.unit_of_work()
_api_key_uow: ApiKeyUnitOfWork = _store.unit_of_work()
_factory: UnitOfWorkFactory = _store.unit_of_work
_clock: Clock = FakeClock()
_ids: IdSource = SequentialIds()


class InMemory:
    """The contract's view of the fake: the store is what is committed."""

    unique_violation: type[Exception] = UniqueViolation
    #: The fake keeps going after a failed statement (PostgreSQL aborts the transaction).
    failed_transaction: type[Exception] | None = None
    #: The fake runs in one thread and cannot wait: a held row or key is a `RetryableConflict`.
    waits_for_other_units_of_work: bool = False

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def committed_assets(self) -> dict[str, Asset]:
        return dict(self._store.assets)

    def committed_accounts(self) -> dict[UUID, Account]:
        return dict(self._store.accounts)

    def await_a_waiting_unit_of_work(self) -> None:
        raise AssertionError("the fake never waits")

    def settle_events(self) -> None:
        """One writer at a time: every committed event is readable at once."""


class TestFakeUnitOfWork(UnitOfWorkContract):
    @pytest.fixture
    def uow(self, store: InMemoryStore) -> Callable[[], FakeUnitOfWork]:
        return store.unit_of_work

    @pytest.fixture
    def implementation(self, store: InMemoryStore) -> Implementation:
        return InMemory(store)


def test_the_fake_clock_stands_still_until_advanced() -> None:
    clock = FakeClock(datetime(2024, 5, 1, 12, tzinfo=UTC))
    assert clock.now() == clock.now() == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert clock.advance(90) == datetime(2024, 5, 1, 12, 1, 30, tzinfo=UTC)
    assert clock.now().tzinfo is not None
    with pytest.raises(ValueError):
        FakeClock(datetime(2024, 5, 1))
    clock.set(AT + timedelta(days=1))
    assert clock.now() == AT + timedelta(days=1)


def test_sequential_ids_are_ascending_and_namespaced() -> None:
    ids = SequentialIds()
    first, second = ids.new_id(), ids.new_id()
    assert first < second and first.version == 4
    assert str(SequentialIds(namespace=0xABC).new_id()).startswith("00000abc-")
