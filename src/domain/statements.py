"""Bank statements imported for reconciliation: the normalised lines of a bank's file, in the ledger's terms.

A parser (`adapters.statements`) reads a camt.053, MT940, OFX or CSV file into a `ParsedStatement`: the
file's own values, decimals as `Decimal`, dates as `date`, each line with its position in the file. This
module turns it into a `Statement` and its `StatementLine`s for one mirror account of the ledger (the
account that stands for the bank account), and refuses what cannot be imported exactly:

- amounts become integer minor units of the account's asset: a line with more decimals than the asset's
  scale, or with a zero amount, is refused (never rounded);
- the file's currency, and each line's, must be the account's asset;
- every line has an external id: the bank's own (camt.053 `AcctSvcrRef`, MT940 bank reference, OFX
  `FITID`, a CSV column) or, when the format has none, a stable hash of the line's facts and of how many
  identical lines precede it in the file (`h:` and 32 hex digits), so the same line of the same file
  always gets the same id; the same external id twice in one file is refused;
- texts are bounded (`MAX_TEXT`, `MAX_ID`).

Directions are the bank's view: `credit` is money into the bank account, `debit` money out. Balances are
signed in the same terms (positive: money in the account). Every refusal is an `InvalidStatement` whose
field names the line (`lines[12].amount`, 1-based like the file's lines) or the statement's field.

Standard library only: this module also runs inside PostgreSQL (PL/Python).
"""

from __future__ import annotations

import decimal
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID, uuid5

from domain.accounts import Account, AccountStatus
from domain.errors import AccountInactive, AccountNotFound, AssetMismatch, FieldIssue, ValidationError

#: The formats a statement can be imported from.
FORMATS = ("camt053", "mt940", "ofx", "csv")
#: Longest external id, statement reference, currency, reference and counterparty (characters).
MAX_ID = 255
#: Longest description of a line (characters).
MAX_TEXT = 1000
#: Longest source name (the uploaded file's name) and importer name.
MAX_NAME = 255
#: Most lines one statement may have.
MAX_LINES = 1_000_000

_NAMESPACE = UUID("6f1d2c3b-8a4e-5b7c-9d0e-1f2a3b4c5d6e")


class InvalidStatement(ValidationError):
    """The file cannot be imported as it is: malformed, of another format than said, or a value that
    does not fit (an amount, a date, a text). Nothing of it is imported."""

    code = "invalid_statement"
    title = "The statement cannot be imported"

    @classmethod
    def at(cls, where: str, message: str, **context: object) -> InvalidStatement:
        """The error of the value at `where` (`file`, `lines[3].amount`, `closing_balance`)."""
        return cls(f"{where}: {message}", FieldIssue(where, message), **context)


class Direction(StrEnum):
    """The bank's view of a line: `credit` is money into the bank account, `debit` money out."""

    CREDIT = "credit"
    DEBIT = "debit"


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """One line as a parser read it from the file: the file's own values, not yet checked."""

    #: 1-based position among the statement's lines (the file's order).
    line_no: int
    value_date: date
    #: Positive; the direction says which way the money went.
    amount: Decimal
    direction: Direction
    external_id: str | None = None
    booking_date: date | None = None
    currency: str | None = None
    reference: str | None = None
    description: str | None = None
    counterparty: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedStatement:
    """A whole file as a parser read it."""

    format: str
    lines: tuple[ParsedLine, ...]
    statement_ref: str | None = None
    currency: str | None = None
    #: Signed, in the bank's terms (positive: money in the account); None when the file has none.
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    opening_date: date | None = None
    closing_date: date | None = None


@dataclass(frozen=True, slots=True)
class StatementLine:
    """A normalised line of an imported statement."""

    statement_id: UUID
    line_no: int
    account_id: UUID
    external_id: str
    value_date: date
    booking_date: date | None
    #: Integer minor units of the account's asset, > 0.
    amount: int
    direction: Direction
    currency: str
    reference: str | None
    description: str | None
    counterparty: str | None

    @property
    def signed_amount(self) -> int:
        """The amount with the bank's sign: positive for money in, negative for money out."""
        return self.amount if self.direction is Direction.CREDIT else -self.amount


