from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CloseIn")


@_attrs_define
class CloseIn:
    """
    Attributes:
        through (datetime.date): The last day closed (UTC), `YYYY-MM-DD`: a day that has ended, later than the scope's
            current close.
        asset (None | str | Unset): Close one asset only; absent: the whole ledger.
        reason (str | Unset):  Default: ''.
    """

    through: datetime.date
    asset: None | str | Unset = UNSET
    reason: str | Unset = ""

    def to_dict(self) -> dict[str, Any]:
        through = self.through.isoformat()

        asset: None | str | Unset
        if isinstance(self.asset, Unset):
            asset = UNSET
        else:
            asset = self.asset

        reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "through": through,
            }
        )
        if asset is not UNSET:
            field_dict["asset"] = asset
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        through = datetime.date.fromisoformat(d.pop("through"))

        def _parse_asset(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        asset = _parse_asset(d.pop("asset", UNSET))

        reason = d.pop("reason", UNSET)

        close_in = cls(
            through=through,
            asset=asset,
            reason=reason,
        )

        return close_in
