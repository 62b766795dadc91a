"""Bank statements on PostgreSQL: the repository does what the fakes do (same use cases, same answers),
concurrent imports of overlapping files keep each line once, a large file is one transaction, and the
application role can neither change nor delete an imported statement."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from adapters.db.statements import SqlStatementUnitOfWork
from adapters.statements import parse
from application import statements
from application.statements import ImportFile
from domain.accounts import Account
from domain.statements import CsvMapping
from tests.fakes import FakeClock, InMemoryStore

MAPPING: dict[str, object] = {"columns": {"external_id": 0, "value_date": 1, "amount": 2}, "header": False}


def csv_file(first: int, count: int) -> bytes:
    rows = (
        f"BNK-{n},2025-03-{1 + n % 28:02d},{'-' if n % 3 else ''}{n % 997 + 1}.{n % 100:02d}"
        for n in range(first, first + count)
    )
    return ("\n".join(rows) + "\n").encode()


def command(account: Account, data: bytes) -> ImportFile:
    return ImportFile(account.id, "csv", data, hashlib.sha256(data).hexdigest(), mapping="plain")


@pytest.fixture
def suow(app_engine: Engine) -> Callable[[], SqlStatementUnitOfWork]:
    return lambda: SqlStatementUnitOfWork(app_engine)


@pytest.fixture
def bank(open_: Any) -> Account:
    account: Account = open_("bank:itau", normal_side="debit", min_balance=None)
    return account


def test_the_same_use_cases_answer_the_same_on_the_fakes_and_on_postgresql(
    suow: Callable[[], SqlStatementUnitOfWork], bank: Account
) -> None:
    store = InMemoryStore()
    store.accounts[bank.id] = bank
    answers: list[list[Any]] = []
    for uow in (store.unit_of_work, suow):
        clock = FakeClock()
        statements.create_csv_mapping("plain", MAPPING, uow(), clock)
        first = statements.import_file(command(bank, csv_file(0, 30)), uow, clock, parse)
        clock.advance(1)
        second = statements.import_file(command(bank, csv_file(20, 30)), uow, clock, parse)
        again = statements.import_file(command(bank, csv_file(0, 30)), uow, clock, parse)
        lines = statements.list_lines(second[0].id, uow(), limit=5)
        listed = statements.list_statements(uow(), account_id=bank.id, limit=1)
        rest = statements.list_statements(uow(), account_id=bank.id, after=listed.next_cursor)
        answers.append([first, second, again, lines.items, lines.next_cursor, listed.items, rest.items])
    assert answers[0] == answers[1]
    assert answers[1][1][0].lines_skipped == 10


def test_concurrent_imports_of_overlapping_files_keep_each_line_once(
    suow: Callable[[], SqlStatementUnitOfWork], bank: Account, app_engine: Engine
) -> None:
    statements.create_csv_mapping("plain", MAPPING, suow(), FakeClock())
    files = [csv_file(start, 400) for start in (0, 200, 100, 300)]
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(data: bytes) -> None:
        try:
            results.append(statements.import_file(command(bank, data), suow, FakeClock(), parse))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(data,)) for data in files for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    created = [s for s, new in results if new]
    assert len(created) == 4 and len(results) == 8
    with app_engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*), count(DISTINCT external_id) FROM statement_lines")).one()
    assert tuple(stored) == (700, 700)
    assert sum(s.line_count for s in created) == 700
    assert sum(s.line_count + s.lines_skipped for s in created) == 1600


def test_a_large_file_is_imported_in_one_transaction(
    suow: Callable[[], SqlStatementUnitOfWork], bank: Account
) -> None:
    statements.create_csv_mapping("plain", MAPPING, suow(), FakeClock())
    data = csv_file(0, 20_000)
    began = time.perf_counter()
    statement, created = statements.import_file(command(bank, data), suow, FakeClock(), parse)
    elapsed = time.perf_counter() - began
    print(f"20,000-line CSV ({len(data)} bytes) parsed and imported in {elapsed:.2f} s")
    assert created and statement.line_count == 20_000
    assert elapsed < 60


def test_the_application_role_cannot_change_or_delete_statements(
    suow: Callable[[], SqlStatementUnitOfWork], bank: Account, app_engine: Engine
) -> None:
    statements.create_csv_mapping("plain", MAPPING, suow(), FakeClock())
    statements.import_file(command(bank, csv_file(0, 3)), suow, FakeClock(), parse)
    for statement in (
        "UPDATE bank_statements SET closing_balance = 0",
        "DELETE FROM statement_lines",
        "UPDATE statement_lines SET amount = 1",
        "DELETE FROM bank_statements",
        "TRUNCATE statement_csv_mappings",
        "UPDATE statement_csv_mappings SET mapping = '{}'",
    ):
        with app_engine.connect() as conn, pytest.raises(DBAPIError) as refused:
            conn.execute(text(statement))
        assert getattr(refused.value.orig, "sqlstate", None) == "42501", statement


def test_the_tables_refuse_what_the_domain_refuses(admin_engine: Engine, bank: Account) -> None:
    statement_id = "3c1d5e7f-9a2b-5c4d-8e6f-0a1b2c3d4e5f"
    with admin_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO bank_statements (id, account_id, format, content_sha256, asset_code, line_count,"
                " lines_skipped, imported_at) VALUES (:id, :account, 'csv', :sha, 'BRL', 0, 0, now())"
            ),
            {"id": statement_id, "account": bank.id, "sha": "0" * 64},
        )
    for values in ("0, 'credit'", "5, 'sideways'"):
        with admin_engine.connect() as conn, pytest.raises(DBAPIError) as refused:
            conn.execute(
                text(
                    "INSERT INTO statement_lines (statement_id, line_no, account_id, external_id, value_date,"
                    f" amount, direction, currency) VALUES (:id, 1, :account, 'x', :day, {values}, 'BRL')"
                ),
                {"id": statement_id, "account": bank.id, "day": date(2025, 3, 31)},
            )
        assert getattr(refused.value.orig, "sqlstate", None) == "23514"
    with admin_engine.connect() as conn, pytest.raises(DBAPIError):
        conn.execute(
            text(
                "INSERT INTO bank_statements (id, account_id, format, content_sha256, asset_code, line_count,"
                " lines_skipped, imported_at) VALUES (gen_random_uuid(), :account, 'xls', :sha, 'BRL', 0, 0, now())"
            ),
            {"account": bank.id, "sha": "1" * 64},
        )
    assert CsvMapping.of("plain", MAPPING).header is False
