"""SWIFT MT940 (customer statement message) through `mt-940` (the `mt940` package).

The file is decoded as UTF-8 (a byte that is not is refused with its line; MT940 is ASCII in SWIFT's own
character set, which UTF-8 covers). `mt940` reads the tags; it converts amounts to `Decimal` and dates to
`date`. It does not say which line a broken `:61:` is on, so when it refuses the file, each `:61:` line is
read again on its own to name the first one that is wrong.

A line's value date is `:61:`'s value date, its booking date the entry date; its external id the bank
reference (after `//`), its reference the customer reference (unless `NONREF`), its description the
`:86:` information. MT940 has no counterparty field (it is inside `:86:`, in bank-specific layouts).
`:60F:`/`:60M:` and `:62F:`/`:62M:` give the balances.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import mt940

from adapters.statements.sniff import decode
from domain.statements import Direction, InvalidStatement, ParsedLine, ParsedStatement

_TAG_61 = re.compile(r"^:61:", re.MULTILINE)
_TAG_20 = re.compile(r"^:20:", re.MULTILINE)
#: A :61: line as SWIFT defines it (6!n[4!n]2a[1!a]15d1!a3!c...): value date, entry date, mark, funds
#: code, an amount with exactly one decimal comma, then the transaction type (N, F or S and 3 characters).
#: mt940's own pattern is lenient (it reads `D4x5,90NCHG` as 4.00 with a reference): this one decides.
_STRICT_61 = re.compile(r"^:61:\d{6}(\d{4}|\s{4})?R?[CD][A-Z]?(?P<amount>\d[\d,]{0,14})[NFS][A-Z0-9]{3}")


def parse_mt940(data: bytes) -> ParsedStatement:
    text = decode(data, "utf-8", "MT940").replace("\r\n", "\n").replace("\r", "\n")
    if len(_TAG_20.findall(text)) > 1:
        raise InvalidStatement.at("file", "holds more than one statement (:20:); import one per file")
    _check_statement_lines(text)
    transactions = _read(text)
    if len(transactions) != len(_TAG_61.findall(text)):  # mt940 passes over a :61: it cannot match
        raise _located(text, None)
    head = transactions.data
    if "final_opening_balance" not in head and "intermediate_opening_balance" not in head:
        raise InvalidStatement.at("file", "is not an MT940 statement: it has no opening balance (:60F:)")
    opening = head.get("final_opening_balance") or head.get("intermediate_opening_balance")
    closing = head.get("final_closing_balance") or head.get("intermediate_closing_balance")
    lines = tuple(_line(t.data, number) for number, t in enumerate(transactions, start=1))
    return ParsedStatement(
        format="mt940",
        lines=lines,
        statement_ref=head.get("transaction_reference"),
        currency=_currency(opening) or _currency(closing),
        opening_balance=_amount(opening),
        closing_balance=_amount(closing),
        opening_date=_day(opening),
        closing_date=_day(closing),
    )


def _check_statement_lines(text: str) -> None:
    number = 0
    for index, line in enumerate(text.split("\n"), start=1):
        if not line.startswith(":61:"):
            continue
        number += 1
        match = _STRICT_61.match(line)
        if match is None or match["amount"].count(",") != 1:
            raise InvalidStatement.at(
                f"lines[{number}]",
                f"file line {index}: the :61: statement line is not in MT940's form "
                "(date, C/D mark, amount with a decimal comma, transaction type)",
                line=index,
            )


def _read(text: str) -> Any:
    transactions = mt940.models.Transactions()
    try:
        transactions.parse(text)
    except Exception as error:  # mt940 raises what its conversions raise: find the line
        raise _located(text, error) from None
    return transactions


def _located(text: str, error: Exception | None) -> InvalidStatement:
    """The error of the first `:61:` line that `mt940` refuses on its own, or of the file."""
    lines = text.split("\n")
    number = 0
    for index, line in enumerate(lines, start=1):
        if not line.startswith(":61:"):
            continue
        number += 1
        probe = mt940.models.Transactions()
        try:
            probe.parse(":20:X\n:25:X\n:28C:1\n:60F:C000101XXX0,\n" + line + "\n")
            if len(probe) != 1:
                return InvalidStatement.at(
                    f"lines[{number}]",
                    f"file line {index}: the :61: statement line is not in MT940's form",
                    line=index,
                )
        except InvalidOperation:
            return InvalidStatement.at(
                f"lines[{number}].amount", f"file line {index}: the :61: amount is not a number", line=index
            )
        except Exception as own:
            return InvalidStatement.at(
                f"lines[{number}]",
                f"file line {index}: the :61: statement line cannot be read ({own})",
                line=index,
            )
    return InvalidStatement.at(
        "file", f"is not a readable MT940 statement ({error or 'a :61: line was not read'})"
    )


def _line(raw: dict[str, Any], number: int) -> ParsedLine:
    where = f"lines[{number}]"
    status = str(raw.get("status") or "")
    if status not in ("C", "D", "RC", "RD"):
        raise InvalidStatement.at(f"{where}.direction", f"the debit/credit mark is {status!r}")
    # RC (reversal of a credit) takes money out; RD (reversal of a debit) brings it back.
    direction = Direction.CREDIT if status in ("C", "RD") else Direction.DEBIT
    amount = raw["amount"].amount
    reference = raw.get("customer_reference")
    value_date = raw.get("date")
    if not isinstance(value_date, date):
        raise InvalidStatement.at(f"{where}.value_date", "is missing")
    booking = raw.get("entry_date")
    return ParsedLine(
        line_no=number,
        value_date=date(value_date.year, value_date.month, value_date.day),
        booking_date=date(booking.year, booking.month, booking.day) if isinstance(booking, date) else None,
        amount=Decimal(amount).copy_abs(),  # exact (abs() rounds to 28 digits)
        direction=direction,
        external_id=raw.get("bank_reference") or None,
        currency=raw.get("currency"),
        reference=None if reference in (None, "", "NONREF") else reference,
        description=raw.get("transaction_details") or raw.get("extra_details") or None,
    )


def _amount(balance: Any) -> Decimal | None:
    return None if balance is None else Decimal(balance.amount.amount)


def _currency(balance: Any) -> str | None:
    return None if balance is None else balance.amount.currency


def _day(balance: Any) -> date | None:
    if balance is None or balance.date is None:
        return None
    d = balance.date
    return date(d.year, d.month, d.day)
