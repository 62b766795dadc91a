from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.layer import Layer
from ..models.side import Side

T = TypeVar("T", bound="JournalLineOut")


@_attrs_define
class JournalLineOut:
    """A journal line; the JSON Lines export writes these objects, the CSV export these columns.

    Attributes:
        transfer_id (UUID):
        line (int): Index of the posting within its transfer.
        seq (int): The account's entry number, from 1.
        account_id (UUID):
        account_code (str):
        layer (Layer): Which balance a movement changes: posted money, or a pending reservation (a hold).
        side (Side):
        amount (int): Minor units (cents for BRL), exact.
        amount_decimal (str): The amount in the asset's unit, exact (`12.34`).
        asset (str):
        balance_after (int): The account's posted balance just after this entry.
        balance_after_decimal (str):
        created_at (str): Booking time, ISO 8601 in UTC.
        effective_at (str): Value date, ISO 8601 in UTC.
        description (str):
    """

    transfer_id: UUID
    line: int
    seq: int
    account_id: UUID
    account_code: str
    layer: Layer
    side: Side
    amount: int
    amount_decimal: str
    asset: str
    balance_after: int
    balance_after_decimal: str
    created_at: str
    effective_at: str
    description: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        transfer_id = str(self.transfer_id)

        line = self.line

        seq = self.seq

        account_id = str(self.account_id)

        account_code = self.account_code

        layer = self.layer.value

        side = self.side.value

        amount = self.amount

        amount_decimal = self.amount_decimal

        asset = self.asset

        balance_after = self.balance_after

        balance_after_decimal = self.balance_after_decimal

        created_at = self.created_at

        effective_at = self.effective_at

        description = self.description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "transfer_id": transfer_id,
                "line": line,
                "seq": seq,
                "account_id": account_id,
                "account_code": account_code,
                "layer": layer,
                "side": side,
                "amount": amount,
                "amount_decimal": amount_decimal,
                "asset": asset,
                "balance_after": balance_after,
                "balance_after_decimal": balance_after_decimal,
                "created_at": created_at,
                "effective_at": effective_at,
                "description": description,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        transfer_id = UUID(d.pop("transfer_id"))

        line = d.pop("line")

        seq = d.pop("seq")

        account_id = UUID(d.pop("account_id"))

        account_code = d.pop("account_code")

        layer = Layer(d.pop("layer"))

        side = Side(d.pop("side"))

        amount = d.pop("amount")

        amount_decimal = d.pop("amount_decimal")

        asset = d.pop("asset")

        balance_after = d.pop("balance_after")

        balance_after_decimal = d.pop("balance_after_decimal")

        created_at = d.pop("created_at")

        effective_at = d.pop("effective_at")

        description = d.pop("description")

        journal_line_out = cls(
            transfer_id=transfer_id,
            line=line,
            seq=seq,
            account_id=account_id,
            account_code=account_code,
            layer=layer,
            side=side,
            amount=amount,
            amount_decimal=amount_decimal,
            asset=asset,
            balance_after=balance_after,
            balance_after_decimal=balance_after_decimal,
            created_at=created_at,
            effective_at=effective_at,
            description=description,
        )

        journal_line_out.additional_properties = d
        return journal_line_out

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
