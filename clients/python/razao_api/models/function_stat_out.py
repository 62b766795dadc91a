from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="FunctionStatOut")


@_attrs_define
class FunctionStatOut:
    """
    Attributes:
        name (str):
        calls (int):
        total_time_ms (float):
        self_time_ms (float):
    """

    name: str
    calls: int
    total_time_ms: float
    self_time_ms: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        calls = self.calls

        total_time_ms = self.total_time_ms

        self_time_ms = self.self_time_ms

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "calls": calls,
                "total_time_ms": total_time_ms,
                "self_time_ms": self_time_ms,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        calls = d.pop("calls")

        total_time_ms = d.pop("total_time_ms")

        self_time_ms = d.pop("self_time_ms")

        function_stat_out = cls(
            name=name,
            calls=calls,
            total_time_ms=total_time_ms,
            self_time_ms=self_time_ms,
        )

        function_stat_out.additional_properties = d
        return function_stat_out

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
