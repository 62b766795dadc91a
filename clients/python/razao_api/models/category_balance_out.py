from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.basis import Basis

if TYPE_CHECKING:
    from ..models.category_child_out import CategoryChildOut
    from ..models.category_ref import CategoryRef
    from ..models.totals_out import TotalsOut


T = TypeVar("T", bound="CategoryBalanceOut")


@_attrs_define
class CategoryBalanceOut:
    """
    Attributes:
        category (CategoryRef):
        as_of (datetime.datetime | None): The instant asked for; null: the balances now (with pending and available).
        basis (Basis):
        descendants (bool): Whether the accounts of nested categories count (each once).
        totals (list[TotalsOut]): Per asset, over the category's distinct accounts.
        children (list[CategoryChildOut]): Every direct subcategory, by code, with its totals.
    """

    category: CategoryRef
    as_of: datetime.datetime | None
    basis: Basis
    descendants: bool
    totals: list[TotalsOut]
    children: list[CategoryChildOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        category = self.category.to_dict()

        as_of: None | str
        if isinstance(self.as_of, datetime.datetime):
            as_of = self.as_of.isoformat()
        else:
            as_of = self.as_of

        basis = self.basis.value

        descendants = self.descendants

        totals = []
        for totals_item_data in self.totals:
            totals_item = totals_item_data.to_dict()
            totals.append(totals_item)

        children = []
        for children_item_data in self.children:
            children_item = children_item_data.to_dict()
            children.append(children_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "category": category,
                "as_of": as_of,
                "basis": basis,
                "descendants": descendants,
                "totals": totals,
                "children": children,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.category_child_out import CategoryChildOut
        from ..models.category_ref import CategoryRef
        from ..models.totals_out import TotalsOut

        d = dict(src_dict)
        category = CategoryRef.from_dict(d.pop("category"))

        def _parse_as_of(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                as_of_type_0 = datetime.datetime.fromisoformat(data)

                return as_of_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        as_of = _parse_as_of(d.pop("as_of"))

        basis = Basis(d.pop("basis"))

        descendants = d.pop("descendants")

        totals = []
        _totals = d.pop("totals")
        for totals_item_data in _totals:
            totals_item = TotalsOut.from_dict(totals_item_data)

            totals.append(totals_item)

        children = []
        _children = d.pop("children")
        for children_item_data in _children:
            children_item = CategoryChildOut.from_dict(children_item_data)

            children.append(children_item)

        category_balance_out = cls(
            category=category,
            as_of=as_of,
            basis=basis,
            descendants=descendants,
            totals=totals,
            children=children,
        )

        category_balance_out.additional_properties = d
        return category_balance_out

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
