from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.account_status import AccountStatus
from ..models.side import Side

if TYPE_CHECKING:
    from ..models.account_out_metadata import AccountOutMetadata
    from ..models.balances_out import BalancesOut


T = TypeVar("T", bound="AccountOut")


@_attrs_define
class AccountOut:
    """
    Attributes:
        id (UUID):
        code (str):
        name (str):
        asset (str):
        normal_side (Side):
        min_balance (int | None):
        status (AccountStatus):
        metadata (AccountOutMetadata): The JSON object given when it was written.
        created_at (datetime.datetime):
        balances (BalancesOut):
    """

    id: UUID
    code: str
    name: str
    asset: str
    normal_side: Side
    min_balance: int | None
    status: AccountStatus
    metadata: AccountOutMetadata
    created_at: datetime.datetime
    balances: BalancesOut
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        code = self.code

        name = self.name

        asset = self.asset

        normal_side = self.normal_side.value

        min_balance: int | None
        min_balance = self.min_balance

        status = self.status.value

        metadata = self.metadata.to_dict()

        created_at = self.created_at.isoformat()

        balances = self.balances.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "code": code,
                "name": name,
                "asset": asset,
                "normal_side": normal_side,
                "min_balance": min_balance,
                "status": status,
                "metadata": metadata,
                "created_at": created_at,
                "balances": balances,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.account_out_metadata import AccountOutMetadata
        from ..models.balances_out import BalancesOut

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        code = d.pop("code")

        name = d.pop("name")

        asset = d.pop("asset")

        normal_side = Side(d.pop("normal_side"))

        def _parse_min_balance(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        min_balance = _parse_min_balance(d.pop("min_balance"))

        status = AccountStatus(d.pop("status"))

        metadata = AccountOutMetadata.from_dict(d.pop("metadata"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        balances = BalancesOut.from_dict(d.pop("balances"))

        account_out = cls(
            id=id,
            code=code,
            name=name,
            asset=asset,
            normal_side=normal_side,
            min_balance=min_balance,
            status=status,
            metadata=metadata,
            created_at=created_at,
            balances=balances,
        )

        account_out.additional_properties = d
        return account_out

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
