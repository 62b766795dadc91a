"""Accounting periods on the real PostgreSQL, in both execution modes (in-app and in-database).

Closes are made by the admin use cases (in the app, on the SQL unit of work), then every write path of
the mode refuses what is dated in the closed period: a backdated transfer (alone and in a group), the
capture of a hold dated there, a backdated reversal, interest whose value date falls there; reopening lets
them in. The database refuses too when the write path's own check is bypassed (RZ120, answered as
`period_closed` in both modes), and a close waits for the journal's writers in flight, whose entries its
snapshot then counts.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from adapters.db.code_bundle import current_bundle
from adapters.db.in_database import InDatabaseBatchPath, InDatabaseWritePath
from adapters.db.unit_of_work import SqlUnitOfWork
from adapters.system import RandomIds
from application import interest, periods
from application.batch_path import BatchPath, InAppBatchPath
from application.interest import SetPolicy
from application.write_path import InAppWritePath, WritePath
from domain import ledger
from domain.accounts import Account
from domain.errors import DomainError, InvalidState, PeriodClosed
from domain.ledger import Outcome
from domain.periods import CloseRequest
from domain.transfers import ReversalRequest, TransferRequest
from tests.integration.conftest import ManualClock, OpenFn

MODES = ["app", "db"]
JAN = date(2025, 1, 31)
IN_JANUARY = datetime(2025, 1, 20, 12, 0, tzinfo=UTC)
IN_FEBRUARY = datetime(2025, 2, 10, 12, 0, tzinfo=UTC)

Uow = Callable[[], SqlUnitOfWork]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def write(mode: str, app_engine: Engine, uow_factory: Uow, clock: ManualClock) -> WritePath:
    if mode == "app":
        return InAppWritePath(uow_factory, clock)
    return InDatabaseWritePath(app_engine, current_bundle().version)


@pytest.fixture
def batch(mode: str, app_engine: Engine, uow_factory: Uow, clock: ManualClock) -> BatchPath:
    if mode == "app":
        return InAppBatchPath(uow_factory, clock)
    return InDatabaseBatchPath(app_engine, current_bundle().version)


@pytest.fixture
def bank(open_: OpenFn) -> Account:
    return open_("bank", normal_side="debit", min_balance=None)


@pytest.fixture
def alice(open_: OpenFn) -> Account:
    return open_("alice", normal_side="credit")


def pay(source: Account, target: Account, amount: int, **options: object) -> TransferRequest:
    return TransferRequest.simple(
        uuid.uuid4(), debit_account_id=source.id, credit_account_id=target.id, amount=amount, **options
    )


def close(uow: Uow, clock: ManualClock, through: date = JAN, **options: object) -> periods.Closing:
    request = CloseRequest(through, **options)  # type: ignore[arg-type]
    return periods.close_period(request, "tests", uow(), clock, RandomIds())


def test_a_backdated_transfer_is_refused_until_the_period_is_reopened(
    write: WritePath, uow_factory: Uow, clock: ManualClock, bank: Account, alice: Account
) -> None:
    january = close(uow_factory, clock).period.close
    late = pay(bank, alice, 100, effective_at=IN_JANUARY)
    with pytest.raises(PeriodClosed) as refused:
        write.post_transfers([late])
    assert refused.value.context["closed_through"] == "2025-01-31"
    assert refused.value.context["transfer_id"] == str(late.id)
    write.post_transfers([pay(bank, alice, 50, effective_at=IN_FEBRUARY)])
    write.post_transfers([pay(bank, alice, 25)])
    periods.reopen_period(january.id, "late invoice", "tests", uow_factory(), clock)
    assert not write.post_transfers([late])[0].replayed


def test_in_a_group_the_backdated_transfer_is_refused_alone(
    write: WritePath, uow_factory: Uow, clock: ManualClock, bank: Account, alice: Account
) -> None:
    close(uow_factory, clock)
    ok, refused, also_ok = write.post_each(
        [pay(bank, alice, 100), pay(bank, alice, 200, effective_at=IN_JANUARY), pay(bank, alice, 300)]
    )
    assert isinstance(ok, Outcome) and isinstance(also_ok, Outcome)
    assert isinstance(refused, PeriodClosed)
    with uow_factory() as uow:
        assert uow.accounts.get(alice.id).posted_balance == 400  # type: ignore[union-attr]


def test_a_capture_of_a_hold_dated_in_a_closed_period_is_refused(
    write: WritePath, uow_factory: Uow, clock: ManualClock, bank: Account, alice: Account
) -> None:
    hold = pay(bank, alice, 100, pending=True, effective_at=IN_JANUARY)
    write.post_transfers([hold])
    january = close(uow_factory, clock).period.close
    with pytest.raises(PeriodClosed):
        write.post_pending(hold.id)
    periods.reopen_period(january.id, "capture it", "tests", uow_factory(), clock)
    captured = write.post_pending(hold.id)
    assert captured.transfer.effective_at == IN_JANUARY  # the capture books at the hold's value date


def test_a_backdated_reversal_is_refused(
    write: WritePath, uow_factory: Uow, clock: ManualClock, bank: Account, alice: Account
) -> None:
    original = pay(bank, alice, 100, effective_at=IN_JANUARY)
    write.post_transfers([original])
    close(uow_factory, clock)
    with pytest.raises(PeriodClosed):
        write.reverse(ReversalRequest(uuid.uuid4(), original.id, effective_at=IN_JANUARY))
    reversal = write.reverse(ReversalRequest(uuid.uuid4(), original.id, effective_at=IN_FEBRUARY))
    assert reversal.transfer.effective_at == IN_FEBRUARY


def test_interest_dated_in_a_closed_period_fails_for_its_account(
    batch: BatchPath,
    write_path: InAppWritePath,
    uow_factory: Uow,
    clock: ManualClock,
    open_: OpenFn,
    bank: Account,
) -> None:
    savings = open_("savings", normal_side="credit")
    expense = open_("interest-expense", normal_side="debit", min_balance=None)
    write_path.post_transfers([pay(bank, savings, 1_000_000)])  # booked 2025-03-01 12:00
    policy = SetPolicy(savings.id, date(2025, 3, 1), 1000, "ACT/365F", expense.id)
    interest.set_policy(policy, uow_factory(), clock)
    clock.advance(days=60)
    close(uow_factory, clock, through=date(2025, 3, 5))  # interest of March 4th takes effect on the 5th
    # March is still open: its interest is posted on request (`post_open`)
    summary = batch.accrue_interest([savings.id], date(2025, 3, 2), date(2025, 3, 4), post_open=True)
    assert [f.code for f in summary.failures] == ["period_closed"] and not summary.postings
    summary = batch.accrue_interest([savings.id], date(2025, 3, 5), date(2025, 3, 6), post_open=True)
    assert not summary.failures and [p.first_day for p in summary.postings] == [date(2025, 3, 5)]


def test_the_database_refuses_what_the_write_path_did_not_check(
    write: WritePath, admin_engine: Engine, bank: Account, alice: Account
) -> None:
    """A close written without the use case's rules, through tomorrow: a transfer dated now is not
    backdated, so the write path does not look, and the trigger refuses it (RZ120): `period_closed`."""
    with admin_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO period_closes (id, through, closed_at, closed_by)"
                " VALUES (gen_random_uuid(), current_date + 1, now(), 'raw sql')"
            )
        )
    with pytest.raises(PeriodClosed) as refused:
        write.post_transfers([pay(bank, alice, 100)])
    assert refused.value.context["asset"] == "BRL"


def test_a_close_committed_while_a_bulk_waits_to_write_refuses_only_its_items(
    write: WritePath, admin_engine: Engine, bank: Account, alice: Account
) -> None:
    """A bulk reads the closes, then waits for the journal while a close of January commits: the journal
    refuses the lot (RZ120), the bulk runs again, and only its January item is refused."""
    january, today = pay(bank, alice, 100, effective_at=IN_JANUARY), pay(bank, alice, 200)
    answers: list[list[Outcome | DomainError]] = []
    with admin_engine.connect() as conn:
        closing = conn.begin()
        conn.execute(text("LOCK TABLE entries IN SHARE MODE"))  # what a close holds until it commits
        conn.execute(
            text(
                "INSERT INTO period_closes (id, through, closed_at, closed_by)"
                " VALUES (gen_random_uuid(), :through, now(), 'raw sql')"
            ),
            {"through": JAN},
        )
        bulk = threading.Thread(target=lambda: answers.append(write.post_each([january, today])))
        bulk.start()
        time.sleep(1.0)  # the bulk has read the closes (none committed) and waits for the journal
        closing.commit()
        bulk.join(30)
    [(refused, booked)] = answers
    assert isinstance(refused, PeriodClosed) and isinstance(booked, Outcome)
    assert isinstance(write.post_each([january])[0], PeriodClosed)  # and so it stays


def test_a_close_committed_between_the_check_and_the_write_is_enforced(
    uow_factory: Uow, clock: ManualClock, bank: Account, alice: Account
) -> None:
    with pytest.raises(PeriodClosed), uow_factory() as uow:
        accounts = uow.accounts.lock({bank.id, alice.id})
        closed = uow.periods.closed_through()  # nothing closed yet
        request = pay(bank, alice, 100, effective_at=IN_JANUARY)
        [outcome] = ledger.post_transfers(
            [request], existing={}, accounts=accounts, at=clock.now(), closed=closed
        )
        uow.transfers.add(outcome.transfer, outcome.entries)  # deferred: nothing written yet
        close(uow_factory, clock)  # another transaction closes January and commits
        uow.commit()


def test_a_close_waits_for_writers_in_flight_and_its_snapshot_counts_them(
    uow_factory: Uow, clock: ManualClock, bank: Account, alice: Account
) -> None:
    done: list[periods.Closing] = []
    with uow_factory() as uow:
        accounts = uow.accounts.lock({bank.id, alice.id})
        request = pay(bank, alice, 100, effective_at=IN_JANUARY)
        [outcome] = ledger.post_transfers([request], existing={}, accounts=accounts, at=clock.now())
        uow.transfers.add(outcome.transfer, outcome.entries)
        uow.accounts.get(bank.id)  # a read sends the deferred writes: the entries are in, not committed
        closer = threading.Thread(target=lambda: done.append(close(uow_factory, clock)))
        closer.start()
        time.sleep(0.5)
        assert closer.is_alive() and not done  # waiting for this writer
        uow.commit()
    closer.join(timeout=10)
    [closing] = done
    assert closing.period.accounts == 2
    # Stamped once the writer was through: the entries it committed first were created before it.
    assert closing.period.close.closed_at > outcome.entries[0].created_at
    page = periods.period_balances(closing.period.close.id, uow_factory())
    by_account = {b.account_id: (b.posted_debits, b.posted_credits) for b in page.items}
    assert by_account == {bank.id: (100, 0), alice.id: (0, 100)}


def test_closes_are_serialised_and_the_same_close_again_is_answered(
    uow_factory: Uow, clock: ManualClock
) -> None:
    results: list[periods.Closing] = []
    threads = [threading.Thread(target=lambda: results.append(close(uow_factory, clock))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert len(results) == 4 and len({r.period.close.id for r in results}) == 1
    assert sorted(r.replayed for r in results) == [False, True, True, True]
    with pytest.raises(InvalidState):
        close(uow_factory, clock, through=JAN - timedelta(days=1))
    listed = periods.list_periods(uow_factory())
    assert [p.close.id for p in listed.items] == [results[0].period.close.id]
