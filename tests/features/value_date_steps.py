"""Step definitions of `value_dates.feature`: payments with a value date, and balances read by value date
or as booked (`domain.time_basis`).

Days are named relative to the scenario's own clock ("the 15th of last month", "the end of last month"),
so that every mode (whose clock may be a fake one or the database's) books and reads the same story.
A value date is noon (UTC) of its day. Imported by `conftest.py`, so that the steps are fixtures of every
feature test, in every mode.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from pytest_bdd import given, parsers, then, when

from domain.time_basis import Basis
from tests.features.conftest import _TYPES, _canonical, _pattern, _table
from tests.features.driver import LedgerDriver, format_money

_DAY = re.compile(r"^the (\d+)(?:st|nd|rd|th) of last month$")


@_pattern(r"the \d+(?:st|nd|rd|th) of last month")
def _day_of_last_month(text: str) -> str:
    return text


@_pattern(r"booked|by value date")
def _basis(text: str) -> Basis:
    return Basis.BOOKED if text == "booked" else Basis.EFFECTIVE


def _words(text: str) -> parsers.parse:
    return parsers.parse(text, extra_types={**_TYPES, "Day": _day_of_last_month, "Basis": _basis})


def _first_of_this_month(ledger: LedgerDriver) -> date:
    return ledger.timeline.moment().astimezone(UTC).date().replace(day=1)


def _last_month(ledger: LedgerDriver, day: int) -> date:
    return (_first_of_this_month(ledger) - timedelta(days=1)).replace(day=day)


def _day(ledger: LedgerDriver, text: str) -> date:
    match = _DAY.match(text)
    if match is None:
        raise AssertionError(f"{text!r} is not a day like 'the 15th of last month'")
    return _last_month(ledger, int(match[1]))


def _end_of_last_month(ledger: LedgerDriver) -> datetime:
    """The last instant of last month (UTC)."""
    return datetime.combine(_first_of_this_month(ledger), time(0), UTC) - timedelta(microseconds=1)


def _pay_dated(
    ledger: LedgerDriver, source: str, target: str, amount: str, day: str, description: str = ""
) -> None:
    value_date = datetime.combine(_day(ledger, day), time(12), UTC)
    request = replace(
        ledger.payment(source, target, amount, description=description), effective_at=value_date
    )
    ledger.attempt(lambda: ledger.book(request))


@given(_words('"{payee:Name}" receives {amount:Amount} through "{bank:Name}" with value date {day:Day}'))
@when(_words('"{payee:Name}" receives {amount:Amount} through "{bank:Name}" with value date {day:Day}'))
def _(ledger: LedgerDriver, payee: str, amount: str, bank: str, day: str) -> None:
    _pay_dated(ledger, bank, payee, amount, day)


_RECEIVES_FOR = (
    '"{payee:Name}" receives {amount:Amount} through "{bank:Name}" for "{description:Name}"'
    " with value date {day:Day}"
)


@given(_words(_RECEIVES_FOR))
@when(_words(_RECEIVES_FOR))
def _(ledger: LedgerDriver, payee: str, amount: str, bank: str, description: str, day: str) -> None:
    _pay_dated(ledger, bank, payee, amount, day, description)


@given(_words('"{source:Name}" sends {amount:Amount} to "{target:Name}" with value date {day:Day}'))
@when(_words('"{source:Name}" sends {amount:Amount} to "{target:Name}" with value date {day:Day}'))
def _(ledger: LedgerDriver, source: str, amount: str, target: str, day: str) -> None:
    _pay_dated(ledger, source, target, amount, day)


@then(_words('by value date, "{name:Name}" had {balance:Amount} at the end of last month'))
def _(ledger: LedgerDriver, name: str, balance: str) -> None:
    _had(ledger, name, balance, Basis.EFFECTIVE)


@then(_words('as booked, "{name:Name}" had {balance:Amount} at the end of last month'))
def _(ledger: LedgerDriver, name: str, balance: str) -> None:
    _had(ledger, name, balance, Basis.BOOKED)


def _had(ledger: LedgerDriver, name: str, balance: str, basis: Basis) -> None:
    ledger.settled()
    account = ledger.account(name)
    answer = ledger.read.balance_as_of(account.id, _end_of_last_month(ledger), basis)
    assert answer.basis is basis
    assert format_money(account.asset, answer.posted_balance) == _canonical(ledger, name, "balance", balance)


@then(_words('the statement of "{name:Name}" by value date shows:'))
def _(ledger: LedgerDriver, name: str, datatable: list[list[str]]) -> None:
    """The same columns as the statement as booked: the balance runs in value-date order."""
    ledger.settled()
    account = ledger.account(name)

    def cell(units: int | None) -> str:
        return "" if units is None else format_money(account.asset, units)

    actual = [
        {
            "description": ledger.describe(line.description),
            "paid out": cell(line.entry.amount if line.entry.side is not account.normal_side else None),
            "paid in": cell(line.entry.amount if line.entry.side is account.normal_side else None),
            "balance": cell(line.entry.balance_after),
        }
        for line in ledger.read.value_statement(account.id, limit=1000).items
    ]
    expected = [{k: _canonical(ledger, name, k, v) for k, v in row.items()} for row in _table(datatable)]
    assert actual == expected


def _history(ledger: LedgerDriver, name: str, first: str, last: str, basis: Basis) -> list[tuple[int, str]]:
    """(day of the month, closing balance) from the `first` to the `last` (`15th`) of last month."""
    ledger.settled()
    account = ledger.account(name)
    start = _day(ledger, f"the {first} of last month")
    end = _day(ledger, f"the {last} of last month")
    history = ledger.read.history(account.id, start, end, basis)
    assert history.basis is basis
    return [(d.day.day, format_money(account.asset, d.balance)) for d in history.days]


_DAILY = 'the daily balances of "{name:Name}" {basis:Basis} from the {first:w} to the {last:w} of last month'


@then(_words(_DAILY + " are:"))
def _(
    ledger: LedgerDriver, name: str, basis: Basis, first: str, last: str, datatable: list[list[str]]
) -> None:
    expected = [
        (int(re.sub(r"\D", "", row["day"])), _canonical(ledger, name, "balance", row["balance"]))
        for row in _table(datatable)
    ]
    assert _history(ledger, name, first, last, basis) == expected


@then(
    _words(
        'the daily balances of "{name:Name}" as {basis:Basis} from the {first:w} to the {last:w} of last month'
        " are all {balance:Amount}"
    )
)
def _(ledger: LedgerDriver, name: str, basis: Basis, first: str, last: str, balance: str) -> None:
    days = _history(ledger, name, first, last, basis)
    assert days and {b for _, b in days} == {_canonical(ledger, name, "balance", balance)}, days


@then(
    _words(
        "by value date through the end of last month, the books balance with {amount:Amount} of debits and credits"
    )
)
def _(ledger: LedgerDriver, amount: str) -> None:
    ledger.settled()
    through = _first_of_this_month(ledger) - timedelta(days=1)
    totals = ledger.read.trial_balance(None, Basis.EFFECTIVE, through)
    assert totals and all(t.balanced for t in totals), totals
    money = ledger.money(amount)
    [brl] = [t for t in totals if t.asset == money.asset.code]
    assert (brl.posted_debits, brl.posted_credits) == (money.units, money.units)
