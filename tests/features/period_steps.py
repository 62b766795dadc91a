"""Step definitions of `periods.feature`: closing a month's books, in the finance team's words.

"The books are closed through the end of last month" closes the ledger through the last day of the month
before the ledger's today (`application.periods.close_period`); "dated the 15th of last month" gives a
payment or a hold that value date (`effective_at`, noon UTC). Imported by `conftest.py`, so that the steps
are fixtures of every feature test, in every mode.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from pytest_bdd import given, when

from application import periods
from domain.periods import CloseRequest
from tests.features.conftest import words
from tests.features.driver import LedgerDriver

#: Who closes and reopens, as the close records it.
FINANCE = "finance team"


def _last_month(ledger: LedgerDriver) -> tuple[date, date]:
    """The first and last days of the month before the ledger's today (UTC)."""
    last_day = ledger.clock.now().astimezone(UTC).date().replace(day=1) - timedelta(days=1)
    return last_day.replace(day=1), last_day


def _closes(ledger: LedgerDriver) -> dict[date, UUID]:
    """The closes this scenario made: last day closed -> close id."""
    made: dict[date, UUID] = vars(ledger).setdefault("period_closes", {})
    return made


@given(words("the books are closed through the end of last month"))
@when(words("the books are closed through the end of last month"))
def _(ledger: LedgerDriver) -> None:
    ledger.settled()
    _, through = _last_month(ledger)
    closing = periods.close_period(CloseRequest(through), FINANCE, ledger._uow(), ledger.clock, ledger._ids)
    _closes(ledger)[through] = closing.period.close.id


@given(words('the finance team reopens last month because "{reason}"'))
@when(words('the finance team reopens last month because "{reason}"'))
def _(ledger: LedgerDriver, reason: str) -> None:
    ledger.settled()
    _, through = _last_month(ledger)
    periods.reopen_period(_closes(ledger)[through], reason, FINANCE, ledger._uow(), ledger.clock)


def _dated(ledger: LedgerDriver, day: int) -> datetime:
    first, _ = _last_month(ledger)
    return datetime.combine(first.replace(day=day), time(12), UTC)


@given(words('"{source:Name}" sends {amount:Amount} to "{target:Name}" dated the {day:d}th of last month'))
@when(words('"{source:Name}" sends {amount:Amount} to "{target:Name}" dated the {day:d}th of last month'))
def _(ledger: LedgerDriver, source: str, amount: str, target: str, day: int) -> None:
    request = replace(ledger.payment(source, target, amount), effective_at=_dated(ledger, day))
    ledger.attempt(lambda: ledger.book(request))


_HOLD_DATED = (
    '"{source:Name}" places a hold of {amount:Amount} for "{target:Name}" as hold "{reference:Name}" '
    "dated the {day:d}th of last month"
)


@given(words(_HOLD_DATED))
@when(words(_HOLD_DATED))
def _(ledger: LedgerDriver, source: str, amount: str, target: str, reference: str, day: int) -> None:
    request = ledger.payment(source, target, amount, reference=reference, pending=True)
    ledger.attempt(lambda: ledger.book(replace(request, effective_at=_dated(ledger, day))))
