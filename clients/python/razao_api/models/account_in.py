from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.side import Side
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.metadata import Metadata


T = TypeVar("T", bound="AccountIn")


@_attrs_define
class AccountIn:
    """
    Attributes:
        code (str): Unique; also the idempotency key of the opening.
        name (str):
        asset (str): An asset code: an ISO 4217 currency or a registered asset.
        normal_side (Side):
        min_balance (int | None | Unset): Lowest available balance allowed; null for none, negative for an overdraft.
            Default: 0.
        metadata (Metadata | Unset): A JSON object of your own: at most 8192 bytes as JSON and 8 levels deep (the object
            is the first); numbers are integers written as digits (send other numbers as strings: `"2.5"`, not `2.5` nor
            `2.0`); no NUL character in keys or text.
    """

    code: str
    name: str
    asset: str
    normal_side: Side
    min_balance: int | None | Unset = 0
    metadata: Metadata | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        name = self.name

        asset = self.asset

        normal_side = self.normal_side.value

        min_balance: int | None | Unset
        if isinstance(self.min_balance, Unset):
            min_balance = UNSET
        else:
            min_balance = self.min_balance

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "code": code,
                "name": name,
                "asset": asset,
                "normal_side": normal_side,
            }
        )
        if min_balance is not UNSET:
            field_dict["min_balance"] = min_balance
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.metadata import Metadata

        d = dict(src_dict)
        code = d.pop("code")

        name = d.pop("name")

        asset = d.pop("asset")

        normal_side = Side(d.pop("normal_side"))

        def _parse_min_balance(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        min_balance = _parse_min_balance(d.pop("min_balance", UNSET))

        _metadata = d.pop("metadata", UNSET)
        metadata: Metadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = Metadata.from_dict(_metadata)

        account_in = cls(
            code=code,
            name=name,
            asset=asset,
            normal_side=normal_side,
            min_balance=min_balance,
            metadata=metadata,
        )

        return account_in
