from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CsvColumns")


@_attrs_define
class CsvColumns:
    """Which column holds each field: a header's name, or a 0-based index.

    Attributes:
        value_date (int | str): A header's name, or a 0-based column index.
        amount (int | str): A header's name, or a 0-based column index.
        external_id (int | None | str | Unset):
        booking_date (int | None | str | Unset):
        direction (int | None | str | Unset):
        currency (int | None | str | Unset):
        reference (int | None | str | Unset):
        description (int | None | str | Unset):
        counterparty (int | None | str | Unset):
    """

    value_date: int | str
    amount: int | str
    external_id: int | None | str | Unset = UNSET
    booking_date: int | None | str | Unset = UNSET
    direction: int | None | str | Unset = UNSET
    currency: int | None | str | Unset = UNSET
    reference: int | None | str | Unset = UNSET
    description: int | None | str | Unset = UNSET
    counterparty: int | None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        value_date: int | str
        value_date = self.value_date

        amount: int | str
        amount = self.amount

        external_id: int | None | str | Unset
        if isinstance(self.external_id, Unset):
            external_id = UNSET
        else:
            external_id = self.external_id

        booking_date: int | None | str | Unset
        if isinstance(self.booking_date, Unset):
            booking_date = UNSET
        else:
            booking_date = self.booking_date

        direction: int | None | str | Unset
        if isinstance(self.direction, Unset):
            direction = UNSET
        else:
            direction = self.direction

        currency: int | None | str | Unset
        if isinstance(self.currency, Unset):
            currency = UNSET
        else:
            currency = self.currency

        reference: int | None | str | Unset
        if isinstance(self.reference, Unset):
            reference = UNSET
        else:
            reference = self.reference

        description: int | None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        counterparty: int | None | str | Unset
        if isinstance(self.counterparty, Unset):
            counterparty = UNSET
        else:
            counterparty = self.counterparty

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "value_date": value_date,
                "amount": amount,
            }
        )
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
        if booking_date is not UNSET:
            field_dict["booking_date"] = booking_date
        if direction is not UNSET:
            field_dict["direction"] = direction
        if currency is not UNSET:
            field_dict["currency"] = currency
        if reference is not UNSET:
            field_dict["reference"] = reference
        if description is not UNSET:
            field_dict["description"] = description
        if counterparty is not UNSET:
            field_dict["counterparty"] = counterparty

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_value_date(data: object) -> int | str:
            return cast(int | str, data)

        value_date = _parse_value_date(d.pop("value_date"))

        def _parse_amount(data: object) -> int | str:
            return cast(int | str, data)

        amount = _parse_amount(d.pop("amount"))

        def _parse_external_id(data: object) -> int | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | str | Unset, data)

        external_id = _parse_external_id(d.pop("external_id", UNSET))

        def _parse_booking_date(data: object) -> int | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | str | Unset, data)

        booking_date = _parse_booking_date(d.pop("booking_date", UNSET))

        def _parse_direction(data: object) -> int | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | str | Unset, data)

        direction = _parse_direction(d.pop("direction", UNSET))

        def _parse_currency(data: object) -> int | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | str | Unset, data)

        currency = _parse_currency(d.pop("currency", UNSET))

        def _parse_reference(data: object) -> int | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | str | Unset, data)

        reference = _parse_reference(d.pop("reference", UNSET))

        def _parse_description(data: object) -> int | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_counterparty(data: object) -> int | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | str | Unset, data)

        counterparty = _parse_counterparty(d.pop("counterparty", UNSET))

        csv_columns = cls(
            value_date=value_date,
            amount=amount,
            external_id=external_id,
            booking_date=booking_date,
            direction=direction,
            currency=currency,
            reference=reference,
            description=description,
            counterparty=counterparty,
        )

        return csv_columns
