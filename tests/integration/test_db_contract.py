"""The contract of a unit of work, checked against PostgreSQL: the same checks as
tests/unit/test_fakes.py makes of the in-memory fake, so that the two cannot drift apart.

Where a real database cannot behave like the fake, the check is adapted and says why:
- a row locked by another open unit of work makes PostgreSQL wait (the fake, which cannot block,
  raises `RetryableConflict`); see test_db_concurrency.py for waiting in threads;
- after a failed statement the PostgreSQL transaction is aborted, so a check stops at the first error.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from adapters.db.unit_of_work import SqlUnitOfWork
from application.api_keys import ApiKeyUnitOfWork
from application.ports import RetryableConflict, UnitOfWork, UnitOfWorkFactory
from domain import ledger
from domain.accounts import Account, AccountStatus, Balances, Layer, Side
from domain.assets import Asset
from domain.transfers import TransferRequest

AT = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
BRL, USD = Asset("BRL", 2), Asset("USD", 2)

Uow = Callable[[], SqlUnitOfWork]


def _fits_the_ports(uow: SqlUnitOfWork) -> None:
    """Never called: mypy checks that the SQL unit of work fits the ports."""
    _a: UnitOfWork = uow
    _b: ApiKeyUnitOfWork = uow
    _c: UnitOfWorkFactory = lambda: uow  # noqa: E731


def account(code: str, *, normal_side: Side = Side.CREDIT, min_balance: int | None = 0) -> Account:
    return Account.open(
        id=uuid.uuid4(),
        code=code,
        name=code.title(),
        asset=BRL,
        normal_side=normal_side,
        min_balance=min_balance,
        at=AT,
    )


def add_account(uow: Uow, *, code: str = "alice", funding: bool = False) -> Account:
    new = account(code, normal_side=Side.DEBIT, min_balance=None) if funding else account(code)
    with uow() as tx:
        if tx.assets.get("BRL") is None:
            tx.assets.add(BRL)
        tx.accounts.add(new)
        tx.commit()
    return new


def stored_assets(uow: Uow) -> set[str]:
    with uow() as tx:
        return {a.code for a in tx.assets.all()}


def test_commit_publishes_the_writes(uow_factory: Uow) -> None:
    alice = add_account(uow_factory)
    with uow_factory() as tx:
        assert tx.accounts.get(alice.id).code == "alice"  # type: ignore[union-attr]
    assert stored_assets(uow_factory) == {"BRL"}


def test_leaving_without_commit_discards_everything(uow_factory: Uow) -> None:
    with uow_factory() as tx:
        tx.assets.add(BRL)
        tx.accounts.add(account("alice"))
        assert tx.accounts.get_by_code("alice") is not None, "a unit of work reads its own writes"
    with uow_factory() as tx:
        assert tx.accounts.get_by_code("alice") is None
    assert stored_assets(uow_factory) == set()


def test_an_exception_discards_everything(uow_factory: Uow) -> None:
    with pytest.raises(ZeroDivisionError), uow_factory() as tx:
        tx.assets.add(BRL)
        _ = 1 / 0
    assert stored_assets(uow_factory) == set()


def test_writes_after_a_commit_need_a_commit_of_their_own(uow_factory: Uow) -> None:
    with uow_factory() as tx:
        tx.assets.add(BRL)
        tx.commit()
        tx.assets.add(USD)
    assert stored_assets(uow_factory) == {"BRL"}


def test_rollback_discards_what_was_written_so_far(uow_factory: Uow) -> None:
    with uow_factory() as tx:
        tx.assets.add(BRL)
        tx.rollback()
        assert tx.assets.get("BRL") is None
        tx.assets.add(USD)
        tx.commit()
    assert stored_assets(uow_factory) == {"USD"}


def test_uncommitted_writes_are_invisible_to_other_units_of_work(uow_factory: Uow) -> None:
    with uow_factory() as writer:
        writer.assets.add(BRL)
        with uow_factory() as reader:
            assert reader.assets.get("BRL") is None
        writer.commit()
    with uow_factory() as reader:
        assert reader.assets.get("BRL") == BRL


def test_reads_return_copies_that_change_nothing_until_saved(uow_factory: Uow) -> None:
    alice = add_account(uow_factory)
    with uow_factory() as tx:
        loaded = tx.accounts.get(alice.id)
        assert loaded is not None
        loaded.freeze()
        loaded.metadata["changed"] = True
        tx.commit()
    with uow_factory() as tx:
        stored = tx.accounts.get(alice.id)
    assert stored is not None and (stored.status, stored.metadata) == (AccountStatus.ACTIVE, {})


def test_save_persists_only_the_status_of_locked_accounts(uow_factory: Uow) -> None:
    alice = add_account(uow_factory)
    with uow_factory() as tx:
        locked = tx.accounts.lock([alice.id])[alice.id]
        locked.freeze()
        locked.next_seq()  # the counter and the balances follow the journal, not `save`
        locked.move(Layer.POSTED, Side.CREDIT, 100)
        locked.name = "renamed"  # not a column `save` writes
        tx.accounts.save([locked])
        tx.commit()
    stored = _stored(uow_factory, alice)
    assert (stored.status, stored.last_seq, stored.balances, stored.name) == (
        AccountStatus.FROZEN,
        0,
        Balances(),
        "Alice",
    )


def _stored(uow: Uow, account: Account) -> Account:
    with uow() as tx:
        stored = tx.accounts.get(account.id)
    assert stored is not None
    return stored


def test_balances_and_counter_follow_the_journal(uow_factory: Uow) -> None:
    alice, bank = add_account(uow_factory), add_account(uow_factory, code="bank", funding=True)
    hold = TransferRequest.simple(
        uuid.uuid4(), debit_account_id=bank.id, credit_account_id=alice.id, amount=100, pending=True
    )
    with uow_factory() as tx:
        accounts = tx.accounts.lock([alice.id, bank.id])
        [booked] = ledger.post_transfers([hold], existing={}, accounts=accounts, at=AT)
        tx.transfers.add(booked.transfer, booked.entries)  # no `accounts.save`
        tx.commit()
    stored_bank, stored_alice = _stored(uow_factory, bank), _stored(uow_factory, alice)
    assert (stored_bank.balances, stored_bank.last_seq) == (Balances(pending_debits=100), 1)
    assert (stored_alice.balances, stored_alice.last_seq) == (Balances(pending_credits=100), 1)

    with uow_factory() as tx:
        accounts = tx.accounts.lock([alice.id, bank.id])
        posted = ledger.post_pending(hold.id, tx.transfers.lock(hold.id), accounts, AT, amount=60)
        tx.transfers.save(posted.transfer, posted.entries)  # the hold is released, 60 posted
        tx.commit()
    stored_bank, stored_alice = _stored(uow_factory, bank), _stored(uow_factory, alice)
    assert (stored_bank.balances, stored_bank.last_seq) == (Balances(posted_debits=60), 2)
    assert (stored_alice.posted_balance, stored_alice.available_balance) == (60, 60)


def test_save_requires_the_account_to_be_locked_in_this_unit_of_work(uow_factory: Uow) -> None:
    alice = add_account(uow_factory)
    with uow_factory() as tx:
        loaded = tx.accounts.get(alice.id)
        assert loaded is not None
        with pytest.raises(AssertionError):
            tx.accounts.save([loaded])


def test_lock_returns_existing_accounts_in_ascending_id_order(uow_factory: Uow) -> None:
    bob, alice = add_account(uow_factory, code="bob"), add_account(uow_factory, code="alice")
    missing = account("missing")
    with uow_factory() as tx:
        locked = tx.accounts.lock([missing.id, alice.id, bob.id, alice.id])
    assert list(locked) == sorted([alice.id, bob.id])


def test_locks_end_with_the_unit_of_work(uow_factory: Uow) -> None:
    alice = add_account(uow_factory)
    with uow_factory() as first:
        first.accounts.lock([alice.id])
    with uow_factory() as second:
        assert alice.id in second.accounts.lock([alice.id])


@pytest.mark.parametrize("duplicate", ["asset", "account code"])
def test_duplicate_idempotency_keys_are_retryable_conflicts(uow_factory: Uow, duplicate: str) -> None:
    add_account(uow_factory)
    with uow_factory() as tx, pytest.raises(RetryableConflict):
        if duplicate == "asset":
            tx.assets.add(BRL)
        else:
            tx.accounts.add(account("alice"))


def test_other_duplicates_are_not_retryable(uow_factory: Uow) -> None:
    alice = add_account(uow_factory)
    twin = account("twin")
    twin.id = alice.id
    with uow_factory() as tx, pytest.raises(IntegrityError):
        tx.accounts.add(twin)


def test_repositories_refuse_use_outside_the_with_block(uow_factory: Uow) -> None:
    tx = uow_factory()
    with pytest.raises(RuntimeError):
        tx.assets.get("BRL")
    with tx:
        pass
    with pytest.raises(RuntimeError):
        tx.commit()
    with pytest.raises(RuntimeError):
        tx.transfers.get(uuid.uuid4())


def test_a_unit_of_work_can_be_entered_again_but_not_twice_at_once(uow_factory: Uow) -> None:
    tx = uow_factory()
    with tx, pytest.raises(RuntimeError), tx:
        pass
    with tx:
        tx.assets.add(BRL)
        tx.commit()
    assert stored_assets(uow_factory) == {"BRL"}


def test_the_account_query_orders_by_code_and_filters(uow_factory: Uow) -> None:
    for code in ["b:2", "a:1", "b:1", "c:1"]:
        add_account(uow_factory, code=code)
    with uow_factory() as tx:
        codes = [a.code for a in tx.accounts.query(code_prefix="b:", asset=None, after_code=None, limit=10)]
        after = [a.code for a in tx.accounts.query(code_prefix=None, asset="BRL", after_code="b:1", limit=2)]
        other = tx.accounts.query(code_prefix=None, asset="USD", after_code=None, limit=10)
    assert (codes, after, other) == (["b:1", "b:2"], ["b:2", "c:1"], [])


def test_totals_sum_the_accounts_of_each_asset(uow_factory: Uow) -> None:
    add_account(uow_factory)
    with uow_factory() as tx:
        assert [(t.asset, t.accounts, t.balanced) for t in tx.accounts.totals(None)] == [("BRL", 1, True)]
        assert tx.accounts.totals("USD") == []
