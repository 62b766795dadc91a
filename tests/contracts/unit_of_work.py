"""The contract of the unit of work (`application.ports.UnitOfWork`), written once and run against
every implementation: the in-memory fake (tests/unit/test_fakes.py) and the SQL unit of work on
PostgreSQL (tests/integration/test_db_contract.py), so that the two cannot drift apart.

A subclass of `UnitOfWorkContract` provides two fixtures:
- `uow`: the `UnitOfWorkFactory` under test (a new unit of work per call);
- `implementation`: an `Implementation`, what a check needs to know beyond the ports (how to read
  what is committed, and how the implementation behaves where a database and the fake cannot agree).

The checks use the ports only. Two behaviours differ, on purpose and explicitly (capability flags of
`Implementation`, never a silently skipped check):
- PostgreSQL makes a statement wait for a row, or a unique key, that another open transaction holds;
  the fake runs in one thread and cannot wait, so it raises `RetryableConflict` instead (at once for
  a lock, at commit for a duplicate key) and the write path runs the use case again. Either way the
  second unit of work never gets the row while the first holds it, and sees what the first committed.
- After a failed statement a PostgreSQL transaction is aborted: every statement fails until
  `rollback()`, and a `commit()` silently rolls back. The fake keeps going, and its commit publishes
  what was written. Either way `rollback()` makes the unit of work usable again.
"""

from __future__ import annotations

import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

import pytest

from application import feed
from application.events import Event, EventType
from application.feed import START, EventFilter
from application.ports import RetryableConflict, UnitOfWork, UnitOfWorkFactory
from application.search import AccountFilter
from domain import ledger
from domain.accounts import Account, AccountStatus, Balances, Layer, Side
from domain.assets import Asset
from domain.transfers import TransferRequest

AT = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
BRL, USD = Asset("BRL", 2), Asset("USD", 2)
#: How long a check waits for another thread's unit of work before it fails (never reached when green).
WAIT_SECONDS = 10


class Implementation(Protocol):
    """What the contract needs from an implementation of the unit of work beyond the ports."""

    #: What a duplicate key that is not an idempotency key raises (a bug in the caller, not retryable).
    unique_violation: type[Exception]

    #: What a statement raises after an earlier one failed in the same transaction, until `rollback()`
    #: (PostgreSQL aborts the transaction); None when the implementation keeps going (the fake).
    failed_transaction: type[Exception] | None

    #: True when a statement waits for a row or a unique key that another open unit of work holds
    #: (PostgreSQL); False when it raises `RetryableConflict` instead (the fake, which cannot block).
    waits_for_other_units_of_work: bool

    def committed_assets(self) -> dict[str, Asset]:
        """Every committed asset, by code, read outside the units of work under test."""
        ...

    def committed_accounts(self) -> dict[UUID, Account]:
        """Every committed account, by id, read outside the units of work under test."""
        ...

    def await_a_waiting_unit_of_work(self) -> None:
        """Return once some unit of work waits for a lock; fail after `WAIT_SECONDS`. Called only
        when `waits_for_other_units_of_work`."""
        ...

    def settle_events(self) -> None:
        """Return once every committed event is readable (below the watermark: on PostgreSQL, another
        session's long transaction can hold it back for a while)."""
        ...


def account(code: str, *, funding: bool = False) -> Account:
    """A new BRL account: credit-normal with a zero minimum, or debit-normal without one (`funding`)."""
    return Account.open(
        id=uuid.uuid4(),
        code=code,
        name=code.title(),
        asset=BRL,
        normal_side=Side.DEBIT if funding else Side.CREDIT,
        min_balance=None if funding else 0,
        at=AT,
    )


def add_account(uow: UnitOfWorkFactory, *, code: str = "alice", funding: bool = False) -> Account:
    """Commit a new account (and the BRL asset, the first time)."""
    new = account(code, funding=funding)
    with uow() as tx:
        if tx.assets.get("BRL") is None:
            tx.assets.add(BRL)
        tx.accounts.add(new)
        tx.commit()
    return new


def lock_status(uow: UnitOfWorkFactory, account_id: UUID) -> AccountStatus:
    """Lock one account in a unit of work of its own; its status as the lock returned it."""
    with uow() as tx:
        return tx.accounts.lock([account_id])[account_id].status


