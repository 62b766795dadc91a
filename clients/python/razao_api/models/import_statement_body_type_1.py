from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.import_statement_body_type_1_format import ImportStatementBodyType1Format
from ..types import UNSET, Unset

T = TypeVar("T", bound="ImportStatementBodyType1")


@_attrs_define
class ImportStatementBodyType1:
    """
    Attributes:
        format_ (ImportStatementBodyType1Format | Unset):
    """

    format_: ImportStatementBodyType1Format | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        format_: str | Unset = UNSET
        if not isinstance(self.format_, Unset):
            format_ = self.format_.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if format_ is not UNSET:
            field_dict["format"] = format_

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        _format_ = d.pop("format", UNSET)
        format_: ImportStatementBodyType1Format | Unset
        if isinstance(_format_, Unset):
            format_ = UNSET
        else:
            format_ = ImportStatementBodyType1Format(_format_)

        import_statement_body_type_1 = cls(
            format_=format_,
        )

        import_statement_body_type_1.additional_properties = d
        return import_statement_body_type_1

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
