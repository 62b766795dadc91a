"""Interest accrual on the real PostgreSQL, in both execution modes (in-app and in-database), with the
same results: idempotent reruns, overlapping ranges, a policy changed mid-range, and the carry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any
from uuid import UUID, uuid5

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DBAPIError

from adapters.db import migrate
from adapters.db.code_bundle import current_bundle
from adapters.db.in_database import InDatabaseBatchPath
from adapters.db.unit_of_work import SqlUnitOfWork
from application import interest
from application.accounts import freeze_account
from application.batch_path import BatchPath, InAppBatchPath
from application.interest import SetPolicy
from application.write_path import InAppWritePath
from domain.accounts import Side
from domain.errors import AssetMismatch, ValidationError
from domain.interest import INTEREST_NAMESPACE, DayCount
from domain.transfers import Posting, TransferRequest
from tests import plpython_files
from tests.integration.conftest import ManualClock, OpenFn

MODES = ["app", "db"]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def batch(
    mode: str, app_engine: Engine, uow_factory: Callable[[], SqlUnitOfWork], clock: ManualClock
) -> BatchPath:
    if mode == "app":
        return InAppBatchPath(uow_factory, clock)
    return InDatabaseBatchPath(app_engine, current_bundle().version)


@dataclass
class Books:
    savings: UUID
    bank: UUID
    expense: UUID
    other_expense: UUID


def _pay(write: InAppWritePath, debit: UUID, credit: UUID, amount: int) -> None:
    write.post_transfers(
        [TransferRequest.simple(_new_id(), debit_account_id=debit, credit_account_id=credit, amount=amount)]
    )


_ids = iter(range(1, 10**9))


def _new_id() -> UUID:
    return UUID(int=next(_ids) + (7 << 120))


@pytest.fixture
def books(open_: OpenFn, write_path: InAppWritePath, clock: ManualClock) -> Books:
    """Savings (credit-normal) with R$ 10,000.00 from 1 March 2025 and R$ 5,000.00 more from 16 March;
    the clock then moves to 24 June, after every day accrued below."""
    savings = open_("savings", normal_side="credit").id
    bank = open_("bank", normal_side="debit", min_balance=None).id
    expense = open_("interest-expense", normal_side="debit", min_balance=None).id
    other = open_("interest-expense-2", normal_side="debit", min_balance=None).id
    _pay(write_path, bank, savings, 1_000_000)  # 2025-03-01 12:00
    clock.advance(days=15)
    _pay(write_path, bank, savings, 500_000)  # 2025-03-16 12:00
    clock.advance(days=100)
    return Books(savings, bank, expense, other)


def _policy(
    uow: Callable[[], SqlUnitOfWork],
    clock: ManualClock,
    account: UUID,
    counterpart: UUID,
    start: date,
    rate_bps: int = 1000,
    day_count: str = "ACT/365F",
) -> None:
    interest.set_policy(SetPolicy(account, start, rate_bps, day_count, counterpart), uow(), clock)


def _balance(engine: Engine, account: UUID) -> int:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT posted_credits - posted_debits FROM accounts WHERE id = :id"), {"id": account}
        ).scalar_one()
    return int(row)


def _accrual_rows(engine: Engine, account: UUID) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT day, numerator, denominator, transfer_id FROM razao.interest_accruals"
                    " WHERE account_id = :id ORDER BY day"
                ),
                {"id": account},
            )
        )


def _balance_on(day: date) -> int:
    return 1_000_000 if day < date(2025, 3, 16) else 1_500_000


def _month_totals(
    start: date, end: date, rate: Fraction, per_day: Callable[[date], Fraction]
) -> list[Fraction]:
    totals: dict[tuple[int, int], Fraction] = {}
    for day in _days(start, end):
        key = (day.year, day.month)
        totals[key] = totals.get(key, Fraction(0)) + _balance_on(day) * rate * per_day(day)
    return [totals[k] for k in sorted(totals)]


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day = date.fromordinal(day.toordinal() + 1)


def _posted(totals: list[Fraction]) -> list[int]:
    carry, amounts = Fraction(0), []
    for total in totals:
        amount = round(total + carry)
        carry = total + carry - amount
        amounts.append(amount)
    return amounts


def test_accrues_month_by_month_and_a_rerun_adds_nothing(
    batch: BatchPath,
    books: Books,
    uow_factory: Callable[[], SqlUnitOfWork],
    clock: ManualClock,
    app_engine: Engine,
) -> None:
    _policy(uow_factory, clock, books.savings, books.expense, date(2025, 3, 1))
    first = batch.accrue_interest([books.savings], date(2025, 3, 1), date(2025, 5, 31))

    expected = _posted(
        _month_totals(date(2025, 3, 1), date(2025, 5, 31), Fraction(1, 10), lambda d: Fraction(1, 365))
    )
    assert [p.amount for p in first.postings] == expected
    assert [(p.first_day, p.last_day) for p in first.postings] == [
        (date(2025, 3, 1), date(2025, 3, 31)),
        (date(2025, 4, 1), date(2025, 4, 30)),
        (date(2025, 5, 1), date(2025, 5, 31)),
    ]
    assert first.days == 92
    assert _balance(app_engine, books.savings) == 1_500_000 + sum(expected)
    assert -_balance(app_engine, books.expense) == sum(expected)

    again = batch.accrue_interest([books.savings], date(2025, 3, 1), date(2025, 5, 31))
    assert again.days == 0 and again.postings == ()
    assert _balance(app_engine, books.savings) == 1_500_000 + sum(expected)
    assert len(_accrual_rows(app_engine, books.savings)) == 92


def _march_request(books: Books, amount: int, description: str) -> TransferRequest:
    """The request accrual makes for March, built the general way (`TransferRequest`'s full checks)."""
    key = f"interest:{books.savings}:2025-03-01:2025-03-31"
    return TransferRequest(
        uuid5(INTEREST_NAMESPACE, key),
        (
            Posting(books.savings, Side.CREDIT, amount, "BRL"),
            Posting(books.expense, Side.DEBIT, amount, "BRL"),
        ),
        effective_at=datetime(2025, 4, 1, tzinfo=UTC),
        description=description,
        metadata={
            "interest": {
                "account_id": str(books.savings),
                "from": "2025-03-01",
                "to": "2025-03-31",
                "rate_bps": 1000,
                "day_count": "ACT/365F",
            }
        },
    )


def test_the_same_posting_booked_before_is_replayed_by_its_fingerprint(
    batch: BatchPath,
    books: Books,
    uow_factory: Callable[[], SqlUnitOfWork],
    clock: ManualClock,
    app_engine: Engine,
    write_path: InAppWritePath,
) -> None:
    """Accrual makes its requests without `TransferRequest`'s checks and writes their fingerprint from a
    template (`domain.interest.interest_request`): a transfer booked earlier under a period's id by the
    general construction of the same request is recognised as the same (a replay: nothing posted twice),
    and any other request under that id is refused (`idempotency_conflict`), in both modes."""
    _policy(uow_factory, clock, books.savings, books.expense, date(2025, 3, 1))
    (march,) = _posted(
        _month_totals(date(2025, 3, 1), date(2025, 3, 31), Fraction(1, 10), lambda d: Fraction(1, 365))
    )
    write_path.post_transfers([_march_request(books, march, "Interest 2025-03-01 to 2025-03-31")])

    summary = batch.accrue_interest([books.savings], date(2025, 3, 1), date(2025, 3, 31))

    assert summary.failures == () and summary.days == 31
    assert [p.transfer_id for p in summary.postings] == [_march_request(books, march, "").id]
    assert _balance(app_engine, books.savings) == 1_500_000 + march  # booked once


def test_another_posting_under_a_period_id_is_an_idempotency_conflict(
    batch: BatchPath,
    books: Books,
    uow_factory: Callable[[], SqlUnitOfWork],
    clock: ManualClock,
    app_engine: Engine,
    write_path: InAppWritePath,
) -> None:
    _policy(uow_factory, clock, books.savings, books.expense, date(2025, 3, 1))
    (march,) = _posted(
        _month_totals(date(2025, 3, 1), date(2025, 3, 31), Fraction(1, 10), lambda d: Fraction(1, 365))
    )
    write_path.post_transfers([_march_request(books, march, "Interest for March")])

    summary = batch.accrue_interest([books.savings], date(2025, 3, 1), date(2025, 3, 31))

    assert [(f.account_id, f.code) for f in summary.failures] == [(books.savings, "idempotency_conflict")]
    assert summary.postings == () and _accrual_rows(app_engine, books.savings) == []
    assert _balance(app_engine, books.savings) == 1_500_000 + march


def test_overlapping_ranges_accrue_each_day_once(
    batch: BatchPath,
    books: Books,
    uow_factory: Callable[[], SqlUnitOfWork],
    clock: ManualClock,
    app_engine: Engine,
) -> None:
    _policy(
        uow_factory, clock, books.savings, books.expense, date(2025, 3, 1), rate_bps=1234, day_count="ACT/360"
    )
    one = batch.accrue_interest([books.savings], date(2025, 3, 1), date(2025, 3, 20))
    two = batch.accrue_interest([books.savings], date(2025, 3, 10), date(2025, 4, 30))
    assert (one.days, two.days) == (20, 41)

    rows = _accrual_rows(app_engine, books.savings)
    assert [r.day for r in rows] == list(_days(date(2025, 3, 1), date(2025, 4, 30)))
    exact = sum((Fraction(int(r.numerator), int(r.denominator)) for r in rows), Fraction(0))
    assert exact == sum(
        _month_totals(
            date(2025, 3, 1), date(2025, 4, 30), Fraction(1234, 10_000), lambda d: Fraction(1, 360)
        ),
        Fraction(0),
    )
    posted = sum(p.amount for p in one.postings + two.postings)
    assert abs(posted - exact) < 1
    assert _balance(app_engine, books.savings) == 1_500_000 + posted


def test_daily_runs_post_the_month_once_it_has_ended_and_name_it_on_every_day(
    batch: BatchPath,
    books: Books,
    uow_factory: Callable[[], SqlUnitOfWork],
    clock: ManualClock,
    app_engine: Engine,
) -> None:
    """A job run every day accrues every day and posts March once, when March 31st is accrued: the same
    posting (id, amount, effective day) as one run over the month, named on each of its days."""
    _policy(uow_factory, clock, books.savings, books.expense, date(2025, 3, 1))
    daily = [
        batch.accrue_interest([books.savings], day, day) for day in _days(date(2025, 3, 1), date(2025, 4, 2))
    ]
    assert [n for n, s in enumerate(daily) if s.postings] == [30]  # March 31st's run
    (march,) = daily[30].postings
    expected = _posted(
        _month_totals(date(2025, 3, 1), date(2025, 3, 31), Fraction(1, 10), lambda d: Fraction(1, 365))
    )
    assert (march.first_day, march.last_day, march.amount) == (
        date(2025, 3, 1),
        date(2025, 3, 31),
        expected[0],
    )
    assert march.transfer_id == uuid5(INTEREST_NAMESPACE, f"interest:{books.savings}:2025-03-01:2025-03-31")
    rows = _accrual_rows(app_engine, books.savings)
    assert [r.transfer_id for r in rows] == [march.transfer_id] * 31 + [None, None]  # April is open
    with app_engine.connect() as conn:
        carried = conn.execute(
            text("SELECT through_day, open_from FROM razao.interest_carry WHERE account_id = :id"),
            {"id": books.savings},
        ).one()
    assert tuple(carried) == (date(2025, 4, 2), date(2025, 4, 1))
    assert _balance(app_engine, books.savings) == 1_500_000 + expected[0]

    settled = batch.accrue_interest([books.savings], date(2025, 4, 3), date(2025, 4, 3), post_open=True)
    assert [(p.first_day, p.last_day) for p in settled.postings] == [(date(2025, 4, 1), date(2025, 4, 3))]
    assert {r.transfer_id for r in _accrual_rows(app_engine, books.savings)[31:]} == {
        settled.postings[0].transfer_id
    }


def test_a_day_s_posting_once_named_is_final(
    batch: BatchPath,
    books: Books,
    uow_factory: Callable[[], SqlUnitOfWork],
    clock: ManualClock,
    app_engine: Engine,
) -> None:
    """razao_app may name a posting on an accrued day (the column privilege), once (the trigger), and
    change nothing else of the day."""
    _policy(uow_factory, clock, books.savings, books.expense, date(2025, 3, 1))
    batch.accrue_interest([books.savings], date(2025, 3, 30), date(2025, 4, 1))
    where = " WHERE account_id = :id AND day = :day"
    for statement, day in (
        ("UPDATE razao.interest_accruals SET transfer_id = gen_random_uuid()" + where, date(2025, 3, 31)),
        ("UPDATE razao.interest_accruals SET transfer_id = NULL" + where, date(2025, 3, 31)),
        ("UPDATE razao.interest_accruals SET numerator = numerator + 1" + where, date(2025, 4, 1)),
    ):
        with pytest.raises(DBAPIError) as refused, app_engine.begin() as conn:
            conn.execute(text(statement), {"id": books.savings, "day": day})
        assert refused.value.orig.sqlstate in {"55000", "42501"}, statement  # type: ignore[union-attr]
    with app_engine.begin() as conn:  # the open day may gain a posting (what accrual does)
        named = conn.execute(
            text("UPDATE razao.interest_accruals SET transfer_id = gen_random_uuid()" + where),
            {"id": books.savings, "day": date(2025, 4, 1)},
        )
        assert named.rowcount == 1
        conn.rollback()


def test_a_policy_change_applies_from_its_date(
    batch: BatchPath,
    books: Books,
    uow_factory: Callable[[], SqlUnitOfWork],
    clock: ManualClock,
    app_engine: Engine,
) -> None:
    _policy(uow_factory, clock, books.savings, books.expense, date(2025, 3, 1))
    _policy(
        uow_factory,
        clock,
        books.savings,
        books.other_expense,
        date(2025, 4, 16),
        rate_bps=500,
        day_count="30E/360",
    )
    summary = batch.accrue_interest([books.savings], date(2025, 3, 1), date(2025, 4, 30))

    assert [(p.first_day, p.last_day) for p in summary.postings] == [
        (date(2025, 3, 1), date(2025, 3, 31)),
        (date(2025, 4, 1), date(2025, 4, 15)),
        (date(2025, 4, 16), date(2025, 4, 30)),
    ]
    march = _month_totals(date(2025, 3, 1), date(2025, 3, 31), Fraction(1, 10), lambda d: Fraction(1, 365))[0]
    early_april = 15 * 1_500_000 * Fraction(1, 10) / 365
    late_april = 1_500_000 * Fraction(5, 100) * Fraction(15, 360)  # 30E/360: 16 to 30 April, 15 days
    assert [p.amount for p in summary.postings] == _posted([march, early_april, late_april])
    amounts = [p.amount for p in summary.postings]
    assert -_balance(app_engine, books.expense) == amounts[0] + amounts[1]
    assert -_balance(app_engine, books.other_expense) == amounts[2]


def test_a_negative_balance_accrues_the_other_way(
    batch: BatchPath,
    open_: OpenFn,
    write_path: InAppWritePath,
    uow_factory: Callable[[], SqlUnitOfWork],
    clock: ManualClock,
    app_engine: Engine,
) -> None:
    overdraft = open_("overdraft", normal_side="credit", min_balance=None).id
    bank = open_("bank", normal_side="debit", min_balance=None).id
    income = open_("interest-income", normal_side="credit", min_balance=None).id
    _pay(write_path, overdraft, bank, 365_000)  # overdraft's balance: -365,000 from 1 March
    clock.advance(days=60)
    _policy(uow_factory, clock, overdraft, income, date(2025, 3, 1), rate_bps=10_000)
    summary = batch.accrue_interest([overdraft], date(2025, 3, 2), date(2025, 3, 11), post_open=True)
    assert [p.amount for p in summary.postings] == [-10_000]
    assert _balance(app_engine, overdraft) == -375_000
    assert _balance(app_engine, income) == 10_000


def test_chunks_list_accounts_with_policies(
    batch: BatchPath,
    books: Books,
    open_: OpenFn,
    uow_factory: Callable[[], SqlUnitOfWork],
    clock: ManualClock,
) -> None:
    accounts = sorted([books.savings, books.bank, open_("third", normal_side="credit").id])
    for account in accounts:
        _policy(uow_factory, clock, account, books.expense, date(2025, 1, 1))
    assert batch.accounts_with_policies(None, 2) == accounts[:2]
    assert batch.accounts_with_policies(accounts[1], 2) == accounts[2:]
    summary = batch.accrue_interest(accounts, date(2025, 3, 1), date(2025, 3, 31))
    assert summary.accounts == 3


def test_policy_rules(
    books: Books, open_: OpenFn, uow_factory: Callable[[], SqlUnitOfWork], clock: ManualClock
) -> None:
    dollars = open_("usd-expense", asset="USD", normal_side="debit").id
    with pytest.raises(AssetMismatch):
        _policy(uow_factory, clock, books.savings, dollars, date(2025, 3, 1))
    with pytest.raises(ValidationError):
        _policy(uow_factory, clock, books.savings, books.savings, date(2025, 3, 1))
    with pytest.raises(ValidationError):
        _policy(uow_factory, clock, books.savings, books.expense, date(2025, 3, 1), day_count="ACT/ACT")
    _policy(uow_factory, clock, books.savings, books.expense, date(2025, 3, 1), rate_bps=100)
    _policy(uow_factory, clock, books.savings, books.expense, date(2025, 3, 1), rate_bps=200)
    history = interest.policy_history(books.savings, uow_factory())
    assert [(p.effective_from, p.rate_bps, p.day_count) for p in history] == [
        (date(2025, 3, 1), 200, DayCount.ACT_365F)
    ]


def test_the_batch_tables_match_their_models_and_grants(database: Any, admin_engine: Engine) -> None:
    """Schema `razao`'s jobs and interest tables: as `models.batch_metadata` says (checked with the
    public tables by `migrate.check`), owned by razao_owner, with only the grants razao_app needs."""
    migrate.check(database.admin_url)
    with admin_engine.connect() as conn:
        owners = dict(
            conn.execute(text("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'razao'")).all()
        )
        grants = {
            (row.table_name, row.privilege_type)
            for row in conn.execute(
                text(
                    "SELECT table_name, privilege_type FROM information_schema.role_table_grants"
                    " WHERE table_schema = 'razao' AND grantee = 'razao_app'"
                )
            )
        }
    tables = {"jobs", "interest_policies", "interest_accruals", "interest_carry"}
    assert {t: owners[t] for t in tables} == dict.fromkeys(tables, "razao_owner")
    writable = {"jobs", "interest_policies", "interest_carry"}
    assert grants == {(t, p) for t in tables for p in ("SELECT", "INSERT")} | {
        (t, "UPDATE") for t in writable
    }


def test_an_account_that_cannot_be_accrued_is_reported_and_the_others_go_ahead(
    batch: BatchPath,
    books: Books,
    open_: OpenFn,
    uow_factory: Callable[[], SqlUnitOfWork],
    clock: ManualClock,
    app_engine: Engine,
) -> None:
    frozen_payer = open_("frozen-payer", normal_side="debit", min_balance=None).id
    _policy(uow_factory, clock, books.savings, books.expense, date(2025, 3, 1))
    _policy(uow_factory, clock, books.bank, frozen_payer, date(2025, 3, 1))
    freeze_account(frozen_payer, uow_factory(), clock)
    summary = batch.accrue_interest([books.savings, books.bank], date(2025, 3, 1), date(2025, 3, 31))
    assert [(f.account_id, f.code) for f in summary.failures] == [(books.bank, "account_inactive")]
    assert [p.account_id for p in summary.postings] == [books.savings]
    assert _accrual_rows(app_engine, books.bank) == []
    assert len(_accrual_rows(app_engine, books.savings)) == 31


def test_concurrent_runs_of_the_same_chunk_accrue_each_day_once(
    batch: BatchPath,
    books: Books,
    uow_factory: Callable[[], SqlUnitOfWork],
    clock: ManualClock,
    app_engine: Engine,
) -> None:
    """Two workers on the same chunk (a redelivered task while the first still runs): the account
    lock serialises them and the second finds every day accrued."""
    _policy(uow_factory, clock, books.savings, books.expense, date(2025, 3, 1))
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [
            pool.submit(batch.accrue_interest, [books.savings], date(2025, 3, 1), date(2025, 4, 30))
            for _ in "ab"
        ]
        summaries = [run.result() for run in runs]
    assert sorted(s.days for s in summaries) == [0, 61]
    expected = _posted(
        _month_totals(date(2025, 3, 1), date(2025, 4, 30), Fraction(1, 10), lambda d: Fraction(1, 365))
    )
    assert sorted(p.amount for s in summaries for p in s.postings) == sorted(expected)
    assert _balance(app_engine, books.savings) == 1_500_000 + sum(expected)
    assert len(_accrual_rows(app_engine, books.savings)) == 61


def test_a_chunk_costs_the_same_statements_whatever_its_size(
    open_: OpenFn,
    write_path: InAppWritePath,
    uow_factory: Callable[[], SqlUnitOfWork],
    clock: ManualClock,
    app_engine: Engine,
) -> None:
    """The in-app path: 3 accounts or 30, one transaction of the same statements (the in-database
    path runs the same use case over SPI, one function call per chunk)."""
    bank = open_("bank", normal_side="debit", min_balance=None).id
    expense = open_("interest-expense", normal_side="debit", min_balance=None).id
    savers = [open_(f"saver-{n}", normal_side="credit").id for n in range(33)]
    for saver in savers:
        _pay(write_path, bank, saver, 100_000)
        _policy(uow_factory, clock, saver, expense, date(2025, 3, 1))
    clock.advance(days=40)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(app_engine, "before_cursor_execute", count)
    try:
        path = InAppBatchPath(uow_factory, clock)
        small = path.accrue_interest(savers[:3], date(2025, 3, 1), date(2025, 3, 31))
        few = len(statements)
        statements.clear()
        large = path.accrue_interest(savers[3:], date(2025, 3, 1), date(2025, 3, 31))
    finally:
        event.remove(app_engine, "before_cursor_execute", count)
    assert (small.accounts, len(small.postings), large.accounts, len(large.postings)) == (3, 3, 30, 30)
    assert len(statements) == few, statements


def test_both_adapters_write_accruals_with_the_same_statements() -> None:
    """`adapters.db.interest` and `plpython/razao_store.py` build the chunk's writes from the one text of
    `plpython/razao_sql.py`: the same SQL, but for the parameters' spelling."""
    from adapters.db import interest as sql_adapter

    store = plpython_files.load("razao_store", "razao_store_under_test")
    names = {"add": "_ADD_ACCRUALS", "link": "_LINK_ACCRUALS", "set": "_SET_CARRIES"}
    for key, app_sql in sql_adapter._chunk_sql().items():
        spelled = {"carries": ":ids"}.get(key, ":rows")
        plpy_sql = getattr(store, names.get(key, "_CARRIES")).replace("$1", spelled).replace("$2", ":at")
        assert str(app_sql) == plpy_sql, key
