"""Bodies of the bank statement endpoints: an imported statement, its lines, and the saved CSV mappings.

The upload itself is `multipart/form-data` (`UPLOAD_FORM`, stated in the document by the route): the
file's bytes are read by the route as they arrive, never through a pydantic model.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

from adapters.http.schemas.common import Instant
from domain.statements import (
    CSV_FIELDS,
    ENCODINGS,
    FORMATS,
    MAX_MAPPING_NAME,
    CsvMapping,
    Statement,
    StatementLine,
)

_ACCOUNT_ID = "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90"
_STATEMENT_ID = "3c1d5e7f-9a2b-5c4d-8e6f-0a1b2c3d4e5f"

Format = Literal["camt053", "mt940", "ofx", "csv"]

#: The multipart form of `POST /v1/statements`, as the OpenAPI document states it.
UPLOAD_FORM: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["account_id", "format", "file"],
                # a CSV statement names its mapping; the other formats take none. Two forms rather than
                # if/then/else or `not`: schemathesis (4.32) cannot judge a file part under those.
                "oneOf": [
                    {"properties": {"format": {"const": "csv"}}, "required": ["mapping"]},
                    {
                        "properties": {
                            "format": {"enum": [f for f in FORMATS if f != "csv"]},
                            "mapping": False,
                        }
                    },
                ],
                "properties": {
                    "account_id": {
                        "type": "string",
                        "format": "uuid",
                        "description": "The ledger account that mirrors the bank account (not closed; its "
                        "asset is the statement's currency).",
                    },
                    "format": {"type": "string", "enum": list(FORMATS)},
                    "mapping": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": MAX_MAPPING_NAME,
                        "description": "The name of a saved CSV mapping (`format=csv` only).",
                    },
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "The statement file, at most `RAZAO_STATEMENT_MAX_BYTES` (50 MiB by "
                        "default).",
                    },
                },
            },
            "encoding": {"file": {"contentType": "application/octet-stream"}},
        }
    },
}


class StatementOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": _STATEMENT_ID,
                    "account_id": _ACCOUNT_ID,
                    "format": "camt053",
                    "content_sha256": "9f2c" + "0" * 60,
                    "statement_ref": "2025-03-31-0001",
                    "asset_code": "BRL",
                    "opening_balance": 1523000,
                    "closing_balance": 2295075,
                    "opening_date": "2025-03-31",
                    "closing_date": "2025-03-31",
                    "line_count": 10,
                    "lines_skipped": 0,
                    "source_name": "camt053.xml",
                    "imported_by": "5a0c2f1e-6b7d-4e8f-9a0b-1c2d3e4f5a6b",
                    "imported_at": "2025-04-01T09:00:00+00:00",
                }
            ]
        }
    )

    id: UUID = Field(
        description="Derived from the account and the file's SHA-256: the same file, the same id."
    )
    account_id: UUID
    format: Format
    content_sha256: str = Field(description="SHA-256 of the file's bytes (hex).")
    statement_ref: str | None = Field(
        description="The bank's id of the statement (camt.053 `Stmt/Id`, MT940 :20:)."
    )
    asset_code: str
    opening_balance: int | None = Field(
        description="Minor units, signed in the bank's terms (positive: money in the account); null when "
        "the file has none (OFX, CSV)."
    )
    closing_balance: int | None
    opening_date: date | None
    closing_date: date | None
    line_count: int = Field(description="Lines imported with this statement.")
    lines_skipped: int = Field(
        description="Lines of the file not imported because the account already had their external id "
        "(another file imported them)."
    )
    source_name: str | None
    imported_by: str | None = Field(description="The API key's id, or the CLI's user.")
    imported_at: Instant

    @staticmethod
    def document(statement: Statement) -> dict[str, Any]:
        return {
            "id": statement.id,
            "account_id": statement.account_id,
            "format": statement.format,
            "content_sha256": statement.content_sha256,
            "statement_ref": statement.statement_ref,
            "asset_code": statement.asset_code,
            "opening_balance": statement.opening_balance,
            "closing_balance": statement.closing_balance,
            "opening_date": statement.opening_date.isoformat() if statement.opening_date else None,
            "closing_date": statement.closing_date.isoformat() if statement.closing_date else None,
            "line_count": statement.line_count,
            "lines_skipped": statement.lines_skipped,
            "source_name": statement.source_name,
            "imported_by": statement.imported_by,
            "imported_at": statement.imported_at,
        }


class StatementList(BaseModel):
    items: list[StatementOut]
    next_cursor: str | None = None


class StatementLineOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "statement_id": _STATEMENT_ID,
                    "line_no": 7,
                    "external_id": "BNK-20250331-000107",
                    "value_date": "2025-03-31",
                    "booking_date": "2025-03-31",
                    "amount": 4590,
                    "direction": "debit",
                    "currency": "BRL",
                    "reference": None,
                    "description": "Tarifa pacote de servicos 03/2025",
                    "counterparty": None,
                }
            ]
        }
    )

    statement_id: UUID
    line_no: int = Field(description="1-based position among the file's statement lines.")
    external_id: str = Field(
        description="The bank's id of the line, or `h:` and a hash of the line when the file gives none."
    )
    value_date: date
    booking_date: date | None
    amount: int = Field(description="Minor units of the account's asset, > 0.")
    direction: Literal["credit", "debit"] = Field(
        description="The bank's view: `credit` is money into the bank account, `debit` money out."
    )
    currency: str
    reference: str | None
    description: str | None
    counterparty: str | None

    @staticmethod
    def document(line: StatementLine) -> dict[str, Any]:
        return {
            "statement_id": line.statement_id,
            "line_no": line.line_no,
            "external_id": line.external_id,
            "value_date": line.value_date.isoformat(),
            "booking_date": line.booking_date.isoformat() if line.booking_date else None,
            "amount": line.amount,
            "direction": line.direction.value,
            "currency": line.currency,
            "reference": line.reference,
            "description": line.description,
            "counterparty": line.counterparty,
        }


class StatementLineList(BaseModel):
    items: list[StatementLineOut]
    next_cursor: str | None = None


def _column(value: Any) -> str | int:
    if isinstance(value, float) and value.is_integer():  # 3.0 is an integer to JSON Schema
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("must be a header's name or a 0-based column index")
    if isinstance(value, int) and not 0 <= value <= 999:
        raise ValueError("a column index must be between 0 and 999")
    if (isinstance(value, str) and not 0 < len(value) <= 255) or (isinstance(value, str) and "\x00" in value):
        raise ValueError("a header's name must be 1 to 255 characters, without NUL")
    return value


#: A header's name or a 0-based index (one validator: a refusal names the field, not a union member).
Column = Annotated[
    str | int,
    PlainValidator(_column),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^\\x00]*$"},
                {"type": "integer", "minimum": 0, "maximum": 999},
            ],
            "description": "A header's name, or a 0-based column index.",
        }
    ),
]


class CsvColumns(BaseModel):
    """Which column holds each field: a header's name, or a 0-based index."""

    model_config = ConfigDict(extra="forbid")

    value_date: Column
    amount: Column
    external_id: Column | None = None
    booking_date: Column | None = None
    direction: Column | None = None
    currency: Column | None = None
    reference: Column | None = None
    description: Column | None = None
    counterparty: Column | None = None


