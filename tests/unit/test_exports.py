"""The export renderers: exact decimals in every scale, RFC 4180 quoting, the CSV-injection guard, JSON
Lines with the same fields, content negotiation, and pages read only as the stream asks for them."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Context, Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.http import exports
from adapters.http.exports import COLUMNS, Export, ExportLine, Format
from application.pages import Page
from domain.accounts import Layer, Side
from domain.transfers import Entry

TRANSFER = UUID("6f1c1a9e-4b2d-4c8e-9f0a-2b3c4d5e6f70")
ACCOUNT = UUID("0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90")
AT = datetime(2025, 1, 31, 9, 0, 1, 250000, tzinfo=timezone(timedelta(hours=-3)))


def line(
    description: str = "Top-up", *, amount: int = 1234, balance: int = 5000, scale: int = 2
) -> ExportLine:
    entry = Entry(TRANSFER, ACCOUNT, 7, Layer.POSTED, Side.CREDIT, amount, "BRL", balance, AT, 1)
    return ExportLine(entry, "wallet:alice", scale, AT - timedelta(days=1), description)


def parsed(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


# --- decimals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("units", "scale", "text"),
    [
        (1234, 2, "12.34"),
        (5, 2, "0.05"),
        (-5, 2, "-0.05"),
        (-1234, 2, "-12.34"),
        (0, 2, "0.00"),
        (7, 0, "7"),
        (-7, 0, "-7"),
        (1, 18, "0.000000000000000001"),
        (10**38 - 1, 18, "99999999999999999999.999999999999999999"),
        (-(10**38) + 1, 3, "-99999999999999999999999999999999999.999"),
    ],
)
def test_decimals_are_exact(units: int, scale: int, text: str) -> None:
    assert exports.decimal_text(units, scale) == text


@given(st.integers(-(10**38) + 1, 10**38 - 1), st.integers(0, 18))
def test_a_decimal_is_the_units_moved_by_the_scale_in_every_scale(units: int, scale: int) -> None:
    text = exports.decimal_text(units, scale)
    assert Decimal(text).scaleb(scale, Context(prec=80)) == units
    assert len(text.partition(".")[2]) == scale and "e" not in text.lower()


# --- CSV ---------------------------------------------------------------------------------------------


def test_the_csv_has_a_header_and_the_documented_columns() -> None:
    rows = parsed(exports.csv_chunk([line()], header=True))
    assert rows[0] == list(COLUMNS)
    assert dict(zip(COLUMNS, rows[1], strict=True)) == {
        "transfer_id": str(TRANSFER),
        "line": "1",
        "seq": "7",
        "account_id": str(ACCOUNT),
        "account_code": "wallet:alice",
        "layer": "posted",
        "side": "credit",
        "amount": "1234",
        "amount_decimal": "12.34",
        "asset": "BRL",
        "balance_after": "5000",
        "balance_after_decimal": "50.00",
        "created_at": "2025-01-31T12:00:01.250000+00:00",
        "effective_at": "2025-01-30T12:00:01.250000+00:00",
        "description": "Top-up",
    }


def test_lines_end_in_crlf_and_only_the_first_chunk_has_the_header() -> None:
    first = exports.csv_chunk([line()], header=True)
    more = exports.csv_chunk([line(), line()])
    assert first.count(b"\r\n") == 2 and more.count(b"\r\n") == 2
    assert not more.startswith(b"transfer_id")


@pytest.mark.parametrize(
    ("description", "written"),
    [
        ('He said "hi"', '"He said ""hi"""'),
        ("a, b", '"a, b"'),
        ("two\nlines", '"two\nlines"'),
        ("cr\r\nlf", '"cr\r\nlf"'),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_cells_are_quoted_as_rfc_4180_says(description: str, written: str) -> None:
    data = exports.csv_chunk([line(description)]).decode()
    assert data.endswith("," + written + "\r\n")
    assert parsed(data.encode())[0][-1] == description


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_that_could_be_a_formula_is_prefixed(start: str) -> None:
    text = start + 'HYPERLINK("http://x")'
    cells = dict(zip(COLUMNS, parsed(exports.csv_chunk([line(text)]))[0], strict=True))
    assert cells["description"] == "'" + text


