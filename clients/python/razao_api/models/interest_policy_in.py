from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..models.day_count import DayCount

T = TypeVar("T", bound="InterestPolicyIn")


@_attrs_define
class InterestPolicyIn:
    """
    Attributes:
        rate_bps (int): Annual rate in basis points (1050 = 10.50 % a year).
        day_count (DayCount):
        counterpart_account_id (UUID): The account that pays (or receives) the interest.
        effective_from (datetime.date): First day (UTC) the policy applies to.
    """

    rate_bps: int
    day_count: DayCount
    counterpart_account_id: UUID
    effective_from: datetime.date

    def to_dict(self) -> dict[str, Any]:
        rate_bps = self.rate_bps

        day_count = self.day_count.value

        counterpart_account_id = str(self.counterpart_account_id)

        effective_from = self.effective_from.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
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
        rate_bps = d.pop("rate_bps")

        day_count = DayCount(d.pop("day_count"))

        counterpart_account_id = UUID(d.pop("counterpart_account_id"))

        effective_from = datetime.date.fromisoformat(d.pop("effective_from"))

        interest_policy_in = cls(
            rate_bps=rate_bps,
            day_count=day_count,
            counterpart_account_id=counterpart_account_id,
            effective_from=effective_from,
        )

        return interest_policy_in
