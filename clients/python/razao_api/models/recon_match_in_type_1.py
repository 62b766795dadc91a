from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ReconMatchInType1")


@_attrs_define
class ReconMatchInType1:
    """
    Attributes:
        transfer_ids (Any):
        entries (Any | Unset):
    """

    transfer_ids: Any
    entries: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        transfer_ids = self.transfer_ids

        entries = self.entries

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "transfer_ids": transfer_ids,
            }
        )
        if entries is not UNSET:
            field_dict["entries"] = entries

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        transfer_ids = d.pop("transfer_ids")

        entries = d.pop("entries", UNSET)

        recon_match_in_type_1 = cls(
            transfer_ids=transfer_ids,
            entries=entries,
        )

        recon_match_in_type_1.additional_properties = d
        return recon_match_in_type_1

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
