from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.basis import Basis

if TYPE_CHECKING:
    from ..models.asset_totals_out import AssetTotalsOut


T = TypeVar("T", bound="TrialBalanceOut")


@_attrs_define
class TrialBalanceOut:
    """
    Attributes:
        assets (list[AssetTotalsOut]):
        balanced (bool):
        basis (Basis):
        through (datetime.date | None): The last value day counted (effective basis only).
    """

    assets: list[AssetTotalsOut]
    balanced: bool
    basis: Basis
    through: datetime.date | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        assets = []
        for assets_item_data in self.assets:
            assets_item = assets_item_data.to_dict()
            assets.append(assets_item)

        balanced = self.balanced

        basis = self.basis.value

        through: None | str
        if isinstance(self.through, datetime.date):
            through = self.through.isoformat()
        else:
            through = self.through

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "assets": assets,
                "balanced": balanced,
                "basis": basis,
                "through": through,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.asset_totals_out import AssetTotalsOut

        d = dict(src_dict)
        assets = []
        _assets = d.pop("assets")
        for assets_item_data in _assets:
            assets_item = AssetTotalsOut.from_dict(assets_item_data)

            assets.append(assets_item)

        balanced = d.pop("balanced")

        basis = Basis(d.pop("basis"))

        def _parse_through(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                through_type_0 = datetime.date.fromisoformat(data)

                return through_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        through = _parse_through(d.pop("through"))

        trial_balance_out = cls(
            assets=assets,
            balanced=balanced,
            basis=basis,
            through=through,
        )

        trial_balance_out.additional_properties = d
        return trial_balance_out

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
