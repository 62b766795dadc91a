from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.side import Side
from ..types import UNSET, Unset

T = TypeVar("T", bound="PostingIn")


@_attrs_define
class PostingIn:
    """
    Attributes:
        account_id (UUID):
        side (Side):
        amount (int): Minor units (cents for BRL).
        asset (None | str | Unset): Optional check of the account's asset.
    """

    account_id: UUID
    side: Side
    amount: int
    asset: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        account_id = str(self.account_id)

        side = self.side.value

        amount = self.amount

        asset: None | str | Unset
        if isinstance(self.asset, Unset):
            asset = UNSET
        else:
            asset = self.asset

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "account_id": account_id,
                "side": side,
                "amount": amount,
            }
        )
        if asset is not UNSET:
            field_dict["asset"] = asset

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        account_id = UUID(d.pop("account_id"))

        side = Side(d.pop("side"))

        amount = d.pop("amount")

        def _parse_asset(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        asset = _parse_asset(d.pop("asset", UNSET))

        posting_in = cls(
            account_id=account_id,
            side=side,
            amount=amount,
            asset=asset,
        )

        return posting_in
