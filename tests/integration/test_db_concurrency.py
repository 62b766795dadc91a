"""Concurrency: many threads, each with its own units of work, hammering a few hot accounts.

Afterwards the books must hold: no error other than the domain's own refusals surfaced (no deadlock,
no exhausted retry), no account below its minimum, every stored balance equal to the sum of its
entries, debits equal to credits, and every acknowledged transfer stored as acknowledged.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, text

from adapters.db.unit_of_work import SqlUnitOfWork
from adapters.system import RandomIds, SystemClock
from application import reports
from application import transfers as transfer_cases
from application.accounts import OpenAccount, Opened, open_account
from application.ports import RetryableConflict
from application.write_path import InAppWritePath
from domain import ledger
from domain.accounts import Account, Side
from domain.errors import IdempotencyConflict, InsufficientFunds, InvalidState
from domain.transfers import Posting, TransferRequest, TransferStatus

THREADS = 16
OPERATIONS_PER_THREAD = 30
HOT_ACCOUNTS = 4

Uow = Callable[[], SqlUnitOfWork]


def _pay(source: Account, target: Account, amount: int, **options: Any) -> TransferRequest:
    return TransferRequest.simple(
        uuid.uuid4(), debit_account_id=source.id, credit_account_id=target.id, amount=amount, **options
    )


class Ledger:
    """What the workers were told: acknowledged transfers and their final status."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.status: dict[uuid.UUID, str] = {}
        self.refused = 0
        self.unexpected: list[BaseException] = []

    def acknowledge(self, transfer_id: uuid.UUID, status: str) -> None:
        with self._lock:
            self.status[transfer_id] = status

    def refuse(self) -> None:
        with self._lock:
            self.refused += 1

    def fail(self, exc: BaseException) -> None:
        with self._lock:
            self.unexpected.append(exc)


def _worker(seed: int, path: InAppWritePath, funding: Account, hot: list[Account], ledger: Ledger) -> None:
    rng = random.Random(seed)
    everyone = [funding, *hot]
    for _ in range(OPERATIONS_PER_THREAD):
        source, target = rng.sample(everyone, 2)
        amount = rng.randint(1, 400)
        kind = rng.random()
        try:
            if kind < 0.45:
                request = _pay(source, target, amount)
                path.post_transfers([request])
                ledger.acknowledge(request.id, "posted")
            elif kind < 0.6:  # one debit split over several credits
                a, b, c = rng.sample(everyone, 3)
                request = TransferRequest(
                    uuid.uuid4(),
                    (
                        Posting(a.id, Side.DEBIT, 2 * amount),
                        Posting(b.id, Side.CREDIT, amount),
                        Posting(c.id, Side.CREDIT, amount),
                    ),
                )
                path.post_transfers([request])
                ledger.acknowledge(request.id, "posted")
            elif kind < 0.75:  # a batch across several accounts
                batch = [
                    _pay(*rng.sample(everyone, 2), rng.randint(1, 100)) for _ in range(rng.randint(2, 6))
                ]
                path.post_transfers(batch)
                for request in batch:
                    ledger.acknowledge(request.id, "posted")
            else:  # a hold, then post (maybe in part), void, or leave it to expire
                hold = _pay(source, target, amount, pending=True, timeout_seconds=1)
                path.post_transfers([hold])
                ledger.acknowledge(hold.id, "pending")
                fate = rng.random()
                if fate < 0.4:
                    path.post_pending(hold.id, rng.randint(1, amount))
                    ledger.acknowledge(hold.id, "posted")
                elif fate < 0.7:
                    path.void_pending(hold.id)
                    ledger.acknowledge(hold.id, "voided")
        except (InsufficientFunds, InvalidState):  # the domain's refusals (InvalidState: expired first)
            ledger.refuse()
        except Exception as exc:
            ledger.fail(exc)


def _expirer(path: InAppWritePath, stop: threading.Event, ledger: Ledger) -> None:
    while not stop.is_set():
        try:
            for transfer in path.expire_due():
                ledger.acknowledge(transfer.id, "expired")
        except Exception as exc:
            ledger.fail(exc)
        stop.wait(0.05)


@pytest.fixture
def system_path(uow_factory: Uow) -> InAppWritePath:
    return InAppWritePath(uow_factory, SystemClock())


@pytest.fixture
def funding(open_: Callable[..., Account]) -> Account:
    return open_("funding", normal_side="debit", min_balance=None)