Value = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[^\x00]*$")]
Encoding = Literal[ENCODINGS]  # type: ignore[valid-type]


class CsvMappingBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "allOf": [
                # a `column` sign needs the direction's column
                {
                    "if": {"properties": {"sign": {"const": "column"}}, "required": ["sign"]},
                    "then": {
                        "properties": {
                            "columns": {
                                "required": ["value_date", "amount", "direction"],
                                "properties": {"direction": {"not": {"type": "null"}}},
                            }
                        }
                    },
                },
                # the thousands separator is not the decimal one (`.` unless given)
                {
                    "if": {
                        "properties": {"decimal_separator": {"const": ","}},
                        "required": ["decimal_separator"],
                    },
                    "then": {"properties": {"thousands_separator": {"not": {"const": ","}}}},
                    "else": {"properties": {"thousands_separator": {"not": {"const": "."}}}},
                },
                # without a header, columns are 0-based indexes
                {
                    "if": {"properties": {"header": {"const": False}}, "required": ["header"]},
                    "then": {
                        "properties": {
                            "columns": {
                                "properties": {name: {"not": {"type": "string"}} for name in CSV_FIELDS}
                            }
                        }
                    },
                },
            ]
        },
    )

    columns: CsvColumns
    date_format: str = Field(
        default="%Y-%m-%d",
        max_length=32,
        pattern=r"^[^\x00]*%[^\x00]*$",
        description="`strptime` directives: `%d/%m/%Y`.",
    )
    decimal_separator: Literal[".", ","] = "."
    thousands_separator: Literal["", ".", ",", " ", "'"] = ""
    sign: Literal["signed", "inverted", "column"] = Field(
        default="signed",
        description="`signed`: a negative amount is money out; `inverted`: a negative amount is money in; "
        "`column`: the `direction` column says, with `credit_values`/`debit_values`.",
    )
    credit_values: list[Value] = Field(default=["C", "CR", "CRDT", "credit"], min_length=1, max_length=20)
    debit_values: list[Value] = Field(default=["D", "DR", "DBIT", "debit"], min_length=1, max_length=20)
    delimiter: str = Field(default=",", pattern=r'^[^"\r\n\x00]$', description="One character.")
    encoding: Encoding = "utf-8"
    skip_rows: int = Field(default=0, ge=0, le=100, description="Rows before the header (a title, a blank).")
    header: bool = True


class CsvMappingIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "banco-exemplo",
                    "mapping": {
                        "columns": {
                            "value_date": "Data",
                            "amount": "Valor",
                            "description": "Descricao",
                            "reference": "Documento",
                            "external_id": "Identificador",
                        },
                        "date_format": "%d/%m/%Y",
                        "decimal_separator": ",",
                        "thousands_separator": ".",
                        "delimiter": ";",
                        "skip_rows": 1,
                    },
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=MAX_MAPPING_NAME, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    mapping: CsvMappingBody

    def document(self) -> dict[str, object]:
        body = self.mapping.model_dump()
        body["columns"] = {k: v for k, v in body["columns"].items() if v is not None}
        return body


class CsvMappingOut(BaseModel):
    name: str
    mapping: dict[str, Any]

    @staticmethod
    def document(mapping: CsvMapping) -> dict[str, Any]:
        return {"name": mapping.name, "mapping": mapping.document()}


class CsvMappingList(BaseModel):
    items: list[CsvMappingOut]
    next_cursor: str | None = None
