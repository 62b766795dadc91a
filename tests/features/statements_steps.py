"""Step definitions of `statements.feature`: importing the bank's statements, in plain words.

"the bank's statement "camt053.xml" is imported into "Bank" as camt.053" reads the sample file of
docs/audit/samples with the format's reader (`adapters.statements.parse`) and imports it with
`application.statements.import_file`: over the in-memory fakes in the memory mode, over PostgreSQL
(`SqlStatementUnitOfWork`) in the app and database modes (an import is a write of plain rows, made over
SQL in both execution modes). Imported by `conftest.py`, so that the steps are fixtures of every feature.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, then, when

from adapters.db.statements import SqlStatementUnitOfWork
from adapters.statements import parse
from application import statements
from application.statements import ImportFile, StatementUnitOfWork
from domain.statements import Direction, InvalidStatement, Statement
from tests.features.conftest import words
from tests.features.driver import LedgerDriver, format_money

SAMPLES = Path(__file__).parents[2] / "docs" / "audit" / "samples"
FORMATS = {"camt.053": "camt053", "MT940": "mt940", "OFX": "ofx"}
WAYS = {Direction.CREDIT: "money in", Direction.DEBIT: "money out"}


def _uow(ledger: LedgerDriver, request: pytest.FixtureRequest) -> Callable[[], StatementUnitOfWork]:
    if ledger.mode == "memory":
        factory: Callable[[], StatementUnitOfWork] = ledger.unit_of_work
        return factory
    engine = request.getfixturevalue("app_engine")
    return lambda: SqlStatementUnitOfWork(engine)


def _state(ledger: LedgerDriver) -> list[tuple[Statement, bool]]:
    imported: list[tuple[Statement, bool]] = vars(ledger).setdefault("statements_imported", [])
    return imported


def _import(
    ledger: LedgerDriver,
    request: pytest.FixtureRequest,
    bank: str,
    data: bytes,
    format: str,
    mapping: str | None = None,
) -> None:
    uow = _uow(ledger, request)
    command = ImportFile(
        account_id=ledger.account(bank).id,
        format=format,
        data=data,
        content_sha256=hashlib.sha256(data).hexdigest(),
        mapping=mapping,
    )
    done = ledger.attempt(lambda: statements.import_file(command, uow, ledger.clock, parse))
    if done is not None:
        _state(ledger).append(done)


def _file(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@given(words('the bank\'s statement "{name}" was imported into "{bank:Name}" as {format}'))
@when(words('the bank\'s statement "{name}" is imported into "{bank:Name}" as {format} again'))
@when(words('the bank\'s statement "{name}" is imported into "{bank:Name}" as {format}'))
def _(ledger: LedgerDriver, request: pytest.FixtureRequest, name: str, bank: str, format: str) -> None:
    _import(ledger, request, bank, _file(name), FORMATS[format])


@when(
    words(
        'the bank\'s statement "{name}" with "{old}" written as "{new}" is imported into "{bank:Name}" as {format}'
    )
)
def _(
    ledger: LedgerDriver,
    request: pytest.FixtureRequest,
    name: str,
    old: str,
    new: str,
    bank: str,
    format: str,
) -> None:
    data = _file(name)
    assert old.encode() in data, f"{name} has no {old!r}"
    _import(ledger, request, bank, data.replace(old.encode(), new.encode(), 1), FORMATS[format])


@when(
    words('the bank\'s CSV export "{name}" is imported into "{bank:Name}" with the mapping "{mapping_file}"')
)
def _(ledger: LedgerDriver, request: pytest.FixtureRequest, name: str, bank: str, mapping_file: str) -> None:
    saved = json.loads(_file(mapping_file))
    uow = _uow(ledger, request)
    statements.create_csv_mapping(saved["name"], saved["mapping"], uow(), ledger.clock)
    _import(ledger, request, bank, _file(name), "csv", saved["name"])


def _listed(ledger: LedgerDriver, request: pytest.FixtureRequest, bank: str) -> list[Statement]:
    ledger.settled()
    page = statements.list_statements(_uow(ledger, request)(), account_id=ledger.account(bank).id)
    return page.items


@then(words('"{bank:Name}" has {count:d} bank statement with {lines:d} lines'))
@then(words('"{bank:Name}" has {count:d} bank statements with {lines:d} lines'))
def _(ledger: LedgerDriver, request: pytest.FixtureRequest, bank: str, count: int, lines: int) -> None:
    found = _listed(ledger, request, bank)
    assert (len(found), sum(s.line_count for s in found)) == (count, lines)


@then(words('"{bank:Name}" has no bank statement'))
def _(ledger: LedgerDriver, request: pytest.FixtureRequest, bank: str) -> None:
    assert _listed(ledger, request, bank) == []


@then(words("the statement opens at {opening:Amount} and closes at {closing:Amount}"))
def _(ledger: LedgerDriver, opening: str, closing: str) -> None:
    ledger.settled()
    statement, _ = _state(ledger)[-1]
    asset = ledger.asset(statement.asset_code)
    shown = [format_money(asset, v or 0) for v in (statement.opening_balance, statement.closing_balance)]
    assert shown == [opening, closing]


@then(words("the statement's lines include:"))
def _(ledger: LedgerDriver, request: pytest.FixtureRequest, datatable: list[list[str]]) -> None:
    ledger.settled()
    statement, _ = _state(ledger)[-1]
    asset = ledger.asset(statement.asset_code)
    page = statements.list_lines(statement.id, _uow(ledger, request)())
    by_number = {line.line_no: line for line in page.items}
    for number, way, amount, description in datatable[1:]:
        line = by_number[int(number)]
        shown = [WAYS[line.direction], format_money(asset, line.amount), line.description]
        assert shown == [way, amount, description]


@then(words("the second import gave back the first statement"))
def _(ledger: LedgerDriver) -> None:
    ledger.settled()
    (first, created), (again, created_again) = _state(ledger)[-2:]
    assert (created, created_again, again) == (True, False, first)


@then(words("the last statement kept {kept:d} lines and skipped {skipped:d}"))
def _(ledger: LedgerDriver, kept: int, skipped: int) -> None:
    ledger.settled()
    statement, _ = _state(ledger)[-1]
    assert (statement.line_count, statement.lines_skipped) == (kept, skipped)


@then(words('the file is refused at "{where}"'))
def _(ledger: LedgerDriver, where: str) -> None:
    refusal: Any = ledger.take_refusal()
    assert isinstance(refusal, InvalidStatement), f"refused with [{refusal.code}] {refusal.detail}"
    assert refusal.issues[0].field == where, refusal.detail