@dataclass(frozen=True, slots=True)
class Statement:
    """An imported statement: which mirror account, which file, its balances and how many lines."""

    id: UUID
    account_id: UUID
    format: str
    content_sha256: str
    asset_code: str
    statement_ref: str | None
    opening_balance: int | None
    closing_balance: int | None
    opening_date: date | None
    closing_date: date | None
    #: Lines of the file imported with this statement, and those skipped (already imported by another
    #: file of the same account: same external id).
    line_count: int
    lines_skipped: int
    source_name: str | None
    imported_by: str | None
    imported_at: datetime

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Statement) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True, slots=True)
class Normalised:
    """A statement ready to store: the statement and the lines it keeps."""

    statement: Statement
    lines: tuple[StatementLine, ...]

    def external_ids(self) -> list[str]:
        return [line.external_id for line in self.lines]

    def without(self, known: Iterable[str]) -> Normalised:
        """The same statement without the lines whose external id is `known` (imported before by
        another file of the account): they are counted in `lines_skipped`."""
        skip = set(known)
        kept = tuple(line for line in self.lines if line.external_id not in skip)
        skipped = self.statement.lines_skipped + len(self.lines) - len(kept)
        return Normalised(replace(self.statement, line_count=len(kept), lines_skipped=skipped), kept)


def statement_id(account_id: UUID, content_sha256: str) -> UUID:
    """The id of the statement of this file on this account: the same file is the same statement."""
    return uuid5(_NAMESPACE, f"{account_id}:{content_sha256}")


def check_mirror_account(account: Account | None, account_id: UUID, currency: str | None) -> Account:
    """The account a statement is imported into: it exists, is not closed, and the file's currency (when
    it says one) is its asset. The same check in both execution modes."""
    if account is None:
        raise AccountNotFound(f"account {account_id} does not exist", account_id=str(account_id))
    if account.status is AccountStatus.CLOSED:
        raise AccountInactive(
            f"account {account.code} is closed: it takes no statements",
            account_id=str(account.id),
            status=account.status.value,
        )
    if currency is not None and currency != account.asset.code:
        raise AssetMismatch(
            f"the statement is in {currency}, account {account.code} in {account.asset.code}",
            account_id=str(account.id),
            currency=currency,
            asset=account.asset.code,
        )
    return account


def normalise(
    parsed: ParsedStatement,
    account: Account,
    *,
    content_sha256: str,
    imported_at: datetime,
    source_name: str | None = None,
    imported_by: str | None = None,
) -> Normalised:
    """The statement of `parsed` on the mirror `account` (checked with `check_mirror_account`), with
    every line of the file (`Normalised.without` then drops those imported before)."""
    if parsed.format not in FORMATS:
        raise InvalidStatement.at("format", f"must be one of {', '.join(FORMATS)}")
    if len(parsed.lines) > MAX_LINES:
        raise InvalidStatement.at("file", f"has more than {MAX_LINES} lines")
    check_mirror_account(account, account.id, _code(parsed.currency, "currency"))
    scale = account.asset.scale
    sid = statement_id(account.id, content_sha256)
    lines = _lines(parsed.lines, sid, account, scale)
    statement = Statement(
        id=sid,
        account_id=account.id,
        format=parsed.format,
        content_sha256=content_sha256,
        asset_code=account.asset.code,
        statement_ref=_text(parsed.statement_ref, "statement_ref", MAX_ID),
        opening_balance=_balance(parsed.opening_balance, "opening_balance", scale),
        closing_balance=_balance(parsed.closing_balance, "closing_balance", scale),
        opening_date=parsed.opening_date,
        closing_date=parsed.closing_date,
        line_count=len(lines),
        lines_skipped=0,
        source_name=_text(source_name, "source_name", MAX_NAME),
        imported_by=_text(imported_by, "imported_by", MAX_NAME),
        imported_at=imported_at,
    )
    return Normalised(statement, lines)


