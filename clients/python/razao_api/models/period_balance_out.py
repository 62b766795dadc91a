from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.side import Side

T = TypeVar("T", bound="PeriodBalanceOut")


@_attrs_define
class PeriodBalanceOut:
    """
    Attributes:
        account_id (UUID):
        code (str):
        asset (str):
        normal_side (Side):
        posted_debits (int):
        posted_credits (int):
        posted (int): The posted balance then, read from the account's normal side.
    """

    account_id: UUID
    code: str
    asset: str
    normal_side: Side
    posted_debits: int
    posted_credits: int
    posted: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account_id = str(self.account_id)

        code = self.code

        asset = self.asset

        normal_side = self.normal_side.value

        posted_debits = self.posted_debits

        posted_credits = self.posted_credits

        posted = self.posted

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account_id": account_id,
                "code": code,
                "asset": asset,
                "normal_side": normal_side,
                "posted_debits": posted_debits,
                "posted_credits": posted_credits,
                "posted": posted,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        account_id = UUID(d.pop("account_id"))

        code = d.pop("code")

        asset = d.pop("asset")

        normal_side = Side(d.pop("normal_side"))

        posted_debits = d.pop("posted_debits")

        posted_credits = d.pop("posted_credits")

        posted = d.pop("posted")

        period_balance_out = cls(
            account_id=account_id,
            code=code,
            asset=asset,
            normal_side=normal_side,
            posted_debits=posted_debits,
            posted_credits=posted_credits,
            posted=posted,
        )

        period_balance_out.additional_properties = d
        return period_balance_out

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
