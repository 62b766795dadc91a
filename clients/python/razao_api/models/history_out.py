from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.basis import Basis

if TYPE_CHECKING:
    from ..models.day_balance_out import DayBalanceOut


T = TypeVar("T", bound="HistoryOut")


@_attrs_define
class HistoryOut:
    """
    Attributes:
        account_id (UUID):
        asset (str):
        basis (Basis):
        from_ (datetime.date):
        to (datetime.date):
        days (list[DayBalanceOut]): One closing posted balance per day, oldest first.
    """

    account_id: UUID
    asset: str
    basis: Basis
    from_: datetime.date
    to: datetime.date
    days: list[DayBalanceOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account_id = str(self.account_id)

        asset = self.asset

        basis = self.basis.value

        from_ = self.from_.isoformat()

        to = self.to.isoformat()

        days = []
        for days_item_data in self.days:
            days_item = days_item_data.to_dict()
            days.append(days_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account_id": account_id,
                "asset": asset,
                "basis": basis,
                "from": from_,
                "to": to,
                "days": days,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.day_balance_out import DayBalanceOut

        d = dict(src_dict)
        account_id = UUID(d.pop("account_id"))

        asset = d.pop("asset")

        basis = Basis(d.pop("basis"))

        from_ = datetime.date.fromisoformat(d.pop("from"))

        to = datetime.date.fromisoformat(d.pop("to"))

        days = []
        _days = d.pop("days")
        for days_item_data in _days:
            days_item = DayBalanceOut.from_dict(days_item_data)

            days.append(days_item)

        history_out = cls(
            account_id=account_id,
            asset=asset,
            basis=basis,
            from_=from_,
            to=to,
            days=days,
        )

        history_out.additional_properties = d
        return history_out

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
