from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="AccrualIn")


@_attrs_define
class AccrualIn:
    """The days to accrue interest for, both included: days that have ended, at most a bit over ten
    years (`application.interest.MAX_DAYS`), `end` not before `start`.

        Attributes:
            start (datetime.date):
            end (datetime.date):
            post_open_periods (bool | Unset): Also post the periods still open at `end` (a month, or a policy, that goes on
                after it), as before an account is closed. Without it, a period posts once its month (or policy) has ended.
                Default: False.
    """

    start: datetime.date
    end: datetime.date
    post_open_periods: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        start = self.start.isoformat()

        end = self.end.isoformat()

        post_open_periods = self.post_open_periods

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "start": start,
                "end": end,
            }
        )
        if post_open_periods is not UNSET:
            field_dict["post_open_periods"] = post_open_periods

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        start = datetime.date.fromisoformat(d.pop("start"))

        end = datetime.date.fromisoformat(d.pop("end"))

        post_open_periods = d.pop("post_open_periods", UNSET)

        accrual_in = cls(
            start=start,
            end=end,
            post_open_periods=post_open_periods,
        )

        return accrual_in
