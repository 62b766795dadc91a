from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.statement_line_out_direction import StatementLineOutDirection

T = TypeVar("T", bound="StatementLineOut")


@_attrs_define
class StatementLineOut:
    """
    Attributes:
        statement_id (UUID):
        line_no (int): 1-based position among the file's statement lines.
        external_id (str): The bank's id of the line, or `h:` and a hash of the line when the file gives none.
        value_date (datetime.date):
        booking_date (datetime.date | None):
        amount (int): Minor units of the account's asset, > 0.
        direction (StatementLineOutDirection): The bank's view: `credit` is money into the bank account, `debit` money
            out.
        currency (str):
        reference (None | str):
        description (None | str):
        counterparty (None | str):
    """

    statement_id: UUID
    line_no: int
    external_id: str
    value_date: datetime.date
    booking_date: datetime.date | None
    amount: int
    direction: StatementLineOutDirection
    currency: str
    reference: None | str
    description: None | str
    counterparty: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        statement_id = str(self.statement_id)

        line_no = self.line_no

        external_id = self.external_id

        value_date = self.value_date.isoformat()

        booking_date: None | str
        if isinstance(self.booking_date, datetime.date):
            booking_date = self.booking_date.isoformat()
        else:
            booking_date = self.booking_date

        amount = self.amount

        direction = self.direction.value

        currency = self.currency

        reference: None | str
        reference = self.reference

        description: None | str
        description = self.description

        counterparty: None | str
        counterparty = self.counterparty

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "statement_id": statement_id,
                "line_no": line_no,
                "external_id": external_id,
                "value_date": value_date,
                "booking_date": booking_date,
                "amount": amount,
                "direction": direction,
                "currency": currency,
                "reference": reference,
                "description": description,
                "counterparty": counterparty,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        statement_id = UUID(d.pop("statement_id"))

        line_no = d.pop("line_no")

        external_id = d.pop("external_id")

        value_date = datetime.date.fromisoformat(d.pop("value_date"))

        def _parse_booking_date(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                booking_date_type_0 = datetime.date.fromisoformat(data)

                return booking_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        booking_date = _parse_booking_date(d.pop("booking_date"))

        amount = d.pop("amount")

        direction = StatementLineOutDirection(d.pop("direction"))

        currency = d.pop("currency")

        def _parse_reference(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reference = _parse_reference(d.pop("reference"))

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        def _parse_counterparty(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        counterparty = _parse_counterparty(d.pop("counterparty"))

        statement_line_out = cls(
            statement_id=statement_id,
            line_no=line_no,
            external_id=external_id,
            value_date=value_date,
            booking_date=booking_date,
            amount=amount,
            direction=direction,
            currency=currency,
            reference=reference,
            description=description,
            counterparty=counterparty,
        )

        statement_line_out.additional_properties = d
        return statement_line_out

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
