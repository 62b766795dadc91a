from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.csv_mapping_body_decimal_separator import CsvMappingBodyDecimalSeparator
from ..models.csv_mapping_body_encoding import CsvMappingBodyEncoding
from ..models.csv_mapping_body_sign import CsvMappingBodySign
from ..models.csv_mapping_body_thousands_separator import (
    CsvMappingBodyThousandsSeparator,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.csv_columns import CsvColumns


T = TypeVar("T", bound="CsvMappingBody")


@_attrs_define
class CsvMappingBody:
    """
    Attributes:
        columns (CsvColumns): Which column holds each field: a header's name, or a 0-based index.
        date_format (str | Unset): `strptime` directives: `%d/%m/%Y`. Default: '%Y-%m-%d'.
        decimal_separator (CsvMappingBodyDecimalSeparator | Unset):  Default: CsvMappingBodyDecimalSeparator.VALUE_0.
        thousands_separator (CsvMappingBodyThousandsSeparator | Unset):  Default:
            CsvMappingBodyThousandsSeparator.VALUE_0.
        sign (CsvMappingBodySign | Unset): `signed`: a negative amount is money out; `inverted`: a negative amount is
            money in; `column`: the `direction` column says, with `credit_values`/`debit_values`. Default:
            CsvMappingBodySign.SIGNED.
        credit_values (list[str] | Unset):
        debit_values (list[str] | Unset):
        delimiter (str | Unset): One character. Default: ','.
        encoding (CsvMappingBodyEncoding | Unset):  Default: CsvMappingBodyEncoding.UTF_8.
        skip_rows (int | Unset): Rows before the header (a title, a blank). Default: 0.
        header (bool | Unset):  Default: True.
    """

    columns: CsvColumns
    date_format: str | Unset = "%Y-%m-%d"
    decimal_separator: CsvMappingBodyDecimalSeparator | Unset = (
        CsvMappingBodyDecimalSeparator.VALUE_0
    )
    thousands_separator: CsvMappingBodyThousandsSeparator | Unset = (
        CsvMappingBodyThousandsSeparator.VALUE_0
    )
    sign: CsvMappingBodySign | Unset = CsvMappingBodySign.SIGNED
    credit_values: list[str] | Unset = UNSET
    debit_values: list[str] | Unset = UNSET
    delimiter: str | Unset = ","
    encoding: CsvMappingBodyEncoding | Unset = CsvMappingBodyEncoding.UTF_8
    skip_rows: int | Unset = 0
    header: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        columns = self.columns.to_dict()

        date_format = self.date_format

        decimal_separator: str | Unset = UNSET
        if not isinstance(self.decimal_separator, Unset):
            decimal_separator = self.decimal_separator.value

        thousands_separator: str | Unset = UNSET
        if not isinstance(self.thousands_separator, Unset):
            thousands_separator = self.thousands_separator.value

        sign: str | Unset = UNSET
        if not isinstance(self.sign, Unset):
            sign = self.sign.value

        credit_values: list[str] | Unset = UNSET
        if not isinstance(self.credit_values, Unset):
            credit_values = self.credit_values

        debit_values: list[str] | Unset = UNSET
        if not isinstance(self.debit_values, Unset):
            debit_values = self.debit_values

        delimiter = self.delimiter

        encoding: str | Unset = UNSET
        if not isinstance(self.encoding, Unset):
            encoding = self.encoding.value

        skip_rows = self.skip_rows

        header = self.header

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "columns": columns,
            }
        )
        if date_format is not UNSET:
            field_dict["date_format"] = date_format
        if decimal_separator is not UNSET:
            field_dict["decimal_separator"] = decimal_separator
        if thousands_separator is not UNSET:
            field_dict["thousands_separator"] = thousands_separator
        if sign is not UNSET:
            field_dict["sign"] = sign
        if credit_values is not UNSET:
            field_dict["credit_values"] = credit_values
        if debit_values is not UNSET:
            field_dict["debit_values"] = debit_values
        if delimiter is not UNSET:
            field_dict["delimiter"] = delimiter
        if encoding is not UNSET:
            field_dict["encoding"] = encoding
        if skip_rows is not UNSET:
            field_dict["skip_rows"] = skip_rows
        if header is not UNSET:
            field_dict["header"] = header

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.csv_columns import CsvColumns

        d = dict(src_dict)
        columns = CsvColumns.from_dict(d.pop("columns"))

        date_format = d.pop("date_format", UNSET)

        _decimal_separator = d.pop("decimal_separator", UNSET)
        decimal_separator: CsvMappingBodyDecimalSeparator | Unset
        if isinstance(_decimal_separator, Unset):
            decimal_separator = UNSET
        else:
            decimal_separator = CsvMappingBodyDecimalSeparator(_decimal_separator)

        _thousands_separator = d.pop("thousands_separator", UNSET)
        thousands_separator: CsvMappingBodyThousandsSeparator | Unset
        if isinstance(_thousands_separator, Unset):
            thousands_separator = UNSET
        else:
            thousands_separator = CsvMappingBodyThousandsSeparator(_thousands_separator)

        _sign = d.pop("sign", UNSET)
        sign: CsvMappingBodySign | Unset
        if isinstance(_sign, Unset):
            sign = UNSET
        else:
            sign = CsvMappingBodySign(_sign)

        credit_values = cast(list[str], d.pop("credit_values", UNSET))

        debit_values = cast(list[str], d.pop("debit_values", UNSET))

        delimiter = d.pop("delimiter", UNSET)

        _encoding = d.pop("encoding", UNSET)
        encoding: CsvMappingBodyEncoding | Unset
        if isinstance(_encoding, Unset):
            encoding = UNSET
        else:
            encoding = CsvMappingBodyEncoding(_encoding)

        skip_rows = d.pop("skip_rows", UNSET)

        header = d.pop("header", UNSET)

        csv_mapping_body = cls(
            columns=columns,
            date_format=date_format,
            decimal_separator=decimal_separator,
            thousands_separator=thousands_separator,
            sign=sign,
            credit_values=credit_values,
            debit_values=debit_values,
            delimiter=delimiter,
            encoding=encoding,
            skip_rows=skip_rows,
            header=header,
        )

        return csv_mapping_body
