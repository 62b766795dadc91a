from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.balance_kind import BalanceKind
from ..models.comparison import Comparison

if TYPE_CHECKING:
    from ..models.monitor_out_metadata import MonitorOutMetadata


T = TypeVar("T", bound="MonitorOut")


@_attrs_define
class MonitorOut:
    """
    Attributes:
        id (UUID):
        account_id (UUID):
        balance (BalanceKind): Which balance a monitor watches, read from the account's normal side (as the API shows
            it).
        comparison (Comparison):
        threshold (int):
        description (str):
        metadata (MonitorOutMetadata): The JSON object given when it was written.
        created_at (datetime.datetime):
        triggered (bool): Whether the condition held at the last change: it fired then, and fires again only after the
            condition has been false in between.
        triggered_at (datetime.datetime | None): When it last fired; null: never.
    """

    id: UUID
    account_id: UUID
    balance: BalanceKind
    comparison: Comparison
    threshold: int
    description: str
    metadata: MonitorOutMetadata
    created_at: datetime.datetime
    triggered: bool
    triggered_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        account_id = str(self.account_id)

        balance = self.balance.value

        comparison = self.comparison.value

        threshold = self.threshold

        description = self.description

        metadata = self.metadata.to_dict()

        created_at = self.created_at.isoformat()

        triggered = self.triggered

        triggered_at: None | str
        if isinstance(self.triggered_at, datetime.datetime):
            triggered_at = self.triggered_at.isoformat()
        else:
            triggered_at = self.triggered_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "account_id": account_id,
                "balance": balance,
                "comparison": comparison,
                "threshold": threshold,
                "description": description,
                "metadata": metadata,
                "created_at": created_at,
                "triggered": triggered,
                "triggered_at": triggered_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.monitor_out_metadata import MonitorOutMetadata

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        account_id = UUID(d.pop("account_id"))

        balance = BalanceKind(d.pop("balance"))

        comparison = Comparison(d.pop("comparison"))

        threshold = d.pop("threshold")

        description = d.pop("description")

        metadata = MonitorOutMetadata.from_dict(d.pop("metadata"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        triggered = d.pop("triggered")

        def _parse_triggered_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                triggered_at_type_0 = datetime.datetime.fromisoformat(data)

                return triggered_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        triggered_at = _parse_triggered_at(d.pop("triggered_at"))

        monitor_out = cls(
            id=id,
            account_id=account_id,
            balance=balance,
            comparison=comparison,
            threshold=threshold,
            description=description,
            metadata=metadata,
            created_at=created_at,
            triggered=triggered,
            triggered_at=triggered_at,
        )

        monitor_out.additional_properties = d
        return monitor_out

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
