"""OFX (Open Financial Exchange, SGML 1.x and XML 2.x) bank statements through `ofxtools`.

`ofxtools` reads the header and builds the tree with its own tokenizer (no XML parser, so no entity ever
expands); its models check each element's type (`TRNAMT` a decimal, `DTPOSTED` a date-time). Each
`STMTTRN` is converted on its own first, so that a broken one is refused with its number.

A line's value date is `DTAVAIL` when given, else `DTPOSTED`, its booking date `DTPOSTED`: both read from
the file's own text (its local date, `YYYYMMDD`: ofxtools would move a late-evening time into the next
UTC day). The external id is `FITID`, the reference `REFNUM` (or `CHECKNUM`), the description `MEMO`,
the counterparty `NAME` (or the `PAYEE`'s name). The sign of `TRNAMT` gives the direction. OFX gives
no opening balance: only `LEDGERBAL`, the closing one. One statement (`STMTRS`) per file.
"""

from __future__ import annotations

import io
import warnings
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ofxtools.header import OFXHeaderError
from ofxtools.models.base import Aggregate
from ofxtools.Parser import OFXTree, ParseError

from domain.statements import Direction, InvalidStatement, ParsedLine, ParsedStatement


def parse_ofx(data: bytes) -> ParsedStatement:
    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(data))
    except OFXHeaderError:
        raise InvalidStatement.at("file", "is not an OFX file: its header is malformed") from None
    except (ParseError, ValueError, UnicodeDecodeError) as error:
        raise InvalidStatement.at("file", f"is not a readable OFX document ({_short(error)})") from None
    root = tree.getroot()
    statements = [] if root is None else root.findall(".//STMTRS")
    if len(statements) != 1:
        raise InvalidStatement.at(
            "file", f"holds {len(statements)} bank statements (STMTRS); import one per file"
        )
    raw = statements[0]
    elements = raw.findall("BANKTRANLIST/STMTTRN")
    for number, element in enumerate(elements, start=1):
        _convert(element, f"lines[{number}]")
    statement = _convert(raw, "file")
    lines = tuple(
        _line(model, element, number)
        for number, (model, element) in enumerate(
            zip(statement.banktranlist or [], elements, strict=True), start=1
        )
    )
    ledger = statement.ledgerbal
    closing_day = raw.findtext("LEDGERBAL/DTASOF")
    return ParsedStatement(
        format="ofx",
        lines=lines,
        statement_ref=raw.findtext("BANKACCTFROM/ACCTID"),
        currency=statement.curdef,
        closing_balance=Decimal(ledger.balamt) if ledger is not None else None,
        closing_date=_day(closing_day, "closing_date") if closing_day else None,
    )


def _convert(element: Any, where: str) -> Any:
    try:
        with warnings.catch_warnings():  # unknown tags are skipped; what is required is checked
            warnings.simplefilter("ignore")
            return Aggregate.from_etree(element)
    except InvalidOperation:
        raise InvalidStatement.at(
            f"{where}.amount" if where != "file" else where, "an amount is not a number"
        ) from None
    except Exception as error:  # ofxtools' OFXSpecError and friends: a value of the wrong type
        raise InvalidStatement.at(where, _short(error)) from None


def _line(model: Any, element: Any, number: int) -> ParsedLine:
    where = f"lines[{number}]"
    amount = Decimal(model.trnamt)
    posted = _day(element.findtext("DTPOSTED"), f"{where}.booking_date")
    available = element.findtext("DTAVAIL")
    payee = getattr(model, "payee", None)
    return ParsedLine(
        line_no=number,
        value_date=_day(available, f"{where}.value_date") if available else posted,
        booking_date=posted,
        amount=amount.copy_abs(),  # exact (abs() rounds to 28 digits)
        direction=Direction.DEBIT if amount < 0 else Direction.CREDIT,
        external_id=model.fitid,
        currency=getattr(model, "currency", None) and model.currency.cursym,
        reference=model.refnum or model.checknum,
        description=model.memo,
        counterparty=model.name or (payee.name if payee is not None else None),
    )


def _day(text: str | None, where: str) -> date:
    digits = (text or "").strip()[:8]
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidStatement.at(where, f"{text!r} is not an OFX date (YYYYMMDD...)") from None


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:300]
