"""Bank statements on the in-memory fakes: normalising a parsed file (exact minor units, external ids,
bounded texts), the mirror account's checks, idempotent imports, skipped lines, paging, CSV mappings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from application import statements
from application.statements import ImportFile, ImportStatement
from domain.accounts import Account, AccountStatus
from domain.assets import Asset
from domain.errors import AccountInactive, AccountNotFound, AssetMismatch, NotFound
from domain.statements import (
    CsvMapping,
    Direction,
    InvalidStatement,
    ParsedLine,
    ParsedStatement,
    line_hash,
    normalise,
    statement_id,
    to_minor,
)
from tests.fakes import FakeClock, InMemoryStore
from tests.unit.builders import AT, funding

SHA = "a" * 64
OTHER_SHA = "b" * 64


def line(
    number: int, amount: str = "10.50", direction: Direction = Direction.CREDIT, **fields: Any
) -> ParsedLine:
    values: dict[str, Any] = {"external_id": f"BNK-{number}", "currency": "BRL", **fields}
    return ParsedLine(number, date(2025, 3, 31), Decimal(amount), direction, **values)


def parsed(*lines: ParsedLine, **fields: Any) -> ParsedStatement:
    values: dict[str, Any] = {"currency": "BRL", "closing_balance": Decimal("100.00"), **fields}
    return ParsedStatement("camt053", tuple(lines), **values)


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def bank(store: InMemoryStore) -> Account:
    account = funding("bank:itau")
    store.accounts[account.id] = account
    return account


def run(store: InMemoryStore, account: Account, statement: ParsedStatement, sha: str = SHA) -> Any:
    command = ImportStatement(account.id, statement, sha, source_name="march.xml", imported_by="key-1")
    return statements.import_statement(command, store.unit_of_work(), FakeClock())


# --- the domain ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "scale", "units"),
    [
        ("10.50", 2, 1050),
        ("10.5", 2, 1050),
        ("10", 0, 10),
        ("0.001", 3, 1),
        ("1E+2", 2, 10000),
        ("7.000", 2, 700),
    ],
)
def test_amounts_become_exact_minor_units(text: str, scale: int, units: int) -> None:
    assert to_minor(Decimal(text), scale, "amount") == units


@pytest.mark.parametrize("text", ["10.505", "0.001", "NaN", "Infinity", "1" * 39])
def test_amounts_that_do_not_fit_the_scale_are_refused(text: str) -> None:
    with pytest.raises(InvalidStatement) as refused:
        to_minor(Decimal(text), 2, "lines[3].amount")
    assert refused.value.issues[0].field == "lines[3].amount"


def test_a_statement_is_normalised_into_the_accounts_terms(bank: Account) -> None:
    fee = line(2, "45.90", Direction.DEBIT, description="  Tarifa \n pacote  ", reference=None)
    ready = normalise(parsed(line(1), fee), bank, content_sha256=SHA, imported_at=AT)
    assert ready.statement.id == statement_id(bank.id, SHA)
    assert (ready.statement.closing_balance, ready.statement.line_count) == (10000, 2)
    assert [(x.amount, x.direction, x.signed_amount) for x in ready.lines] == [
        (1050, Direction.CREDIT, 1050),
        (4590, Direction.DEBIT, -4590),
    ]
    assert ready.lines[1].description == "Tarifa pacote"


def test_lines_without_an_id_get_a_stable_one_that_tells_identical_lines_apart(bank: Account) -> None:
    twin = line(1, external_id=None)
    ready = normalise(parsed(twin, replace(twin, line_no=2)), bank, content_sha256=SHA, imported_at=AT)
    first, second = (x.external_id for x in ready.lines)
    assert first.startswith("h:") and second.startswith("h:") and first != second
    assert first == line_hash(twin, 0)
    again = normalise(parsed(twin, replace(twin, line_no=2)), bank, content_sha256=OTHER_SHA, imported_at=AT)
    assert [x.external_id for x in again.lines] == [first, second]


def test_the_id_of_a_line_tells_amounts_apart_beyond_28_digits() -> None:
    big = line(1, external_id=None, amount=Decimal("1234567890123456789012345678901.25"))
    next_cent = replace(big, amount=Decimal("1234567890123456789012345678901.26"))
    assert line_hash(big, 0) != line_hash(next_cent, 0)


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ((line(1, "10.505"),), "lines[1].amount"),
        ((line(1, "0"),), "lines[1].amount"),
        ((line(1, currency="USD"),), "lines[1].currency"),
        ((line(1), line(2, external_id="BNK-1")), "lines[2].external_id"),
        ((line(1, description="x" * 1001),), "lines[1].description"),
        ((line(1, reference="a\x00b"),), "lines[1].reference"),
    ],
)
def test_a_line_that_does_not_fit_is_refused_naming_it(
    bank: Account, lines: tuple[ParsedLine, ...], field: str
) -> None:
    with pytest.raises(InvalidStatement) as refused:
        normalise(parsed(*lines), bank, content_sha256=SHA, imported_at=AT)
    assert refused.value.issues[0].field == field


def test_the_mirror_account_must_be_open_and_in_the_files_currency(bank: Account) -> None:
    with pytest.raises(AssetMismatch):
        normalise(parsed(line(1), currency="USD"), bank, content_sha256=SHA, imported_at=AT)
    closed = replace(bank, status=AccountStatus.CLOSED)
    with pytest.raises(AccountInactive):
        normalise(parsed(line(1)), closed, content_sha256=SHA, imported_at=AT)
    frozen = replace(bank, status=AccountStatus.FROZEN)
    assert normalise(parsed(line(1)), frozen, content_sha256=SHA, imported_at=AT).statement.line_count == 1
    yen = funding("bank:jpy", asset=Asset("JPY", 0))
    with pytest.raises(InvalidStatement):
        normalise(
            parsed(line(1, "10.50", currency="JPY"), currency="JPY"), yen, content_sha256=SHA, imported_at=AT
        )


# --- the use case ----------------------------------------------------------------------------------


def test_importing_stores_the_statement_and_its_lines(store: InMemoryStore, bank: Account) -> None:
    statement, created = run(store, bank, parsed(line(1), line(2, "5.00", Direction.DEBIT)))
    assert created
    assert store.bank_statements == {statement.id: statement}
    assert {k[1] for k in store.statement_lines} == {"BNK-1", "BNK-2"}
    assert (statement.source_name, statement.imported_by, statement.imported_at) == (
        "march.xml",
        "key-1",
        FakeClock().now(),
    )


def test_the_same_file_twice_returns_the_first_statement(store: InMemoryStore, bank: Account) -> None:
    first, created = run(store, bank, parsed(line(1)))
    again, created_again = run(store, bank, parsed(line(1)))
    assert (created, created_again) == (True, False)
    assert again == first and len(store.bank_statements) == 1


def test_lines_already_imported_by_another_file_are_skipped_and_counted(
    store: InMemoryStore, bank: Account
) -> None:
    run(store, bank, parsed(line(1), line(2)))
    second, _ = run(store, bank, parsed(line(2), line(3)), OTHER_SHA)
    assert (second.line_count, second.lines_skipped) == (1, 1)
    page = statements.list_lines(second.id, store.unit_of_work())
    assert [x.external_id for x in page.items] == ["BNK-3"]


def test_a_refused_file_leaves_nothing(store: InMemoryStore, bank: Account) -> None:
    with pytest.raises(InvalidStatement):
        run(store, bank, parsed(line(1), line(2, "1.234")))
    assert store.bank_statements == {} and store.statement_lines == {}


def test_a_missing_account_is_refused(store: InMemoryStore) -> None:
    with pytest.raises(AccountNotFound):
        run(store, funding("bank:nowhere"), parsed(line(1)))


def test_statements_and_lines_are_paged(store: InMemoryStore, bank: Account) -> None:
    clock = FakeClock()
    ids = []
    for n, sha in enumerate(("1" * 64, "2" * 64, "3" * 64)):
        command = ImportStatement(bank.id, parsed(line(10 + n)), sha)
        ids.append(statements.import_statement(command, store.unit_of_work(), clock)[0].id)
        clock.advance(1)
    first = statements.list_statements(store.unit_of_work(), account_id=bank.id, limit=2)
    assert [s.id for s in first.items] == ids[:0:-1]
    rest = statements.list_statements(store.unit_of_work(), after=first.next_cursor, limit=2)
    assert [s.id for s in rest.items] == ids[:1] and rest.next_cursor is None
    with pytest.raises(NotFound):
        statements.get_statement(statement_id(bank.id, "9" * 64), store.unit_of_work())


def test_import_file_reads_with_the_saved_mapping(store: InMemoryStore, bank: Account) -> None:
    document: dict[str, object] = {"columns": {"value_date": 0, "amount": 1}, "header": False}
    statements.create_csv_mapping("plain", document, store.unit_of_work(), FakeClock())
    seen: list[Any] = []

    def read(format: str, data: bytes, mapping: CsvMapping | None) -> ParsedStatement:
        seen.append((format, data, mapping))
        return ParsedStatement("csv", (line(1),))

    command = ImportFile(bank.id, "csv", b"2025-03-31,10.50\n", SHA, mapping="plain")
    _, created = statements.import_file(command, store.unit_of_work, FakeClock(), read)
    assert created and seen[0][2].name == "plain"
    with pytest.raises(InvalidStatement) as refused:
        other = replace(command, mapping="nobody", content_sha256=OTHER_SHA)
        statements.import_file(other, store.unit_of_work, FakeClock(), read)
    assert refused.value.issues[0].field == "mapping"
    again = replace(command, mapping="nobody")  # the same file again: its statement, whatever it says
    assert statements.import_file(again, store.unit_of_work, FakeClock(), read)[1] is False


def test_csv_mappings_are_checked_and_saved_once(store: InMemoryStore) -> None:
    document: dict[str, object] = {"columns": {"value_date": "Data", "amount": "Valor"}, "delimiter": ";"}
    mapping, created = statements.create_csv_mapping("bank", document, store.unit_of_work(), FakeClock())
    assert created and mapping.delimiter == ";"
    assert statements.create_csv_mapping("bank", document, store.unit_of_work(), FakeClock()) == (
        mapping,
        False,
    )
    with pytest.raises(InvalidStatement):
        statements.create_csv_mapping(
            "bank", {**document, "delimiter": ","}, store.unit_of_work(), FakeClock()
        )
    assert [m.name for m in statements.list_csv_mappings(store.unit_of_work()).items] == ["bank"]
    assert CsvMapping.of("bank", mapping.document()) == mapping


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"columns": {"amount": 1}}, "mapping.columns.value_date"),
        ({"columns": {"value_date": 0, "amount": 1, "colour": 2}}, "mapping.columns.colour"),
        ({"columns": {"value_date": 0, "amount": 1}, "sign": "column"}, "mapping.columns.direction"),
        ({"columns": {"value_date": 0, "amount": 1}, "decimal_separator": ";"}, "mapping.decimal_separator"),
        ({"columns": {"value_date": 0, "amount": 1}, "delimiter": "ab"}, "mapping.delimiter"),
        ({"columns": {"value_date": 0, "amount": 1}, "skip_rows": -1}, "mapping.skip_rows"),
        ({"columns": {"value_date": "Data", "amount": 1}, "header": False}, "mapping.columns"),
        ({"columns": {"value_date": 0, "amount": 1}, "extra": 1}, "mapping.extra"),
        ({"columns": {"value_date": 0, "amount": 1}, "encoding": "klingon"}, "mapping.encoding"),
        ({"columns": {"value_date": 0, "amount": 1}, "date_format": "dd/mm"}, "mapping.date_format"),
    ],
)
def test_wrong_mappings_are_refused_naming_the_setting(document: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidStatement) as refused:
        CsvMapping.of("m", document)
    assert refused.value.issues[0].field == field
