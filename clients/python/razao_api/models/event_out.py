from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.event_type import EventType

if TYPE_CHECKING:
    from ..models.event_out_data import EventOutData


T = TypeVar("T", bound="EventOut")


@_attrs_define
class EventOut:
    """
    Attributes:
        id (UUID): Stable: the same event always has this id (de-duplicate on it).
        type_ (EventType):
        position (str): Where the event sits in the feed's order (opaque): pass it as `after`.
        occurred_at (datetime.datetime): When it happened, by the clock of the operation that did it.
        account_ids (list[UUID]): The accounts it concerns (a transfer's accounts, an account).
        transfer_id (None | UUID): The transfer it concerns (`transfer.*`).
        job_id (None | UUID): The job it concerns (`job.*`).
        data (EventOutData): The object as the API answered for it at that moment: `GET /v1/transfers/{id}` for a
            transfer event, `GET /v1/accounts/{id}` for an account event, `GET /v1/jobs/{id}` for a job event.
    """

    id: UUID
    type_: EventType
    position: str
    occurred_at: datetime.datetime
    account_ids: list[UUID]
    transfer_id: None | UUID
    job_id: None | UUID
    data: EventOutData
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        type_ = self.type_.value

        position = self.position

        occurred_at = self.occurred_at.isoformat()

        account_ids = []
        for account_ids_item_data in self.account_ids:
            account_ids_item = str(account_ids_item_data)
            account_ids.append(account_ids_item)

        transfer_id: None | str
        if isinstance(self.transfer_id, UUID):
            transfer_id = str(self.transfer_id)
        else:
            transfer_id = self.transfer_id

        job_id: None | str
        if isinstance(self.job_id, UUID):
            job_id = str(self.job_id)
        else:
            job_id = self.job_id

        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "type": type_,
                "position": position,
                "occurred_at": occurred_at,
                "account_ids": account_ids,
                "transfer_id": transfer_id,
                "job_id": job_id,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.event_out_data import EventOutData

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        type_ = EventType(d.pop("type"))

        position = d.pop("position")

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        account_ids = []
        _account_ids = d.pop("account_ids")
        for account_ids_item_data in _account_ids:
            account_ids_item = UUID(account_ids_item_data)

            account_ids.append(account_ids_item)

        def _parse_transfer_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                transfer_id_type_0 = UUID(data)

                return transfer_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        transfer_id = _parse_transfer_id(d.pop("transfer_id"))

        def _parse_job_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                job_id_type_0 = UUID(data)

                return job_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        job_id = _parse_job_id(d.pop("job_id"))

        data = EventOutData.from_dict(d.pop("data"))

        event_out = cls(
            id=id,
            type_=type_,
            position=position,
            occurred_at=occurred_at,
            account_ids=account_ids,
            transfer_id=transfer_id,
            job_id=job_id,
            data=data,
        )

        event_out.additional_properties = d
        return event_out

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
