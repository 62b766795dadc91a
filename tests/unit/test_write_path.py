"""The in-app write path retries a use case when the database reports a concurrent write."""

from __future__ import annotations

import pytest

from application.ports import RetryableConflict
from application.write_path import InAppWritePath
from domain.errors import InsufficientFunds
from domain.transfers import TransferRequest
from tests.fakes import FakeClock, FakeUnitOfWork, InMemoryStore, SequentialIds
from tests.unit.builders import MoveFn, OpenFn, balance


class ConflictingOnCommit(FakeUnitOfWork):
    """A unit of work whose commit fails as a serialization failure would."""

    def commit(self) -> None:
        raise RetryableConflict("could not serialize access")


def test_a_conflicting_attempt_is_run_again_and_books_once(
    store: InMemoryStore, clock: FakeClock, ids: SequentialIds, open_: OpenFn, move: MoveFn
) -> None:
    bank, alice = open_("bank", normal_side="debit", min_balance=None), open_("alice")
    made: list[FakeUnitOfWork] = []

    def factory() -> FakeUnitOfWork:
        uow = ConflictingOnCommit(store) if len(made) < 2 else FakeUnitOfWork(store)
        made.append(uow)
        return uow

    request = TransferRequest.simple(
        ids.new_id(), debit_account_id=bank.id, credit_account_id=alice.id, amount=700
    )
    [outcome] = InAppWritePath(factory, clock).post_transfers([request])
    assert not outcome.replayed
    assert balance(store, alice) == (700, 700)
    assert [e.transfer_id for e in store.entries].count(request.id) == 2


def test_when_every_attempt_conflicts_the_conflict_is_raised_and_nothing_is_booked(
    store: InMemoryStore, clock: FakeClock, ids: SequentialIds, open_: OpenFn
) -> None:
    bank, alice = open_("bank", normal_side="debit", min_balance=None), open_("alice")
    request = TransferRequest.simple(
        ids.new_id(), debit_account_id=bank.id, credit_account_id=alice.id, amount=700
    )
    with pytest.raises(RetryableConflict):
        InAppWritePath(lambda: ConflictingOnCommit(store), clock, attempts=3).post_transfers([request])
    assert balance(store, alice) == (0, 0) and store.transfers == {}


def test_an_account_locked_elsewhere_makes_the_write_path_give_up_with_a_conflict(
    store: InMemoryStore, clock: FakeClock, ids: SequentialIds, open_: OpenFn
) -> None:
    bank, alice = open_("bank", normal_side="debit", min_balance=None), open_("alice")
    request = TransferRequest.simple(
        ids.new_id(), debit_account_id=bank.id, credit_account_id=alice.id, amount=1
    )
    with store.unit_of_work() as other:
        other.accounts.lock([alice.id])
        with pytest.raises(RetryableConflict):
            InAppWritePath(store.unit_of_work, clock).post_transfers([request])
    InAppWritePath(store.unit_of_work, clock).post_transfers([request])
    assert balance(store, alice) == (1, 1)


def test_domain_errors_are_raised_as_they_are(store: InMemoryStore, open_: OpenFn, move: MoveFn) -> None:
    alice, bob = open_("alice"), open_("bob")
    with pytest.raises(InsufficientFunds):
        move(alice, bob, 1)
    assert balance(store, alice) == (0, 0) and store.transfers == {}
