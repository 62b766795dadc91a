from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.delivery_detail_state import DeliveryDetailState

if TYPE_CHECKING:
    from ..models.attempt_out import AttemptOut


T = TypeVar("T", bound="DeliveryDetail")


@_attrs_define
class DeliveryDetail:
    """
    Attributes:
        id (UUID):
        event_id (UUID): The `webhook-id` header: the same on every attempt and re-send.
        event_type (str):
        occurred_at (datetime.datetime):
        state (DeliveryDetailState):
        attempts (int): Attempts since it was created or last re-sent.
        next_attempt_at (datetime.datetime | None): When it is tried next (pending only).
        last_status (int | None):
        last_error (None | str):
        created_at (datetime.datetime):
        first_attempt_at (datetime.datetime | None):
        delivered_at (datetime.datetime | None):
        history (list[AttemptOut]): Every attempt, oldest first (re-sends included).
    """

    id: UUID
    event_id: UUID
    event_type: str
    occurred_at: datetime.datetime
    state: DeliveryDetailState
    attempts: int
    next_attempt_at: datetime.datetime | None
    last_status: int | None
    last_error: None | str
    created_at: datetime.datetime
    first_attempt_at: datetime.datetime | None
    delivered_at: datetime.datetime | None
    history: list[AttemptOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        event_id = str(self.event_id)

        event_type = self.event_type

        occurred_at = self.occurred_at.isoformat()

        state = self.state.value

        attempts = self.attempts

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        last_status: int | None
        last_status = self.last_status

        last_error: None | str
        last_error = self.last_error

        created_at = self.created_at.isoformat()

        first_attempt_at: None | str
        if isinstance(self.first_attempt_at, datetime.datetime):
            first_attempt_at = self.first_attempt_at.isoformat()
        else:
            first_attempt_at = self.first_attempt_at

        delivered_at: None | str
        if isinstance(self.delivered_at, datetime.datetime):
            delivered_at = self.delivered_at.isoformat()
        else:
            delivered_at = self.delivered_at

        history = []
        for history_item_data in self.history:
            history_item = history_item_data.to_dict()
            history.append(history_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "event_id": event_id,
                "event_type": event_type,
                "occurred_at": occurred_at,
                "state": state,
                "attempts": attempts,
                "next_attempt_at": next_attempt_at,
                "last_status": last_status,
                "last_error": last_error,
                "created_at": created_at,
                "first_attempt_at": first_attempt_at,
                "delivered_at": delivered_at,
                "history": history,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.attempt_out import AttemptOut

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        event_id = UUID(d.pop("event_id"))

        event_type = d.pop("event_type")

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        state = DeliveryDetailState(d.pop("state"))

        attempts = d.pop("attempts")

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        def _parse_last_status(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        last_status = _parse_last_status(d.pop("last_status"))

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_first_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                first_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return first_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        first_attempt_at = _parse_first_attempt_at(d.pop("first_attempt_at"))

        def _parse_delivered_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                delivered_at_type_0 = datetime.datetime.fromisoformat(data)

                return delivered_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        delivered_at = _parse_delivered_at(d.pop("delivered_at"))

        history = []
        _history = d.pop("history")
        for history_item_data in _history:
            history_item = AttemptOut.from_dict(history_item_data)

            history.append(history_item)

        delivery_detail = cls(
            id=id,
            event_id=event_id,
            event_type=event_type,
            occurred_at=occurred_at,
            state=state,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            last_status=last_status,
            last_error=last_error,
            created_at=created_at,
            first_attempt_at=first_attempt_at,
            delivered_at=delivered_at,
            history=history,
        )

        delivery_detail.additional_properties = d
        return delivery_detail

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
