"""Step definitions of `export.feature`: an account's statement exported as a spreadsheet (CSV) and as
JSON Lines, read back as a reader would.

The export is `adapters.http.exports` over the scenario's read path, two lines per read, so a short
statement already takes several reads, as a long one does through the API. Imported by `conftest.py`,
so that the steps are fixtures of every feature test, in every mode.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from pytest_bdd import parsers, then, when

from adapters.http import exports
from adapters.http.exports import Export, Format
from application.pages import Page
from application.ports import StatementLine
from tests.features.conftest import _TYPES
from tests.features.driver import LedgerDriver, format_money

#: Lines per read of the scenarios' exports.
PAGE_ROWS = 2


def _words(text: str) -> parsers.parse:
    return parsers.parse(text, extra_types=_TYPES)


def _export(ledger: LedgerDriver, name: str, export: Export) -> bytes:
    account = ledger.account(name)

    def read_after(after: int | None) -> Page[StatementLine, int]:
        return ledger.read.statement(account.id, after_seq=after, limit=PAGE_ROWS)

    return b"".join(exports.chunks(export, exports.statement_batches(account, read_after(None), read_after)))


def _exported(ledger: LedgerDriver) -> dict[str, Any]:
    exported: dict[str, Any] = vars(ledger)["export"]
    return exported


@when(_words('finance exports the statement of "{name:Name}" as a spreadsheet'))
def _(ledger: LedgerDriver, name: str) -> None:
    ledger.settled()
    data = _export(ledger, name, Export(Format.CSV, exports.CSV_MEDIA_TYPE))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    vars(ledger)["export"] = {"name": name, "rows": rows}


@then(_words("the spreadsheet shows:"))
def _(ledger: LedgerDriver, datatable: list[list[str]]) -> None:
    exported = _exported(ledger)
    account = ledger.account(exported["name"])

    def money(row: dict[str, str], paid_in: bool) -> str:
        inward = (row["side"] == account.normal_side.value) is paid_in
        return format_money(account.asset, int(row["amount"])) if inward else ""

    actual = [
        [
            ledger.describe(row["description"]),
            money(row, paid_in=False),
            money(row, paid_in=True),
            format_money(account.asset, int(row["balance_after"])),
        ]
        for row in exported["rows"]
    ]
    header, *expected = datatable
    assert header == ["description", "paid out", "paid in", "balance"], header
    assert actual == expected


@then(_words('the spreadsheet adds up to the statement of "{name:Name}"'))
def _(ledger: LedgerDriver, name: str) -> None:
    rows, account = _exported(ledger)["rows"], ledger.account(name)
    statement = ledger.statement(name)
    assert [int(r["seq"]) for r in rows] == [line.entry.seq for line in statement]
    normal = account.normal_side.value
    total = sum(Decimal(r["amount_decimal"]) * (1 if r["side"] == normal else -1) for r in rows)
    posted = account.balances.posted_credits - account.balances.posted_debits
    balance = posted if normal == "credit" else -posted
    assert (
        total == Decimal(rows[-1]["balance_after_decimal"]) == Decimal(balance).scaleb(-account.asset.scale)
    )


@then(_words("the export as JSON Lines has the same lines as the spreadsheet"))
def _(ledger: LedgerDriver) -> None:
    exported = _exported(ledger)
    data = _export(ledger, exported["name"], Export(Format.JSONL, "application/x-ndjson"))
    lines = [json.loads(text) for text in data.decode("utf-8").splitlines()]
    as_text = [{k: str(v) for k, v in line.items()} for line in lines]
    assert [{**line, "description": exports.guard(line["description"])} for line in as_text] == exported[
        "rows"
    ]
