"""Step definitions of `search.feature`: finance searching wallets and payments (`application.search`).

Wallets are tagged through their metadata (`tagged with tier "gold"` is `{"tier": "gold"}`) and payments
carry their order in theirs; the searches run the list use cases with the filters a client would send.
Imported by `conftest.py`, so that the steps are fixtures of every feature test, in every mode.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pytest_bdd import given, parsers, then, when

from application import accounts, transfers
from application.accounts import OpenAccount
from application.search import FilterNeedsIndex, account_filter, transfer_filter
from domain.accounts import Side
from domain.transfers import Transfer, posted_amount
from tests.features.conftest import _TYPES
from tests.features.driver import LedgerDriver, code_for, format_money


def _words(text: str) -> parsers.parse:
    return parsers.parse(text, extra_types=_TYPES)


def _found(ledger: LedgerDriver, result: Any) -> None:
    vars(ledger)["search"] = result


@given(_words('a customer wallet "{name:Name}" in {asset:Code} tagged with {key:w} "{value:Name}"'))
def _(ledger: LedgerDriver, name: str, asset: str, key: str, value: str) -> None:
    command = OpenAccount(code_for(name), name, asset, Side.CREDIT, 0, {key: value})
    opened = accounts.open_account(command, ledger._uow(), ledger.clock, ledger._ids).account
    ledger._accounts[name] = opened.id


@given(_words('"{source:Name}" pays {amount:Amount} to "{target:Name}" for order "{order:Name}"'))
def _(ledger: LedgerDriver, source: str, target: str, amount: str, order: str) -> None:
    request = ledger.payment(source, target, amount)
    ledger.book(replace(request, metadata={"order": order}))


def _wallets(ledger: LedgerDriver, **options: Any) -> None:
    page = accounts.list_accounts(ledger._uow(), account_filter(**options))
    _found(ledger, [a.name for a in page.items])


@when(_words('finance searches the wallets tagged with {key:w} "{value:Name}"'))
def _(ledger: LedgerDriver, key: str, value: str) -> None:
    _wallets(ledger, metadata=[f"{key}:{value}"])


@when(_words('finance searches the active wallets tagged with {key:w} "{value:Name}"'))
def _(ledger: LedgerDriver, key: str, value: str) -> None:
    _wallets(ledger, metadata=[f"{key}:{value}"], status="active")


def _payments(ledger: LedgerDriver, **options: Any) -> None:
    found = ledger.attempt(lambda: transfers.list_transfers(ledger._uow(), transfer_filter(**options)).items)
    _found(ledger, found)


@when(_words('finance searches the payments for order "{order:Name}"'))
def _(ledger: LedgerDriver, order: str) -> None:
    _payments(ledger, metadata=[f"order:{order}"])


@when(_words('finance searches the payments of "{name:Name}" of at least {amount:Amount}'))
def _(ledger: LedgerDriver, name: str, amount: str) -> None:
    _payments(ledger, account_id=ledger.account(name).id, amount_min=ledger.money(amount, name).units)


@when(_words("finance searches every payment of at least {amount:Amount}"))
def _(ledger: LedgerDriver, amount: str) -> None:
    _payments(ledger, amount_min=ledger.money(amount).units)


@then(_words('the search finds the wallets "{names}"'))
def _(ledger: LedgerDriver, names: str) -> None:
    ledger.settled()
    assert vars(ledger)["search"] == [n.strip() for n in names.split(",")]


def _row(ledger: LedgerDriver, transfer: Transfer) -> dict[str, str]:
    debit = next(p for p in transfer.postings if p.side is Side.DEBIT)
    credit = next(p for p in transfer.postings if p.side is Side.CREDIT)
    asset = ledger.account(ledger._name_of(debit.account_id)).asset
    return {
        "from": ledger._name_of(debit.account_id),
        "to": ledger._name_of(credit.account_id),
        "amount": format_money(asset, posted_amount(transfer.posted or transfer.postings)),
    }


@then(_words("the search finds the payments:"))
def _(ledger: LedgerDriver, datatable: list[list[str]]) -> None:
    ledger.settled()
    header, *rows = datatable
    assert [_row(ledger, t) for t in vars(ledger)["search"]] == [
        dict(zip(header, r, strict=True)) for r in rows
    ]


@then(_words('the search is refused: it needs a narrower filter on "{field}"'))
def _(ledger: LedgerDriver, field: str) -> None:
    refusal = ledger.take_refusal()
    assert isinstance(refusal, FilterNeedsIndex), f"refused with [{refusal.code}] {refusal.detail}"
    assert [issue.field for issue in refusal.issues] == [field]
