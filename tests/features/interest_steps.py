"""Step definitions of `interest.feature`: a savings account's interest, accrued nightly, paid monthly.

The account's history is booked in the past through the in-app write path on a clock of its own (a
database-mode ledger stamps with the database's real clock, which cannot go back). The interest job then
runs in the scenario's mode: in the app (`InAppBatchPath`) or inside PostgreSQL (`InDatabaseBatchPath`,
the function `razao.accrue_interest`). Imported by `conftest.py`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from pytest_bdd import given, parsers, then, when

from adapters.db.code_bundle import app_code_version
from adapters.db.in_database import InDatabaseBatchPath
from application import interest, transfers
from application.batch_path import BatchPath, InAppBatchPath
from application.interest import PostedInterest, SetPolicy
from application.write_path import InAppWritePath
from domain.accounts import Side
from domain.transfers import TransferRequest
from tests.fakes import FakeClock
from tests.features.conftest import words
from tests.features.driver import LedgerDriver

#: The day the interest job runs on, in the app and memory modes (every day accrued below has ended).
RUN_ON = datetime(2025, 12, 1, 3, tzinfo=UTC)


def _day(text: str) -> date:
    return datetime.strptime(text, "%d %B %Y").date()


def _days(first: str, last: str) -> list[date]:
    start, end = _day(first), _day(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _path(ledger: LedgerDriver, request: pytest.FixtureRequest) -> BatchPath:
    if ledger.mode == "database":
        return InDatabaseBatchPath(request.getfixturevalue("app_engine"), app_code_version())
    return InAppBatchPath(ledger._uow, FakeClock(RUN_ON))


def _paid(ledger: LedgerDriver) -> list[PostedInterest]:
    found: list[PostedInterest] = vars(ledger).setdefault("interest_paid", [])
    return found


def _run(
    ledger: LedgerDriver, request: pytest.FixtureRequest, days: list[tuple[date, date]], pay: bool
) -> None:
    path = _path(ledger, request)
    for start, end in days:
        _paid(ledger).extend(path.accrue_interest([ledger.account("Savings").id], start, end, pay).postings)


@given(words('a savings account "{name:Name}" holding {amount:Amount} since {day}'))
def _(ledger: LedgerDriver, name: str, amount: str, day: str) -> None:
    savings = ledger.open(name, "BRL", normal_side=Side.CREDIT, min_balance=0)
    bank = ledger.open("Bank", "BRL", normal_side=Side.DEBIT, min_balance=None)
    booked = FakeClock(datetime.combine(_day(day), time(12), UTC))
    deposit = TransferRequest.simple(
        ledger._ids.new_id(),
        debit_account_id=bank.id,
        credit_account_id=savings.id,
        amount=ledger.money(amount).units,
    )
    InAppWritePath(ledger._uow, booked).post_transfers([deposit])


@given(words('"{name:Name}" earns {rate} % a year ({day_count}) from {day}, paid by "{payer:Name}"'))
def _(ledger: LedgerDriver, name: str, rate: str, day_count: str, day: str, payer: str) -> None:
    expense = ledger.open(payer, "BRL", normal_side=Side.DEBIT, min_balance=None)
    rate_bps = round(float(rate) * 100)
    policy = SetPolicy(ledger.account(name).id, _day(day), rate_bps, day_count, expense.id)
    interest.set_policy(policy, ledger._uow(), FakeClock(datetime.combine(_day(day), time(0), UTC)))


@given(parsers.parse("the interest job has run every night from {first} to {last}"))
@when(parsers.parse("the interest job runs every night from {first} to {last}"))
def _(ledger: LedgerDriver, request: pytest.FixtureRequest, first: str, last: str) -> None:
    _run(ledger, request, [(d, d) for d in _days(first, last)], pay=False)


@when(parsers.parse("the interest job runs once from {first} to {last}, paying what is set aside"))
def _(ledger: LedgerDriver, request: pytest.FixtureRequest, first: str, last: str) -> None:
    _run(ledger, request, [(_day(first), _day(last))], pay=True)


@when(parsers.re(r"the interest job runs once from (?P<first>.+) to (?P<last>[^,]+)$"))
def _(ledger: LedgerDriver, request: pytest.FixtureRequest, first: str, last: str) -> None:
    _run(ledger, request, [(_day(first), _day(last))], pay=False)


@then(words('"{name:Name}" has been paid interest once: {amount:Amount} for {first} to {last}'))
def _(ledger: LedgerDriver, name: str, amount: str, first: str, last: str) -> None:
    paid = [p for p in _paid(ledger) if p.account_id == ledger.account(name).id]
    expected = [(ledger.money(amount).units, _day(first), _day(last))]
    assert [(p.amount, p.first_day, p.last_day) for p in paid] == expected
    transfer = transfers.get_transfer(paid[0].transfer_id, ledger.unit_of_work())
    assert transfer.description == f"Interest {_day(first).isoformat()} to {_day(last).isoformat()}"
    assert transfer.effective_at == datetime.combine(_day(last) + timedelta(days=1), time(0), UTC)


@then(words('"{name:Name}" has been paid no interest'))
def _(ledger: LedgerDriver, name: str) -> None:
    assert [p for p in _paid(ledger) if p.account_id == ledger.account(name).id] == []