@pytest.fixture
def hot(open_: Callable[..., Account]) -> list[Account]:
    return [open_(f"hot:{i}", normal_side="credit", min_balance=0) for i in range(HOT_ACCOUNTS)]


def test_many_threads_on_hot_accounts_keep_the_books(
    uow_factory: Uow, system_path: InAppWritePath, funding: Account, hot: list[Account], admin_engine: Engine
) -> None:
    ledger = Ledger()
    seed = [_pay(funding, account, 2_000) for account in hot]
    system_path.post_transfers(seed)
    for request in seed:
        ledger.acknowledge(request.id, "posted")

    stop = threading.Event()
    expirer = threading.Thread(target=_expirer, args=(system_path, stop, ledger))
    expirer.start()
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            workers = [
                pool.submit(_worker, n, InAppWritePath(uow_factory, SystemClock()), funding, hot, ledger)
                for n in range(THREADS)
            ]
            for future in workers:
                future.result()
    finally:
        stop.set()
        expirer.join()

    assert ledger.unexpected == []
    assert len(ledger.status) > THREADS * OPERATIONS_PER_THREAD / 2
    _assert_books_hold(admin_engine, ledger)
    assert all(t.balanced for t in reports.trial_balance(uow_factory()))


#: Accounts whose stored balances or entry counter differ from what their entries add up to.
_DRIFTED = """
    SELECT a.code
    FROM accounts a
    LEFT JOIN (
        SELECT e.account_id,
               sum(e.amount) FILTER (WHERE e.layer = 'posted' AND e.side = 'debit') AS pd,
               sum(e.amount) FILTER (WHERE e.layer = 'posted' AND e.side = 'credit') AS pc,
               sum(e.amount) FILTER (WHERE e.held AND e.side = 'debit') AS hd,
               sum(e.amount) FILTER (WHERE e.held AND e.side = 'credit') AS hc,
               max(e.seq) AS last_seq,
               count(*) AS n
        FROM (
            SELECT e.*, e.layer = 'pending' AND t.status = 'pending' AS held
            FROM entries e JOIN transfers t ON t.id = e.transfer_id
        ) e
        GROUP BY e.account_id
    ) s ON s.account_id = a.id
    WHERE (a.posted_debits, a.posted_credits, a.pending_debits, a.pending_credits)
          IS DISTINCT FROM (coalesce(s.pd, 0), coalesce(s.pc, 0), coalesce(s.hd, 0), coalesce(s.hc, 0))
       OR a.last_seq <> coalesce(s.last_seq, 0)
       OR a.last_seq <> coalesce(s.n, 0)
"""


def _assert_books_hold(engine: Engine, ledger: Ledger) -> None:
    with engine.connect() as conn:
        drifted = conn.execute(text(_DRIFTED)).all()
        assert drifted == [], "stored balances differ from the sums of their entries"

        running = conn.execute(
            text(
                """
                SELECT count(*) FROM (
                    SELECT e.balance_after, sum(CASE WHEN e.layer <> 'posted' THEN 0
                                                     WHEN e.side = a.normal_side THEN e.amount
                                                     ELSE -e.amount END)
                               OVER (PARTITION BY e.account_id ORDER BY e.seq) AS expected
                    FROM entries e JOIN accounts a ON a.id = e.account_id
                ) x WHERE balance_after <> expected
                """
            )
        ).scalar()
        assert running == 0, "balance_after is not the running posted balance"

        below = conn.execute(
            text(
                """
                SELECT code FROM accounts WHERE min_balance IS NOT NULL AND min_balance > CASE
                    WHEN normal_side = 'credit' THEN posted_credits - posted_debits - pending_debits
                    ELSE posted_debits - posted_credits - pending_credits END
                """
            )
        ).all()
        assert below == [], "an account's available balance is below its minimum"

        totals = conn.execute(
            text(
                "SELECT sum(posted_debits) - sum(posted_credits), sum(pending_debits) - sum(pending_credits)"
                " FROM accounts"
            )
        ).one()
        assert tuple(totals) == (0, 0), "total debits differ from total credits"

        unbalanced = conn.execute(
            text(
                """
                SELECT transfer_id FROM entries GROUP BY transfer_id, layer
                HAVING sum(amount) FILTER (WHERE side = 'debit') <> sum(amount) FILTER (WHERE side = 'credit')
                """
            )
        ).all()
        assert unbalanced == [], "a transfer's entries do not balance"

        stored = dict(conn.execute(text("SELECT id, status FROM transfers")).all())
    assert set(stored) == set(ledger.status), "stored transfers differ from the acknowledged ones"
    for transfer_id, status in ledger.status.items():
        if status != "pending":  # an acknowledged hold may have expired since
            assert stored[transfer_id] == status, transfer_id
        else:
            assert stored[transfer_id] in ("pending", "expired"), transfer_id


