from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="BalancesOut")


@_attrs_define
class BalancesOut:
    """
    Attributes:
        posted_debits (int):
        posted_credits (int):
        pending_debits (int):
        pending_credits (int):
        posted (int): Posted balance, read from the normal side.
        available (int): Posted balance less pending outflows.
    """

    posted_debits: int
    posted_credits: int
    pending_debits: int
    pending_credits: int
    posted: int
    available: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        posted_debits = self.posted_debits

        posted_credits = self.posted_credits

        pending_debits = self.pending_debits

        pending_credits = self.pending_credits

        posted = self.posted

        available = self.available

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "posted_debits": posted_debits,
                "posted_credits": posted_credits,
                "pending_debits": pending_debits,
                "pending_credits": pending_credits,
                "posted": posted,
                "available": available,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        posted_debits = d.pop("posted_debits")

        posted_credits = d.pop("posted_credits")

        pending_debits = d.pop("pending_debits")

        pending_credits = d.pop("pending_credits")

        posted = d.pop("posted")

        available = d.pop("available")

        balances_out = cls(
            posted_debits=posted_debits,
            posted_credits=posted_credits,
            pending_debits=pending_debits,
            pending_credits=pending_credits,
            posted=posted,
            available=available,
        )

        balances_out.additional_properties = d
        return balances_out

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
