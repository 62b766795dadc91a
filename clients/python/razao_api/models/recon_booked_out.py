from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.recon_match_out import ReconMatchOut


T = TypeVar("T", bound="ReconBookedOut")


@_attrs_define
class ReconBookedOut:
    """
    Attributes:
        transfer_id (UUID):
        replayed (bool): The line's transfer existed already (booked by an earlier call).
        match (ReconMatchOut):
    """

    transfer_id: UUID
    replayed: bool
    match: ReconMatchOut
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        transfer_id = str(self.transfer_id)

        replayed = self.replayed

        match = self.match.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "transfer_id": transfer_id,
                "replayed": replayed,
                "match": match,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.recon_match_out import ReconMatchOut

        d = dict(src_dict)
        transfer_id = UUID(d.pop("transfer_id"))

        replayed = d.pop("replayed")

        match = ReconMatchOut.from_dict(d.pop("match"))

        recon_booked_out = cls(
            transfer_id=transfer_id,
            replayed=replayed,
            match=match,
        )

        recon_booked_out.additional_properties = d
        return recon_booked_out

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