def to_minor(value: Decimal, scale: int, where: str) -> int:
    """`value` in integer minor units of an asset with `scale` decimals, exactly: more decimals than the
    scale, a value that is not a finite number or one of more than 38 digits is refused."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidStatement.at(where, f"{value!s} is not a finite decimal number")
    sign, digits, exponent = value.as_tuple()
    shift = int(exponent) + scale
    if shift < 0:
        if any(digits[shift:]):
            raise InvalidStatement.at(where, f"{value} has more than {scale} decimal places")
        digits = digits[:shift]
        shift = 0
    significant = "".join(map(str, digits)).lstrip("0")
    if len(significant) + shift > 38:
        raise InvalidStatement.at(where, f"{value} has more than 38 digits")
    units = int((significant or "0") + "0" * shift)
    return -units if sign else units


#: Enough digits that normalising an amount never rounds it (the default context keeps 28; amounts may have
#: 38, and longer ones are refused after the id is made).
_EXACT = decimal.Context(prec=100)


def line_hash(line: ParsedLine, occurrence: int) -> str:
    """The stable id of a line that has none: its facts and how many identical lines precede it."""
    facts = "\x1f".join(
        str(v) if v is not None else ""
        for v in (
            line.value_date,
            line.booking_date,
            line.amount.normalize(_EXACT) if line.amount.is_finite() else line.amount,
            line.direction.value,
            line.currency,
            line.reference,
            line.description,
            line.counterparty,
            occurrence,
        )
    )
    return "h:" + hashlib.sha256(facts.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _lines(
    parsed: Sequence[ParsedLine], sid: UUID, account: Account, scale: int
) -> tuple[StatementLine, ...]:
    seen: dict[str, int] = {}
    occurrences: dict[str, int] = {}
    out: list[StatementLine] = []
    for line in parsed:
        where = f"lines[{line.line_no}]"
        amount = to_minor(line.amount, scale, f"{where}.amount")
        if amount <= 0:
            raise InvalidStatement.at(
                f"{where}.amount", "must be greater than zero (the direction gives the sign)"
            )
        currency = _code(line.currency, f"{where}.currency") or account.asset.code
        if currency != account.asset.code:
            raise InvalidStatement.at(
                f"{where}.currency", f"is {currency}, the account's asset is {account.asset.code}"
            )
        external_id = _text(line.external_id, f"{where}.external_id", MAX_ID)
        if external_id is None:
            probe = line_hash(line, 0)
            occurrence = occurrences.get(probe, 0)
            occurrences[probe] = occurrence + 1
            external_id = line_hash(line, occurrence)
        if (first := seen.get(external_id)) is not None:
            raise InvalidStatement.at(
                f"{where}.external_id", f"{external_id!r} is already the id of line {first} of this file"
            )
        seen[external_id] = line.line_no
        out.append(
            StatementLine(
                statement_id=sid,
                line_no=line.line_no,
                account_id=account.id,
                external_id=external_id,
                value_date=line.value_date,
                booking_date=line.booking_date,
                amount=amount,
                direction=Direction(line.direction),
                currency=currency,
                reference=_text(line.reference, f"{where}.reference", MAX_ID),
                description=_text(line.description, f"{where}.description", MAX_TEXT),
                counterparty=_text(line.counterparty, f"{where}.counterparty", MAX_ID),
            )
        )
    return tuple(out)


def _balance(value: Decimal | None, where: str, scale: int) -> int | None:
    return None if value is None else to_minor(value, scale, where)


def _code(value: str | None, where: str) -> str | None:
    text = _text(value, where, 32)
    return None if text is None else text.upper()


def _text(value: str | None, where: str, limit: int) -> str | None:
    """`value` trimmed, its white space runs made one space (ids only trimmed); None when empty. Refused
    when longer than `limit`, or holding a control character (NUL among them) or a lone surrogate."""
    if value is None:
        return None
    keep = where.endswith(("external_id", "statement_ref"))  # ids as the bank wrote them, trimmed
    text = value.strip() if keep else " ".join(value.split())  # texts: runs of white space as one space
    if not text:
        return None
    if len(text) > limit:
        raise InvalidStatement.at(where, f"is longer than {limit} characters")
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise InvalidStatement.at(where, "holds control characters or invalid Unicode")
    return text


# --- CSV mappings --------------------------------------------------------------------------------

#: The normalised fields a CSV mapping can take from a column (`amount` and `value_date` are required).
CSV_FIELDS = (
    "external_id",
    "value_date",
    "booking_date",
    "amount",
    "direction",
    "currency",
    "reference",
    "description",
    "counterparty",
)
#: The encodings a CSV mapping may name (Python codec names).
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "latin-1", "iso-8859-15", "cp1252", "cp850", "ascii")
#: How a CSV file gives each line's direction: `signed` (a negative amount is money out), `inverted`
#: (a negative amount is money in: a card issuer's view), `column` (a `direction` column whose values
#: are listed in `credit_values` / `debit_values`, amounts unsigned).
SIGN_CONVENTIONS = ("signed", "inverted", "column")
MAX_MAPPING_NAME = 64


@dataclass(frozen=True, slots=True)
class CsvMapping:
    """How to read a bank's CSV export: which column holds each normalised field (a header's name or a
    0-based index), the date format (`strptime` directives: `%d/%m/%Y`), the decimal and thousands
    separators, the sign convention, the delimiter, the encoding, and how many rows to skip before the
    header (or the first line, without a header)."""

    name: str
    columns: dict[str, str | int]
    date_format: str = "%Y-%m-%d"
    decimal_separator: str = "."
    thousands_separator: str = ""
    sign: str = "signed"
    credit_values: tuple[str, ...] = ("C", "CR", "CRDT", "credit")
    debit_values: tuple[str, ...] = ("D", "DR", "DBIT", "debit")
    delimiter: str = ","
    encoding: str = "utf-8"
    skip_rows: int = 0
    header: bool = True

    @classmethod
    def of(cls, name: str, document: dict[str, object]) -> CsvMapping:
        """A mapping from its JSON document; each wrong value is refused naming `mapping.<key>`."""
        if not isinstance(name, str) or not name or len(name) > MAX_MAPPING_NAME or not name.isprintable():
            raise InvalidStatement.at("name", f"must be 1 to {MAX_MAPPING_NAME} printable characters")
        known = {f for f in cls.__dataclass_fields__ if f != "name"}
        for key in document:
            if key not in known:
                raise InvalidStatement.at(f"mapping.{key}", "is not a mapping setting")
        values = dict(document)
        columns = values.pop("columns", None)
        if not isinstance(columns, dict) or not columns:
            raise InvalidStatement.at("mapping.columns", "must name the column of each field")
        for key, column in columns.items():
            where = f"mapping.columns.{key}"
            if key not in CSV_FIELDS:
                raise InvalidStatement.at(where, f"is not a field; fields: {', '.join(CSV_FIELDS)}")
            if isinstance(column, bool) or not isinstance(column, str | int):
                raise InvalidStatement.at(where, "must be a header's name or a 0-based column index")
            if isinstance(column, int) and not 0 <= column < 1000:
                raise InvalidStatement.at(where, "must be between 0 and 999")
            if isinstance(column, str) and not 0 < len(column) <= MAX_ID:
                raise InvalidStatement.at(where, f"must be 1 to {MAX_ID} characters")
        for required in ("value_date", "amount"):
            if required not in columns:
                raise InvalidStatement.at(f"mapping.columns.{required}", "is required")
        for key in (
            "date_format",
            "decimal_separator",
            "thousands_separator",
            "sign",
            "delimiter",
            "encoding",
        ):
            if key in values and not isinstance(values[key], str):
                raise InvalidStatement.at(f"mapping.{key}", "must be a string")
        for key in ("credit_values", "debit_values"):
            if key in values:
                listed = values[key]
                if (
                    not isinstance(listed, list)
                    or not listed
                    or not all(isinstance(v, str) and v for v in listed)
                ):
                    raise InvalidStatement.at(f"mapping.{key}", "must be a list of non-empty strings")
                values[key] = tuple(listed)
        if "skip_rows" in values:
            skip = values["skip_rows"]
            if isinstance(skip, bool) or not isinstance(skip, int) or not 0 <= skip <= 100:
                raise InvalidStatement.at("mapping.skip_rows", "must be an integer between 0 and 100")
        if "header" in values and not isinstance(values["header"], bool):
            raise InvalidStatement.at("mapping.header", "must be true or false")
        mapping = cls(name, dict(columns), **values)  # type: ignore[arg-type]
        mapping._check()
        return mapping

    def _check(self) -> None:
        if "%" not in self.date_format or len(self.date_format) > 32:
            raise InvalidStatement.at("mapping.date_format", "must be a strptime format such as %d/%m/%Y")
        if self.decimal_separator not in (".", ","):
            raise InvalidStatement.at("mapping.decimal_separator", "must be '.' or ','")
        if self.thousands_separator not in ("", ".", ",", " ", "'"):
            raise InvalidStatement.at("mapping.thousands_separator", "must be '', '.', ',', ' ' or \"'\"")
        if self.thousands_separator == self.decimal_separator:
            raise InvalidStatement.at("mapping.thousands_separator", "must differ from the decimal separator")
        if self.sign not in SIGN_CONVENTIONS:
            raise InvalidStatement.at("mapping.sign", f"must be one of {', '.join(SIGN_CONVENTIONS)}")
        if self.sign == "column" and "direction" not in self.columns:
            raise InvalidStatement.at("mapping.columns.direction", "is required when sign is 'column'")
        if len(self.delimiter) != 1 or self.delimiter in '\r\n"':
            raise InvalidStatement.at("mapping.delimiter", "must be one character (not a quote or newline)")
        if self.encoding not in ENCODINGS:
            raise InvalidStatement.at("mapping.encoding", f"must be one of {', '.join(ENCODINGS)}")
        if not self.header and any(isinstance(c, str) for c in self.columns.values()):
            raise InvalidStatement.at("mapping.columns", "without a header, columns are 0-based indexes")

    def document(self) -> dict[str, object]:
        """The JSON document of the mapping (what `of` reads back)."""
        return {
            "columns": dict(self.columns),
            "date_format": self.date_format,
            "decimal_separator": self.decimal_separator,
            "thousands_separator": self.thousands_separator,
            "sign": self.sign,
            "credit_values": list(self.credit_values),
            "debit_values": list(self.debit_values),
            "delimiter": self.delimiter,
            "encoding": self.encoding,
            "skip_rows": self.skip_rows,
            "header": self.header,
        }
