from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.statement_out_format import StatementOutFormat

T = TypeVar("T", bound="StatementOut")


@_attrs_define
class StatementOut:
    """
    Attributes:
        id (UUID): Derived from the account and the file's SHA-256: the same file, the same id.
        account_id (UUID):
        format_ (StatementOutFormat):
        content_sha256 (str): SHA-256 of the file's bytes (hex).
        statement_ref (None | str): The bank's id of the statement (camt.053 `Stmt/Id`, MT940 :20:).
        asset_code (str):
        opening_balance (int | None): Minor units, signed in the bank's terms (positive: money in the account); null
            when the file has none (OFX, CSV).
        closing_balance (int | None):
        opening_date (datetime.date | None):
        closing_date (datetime.date | None):
        line_count (int): Lines imported with this statement.
        lines_skipped (int): Lines of the file not imported because the account already had their external id (another
            file imported them).
        source_name (None | str):
        imported_by (None | str): The API key's id, or the CLI's user.
        imported_at (datetime.datetime):
    """

    id: UUID
    account_id: UUID
    format_: StatementOutFormat
    content_sha256: str
    statement_ref: None | str
    asset_code: str
    opening_balance: int | None
    closing_balance: int | None
    opening_date: datetime.date | None
    closing_date: datetime.date | None
    line_count: int
    lines_skipped: int
    source_name: None | str
    imported_by: None | str
    imported_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        account_id = str(self.account_id)

        format_ = self.format_.value

        content_sha256 = self.content_sha256

        statement_ref: None | str
        statement_ref = self.statement_ref

        asset_code = self.asset_code

        opening_balance: int | None
        opening_balance = self.opening_balance

        closing_balance: int | None
        closing_balance = self.closing_balance

        opening_date: None | str
        if isinstance(self.opening_date, datetime.date):
            opening_date = self.opening_date.isoformat()
        else:
            opening_date = self.opening_date

        closing_date: None | str
        if isinstance(self.closing_date, datetime.date):
            closing_date = self.closing_date.isoformat()
        else:
            closing_date = self.closing_date

        line_count = self.line_count

        lines_skipped = self.lines_skipped

        source_name: None | str
        source_name = self.source_name

        imported_by: None | str
        imported_by = self.imported_by

        imported_at = self.imported_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "account_id": account_id,
                "format": format_,
                "content_sha256": content_sha256,
                "statement_ref": statement_ref,
                "asset_code": asset_code,
                "opening_balance": opening_balance,
                "closing_balance": closing_balance,
                "opening_date": opening_date,
                "closing_date": closing_date,
                "line_count": line_count,
                "lines_skipped": lines_skipped,
                "source_name": source_name,
                "imported_by": imported_by,
                "imported_at": imported_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        account_id = UUID(d.pop("account_id"))

        format_ = StatementOutFormat(d.pop("format"))

        content_sha256 = d.pop("content_sha256")

        def _parse_statement_ref(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        statement_ref = _parse_statement_ref(d.pop("statement_ref"))

        asset_code = d.pop("asset_code")

        def _parse_opening_balance(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        opening_balance = _parse_opening_balance(d.pop("opening_balance"))

        def _parse_closing_balance(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        closing_balance = _parse_closing_balance(d.pop("closing_balance"))

        def _parse_opening_date(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                opening_date_type_0 = datetime.date.fromisoformat(data)

                return opening_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        opening_date = _parse_opening_date(d.pop("opening_date"))

        def _parse_closing_date(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                closing_date_type_0 = datetime.date.fromisoformat(data)

                return closing_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        closing_date = _parse_closing_date(d.pop("closing_date"))

        line_count = d.pop("line_count")

        lines_skipped = d.pop("lines_skipped")

        def _parse_source_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        source_name = _parse_source_name(d.pop("source_name"))

        def _parse_imported_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        imported_by = _parse_imported_by(d.pop("imported_by"))

        imported_at = datetime.datetime.fromisoformat(d.pop("imported_at"))

        statement_out = cls(
            id=id,
            account_id=account_id,
            format_=format_,
            content_sha256=content_sha256,
            statement_ref=statement_ref,
            asset_code=asset_code,
            opening_balance=opening_balance,
            closing_balance=closing_balance,
            opening_date=opening_date,
            closing_date=closing_date,
            line_count=line_count,
            lines_skipped=lines_skipped,
            source_name=source_name,
            imported_by=imported_by,
            imported_at=imported_at,
        )

        statement_out.additional_properties = d
        return statement_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
