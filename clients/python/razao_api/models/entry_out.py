from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.side import Side

T = TypeVar("T", bound="EntryOut")


@_attrs_define
class EntryOut:
    """
    Attributes:
        seq (int): The account's entry number, from 1.
        transfer_id (UUID):
        side (Side):
        amount (int):
        balance_after (int): Posted balance just after this entry, in the statement's order (booking order, or value-
            date order on the effective basis).
        created_at (datetime.datetime): When the ledger booked the entry.
        effective_at (datetime.datetime): The entry's value date (its transfer's `effective_at`).
        description (str):
    """

    seq: int
    transfer_id: UUID
    side: Side
    amount: int
    balance_after: int
    created_at: datetime.datetime
    effective_at: datetime.datetime
    description: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        seq = self.seq

        transfer_id = str(self.transfer_id)

        side = self.side.value

        amount = self.amount

        balance_after = self.balance_after

        created_at = self.created_at.isoformat()

        effective_at = self.effective_at.isoformat()

        description = self.description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "seq": seq,
                "transfer_id": transfer_id,
                "side": side,
                "amount": amount,
                "balance_after": balance_after,
                "created_at": created_at,
                "effective_at": effective_at,
                "description": description,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        seq = d.pop("seq")

        transfer_id = UUID(d.pop("transfer_id"))

        side = Side(d.pop("side"))

        amount = d.pop("amount")

        balance_after = d.pop("balance_after")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        effective_at = datetime.datetime.fromisoformat(d.pop("effective_at"))

        description = d.pop("description")

        entry_out = cls(
            seq=seq,
            transfer_id=transfer_id,
            side=side,
            amount=amount,
            balance_after=balance_after,
            created_at=created_at,
            effective_at=effective_at,
            description=description,
        )

        entry_out.additional_properties = d
        return entry_out

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
