from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TotalsOut")


@_attrs_define
class TotalsOut:
    """
    Attributes:
        asset (str):
        accounts (int): How many accounts of this asset the group holds (each once).
        posted (int): The sum of their posted balances, each read from its own normal side.
        pending_debits (int | None): Held debits (holds); null as of an instant.
        pending_credits (int | None): Held credits; null as of an instant.
        available (int | None): The sum of their available balances (posted less pending outflows); null as of an
            instant.
    """

    asset: str
    accounts: int
    posted: int
    pending_debits: int | None
    pending_credits: int | None
    available: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        asset = self.asset

        accounts = self.accounts

        posted = self.posted

        pending_debits: int | None
        pending_debits = self.pending_debits

        pending_credits: int | None
        pending_credits = self.pending_credits

        available: int | None
        available = self.available

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "asset": asset,
                "accounts": accounts,
                "posted": posted,
                "pending_debits": pending_debits,
                "pending_credits": pending_credits,
                "available": available,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        asset = d.pop("asset")

        accounts = d.pop("accounts")

        posted = d.pop("posted")

        def _parse_pending_debits(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        pending_debits = _parse_pending_debits(d.pop("pending_debits"))

        def _parse_pending_credits(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        pending_credits = _parse_pending_credits(d.pop("pending_credits"))

        def _parse_available(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        available = _parse_available(d.pop("available"))

        totals_out = cls(
            asset=asset,
            accounts=accounts,
            posted=posted,
            pending_debits=pending_debits,
            pending_credits=pending_credits,
            available=available,
        )

        totals_out.additional_properties = d
        return totals_out

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