def result(future: Future[AccountStatus]) -> AccountStatus:
    return future.result(timeout=WAIT_SECONDS)


#: The idempotency keys: a duplicate means a concurrent use case wrote the same thing first.
IDEMPOTENCY_KEYS = ["asset code", "account code"]


def write_key(tx: UnitOfWork, key: str, version: int) -> None:
    """Write a row with the idempotency key `key`; `version` tells the writers of the same key apart
    (the asset's scale, the account's name). An account code needs the BRL asset committed first."""
    if key == "asset code":
        tx.assets.add(Asset("POINTS", version))
    else:
        alice = account("alice")
        alice.name = f"Alice {version}"
        tx.accounts.add(alice)


def committed_versions(implementation: Implementation, key: str) -> list[int]:
    """The `version` of each committed row with the key `write_key` writes."""
    if key == "asset code":
        return [a.scale for a in implementation.committed_assets().values() if a.code == "POINTS"]
    return [
        int(a.name.split()[-1]) for a in implementation.committed_accounts().values() if a.code == "alice"
    ]


class UnitOfWorkContract:
    """The checks every unit of work passes. Subclass it with the `uow` and `implementation` fixtures."""

    # --- transactions: commit, rollback, isolation -------------------------------------------------

    def test_commit_publishes_the_writes(
        self, uow: UnitOfWorkFactory, implementation: Implementation
    ) -> None:
        alice = add_account(uow)
        assert implementation.committed_accounts()[alice.id].code == "alice"
        assert implementation.committed_assets() == {"BRL": BRL}
        with uow() as tx:
            assert tx.accounts.get(alice.id) == alice, "another unit of work reads what was committed"

    def test_leaving_without_commit_discards_everything(
        self, uow: UnitOfWorkFactory, implementation: Implementation
    ) -> None:
        with uow() as tx:
            tx.assets.add(BRL)
            tx.accounts.add(account("alice"))
            assert tx.accounts.get_by_code("alice") is not None, "a unit of work reads its own writes"
        assert implementation.committed_accounts() == {} and implementation.committed_assets() == {}
        with uow() as tx:
            assert tx.accounts.get_by_code("alice") is None

    def test_an_exception_discards_everything(
        self, uow: UnitOfWorkFactory, implementation: Implementation
    ) -> None:
        with pytest.raises(ZeroDivisionError), uow() as tx:
            tx.assets.add(BRL)
            _ = 1 / 0
        assert implementation.committed_assets() == {}

    def test_writes_after_a_commit_need_a_commit_of_their_own(
        self, uow: UnitOfWorkFactory, implementation: Implementation
    ) -> None:
        with uow() as tx:
            tx.assets.add(BRL)
            tx.commit()
            tx.assets.add(USD)
        assert set(implementation.committed_assets()) == {"BRL"}

    def test_rollback_discards_what_was_written_so_far(
        self, uow: UnitOfWorkFactory, implementation: Implementation
    ) -> None:
        with uow() as tx:
            tx.assets.add(BRL)
            tx.rollback()
            assert tx.assets.get("BRL") is None
            tx.assets.add(USD)
            tx.commit()
        assert set(implementation.committed_assets()) == {"USD"}

    def test_uncommitted_writes_are_invisible_to_other_units_of_work(self, uow: UnitOfWorkFactory) -> None:
        with uow() as writer:
            writer.assets.add(BRL)
            with uow() as reader:
                assert reader.assets.get("BRL") is None
            writer.commit()
        with uow() as reader:
            assert reader.assets.get("BRL") == BRL

    # --- what reads return and what `save` writes --------------------------------------------------

    def test_reads_return_copies_that_change_nothing_until_saved(
        self, uow: UnitOfWorkFactory, implementation: Implementation
    ) -> None:
        alice = add_account(uow)
        with uow() as tx:
            loaded = tx.accounts.get(alice.id)
            assert loaded is not None
            loaded.freeze()
            loaded.metadata["changed"] = True
            tx.commit()
        stored = implementation.committed_accounts()[alice.id]
        assert (stored.status, stored.metadata) == (AccountStatus.ACTIVE, {})

    def test_save_persists_only_the_status_of_locked_accounts(
        self, uow: UnitOfWorkFactory, implementation: Implementation
    ) -> None:
        alice = add_account(uow)
        with uow() as tx:
            locked = tx.accounts.lock([alice.id])[alice.id]
            locked.freeze()
            locked.next_seq()  # the counter and the balances follow the journal, not `save`
            locked.move(Layer.POSTED, Side.CREDIT, 100)
            locked.name = "renamed"  # not a column `save` writes
            tx.accounts.save([locked])
            tx.commit()
        stored = implementation.committed_accounts()[alice.id]
        assert (stored.status, stored.last_seq, stored.balances, stored.name) == (
            AccountStatus.FROZEN,
            0,
            Balances(),
            "Alice",
        )

    def test_balances_and_counter_follow_the_journal(
        self, uow: UnitOfWorkFactory, implementation: Implementation
    ) -> None:
        alice, bank = add_account(uow), add_account(uow, code="bank", funding=True)
        hold = TransferRequest.simple(
            uuid.uuid4(), debit_account_id=bank.id, credit_account_id=alice.id, amount=100, pending=True
        )
        with uow() as tx:
            accounts = tx.accounts.lock([alice.id, bank.id])
            [booked] = ledger.post_transfers([hold], existing={}, accounts=accounts, at=AT)
            tx.transfers.add(booked.transfer, booked.entries)  # no `accounts.save`
            tx.commit()
        stored = implementation.committed_accounts()
        assert (stored[bank.id].balances, stored[bank.id].last_seq) == (Balances(pending_debits=100), 1)
        assert (stored[alice.id].balances, stored[alice.id].last_seq) == (Balances(pending_credits=100), 1)

        with uow() as tx:
            accounts = tx.accounts.lock([alice.id, bank.id])
            posted = ledger.post_pending(hold.id, tx.transfers.lock(hold.id), accounts, AT, amount=60)
            tx.transfers.save(posted.transfer, posted.entries)  # the hold is released, 60 posted
            tx.commit()
        stored = implementation.committed_accounts()
        assert (stored[bank.id].balances, stored[bank.id].last_seq) == (Balances(posted_debits=60), 2)
        assert (stored[alice.id].posted_balance, stored[alice.id].available_balance) == (60, 60)

    def test_save_requires_the_account_to_be_locked_in_this_unit_of_work(
        self, uow: UnitOfWorkFactory
    ) -> None:
        alice = add_account(uow)
        with uow() as tx:
            loaded = tx.accounts.get(alice.id)
            assert loaded is not None
            with pytest.raises(AssertionError):
                tx.accounts.save([loaded])

    # --- locks ---------------------------------------------------------------------------------------

    def test_lock_returns_existing_accounts_in_ascending_id_order(self, uow: UnitOfWorkFactory) -> None:
        bob, alice = add_account(uow, code="bob"), add_account(uow, code="alice")
        missing = account("missing")
        with uow() as tx:
            locked = tx.accounts.lock([missing.id, alice.id, bob.id, alice.id])
        assert list(locked) == sorted([alice.id, bob.id])

    @pytest.mark.parametrize("end", ["leaving the block", "commit", "rollback"])
    def test_locks_end_with_the_unit_of_work(self, uow: UnitOfWorkFactory, end: str) -> None:
        alice = add_account(uow)
        with ThreadPoolExecutor(1) as other, ExitStack() as stack:
            first = stack.enter_context(uow())
            first.accounts.lock([alice.id])
            if end == "commit":
                first.commit()
            elif end == "rollback":
                first.rollback()
            else:
                stack.close()
            # In another thread: a lock still held would make PostgreSQL wait (and the fake raise).
            assert result(other.submit(lock_status, uow, alice.id)) is AccountStatus.ACTIVE

    def test_a_row_locked_by_another_open_unit_of_work_is_not_handed_out(
        self, uow: UnitOfWorkFactory, implementation: Implementation
    ) -> None:
        alice = add_account(uow)
        with ThreadPoolExecutor(1) as other, uow() as first:
            locked = first.accounts.lock([alice.id])[alice.id]
            second = other.submit(lock_status, uow, alice.id)
            if implementation.waits_for_other_units_of_work:
                # PostgreSQL (`FOR UPDATE`): the second unit of work waits until the first ends.
                implementation.await_a_waiting_unit_of_work()
                assert not second.done()
            else:
                # The fake cannot wait: it refuses at once (the write path then runs the use case again).
                with pytest.raises(RetryableConflict):
                    result(second)
            locked.freeze()
            first.accounts.save([locked])
            first.commit()
            if not implementation.waits_for_other_units_of_work:
                second = other.submit(lock_status, uow, alice.id)  # the use case run again
            assert result(second) is AccountStatus.FROZEN, "the row as the first unit of work left it"

    # --- keys ----------------------------------------------------------------------------------------

    @pytest.mark.parametrize("key", IDEMPOTENCY_KEYS)
    def test_duplicate_idempotency_keys_are_retryable_conflicts(
        self, uow: UnitOfWorkFactory, implementation: Implementation, key: str
    ) -> None:
        add_account(uow, code="bank")  # the asset the accounts are in
        with uow() as tx:
            write_key(tx, key, 1)
            tx.commit()
        with uow() as tx, pytest.raises(RetryableConflict):
            write_key(tx, key, 2)
        assert committed_versions(implementation, key) == [1]

    @pytest.mark.parametrize("key", IDEMPOTENCY_KEYS)
    def test_the_same_key_written_concurrently_is_a_retryable_conflict(
        self, uow: UnitOfWorkFactory, implementation: Implementation, key: str
    ) -> None:
        add_account(uow, code="bank")

        def second_writer() -> None:
            with uow() as second:
                write_key(second, key, 2)
                second.commit()

        with ThreadPoolExecutor(1) as other, uow() as first:
            write_key(first, key, 1)
            if implementation.waits_for_other_units_of_work:
                # PostgreSQL: the second INSERT waits on the first's uncommitted key, then fails.
                second = other.submit(second_writer)
                implementation.await_a_waiting_unit_of_work()
                assert not second.done()
                first.commit()
                with pytest.raises(RetryableConflict):
                    second.result(timeout=WAIT_SECONDS)
            else:
                # The fake cannot wait: both writes succeed, and the second commit is refused.
                with uow() as second_tx:
                    write_key(second_tx, key, 2)
                    first.commit()
                    with pytest.raises(RetryableConflict):
                        second_tx.commit()
        assert committed_versions(implementation, key) == [1], "the first writer's row, only"

    def test_other_duplicates_are_not_retryable(
        self, uow: UnitOfWorkFactory, implementation: Implementation
    ) -> None:
        alice = add_account(uow)
        twin = account("twin")
        twin.id = alice.id
        with uow() as tx, pytest.raises(implementation.unique_violation) as raised:
            tx.accounts.add(twin)
        assert not isinstance(raised.value, RetryableConflict)

    def test_after_a_failed_statement_a_rollback_makes_the_unit_of_work_usable_again(
        self, uow: UnitOfWorkFactory, implementation: Implementation
    ) -> None:
        add_account(uow)
        with uow() as tx:
            with pytest.raises(RetryableConflict):
                tx.assets.add(BRL)
            if implementation.failed_transaction is None:
                # The fake keeps going after a failed statement (PostgreSQL does not: below).
                assert tx.assets.get("BRL") == BRL
            else:
                # PostgreSQL has aborted the transaction: every statement fails until the rollback.
                with pytest.raises(implementation.failed_transaction):
                    tx.assets.get("BRL")
            tx.rollback()
            tx.assets.add(USD)
            tx.commit()
        assert set(implementation.committed_assets()) == {"BRL", "USD"}

    def test_what_a_commit_after_a_failed_statement_publishes(
        self, uow: UnitOfWorkFactory, implementation: Implementation
    ) -> None:
        add_account(uow)
        with uow() as tx:
            tx.assets.add(USD)
            with pytest.raises(RetryableConflict):
                tx.assets.add(BRL)
            tx.commit()  # no error from either implementation (no use case commits after a failure)
        published = set(implementation.committed_assets()) - {"BRL"}
        if implementation.failed_transaction is None:
            # The fake keeps going after a failed statement, so its commit publishes the earlier write.
            assert published == {"USD"}
        else:
            # PostgreSQL answers a COMMIT of an aborted transaction with a ROLLBACK, and no error.
            assert published == set()

    # --- the `with` block --------------------------------------------------------------------------

    def test_repositories_refuse_use_outside_the_with_block(self, uow: UnitOfWorkFactory) -> None:
        tx = uow()
        with pytest.raises(RuntimeError):
            tx.assets.get("BRL")
        with tx:
            pass
        with pytest.raises(RuntimeError):
            tx.commit()
        with pytest.raises(RuntimeError):
            tx.transfers.get(uuid.uuid4())

    def test_a_unit_of_work_can_be_entered_again_but_not_twice_at_once(
        self, uow: UnitOfWorkFactory, implementation: Implementation
    ) -> None:
        tx = uow()
        with tx, pytest.raises(RuntimeError), tx:
            pass
        with tx:
            tx.assets.add(BRL)
            tx.commit()
        assert implementation.committed_assets() == {"BRL": BRL}

    # --- queries -------------------------------------------------------------------------------------

    def test_the_account_query_orders_by_code_and_filters(self, uow: UnitOfWorkFactory) -> None:
        for code in ["b:2", "a:1", "b:1", "c:1"]:
            add_account(uow, code=code)
        with uow() as tx:
            query = tx.accounts.query
            codes = [a.code for a in query(AccountFilter("b:"), categories=None, after_code=None, limit=10)]
            after = [
                a.code for a in query(AccountFilter(asset="BRL"), categories=None, after_code="b:1", limit=2)
            ]
            other = query(AccountFilter(asset="USD"), categories=None, after_code=None, limit=10)
        assert (codes, after, other) == (["b:1", "b:2"], ["b:2", "c:1"], [])

    def test_totals_sum_the_accounts_of_each_asset(self, uow: UnitOfWorkFactory) -> None:
        add_account(uow)
        with uow() as tx:
            assert [(t.asset, t.accounts, t.balanced) for t in tx.accounts.totals(None)] == [("BRL", 1, True)]
            assert tx.accounts.totals("USD") == []

    # --- events --------------------------------------------------------------------------------------

    def test_events_are_published_on_commit_in_order_and_read_back(
        self, uow: UnitOfWorkFactory, implementation: Implementation
    ) -> None:
        alice, bob = add_account(uow), add_account(uow, code="bob")
        document = {"id": alice.id, "at": AT, "n": 10**30, "nested": {"b": [1, None], "a": "ção"}}
        first = Event(EventType.ACCOUNT_FROZEN, AT, document, (alice.id,))
        second = Event(EventType.TRANSFER_POSTED, AT, {"x": 1}, (alice.id, bob.id), transfer_id=bob.id)
        third = Event(EventType.JOB_FAILED, AT, {}, job_id=alice.id)
        with uow() as tx:
            tx.events.add([first])
            tx.events.add([second])
            tx.commit()
        with uow() as tx:
            tx.events.add([Event(EventType.ACCOUNT_CLOSED, AT, {}, (bob.id,))])  # never committed
        with uow() as tx:
            tx.events.add([third])
            tx.commit()
        implementation.settle_events()

        page = feed.read_events(uow())  # type: ignore[arg-type]
        assert [(e.type, e.account_ids, e.transfer_id, e.job_id) for e in page.items] == [
            ("account.frozen", (alice.id,), None, None),
            ("transfer.posted", (alice.id, bob.id), bob.id, None),
            ("job.failed", (), None, alice.id),
        ]
        assert page.items[0].data == {
            "id": str(alice.id),
            "at": AT.isoformat(),
            "n": 10**30,
            "nested": {"b": [1, None], "a": "ção"},
        }
        assert all(e.occurred_at == AT for e in page.items)
        positions = [e.position for e in page.items]
        assert START < positions[0] < positions[1] < positions[2] <= page.next_cursor
        assert positions[0].txid == positions[1].txid < positions[2].txid
        assert len({e.id for e in page.items}) == 3
        assert feed.read_events(uow(), after=positions[0], limit=1).items == page.items[1:2]  # type: ignore[arg-type]
        assert feed.read_events(uow(), after=page.next_cursor).items == []  # type: ignore[arg-type]
        only = EventFilter(frozenset({EventType.TRANSFER_POSTED, EventType.JOB_FAILED}), bob.id)
        assert feed.read_events(uow(), only).items == page.items[1:2]  # type: ignore[arg-type]
