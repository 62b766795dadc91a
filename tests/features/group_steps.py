"""Step definitions of `groups.feature`: categories of accounts and their balances, in a finance team's
words.

A category is created and filled through its use cases (`application.categories`, in this process in
every mode, as the API runs them); its balance is read through the mode's read path
(`ReadPath.category_balance`: the fakes, SQL from this process, or `razao.category_balance` inside
PostgreSQL). Imported by `conftest.py`, so that the steps are fixtures of every feature test.
"""

from __future__ import annotations

from uuid import UUID

from pytest_bdd import given, parsers, then, when

from application import categories
from application.categories import CreateCategory, UpdateCategory
from application.groups import GroupTotals
from domain.categories import CategoryCycle
from tests.features.conftest import _TYPES
from tests.features.driver import LedgerDriver, code_for, format_money


def _words(text: str) -> parsers.parse:
    return parsers.parse(text, extra_types=_TYPES)


def _categories(ledger: LedgerDriver) -> dict[str, UUID]:
    """The categories this scenario named: name -> id."""
    named: dict[str, UUID] = vars(ledger).setdefault("category_ids", {})
    return named


def _create(ledger: LedgerDriver, name: str, parent: str | None) -> None:
    parent_id = None if parent is None else _categories(ledger)[parent]
    command = CreateCategory(code_for(name), name, parent_id=parent_id)
    created = categories.create_category(command, ledger._uow(), ledger.clock, ledger._ids)
    _categories(ledger)[name] = created.category.id


@given(_words('a category "{name:Name}"'))
def _(ledger: LedgerDriver, name: str) -> None:
    _create(ledger, name, None)


@given(_words('a category "{name:Name}" inside "{parent:Name}"'))
def _(ledger: LedgerDriver, name: str, parent: str) -> None:
    _create(ledger, name, parent)


@given(_words('"{account:Name}" is in category "{name:Name}"'))
def _(ledger: LedgerDriver, account: str, name: str) -> None:
    categories.add_account(_categories(ledger)[name], ledger.account(account).id, ledger._uow())


@when(_words('"{account:Name}" is taken out of category "{name:Name}"'))
def _(ledger: LedgerDriver, account: str, name: str) -> None:
    categories.remove_account(_categories(ledger)[name], ledger.account(account).id, ledger._uow())


@when(_words('category "{name:Name}" is moved inside "{parent:Name}"'))
def _(ledger: LedgerDriver, name: str, parent: str) -> None:
    move = UpdateCategory(move=True, parent_id=_categories(ledger)[parent])
    ledger.attempt(lambda: categories.update_category(_categories(ledger)[name], move, ledger._uow()))


@then("the move is refused: a category cannot be nested in itself")
def _(ledger: LedgerDriver) -> None:
    refusal = ledger.take_refusal()
    assert isinstance(refusal, CategoryCycle), refusal


def _held(ledger: LedgerDriver, totals: tuple[GroupTotals, ...]) -> tuple[str, int]:
    (brl,) = totals
    return format_money(ledger.asset(brl.asset), brl.posted), brl.accounts


@then(_words('category "{name:Name}" holds {amount:Amount} in {count:d} account'))
@then(_words('category "{name:Name}" holds {amount:Amount} in {count:d} accounts'))
def _(ledger: LedgerDriver, name: str, amount: str, count: int) -> None:
    ledger.settled()
    found = ledger.read.category_balance(_categories(ledger)[name])
    assert _held(ledger, found.totals) == (amount, count)


@then(_words('the subcategories of "{name:Name}" hold:'))
def _(ledger: LedgerDriver, name: str, datatable: list[list[str]]) -> None:
    ledger.settled()
    found = ledger.read.category_balance(_categories(ledger)[name])
    held = [[c.category.name, *map(str, reversed(_held(ledger, c.totals)))] for c in found.children]
    assert [datatable[0], *held] == datatable
