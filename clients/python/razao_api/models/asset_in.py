from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="AssetIn")


@_attrs_define
class AssetIn:
    """
    Attributes:
        code (str): 2 to 32 upper-case letters, digits or `_`, starting with a letter; ISO 4217 codes are built in.
        scale (int): Decimal places of the minor unit (0 to 18).
    """

    code: str
    scale: int

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        scale = self.scale

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "code": code,
                "scale": scale,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        code = d.pop("code")

        scale = d.pop("scale")

        asset_in = cls(
            code=code,
            scale=scale,
        )

        return asset_in
