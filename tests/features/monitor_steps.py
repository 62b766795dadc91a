"""Step definitions of `monitors.feature`: balance alerts ("balance monitors") in a product's words.

An alert is a balance monitor (`application.monitors`): "the owner of "Alice" asks to be told when its
available balance is below R$ 10.00 as alert "low"" creates one; "the owner of "Alice" has been told:"
reads the `balance.monitor_triggered` events of the account from the feed. Imported by `conftest.py`,
so that the steps are fixtures of every feature test, in every mode.
"""

from __future__ import annotations

from uuid import UUID

from pytest_bdd import given, parsers, then, when

from application import monitors
from application.events import EventType
from application.monitors import CreateMonitor
from tests.features.conftest import _TYPES, _pattern
from tests.features.driver import LedgerDriver, format_money

#: How the specs name the balances a monitor can watch.
BALANCES = {
    "available": "available",
    "posted": "posted",
    "held": "pending_outflow",
    "incoming": "pending_inflow",
}


@_pattern(r"available|posted|held|incoming")
def _balance(text: str) -> str:
    return BALANCES[text]


@_pattern(r"at or below|at or above|below|above")
def _comparison(text: str) -> str:
    return text.replace(" ", "_")


def _words(text: str) -> parsers.parse:
    return parsers.parse(text, extra_types={**_TYPES, "Balance": _balance, "Comparison": _comparison})


def _alerts(ledger: LedgerDriver) -> dict[UUID, str]:
    """The alerts this scenario named: monitor id -> name."""
    names: dict[UUID, str] = vars(ledger).setdefault("alert_names", {})
    return names


_ASK = (
    'the owner of "{name:Name}" asks to be told when its {balance:Balance} balance is {comparison:Comparison}'
    ' {amount:Amount} as alert "{alert:Name}"'
)


@given(_words(_ASK))
@when(_words(_ASK))
def _(ledger: LedgerDriver, name: str, balance: str, comparison: str, amount: str, alert: str) -> None:
    threshold = ledger.money(amount, name).units
    command = CreateMonitor(ledger.account(name).id, balance, comparison, threshold, description=alert)
    created = ledger.attempt(
        lambda: monitors.create_monitor(command, ledger._uow(), ledger.clock, ledger._ids)
    )
    if created is not None:
        _alerts(ledger)[created.id] = alert


@when(_words('alert "{alert:Name}" of "{name:Name}" is removed'))
def _(ledger: LedgerDriver, alert: str, name: str) -> None:
    monitor_id = next(i for i, n in _alerts(ledger).items() if n == alert)
    monitors.delete_monitor(ledger.account(name).id, monitor_id, ledger._uow())


def _told(ledger: LedgerDriver, name: str) -> list[list[str]]:
    ledger.settled()
    asset = ledger.account(name).asset
    names = _alerts(ledger)
    return [
        [names[UUID(e.data["monitor"]["id"])], format_money(asset, e.data["value"])]
        for e in ledger.feed(name)
        if e.type == EventType.BALANCE_MONITOR_TRIGGERED
    ]


@then(_words('the owner of "{name:Name}" has been told:'))
def _(ledger: LedgerDriver, name: str, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    assert header == ["alert", "balance"], f"the columns are | alert | balance |, not {header}"
    assert _told(ledger, name) == rows


@then(_words('the owner of "{name:Name}" has not been told anything'))
def _(ledger: LedgerDriver, name: str) -> None:
    assert _told(ledger, name) == []
