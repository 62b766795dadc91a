"""The in-memory unit of work behaves like a database transaction (the contract test checks the
same things against PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from application.api_keys import ApiKeyUnitOfWork
from application.ports import Clock, IdSource, RetryableConflict, UnitOfWork, UnitOfWorkFactory
from domain import ledger
from domain.accounts import Account, AccountStatus, Balances, Layer, Side
from domain.assets import Asset
from domain.transfers import TransferRequest
from tests.fakes import FakeClock, FakeUnitOfWork, InMemoryStore, SequentialIds, UniqueViolation
from tests.unit.builders import AT, BRL, account, new_id

# The fakes subclass nothing; these annotations make mypy check that they fit the ports.
_store = InMemoryStore()
_uow: UnitOfWork = _store.unit_of_work()
_api_key_uow: ApiKeyUnitOfWork = _store.unit_of_work()
_factory: UnitOfWorkFactory = _store.unit_of_work
_clock: Clock = FakeClock()
_ids: IdSource = SequentialIds()

UowFactory = Callable[[], FakeUnitOfWork]


def add_account(uow: UowFactory, *, code: str = "alice", funding: bool = False) -> Account:
    alice = account(code, normal_side=Side.DEBIT, min_balance=None) if funding else account(code)
    with uow() as tx:
        if tx.assets.get("BRL") is None:
            tx.assets.add(BRL)
        tx.accounts.add(alice)
        tx.commit()
    return alice


def test_commit_publishes_the_writes(store: InMemoryStore, uow: UowFactory) -> None:
    alice = add_account(uow)
    assert store.accounts[alice.id].code == "alice"
    assert store.assets == {"BRL": BRL}


def test_leaving_without_commit_discards_everything(store: InMemoryStore, uow: UowFactory) -> None:
    with uow() as tx:
        tx.assets.add(BRL)
        tx.accounts.add(account("alice"))
        assert tx.accounts.get_by_code("alice") is not None, "a unit of work reads its own writes"
    assert store.accounts == {} and store.assets == {}


def test_an_exception_discards_everything(store: InMemoryStore, uow: UowFactory) -> None:
    with pytest.raises(ZeroDivisionError), uow() as tx:
        tx.assets.add(BRL)
        _ = 1 / 0
    assert store.assets == {}


def test_writes_after_a_commit_need_a_commit_of_their_own(store: InMemoryStore, uow: UowFactory) -> None:
    with uow() as tx:
        tx.assets.add(BRL)
        tx.commit()
        tx.assets.add(Asset("USD", 2))
    assert set(store.assets) == {"BRL"}


def test_rollback_discards_what_was_written_so_far(store: InMemoryStore, uow: UowFactory) -> None:
    with uow() as tx:
        tx.assets.add(BRL)
        tx.rollback()
        assert tx.assets.get("BRL") is None
        tx.assets.add(Asset("USD", 2))
        tx.commit()
    assert set(store.assets) == {"USD"}


def test_uncommitted_writes_are_invisible_to_other_units_of_work(uow: UowFactory) -> None:
    with uow() as writer:
        writer.assets.add(BRL)
        with uow() as reader:
            assert reader.assets.get("BRL") is None
        writer.commit()
    with uow() as reader:
        assert reader.assets.get("BRL") == BRL


def test_reads_return_copies_that_change_nothing_until_saved(store: InMemoryStore, uow: UowFactory) -> None:
    alice = add_account(uow)
    with uow() as tx:
        loaded = tx.accounts.get(alice.id)
        assert loaded is not None
        loaded.freeze()
        loaded.metadata["changed"] = True
        tx.commit()
    assert store.accounts[alice.id].status is AccountStatus.ACTIVE
    assert store.accounts[alice.id].metadata == {}


def test_save_persists_only_the_status_of_locked_accounts(store: InMemoryStore, uow: UowFactory) -> None:
    alice = add_account(uow)
    with uow() as tx:
        locked = tx.accounts.lock([alice.id])[alice.id]
        locked.freeze()
        locked.next_seq()  # the counter and the balances follow the journal, not `save`
        locked.move(Layer.POSTED, Side.CREDIT, 100)
        locked.name = "renamed"  # not a column `save` writes
        tx.accounts.save([locked])
        tx.commit()
    stored = store.accounts[alice.id]
    assert (stored.status, stored.last_seq, stored.balances, stored.name) == (
        AccountStatus.FROZEN,
        0,
        Balances(),
        "Alice",
    )


def test_balances_and_counter_follow_the_journal(store: InMemoryStore, uow: UowFactory) -> None:
    alice, bank = add_account(uow), add_account(uow, code="bank", funding=True)
    hold = TransferRequest.simple(
        new_id(), debit_account_id=bank.id, credit_account_id=alice.id, amount=100, pending=True
    )
    with uow() as tx:
        accounts = tx.accounts.lock([alice.id, bank.id])
        [booked] = ledger.post_transfers([hold], existing={}, accounts=accounts, at=AT)
        tx.transfers.add(booked.transfer, booked.entries)  # no `accounts.save`
        tx.commit()
    stored_bank, stored_alice = store.accounts[bank.id], store.accounts[alice.id]
    assert (stored_bank.balances, stored_bank.last_seq) == (Balances(pending_debits=100), 1)
    assert (stored_alice.balances, stored_alice.last_seq) == (Balances(pending_credits=100), 1)

    with uow() as tx:
        accounts = tx.accounts.lock([alice.id, bank.id])
        posted = ledger.post_pending(hold.id, tx.transfers.lock(hold.id), accounts, AT, amount=60)
        tx.transfers.save(posted.transfer, posted.entries)  # the hold is released, 60 posted
        tx.commit()
    stored_bank, stored_alice = store.accounts[bank.id], store.accounts[alice.id]
    assert (stored_bank.balances, stored_bank.last_seq) == (Balances(posted_debits=60), 2)
    assert (stored_alice.posted_balance, stored_alice.available_balance) == (60, 60)


def test_save_requires_the_account_to_be_locked_in_this_unit_of_work(uow: UowFactory) -> None:
    alice = add_account(uow)
    with uow() as tx:
        loaded = tx.accounts.get(alice.id)
        assert loaded is not None
        with pytest.raises(AssertionError):
            tx.accounts.save([loaded])


def test_lock_returns_existing_accounts_in_ascending_id_order(uow: UowFactory) -> None:
    bob, alice = add_account(uow, code="bob"), add_account(uow, code="alice")
    missing = account("missing")
    with uow() as tx:
        locked = tx.accounts.lock([missing.id, alice.id, bob.id, alice.id])
    assert list(locked) == sorted([alice.id, bob.id])


def test_a_row_locked_by_another_open_unit_of_work_is_a_retryable_conflict(uow: UowFactory) -> None:
    alice = add_account(uow)
    with uow() as first:
        first.accounts.lock([alice.id])
        with uow() as second, pytest.raises(RetryableConflict):
            second.accounts.lock([alice.id])
    with uow() as third:
        assert alice.id in third.accounts.lock([alice.id]), "locks end with the unit of work"


def test_duplicate_idempotency_keys_are_retryable_conflicts(uow: UowFactory) -> None:
    add_account(uow)
    with uow() as tx:
        with pytest.raises(RetryableConflict):
            tx.assets.add(BRL)
        with pytest.raises(RetryableConflict):
            tx.accounts.add(account("alice"))


def test_the_same_key_committed_concurrently_is_a_retryable_conflict(
    store: InMemoryStore, uow: UowFactory
) -> None:
    with uow() as first, uow() as second:
        first.assets.add(BRL)
        second.assets.add(BRL)
        first.commit()
        with pytest.raises(RetryableConflict):
            second.commit()
    assert store.assets == {"BRL": BRL}


def test_other_duplicates_are_unique_violations(uow: UowFactory) -> None:
    alice = add_account(uow)
    twin = account("twin")
    twin.id = alice.id
    with uow() as tx, pytest.raises(UniqueViolation):
        tx.accounts.add(twin)


def test_repositories_refuse_use_outside_the_with_block(uow: UowFactory) -> None:
    tx = uow()
    with pytest.raises(RuntimeError):
        tx.assets.get("BRL")
    with tx:
        pass
    with pytest.raises(RuntimeError):
        tx.commit()


def test_a_unit_of_work_can_be_entered_again_but_not_twice_at_once(uow: UowFactory) -> None:
    tx = uow()
    with tx, pytest.raises(RuntimeError), tx:
        pass
    with tx:
        tx.assets.add(BRL)
        tx.commit()


def test_the_account_query_orders_by_code_and_filters(uow: UowFactory) -> None:
    for code in ["b:2", "a:1", "b:1", "c:1"]:
        add_account(uow, code=code)
    with uow() as tx:
        codes = [a.code for a in tx.accounts.query(code_prefix="b:", asset=None, after_code=None, limit=10)]
        after = [a.code for a in tx.accounts.query(code_prefix=None, asset="BRL", after_code="b:1", limit=2)]
        other = tx.accounts.query(code_prefix=None, asset="USD", after_code=None, limit=10)
    assert (codes, after, other) == (["b:1", "b:2"], ["b:2", "c:1"], [])


def test_totals_sum_the_accounts_of_each_asset(uow: UowFactory) -> None:
    add_account(uow)
    with uow() as tx:
        assert [(t.asset, t.accounts, t.balanced) for t in tx.accounts.totals(None)] == [("BRL", 1, True)]
        assert tx.accounts.totals("USD") == []


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
