from __future__ import annotations

from collections.abc import Mapping
from typing import (
    Any,
    Literal,
    Self,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookInType1")


@_attrs_define
class WebhookInType1:
    """
    Attributes:
        max_in_flight (Literal[1] | None | Unset):
    """

    max_in_flight: Literal[1] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        max_in_flight: Literal[1] | None | Unset
        if isinstance(self.max_in_flight, Unset):
            max_in_flight = UNSET
        else:
            max_in_flight = self.max_in_flight

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if max_in_flight is not UNSET:
            field_dict["max_in_flight"] = max_in_flight

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_max_in_flight(data: object) -> Literal[1] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            max_in_flight_type_0 = cast(Literal[1], data)
            if max_in_flight_type_0 != 1:
                raise ValueError(
                    f"max_in_flight_type_0 must match const 1, got '{max_in_flight_type_0}'"
                )
            return max_in_flight_type_0
            return cast(Literal[1] | None | Unset, data)

        max_in_flight = _parse_max_in_flight(d.pop("max_in_flight", UNSET))

        webhook_in_type_1 = cls(
            max_in_flight=max_in_flight,
        )

        webhook_in_type_1.additional_properties = d
        return webhook_in_type_1

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
