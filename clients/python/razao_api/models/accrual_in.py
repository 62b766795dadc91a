from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="AccrualIn")


@_attrs_define
class AccrualIn:
    """The days to accrue interest for, both included: days that have ended, at most a bit over ten
    years (`application.interest.MAX_DAYS`), `end` not before `start`.

        Attributes:
            start (datetime.date):
            end (datetime.date):
    """

    start: datetime.date
    end: datetime.date

    def to_dict(self) -> dict[str, Any]:
        start = self.start.isoformat()

        end = self.end.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "start": start,
                "end": end,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        start = datetime.date.fromisoformat(d.pop("start"))

        end = datetime.date.fromisoformat(d.pop("end"))

        accrual_in = cls(
            start=start,
            end=end,
        )

        return accrual_in
