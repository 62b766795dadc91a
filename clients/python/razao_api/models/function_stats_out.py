from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.function_stat_out import FunctionStatOut
    from ..models.function_stats_out_kernel import FunctionStatsOutKernel


T = TypeVar("T", bound="FunctionStatsOut")


@_attrs_define
class FunctionStatsOut:
    """
    Attributes:
        items (list[FunctionStatOut]):
        kernel (FunctionStatsOutKernel | Unset):
    """

    items: list[FunctionStatOut]
    kernel: FunctionStatsOutKernel | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        kernel: dict[str, Any] | Unset = UNSET
        if not isinstance(self.kernel, Unset):
            kernel = self.kernel.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "items": items,
            }
        )
        if kernel is not UNSET:
            field_dict["kernel"] = kernel

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.function_stat_out import FunctionStatOut
        from ..models.function_stats_out_kernel import FunctionStatsOutKernel

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = FunctionStatOut.from_dict(items_item_data)

            items.append(items_item)

        _kernel = d.pop("kernel", UNSET)
        kernel: FunctionStatsOutKernel | Unset
        if isinstance(_kernel, Unset):
            kernel = UNSET
        else:
            kernel = FunctionStatsOutKernel.from_dict(_kernel)

        function_stats_out = cls(
            items=items,
            kernel=kernel,
        )

        function_stats_out.additional_properties = d
        return function_stats_out

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
