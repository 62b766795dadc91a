from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.transfer_in import TransferIn


T = TypeVar("T", bound="BulkIn")


@_attrs_define
class BulkIn:
    """
    Attributes:
        transfers (list[TransferIn]):
    """

    transfers: list[TransferIn]

    def to_dict(self) -> dict[str, Any]:
        transfers = []
        for transfers_item_data in self.transfers:
            transfers_item = transfers_item_data.to_dict()
            transfers.append(transfers_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "transfers": transfers,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.transfer_in import TransferIn

        d = dict(src_dict)
        transfers = []
        _transfers = d.pop("transfers")
        for transfers_item_data in _transfers:
            transfers_item = TransferIn.from_dict(transfers_item_data)

            transfers.append(transfers_item)

        bulk_in = cls(
            transfers=transfers,
        )

        return bulk_in
