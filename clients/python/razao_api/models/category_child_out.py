from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.category_ref import CategoryRef
    from ..models.totals_out import TotalsOut


T = TypeVar("T", bound="CategoryChildOut")


@_attrs_define
class CategoryChildOut:
    """
    Attributes:
        category (CategoryRef):
        totals (list[TotalsOut]):
    """

    category: CategoryRef
    totals: list[TotalsOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        category = self.category.to_dict()

        totals = []
        for totals_item_data in self.totals:
            totals_item = totals_item_data.to_dict()
            totals.append(totals_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "category": category,
                "totals": totals,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.category_ref import CategoryRef
        from ..models.totals_out import TotalsOut

        d = dict(src_dict)
        category = CategoryRef.from_dict(d.pop("category"))

        totals = []
        _totals = d.pop("totals")
        for totals_item_data in _totals:
            totals_item = TotalsOut.from_dict(totals_item_data)

            totals.append(totals_item)

        category_child_out = cls(
            category=category,
            totals=totals,
        )

        category_child_out.additional_properties = d
        return category_child_out

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
