from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.day_count import DayCount

T = TypeVar("T", bound="InterestPolicyOut")


@_attrs_define
class InterestPolicyOut:
    """
    Attributes:
        account_id (UUID):
        rate_bps (int):
        day_count (DayCount):
        counterpart_account_id (UUID):
        effective_from (datetime.date):
    """

    account_id: UUID
    rate_bps: int
    day_count: DayCount
    counterpart_account_id: UUID
    effective_from: datetime.date
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account_id = str(self.account_id)

        rate_bps = self.rate_bps

        day_count = self.day_count.value

        counterpart_account_id = str(self.counterpart_account_id)

        effective_from = self.effective_from.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account_id": account_id,
                "rate_bps": rate_bps,
                "day_count": day_count,
                "counterpart_account_id": counterpart_account_id,
                "effective_from": effective_from,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        account_id = UUID(d.pop("account_id"))

        rate_bps = d.pop("rate_bps")

        day_count = DayCount(d.pop("day_count"))

        counterpart_account_id = UUID(d.pop("counterpart_account_id"))

        effective_from = datetime.date.fromisoformat(d.pop("effective_from"))

        interest_policy_out = cls(
            account_id=account_id,
            rate_bps=rate_bps,
            day_count=day_count,
            counterpart_account_id=counterpart_account_id,
            effective_from=effective_from,
        )

        interest_policy_out.additional_properties = d
        return interest_policy_out

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