def test_the_guard_leaves_numbers_and_other_text_alone() -> None:
    cells = dict(zip(COLUMNS, parsed(exports.csv_chunk([line("ok =1", balance=-250)]))[0], strict=True))
    assert cells["description"] == "ok =1"
    assert (cells["balance_after"], cells["balance_after_decimal"]) == ("-250", "-2.50")


def test_the_guard_covers_the_account_code_too() -> None:
    entry = line().entry
    rendered = exports.csv_chunk([ExportLine(entry, "=cmd", 2, AT, "")])
    assert dict(zip(COLUMNS, parsed(rendered)[0], strict=True))["account_code"] == "'=cmd"


def test_csv_is_utf_8() -> None:
    data = exports.csv_chunk([line("Café ☕ São Paulo")])
    assert "Café ☕ São Paulo".encode() in data


# --- JSON Lines --------------------------------------------------------------------------------------


def test_json_lines_have_the_same_fields_with_integer_amounts() -> None:
    data = exports.jsonl_chunk([line('=1+"x"\n'), line(amount=10**37, balance=-(10**37))])
    first, second = (json.loads(text) for text in data.decode().splitlines())
    assert list(first) == list(COLUMNS) and data.endswith(b"\n") and data.count(b"\n") == 2
    assert first["amount"] == 1234 and first["description"] == '=1+"x"\n'  # no guard: JSON is not a sheet
    assert second["amount"] == 10**37 and second["balance_after_decimal"] == "-" + str(10**35) + ".00"


# --- negotiation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, Export(Format.JSON, "application/json")),
        ("", Export(Format.JSON, "application/json")),
        ("*/*", Export(Format.JSON, "application/json")),
        ("application/json", Export(Format.JSON, "application/json")),
        ("text/csv", Export(Format.CSV, exports.CSV_MEDIA_TYPE)),
        ("TEXT/CSV; charset=utf-8", Export(Format.CSV, exports.CSV_MEDIA_TYPE)),
        ("text/*", Export(Format.CSV, exports.CSV_MEDIA_TYPE)),
        ("application/x-ndjson", Export(Format.JSONL, "application/x-ndjson")),
        ("application/jsonl", Export(Format.JSONL, "application/jsonl")),
        ("application/json;q=0.5, text/csv", Export(Format.CSV, exports.CSV_MEDIA_TYPE)),
        ("text/csv;q=0.2, application/jsonl;q=0.9", Export(Format.JSONL, "application/jsonl")),
        ("text/html, */*;q=0.1", Export(Format.JSON, "application/json")),
        ("*/*, application/json;q=0", Export(Format.CSV, exports.CSV_MEDIA_TYPE)),
        ("text/html", None),
        ("application/xml, image/*", None),
        ("text/csv;q=0", None),
        ("nonsense", Export(Format.JSON, "application/json")),
    ],
)
def test_negotiation(accept: str | None, expected: Export | None) -> None:
    assert exports.negotiate(accept) == expected


# --- streaming ---------------------------------------------------------------------------------------


def test_pages_are_read_only_when_the_stream_asks() -> None:
    reads: list[int] = []

    def read_after(cursor: int) -> Page[int, int]:
        reads.append(cursor)
        return Page([cursor + 1], cursor + 1 if cursor < 4 else None)

    batches = exports.pages(Page([0], 0), read_after)
    assert next(batches) == [0] and reads == []
    assert next(batches) == [1] and reads == [0]
    batches.close()  # the client went away: nothing more is read
    assert reads == [0]
    assert list(exports.pages(Page([0], 0), read_after)) == [[0], [1], [2], [3], [4], [5]]


def test_a_stream_names_its_file_and_type() -> None:
    response = exports.stream(Export(Format.JSONL, "application/jsonl"), iter([[line()]]), "journal-x")
    assert response.headers["content-disposition"] == 'attachment; filename="journal-x.jsonl"'
    assert response.media_type == "application/jsonl"


def test_instants_are_written_in_utc() -> None:
    document = exports.document(line())
    assert document["created_at"] == AT.astimezone(UTC).isoformat()
