from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.csv_mapping_body import CsvMappingBody


T = TypeVar("T", bound="CsvMappingIn")


@_attrs_define
class CsvMappingIn:
    """
    Attributes:
        name (str):
        mapping (CsvMappingBody):
    """

    name: str
    mapping: CsvMappingBody

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        mapping = self.mapping.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "mapping": mapping,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.csv_mapping_body import CsvMappingBody

        d = dict(src_dict)
        name = d.pop("name")

        mapping = CsvMappingBody.from_dict(d.pop("mapping"))

        csv_mapping_in = cls(
            name=name,
            mapping=mapping,
        )

        return csv_mapping_in
