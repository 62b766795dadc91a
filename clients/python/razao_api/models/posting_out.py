from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.side import Side

T = TypeVar("T", bound="PostingOut")


@_attrs_define
class PostingOut:
    """
    Attributes:
        account_id (UUID):
        side (Side):
        amount (int):
        asset (None | str):
    """

    account_id: UUID
    side: Side
    amount: int
    asset: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account_id = str(self.account_id)

        side = self.side.value

        amount = self.amount

        asset: None | str
        asset = self.asset

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account_id": account_id,
                "side": side,
                "amount": amount,
                "asset": asset,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        account_id = UUID(d.pop("account_id"))

        side = Side(d.pop("side"))

        amount = d.pop("amount")

        def _parse_asset(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        asset = _parse_asset(d.pop("asset"))

        posting_out = cls(
            account_id=account_id,
            side=side,
            amount=amount,
            asset=asset,
        )

        posting_out.additional_properties = d
        return posting_out

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