def _race(*actions: Callable[[], Any]) -> list[Any]:
    """Run each action in its own thread, released together; their results or exceptions, in order."""
    barrier = threading.Barrier(len(actions))

    def run(action: Callable[[], Any]) -> Any:
        barrier.wait()
        try:
            return action()
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(len(actions)) as pool:
        return list(pool.map(run, actions))


def test_the_same_transfer_posted_twice_at_once(
    uow_factory: Uow, system_path: InAppWritePath, funding: Account, hot: list[Account]
) -> None:
    for _ in range(10):
        request = _pay(funding, hot[0], 10)
        post = lambda request=request: system_path.post_transfers([request])[0]  # noqa: E731
        outcomes = _race(post, post)
        assert sorted(o.replayed for o in outcomes) == [False, True]
        assert outcomes[0].transfer.id == outcomes[1].transfer.id == request.id
    with uow_factory() as uow:
        assert uow.accounts.get(hot[0].id).posted_balance == 100  # type: ignore[union-attr]


def test_one_id_used_for_two_requests_at_once(
    uow_factory: Uow, system_path: InAppWritePath, funding: Account, hot: list[Account]
) -> None:
    """Disjoint accounts, so no lock orders them: the primary key does, and the loser retries."""
    for _ in range(10):
        shared = uuid.uuid4()
        one = TransferRequest.simple(
            shared, debit_account_id=funding.id, credit_account_id=hot[0].id, amount=1
        )
        other = TransferRequest.simple(
            shared, debit_account_id=hot[1].id, credit_account_id=hot[2].id, amount=1
        )
        system_path.post_transfers([_pay(funding, hot[1], 1)])
        results = _race(
            lambda one=one: system_path.post_transfers([one]),
            lambda other=other: system_path.post_transfers([other]),
        )
        assert sum(isinstance(r, IdempotencyConflict) for r in results) == 1, results
        assert sum(isinstance(r, list) for r in results) == 1, results


def test_the_same_account_opened_twice_at_once(uow_factory: Uow) -> None:
    """The loser of the race on the account code (or on storing USD) gets a retryable conflict,
    and its retry is a replay."""
    command = OpenAccount("twin", "Twin", "USD", "credit")
    twin = lambda: open_account(command, uow_factory(), SystemClock(), RandomIds())  # noqa: E731
    results = _race(twin, twin)
    assert all(isinstance(r, Opened | RetryableConflict) for r in results), results
    [created] = [r for r in results if isinstance(r, Opened) and not r.replayed]
    again = twin()
    assert again.replayed and again.account.id == created.account.id


def test_expiry_and_a_concurrent_void_of_the_same_hold_do_not_deadlock(
    uow_factory: Uow, write_path: InAppWritePath, clock: Any, funding: Account, hot: list[Account]
) -> None:
    """`void_pending` locks the accounts, then the transfer; the expiry job must take them in the
    same order (it waits for the accounts instead of holding the transfer)."""
    hold = _pay(hot[0], hot[1], 10, pending=True, timeout_seconds=60)
    write_path.post_transfers([_pay(funding, hot[0], 10), hold])
    clock.advance(seconds=61)

    with uow_factory() as voider, ThreadPoolExecutor(1) as pool:
        accounts = voider.accounts.lock([hot[0].id, hot[1].id])
        expiring = pool.submit(transfer_cases.expire_due, uow_factory(), clock)  # no retries
        time.sleep(0.3)
        assert not expiring.done()  # waiting for the accounts
        transfer = voider.transfers.lock(hold.id)  # ... and not holding the transfer
        outcome = ledger.void_pending(hold.id, transfer, accounts, clock.now())
        voider.transfers.save(outcome.transfer, ())
        voider.accounts.save(accounts.values())
        voider.commit()
        assert expiring.result(timeout=10) == []

    with uow_factory() as uow:
        assert uow.transfers.get(hold.id).status is TransferStatus.VOIDED  # type: ignore[union-attr]
        assert uow.accounts.get(hot[0].id).available_balance == 10  # type: ignore[union-attr]
