from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SealStatusOut")


@_attrs_define
class SealStatusOut:
    """
    Attributes:
        height (int): The head block's height (0: nothing sealed yet).
        head_hash (str): The head block's hash (hex): publish it, it anchors every row before.
        sealed_rows (int):
        unsealed_rows (int): Rows past the head (counted up to 1,000,000).
        oldest_unsealed_at (None | str): When the oldest unsealed row was booked (UTC).
        last_sealed_at (None | str):
        refused (None | str | Unset): Why the sealer stops now, or null: the transaction id counter went back behind the
            sealed head (a logical restore into a new cluster; docs/audit/runbook-seals.md).
    """

    height: int
    head_hash: str
    sealed_rows: int
    unsealed_rows: int
    oldest_unsealed_at: None | str
    last_sealed_at: None | str
    refused: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        height = self.height

        head_hash = self.head_hash

        sealed_rows = self.sealed_rows

        unsealed_rows = self.unsealed_rows

        oldest_unsealed_at: None | str
        oldest_unsealed_at = self.oldest_unsealed_at

        last_sealed_at: None | str
        last_sealed_at = self.last_sealed_at

        refused: None | str | Unset
        if isinstance(self.refused, Unset):
            refused = UNSET
        else:
            refused = self.refused

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "height": height,
                "head_hash": head_hash,
                "sealed_rows": sealed_rows,
                "unsealed_rows": unsealed_rows,
                "oldest_unsealed_at": oldest_unsealed_at,
                "last_sealed_at": last_sealed_at,
            }
        )
        if refused is not UNSET:
            field_dict["refused"] = refused

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        height = d.pop("height")

        head_hash = d.pop("head_hash")

        sealed_rows = d.pop("sealed_rows")

        unsealed_rows = d.pop("unsealed_rows")

        def _parse_oldest_unsealed_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        oldest_unsealed_at = _parse_oldest_unsealed_at(d.pop("oldest_unsealed_at"))

        def _parse_last_sealed_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_sealed_at = _parse_last_sealed_at(d.pop("last_sealed_at"))

        def _parse_refused(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        refused = _parse_refused(d.pop("refused", UNSET))

        seal_status_out = cls(
            height=height,
            head_hash=head_hash,
            sealed_rows=sealed_rows,
            unsealed_rows=unsealed_rows,
            oldest_unsealed_at=oldest_unsealed_at,
            last_sealed_at=last_sealed_at,
            refused=refused,
        )

        return seal_status_out
