from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.basis import Basis

T = TypeVar("T", bound="BalanceOut")


@_attrs_define
class BalanceOut:
    """
    Attributes:
        account_id (UUID):
        asset (str):
        as_of (datetime.datetime):
        posted_balance (int):
        basis (Basis):
    """

    account_id: UUID
    asset: str
    as_of: datetime.datetime
    posted_balance: int
    basis: Basis
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account_id = str(self.account_id)

        asset = self.asset

        as_of = self.as_of.isoformat()

        posted_balance = self.posted_balance

        basis = self.basis.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account_id": account_id,
                "asset": asset,
                "as_of": as_of,
                "posted_balance": posted_balance,
                "basis": basis,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        account_id = UUID(d.pop("account_id"))

        asset = d.pop("asset")

        as_of = datetime.datetime.fromisoformat(d.pop("as_of"))

        posted_balance = d.pop("posted_balance")

        basis = Basis(d.pop("basis"))

        balance_out = cls(
            account_id=account_id,
            asset=asset,
            as_of=as_of,
            posted_balance=posted_balance,
            basis=basis,
        )

        balance_out.additional_properties = d
        return balance_out

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
