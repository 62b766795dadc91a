from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ReconWeightsIn")


@_attrs_define
class ReconWeightsIn:
    """
    Attributes:
        reference (int | Unset):  Default: 40.
        amount (int | Unset):  Default: 30.
        date (int | Unset):  Default: 20.
        description (int | Unset):  Default: 10.
        counterparty (int | Unset):  Default: 10.
    """

    reference: int | Unset = 40
    amount: int | Unset = 30
    date: int | Unset = 20
    description: int | Unset = 10
    counterparty: int | Unset = 10

    def to_dict(self) -> dict[str, Any]:
        reference = self.reference

        amount = self.amount

        date = self.date

        description = self.description

        counterparty = self.counterparty

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if reference is not UNSET:
            field_dict["reference"] = reference
        if amount is not UNSET:
            field_dict["amount"] = amount
        if date is not UNSET:
            field_dict["date"] = date
        if description is not UNSET:
            field_dict["description"] = description
        if counterparty is not UNSET:
            field_dict["counterparty"] = counterparty

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        reference = d.pop("reference", UNSET)

        amount = d.pop("amount", UNSET)

        date = d.pop("date", UNSET)

        description = d.pop("description", UNSET)

        counterparty = d.pop("counterparty", UNSET)

        recon_weights_in = cls(
            reference=reference,
            amount=amount,
            date=date,
            description=description,
            counterparty=counterparty,
        )

        return recon_weights_in
