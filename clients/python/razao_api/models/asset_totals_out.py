from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AssetTotalsOut")


@_attrs_define
class AssetTotalsOut:
    """
    Attributes:
        asset (str):
        accounts (int):
        posted_debits (int):
        posted_credits (int):
        pending_debits (int):
        pending_credits (int):
        debit_balances (int): Sum of the balances of accounts whose debits exceed credits.
        credit_balances (int): Sum of the balances of accounts whose credits exceed debits.
        balanced (bool):
    """

    asset: str
    accounts: int
    posted_debits: int
    posted_credits: int
    pending_debits: int
    pending_credits: int
    debit_balances: int
    credit_balances: int
    balanced: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        asset = self.asset

        accounts = self.accounts

        posted_debits = self.posted_debits

        posted_credits = self.posted_credits

        pending_debits = self.pending_debits

        pending_credits = self.pending_credits

        debit_balances = self.debit_balances

        credit_balances = self.credit_balances

        balanced = self.balanced

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "asset": asset,
                "accounts": accounts,
                "posted_debits": posted_debits,
                "posted_credits": posted_credits,
                "pending_debits": pending_debits,
                "pending_credits": pending_credits,
                "debit_balances": debit_balances,
                "credit_balances": credit_balances,
                "balanced": balanced,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        asset = d.pop("asset")

        accounts = d.pop("accounts")

        posted_debits = d.pop("posted_debits")

        posted_credits = d.pop("posted_credits")

        pending_debits = d.pop("pending_debits")

        pending_credits = d.pop("pending_credits")

        debit_balances = d.pop("debit_balances")

        credit_balances = d.pop("credit_balances")

        balanced = d.pop("balanced")

        asset_totals_out = cls(
            asset=asset,
            accounts=accounts,
            posted_debits=posted_debits,
            posted_credits=posted_credits,
            pending_debits=pending_debits,
            pending_credits=pending_credits,
            debit_balances=debit_balances,
            credit_balances=credit_balances,
            balanced=balanced,
        )

        asset_totals_out.additional_properties = d
        return asset_totals_out

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
