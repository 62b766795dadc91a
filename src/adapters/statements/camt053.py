"""ISO 20022 camt.053 (bank-to-customer statement, XML) through `pycamt` (lxml underneath).

The XML is parsed by lxml (through `pycamt`) with entities left unresolved, no network and no DTD loaded,
and libxml2's limits on depth and text size left on (`huge_tree` off). A document that declares a DTD or
holds an entity reference is then refused, whatever its encoding (`sniff.parse` already refused a UTF-8
one that says `<!DOCTYPE` or `<!ENTITY`; a UTF-16 or UTF-32 one is only seen once parsed).

One statement per file (`Stmt`). Entries whose status is not booked (`BOOK`) are not statement lines.
Amounts, currencies and directions are read here from each element's own children, never from deeper
down (an instructed amount in a foreign currency `AmtDtls/InstdAmt/Amt`, or a charge's `Chrgs/Rcrd`, is
not the entry's amount or direction):

- an entry without transaction details, or with one (`NtryDtls/TxDtls`), is one line: the entry's `Amt`,
  its `Ccy` and its `CdtDbtInd`;
- a batch entry (two or more transaction details) is a line per detail: the detail's `Amt` (else its
  `AmtDtls/TxAmt/Amt`) in the entry's currency (another currency is refused), its `CdtDbtInd` (else the
  entry's); the details' signed amounts must add up to the entry's, else the file is refused.

A line's external id is the bank's `AcctSvcrRef` (with `/2`, `/3` ... for the second and later
transaction details of one batch entry); its reference the `EndToEndId` (unless `NOTPROVIDED`), its
description the unstructured remittance information or the entry's additional information, its
counterparty the debtor of a credit or the creditor of a debit (`pycamt` reads these texts). The
statement's own id is `Stmt/Id`; its opening and closing balances are signed by their `CdtDbtInd` and
read as exact decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal, Inexact, InvalidOperation
from typing import Any

from lxml import etree
from pycamt.parser import Camt053Parser

from adapters.statements.sniff import DTD_REFUSED
from domain.statements import Direction, InvalidStatement, ParsedLine, ParsedStatement

_CAMT053 = "urn:iso:std:iso:20022:tech:xsd:camt.053."
#: Adds a batch's amounts exactly (the default context rounds to 28 digits): a sum it cannot hold
#: exactly is refused, never rounded.
_EXACT = Context(prec=100, traps=[Inexact, InvalidOperation])


@dataclass(frozen=True, slots=True)
class _Entry:
    """What a `Ntry` says itself: its amount, currency, direction and dates (its direct children)."""

    amount: Decimal
    currency: str | None
    direction: Direction
    value_date: date
    booking_date: date | None
    external_id: str | None
    description: str | None


def parse_camt053(data: bytes) -> ParsedStatement:
    try:
        parser = Camt053Parser(data)
    except etree.XMLSyntaxError as error:
        line = error.lineno or 1
        raise InvalidStatement.at(
            "file", f"is not well-formed XML (line {line}): {error.msg}", line=line
        ) from None
    root = parser.tree
    _refuse_dtds(root)
    namespace = etree.QName(root).namespace or ""
    if not namespace.startswith(_CAMT053) or etree.QName(root).localname != "Document":
        raise InvalidStatement.at("file", f"is not a camt.053 document (root {root.tag!r})")
    ns = {"c": namespace}
    statements = root.findall("c:BkToCstmrStmt/c:Stmt", ns)
    if len(statements) != 1:
        raise InvalidStatement.at("file", f"holds {len(statements)} statements (Stmt); import one per file")
    stmt = statements[0]
    opening, opening_date = _balance(stmt, ns, ("OPBD", "PRCD"))
    closing, closing_date = _balance(stmt, ns, ("CLBD",))
    lines: list[ParsedLine] = []
    for ntry in stmt.findall("c:Ntry", ns):
        if _status(ntry, ns) not in (None, "BOOK"):
            continue
        lines.extend(_lines(parser, ntry, ns, len(lines) + 1))
    return ParsedStatement(
        format="camt053",
        lines=tuple(lines),
        statement_ref=_text(stmt, "c:Id", ns),
        currency=_text(stmt, "c:Acct/c:Ccy", ns),
        opening_balance=opening,
        closing_balance=closing,
        opening_date=opening_date,
        closing_date=closing_date,
    )


def _refuse_dtds(root: Any) -> None:
    """Refuse a document with a DOCTYPE (an internal subset or an external one) or an entity reference:
    checked on the parsed tree, so that it holds for every encoding lxml reads (UTF-16, UTF-32 ...)."""
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise InvalidStatement.at("file", DTD_REFUSED)
    if (
        next(root.iter(etree.Entity), None) is not None
    ):  # undeclared, lxml refuses it already: belt and braces
        raise InvalidStatement.at("file", DTD_REFUSED)


def _lines(parser: Camt053Parser, ntry: Any, ns: dict[str, str], first: int) -> list[ParsedLine]:
    """The statement lines of one booked entry, numbered from `first`."""
    entry = _entry(ntry, ns, f"lines[{first}]")
    details = ntry.findall("c:NtryDtls/c:TxDtls", ns)
    if len(details) <= 1:  # a single transaction: the entry's own amount and direction are the line's
        texts = parser._extract_transaction_details(details[0]) if details else {}  # pinned 1.1.1
        return [
            _line(entry, texts, first, (entry.amount, entry.direction, entry.currency), entry.external_id)
        ]
    lines: list[ParsedLine] = []
    total = Decimal(0)
    for index, detail in enumerate(details, start=1):
        number = first + index - 1
        amount, direction, currency = _detail_amount(detail, ns, entry, f"lines[{number}]")
        try:
            total = _EXACT.add(total, amount if direction is Direction.CREDIT else amount.copy_negate())
        except ArithmeticError:
            raise InvalidStatement.at(f"lines[{number}].amount", f"{amount} has too many digits") from None
        external_id = f"{entry.external_id}/{index}" if entry.external_id and index > 1 else entry.external_id
        texts = parser._extract_transaction_details(detail)
        lines.append(_line(entry, texts, number, (amount, direction, currency), external_id))
    booked = entry.amount if entry.direction is Direction.CREDIT else entry.amount.copy_negate()
    if total != booked:
        raise InvalidStatement.at(
            f"lines[{first}].amount",
            f"the {len(details)} transaction details of the entry add up to {total}, "
            f"the entry's amount is {booked} (credits positive)",
        )
    return lines


def _entry(ntry: Any, ns: dict[str, str], where: str) -> _Entry:
    value_day = _day(ntry, "c:ValDt", ns)
    booking_day = _day(ntry, "c:BookgDt", ns)
    amount_element = ntry.find("c:Amt", ns)
    return _Entry(
        amount=_decimal(_own_text(amount_element), f"{where}.amount"),
        currency=None if amount_element is None else amount_element.get("Ccy"),
        direction=_direction(_text(ntry, "c:CdtDbtInd", ns), f"{where}.direction"),
        value_date=_date(value_day or booking_day, f"{where}.value_date"),
        booking_date=_date(booking_day, f"{where}.booking_date") if booking_day else None,
        external_id=_text(ntry, "c:AcctSvcrRef", ns)
        or _text(ntry, "c:NtryDtls/c:TxDtls/c:Refs/c:AcctSvcrRef", ns),
        description=_text(ntry, "c:AddtlNtryInf", ns),
    )


def _detail_amount(
    detail: Any, ns: dict[str, str], entry: _Entry, where: str
) -> tuple[Decimal, Direction, str | None]:
    """A batch detail's amount (`TxDtls/Amt`, else `TxDtls/AmtDtls/TxAmt/Amt`), its direction
    (`TxDtls/CdtDbtInd`, else the entry's) and its currency: the entry's (another one is refused)."""
    element = detail.find("c:Amt", ns)
    if element is None:
        element = detail.find("c:AmtDtls/c:TxAmt/c:Amt", ns)
    amount = _decimal(_own_text(element), f"{where}.amount")
    currency = element.get("Ccy")
    if currency is not None and entry.currency is not None and currency.strip() != entry.currency.strip():
        raise InvalidStatement.at(
            f"{where}.currency",
            f"the transaction detail's amount is in {currency}, its entry's in {entry.currency}",
        )
    indicator = _text(detail, "c:CdtDbtInd", ns)
    direction = entry.direction if indicator is None else _direction(indicator, f"{where}.direction")
    return amount, direction, entry.currency or currency


def _line(
    entry: _Entry,
    texts: dict[str, Any],
    number: int,
    money: tuple[Decimal, Direction, str | None],
    external_id: str | None,
) -> ParsedLine:
    amount, direction, currency = money
    reference = texts.get("EndToEndId")
    counterparty = texts.get("DebtorName") if direction is Direction.CREDIT else texts.get("CreditorName")
    return ParsedLine(
        line_no=number,
        value_date=entry.value_date,
        booking_date=entry.booking_date,
        amount=amount,
        direction=direction,
        external_id=external_id,
        currency=currency,
        reference=None if reference == "NOTPROVIDED" else reference,
        description=texts.get("RemittanceInformationFull") or entry.description,
        counterparty=counterparty,
    )


def _status(ntry: Any, ns: dict[str, str]) -> str | None:
    """`Sts/Cd` (camt.053.001.08 and later) or `Sts`'s own text (earlier versions)."""
    status = ntry.find("c:Sts", ns)
    if status is None:
        return None
    return _text(status, "c:Cd", ns) or _text(status, "c:Prtry", ns) or _own_text(status)


def _day(ntry: Any, path: str, ns: dict[str, str]) -> str | None:
    return _text(ntry, f"{path}/c:Dt", ns) or _text(ntry, f"{path}/c:DtTm", ns)


def _direction(indicator: str | None, where: str) -> Direction:
    if indicator not in ("CRDT", "DBIT"):
        raise InvalidStatement.at(where, f"CdtDbtInd is {indicator!r}, not CRDT or DBIT")
    return Direction.CREDIT if indicator == "CRDT" else Direction.DEBIT


def _balance(stmt: Any, ns: dict[str, str], codes: tuple[str, ...]) -> tuple[Decimal | None, date | None]:
    for bal in stmt.findall("c:Bal", ns):
        code = _text(bal, "c:Tp/c:CdOrPrtry/c:Cd", ns)
        if code not in codes:
            continue
        where = "opening_balance" if codes[0] != "CLBD" else "closing_balance"
        amount = _decimal(_text(bal, "c:Amt", ns), where)
        indicator = _text(bal, "c:CdtDbtInd", ns)
        if indicator not in ("CRDT", "DBIT"):
            raise InvalidStatement.at(where, f"CdtDbtInd is {indicator!r}, not CRDT or DBIT")
        day = _text(bal, "c:Dt/c:Dt", ns) or _text(bal, "c:Dt/c:DtTm", ns)
        return (amount if indicator == "CRDT" else amount.copy_negate()), (  # exact: no rounding
            _date(day, where.replace("balance", "date")) if day else None
        )
    return None, None


def _text(element: Any, path: str, ns: dict[str, str]) -> str | None:
    return _own_text(element.find(path, ns))


def _own_text(element: Any) -> str | None:
    return None if element is None or element.text is None else str(element.text).strip()


def _decimal(text: str | None, where: str) -> Decimal:
    if not text:
        raise InvalidStatement.at(where, "is missing")
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidStatement.at(where, f"{text!r} is not a decimal number") from None
    if not value.is_finite() or value < 0:
        raise InvalidStatement.at(where, f"{text!r} is not a positive decimal number")
    return value


def _date(text: str | None, where: str) -> date:
    if not text:
        raise InvalidStatement.at(where, "is missing")
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise InvalidStatement.at(where, f"{text!r} is not a date (YYYY-MM-DD)") from None
