"""CSV exports of banks, read with a saved `domain.statements.CsvMapping` (the standard library's `csv`).

The file is decoded with the mapping's encoding; `skip_rows` rows are dropped, then the header (when the
mapping has one) names the columns. Each following non-empty row is a statement line, numbered from 1;
a value that cannot be read is refused naming the line (`lines[4].amount`) and the file's line number.
Amounts are read as exact decimals after removing the thousands separator and turning the decimal
separator into a point: `1.234,56` with `,` as decimal separator is 1234.56.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.statements.sniff import decode
from domain.statements import CsvMapping, Direction, InvalidStatement, ParsedLine, ParsedStatement


def parse_csv(data: bytes, mapping: CsvMapping) -> ParsedStatement:
    text = decode(data, mapping.encoding, "CSV")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter, strict=True)
    rows = _rows(reader)
    for _ in range(mapping.skip_rows):
        next(rows, None)
    index = _indexes(mapping, next(rows, None) if mapping.header else None)
    lines: list[ParsedLine] = []
    for file_line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        lines.append(_line(row, len(lines) + 1, file_line, mapping, index))
    if not lines:
        raise InvalidStatement.at("file", "has no statement lines")
    return ParsedStatement(format="csv", lines=tuple(lines))


def _rows(reader: Any) -> Iterator[tuple[int, list[str]]]:
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            line = reader.line_num
            raise InvalidStatement.at("file", f"line {line} is not valid CSV ({error})", line=line) from None
        yield reader.line_num, row


def _indexes(mapping: CsvMapping, header: tuple[int, list[str]] | None) -> dict[str, int]:
    names: dict[str, int] = {}
    if header is not None:
        names = {cell.strip(): position for position, cell in reversed(list(enumerate(header[1])))}
    index: dict[str, int] = {}
    for field, column in mapping.columns.items():
        if isinstance(column, int):
            index[field] = column
        elif column in names:
            index[field] = names[column]
        else:
            raise InvalidStatement.at(
                f"mapping.columns.{field}", f"the file's header has no column {column!r}"
            )
    return index


def _line(
    row: list[str], number: int, file_line: int, mapping: CsvMapping, index: dict[str, int]
) -> ParsedLine:
    where = f"lines[{number}]"

    def cell(field: str) -> str | None:
        position = index.get(field)
        if position is None:
            return None
        if position >= len(row):
            raise InvalidStatement.at(
                f"{where}.{field}", f"file line {file_line} has no column {position}", line=file_line
            )
        value = row[position].strip()
        return value or None

    amount = _amount(cell("amount"), mapping, f"{where}.amount", file_line)
    if mapping.sign == "column":
        mark = cell("direction")
        if mark in mapping.credit_values:
            direction = Direction.CREDIT
        elif mark in mapping.debit_values:
            direction = Direction.DEBIT
        else:
            raise InvalidStatement.at(
                f"{where}.direction",
                f"file line {file_line}: {mark!r} is not a credit or debit value",
                line=file_line,
            )
        if amount < 0:
            raise InvalidStatement.at(
                f"{where}.amount",
                f"file line {file_line}: must not be negative when a column gives the direction",
            )
    else:
        negative = amount < 0
        money_out = negative if mapping.sign == "signed" else not negative
        direction = Direction.DEBIT if money_out else Direction.CREDIT
    value_date = _date(cell("value_date"), mapping, f"{where}.value_date", file_line)
    booking = cell("booking_date")
    return ParsedLine(
        line_no=number,
        value_date=value_date,
        booking_date=_date(booking, mapping, f"{where}.booking_date", file_line) if booking else None,
        amount=amount.copy_abs(),  # exact (abs() rounds to 28 digits)
        direction=direction,
        external_id=cell("external_id"),
        currency=cell("currency"),
        reference=cell("reference"),
        description=cell("description"),
        counterparty=cell("counterparty"),
    )


def _amount(text: str | None, mapping: CsvMapping, where: str, file_line: int) -> Decimal:
    if text is None:
        raise InvalidStatement.at(where, f"file line {file_line}: is missing", line=file_line)
    plain = text.replace(" ", "").replace("\u00a0", "")
    if mapping.thousands_separator:
        plain = plain.replace(mapping.thousands_separator, "")
    if mapping.decimal_separator == ",":
        plain = "." if "." in plain else plain.replace(",", ".")  # a point is then not a number
    elif "," in plain:
        plain = "."
    if plain.endswith("-"):  # 12.50- : some banks put the sign last
        plain = "-" + plain[:-1]
    try:
        value = Decimal(plain)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or "e" in plain.lower():
        message = f"file line {file_line}: {text!r} is not a decimal number"
        raise InvalidStatement.at(where, message, line=file_line)
    return value


def _date(text: str | None, mapping: CsvMapping, where: str, file_line: int) -> date:
    if text is None:
        raise InvalidStatement.at(where, f"file line {file_line}: is missing", line=file_line)
    try:
        return datetime.strptime(text, mapping.date_format).date()
    except ValueError:
        raise InvalidStatement.at(
            where,
            f"file line {file_line}: {text!r} is not a date in the format {mapping.date_format}",
            line=file_line,
        ) from None
