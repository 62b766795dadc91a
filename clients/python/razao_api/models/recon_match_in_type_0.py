from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ReconMatchInType0")


@_attrs_define
class ReconMatchInType0:
    """
    Attributes:
        entries (Any):
        transfer_ids (Any | Unset):
    """

    entries: Any
    transfer_ids: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        entries = self.entries

        transfer_ids = self.transfer_ids

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "entries": entries,
            }
        )
        if transfer_ids is not UNSET:
            field_dict["transfer_ids"] = transfer_ids

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        entries = d.pop("entries")

        transfer_ids = d.pop("transfer_ids", UNSET)

        recon_match_in_type_0 = cls(
            entries=entries,
            transfer_ids=transfer_ids,
        )

        recon_match_in_type_0.additional_properties = d
        return recon_match_in_type_0

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
