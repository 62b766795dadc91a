from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.basis import Basis

if TYPE_CHECKING:
    from ..models.prefix_child_out import PrefixChildOut
    from ..models.totals_out import TotalsOut


T = TypeVar("T", bound="GroupBalanceOut")


@_attrs_define
class GroupBalanceOut:
    """
    Attributes:
        prefix (str):
        as_of (datetime.datetime | None): The instant asked for; null: the balances now (with pending and available).
        basis (Basis):
        totals (list[TotalsOut]): Per asset, over every account under the prefix.
        children (list[PrefixChildOut]): One page of the groups one segment down, by segment.
        next_cursor (None | str): Pass as `cursor` for the next page of children.
    """

    prefix: str
    as_of: datetime.datetime | None
    basis: Basis
    totals: list[TotalsOut]
    children: list[PrefixChildOut]
    next_cursor: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        prefix = self.prefix

        as_of: None | str
        if isinstance(self.as_of, datetime.datetime):
            as_of = self.as_of.isoformat()
        else:
            as_of = self.as_of

        basis = self.basis.value

        totals = []
        for totals_item_data in self.totals:
            totals_item = totals_item_data.to_dict()
            totals.append(totals_item)

        children = []
        for children_item_data in self.children:
            children_item = children_item_data.to_dict()
            children.append(children_item)

        next_cursor: None | str
        next_cursor = self.next_cursor

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "prefix": prefix,
                "as_of": as_of,
                "basis": basis,
                "totals": totals,
                "children": children,
                "next_cursor": next_cursor,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.prefix_child_out import PrefixChildOut
        from ..models.totals_out import TotalsOut

        d = dict(src_dict)
        prefix = d.pop("prefix")

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

        totals = []
        _totals = d.pop("totals")
        for totals_item_data in _totals:
            totals_item = TotalsOut.from_dict(totals_item_data)

            totals.append(totals_item)

        children = []
        _children = d.pop("children")
        for children_item_data in _children:
            children_item = PrefixChildOut.from_dict(children_item_data)

            children.append(children_item)

        def _parse_next_cursor(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_cursor = _parse_next_cursor(d.pop("next_cursor"))

        group_balance_out = cls(
            prefix=prefix,
            as_of=as_of,
            basis=basis,
            totals=totals,
            children=children,
            next_cursor=next_cursor,
        )

        group_balance_out.additional_properties = d
        return group_balance_out

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
