from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.period_out_status import PeriodOutStatus

T = TypeVar("T", bound="PeriodOut")


@_attrs_define
class PeriodOut:
    """
    Attributes:
        id (UUID):
        asset (None | str): The asset closed; null: the whole ledger.
        through (datetime.date): The last day closed (UTC).
        status (PeriodOutStatus):
        reason (str):
        closed_at (datetime.datetime):
        closed_by (str): The API key that closed it: its name (and id).
        reopened_at (datetime.datetime | None):
        reopened_by (None | str):
        reopen_reason (None | str):
        snapshot_accounts (int): Accounts in the closing-balance snapshot (`GET /v1/periods/{id}/balances`).
    """

    id: UUID
    asset: None | str
    through: datetime.date
    status: PeriodOutStatus
    reason: str
    closed_at: datetime.datetime
    closed_by: str
    reopened_at: datetime.datetime | None
    reopened_by: None | str
    reopen_reason: None | str
    snapshot_accounts: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        asset: None | str
        asset = self.asset

        through = self.through.isoformat()

        status = self.status.value

        reason = self.reason

        closed_at = self.closed_at.isoformat()

        closed_by = self.closed_by

        reopened_at: None | str
        if isinstance(self.reopened_at, datetime.datetime):
            reopened_at = self.reopened_at.isoformat()
        else:
            reopened_at = self.reopened_at

        reopened_by: None | str
        reopened_by = self.reopened_by

        reopen_reason: None | str
        reopen_reason = self.reopen_reason

        snapshot_accounts = self.snapshot_accounts

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "asset": asset,
                "through": through,
                "status": status,
                "reason": reason,
                "closed_at": closed_at,
                "closed_by": closed_by,
                "reopened_at": reopened_at,
                "reopened_by": reopened_by,
                "reopen_reason": reopen_reason,
                "snapshot_accounts": snapshot_accounts,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        def _parse_asset(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        asset = _parse_asset(d.pop("asset"))

        through = datetime.date.fromisoformat(d.pop("through"))

        status = PeriodOutStatus(d.pop("status"))

        reason = d.pop("reason")

        closed_at = datetime.datetime.fromisoformat(d.pop("closed_at"))

        closed_by = d.pop("closed_by")

        def _parse_reopened_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                reopened_at_type_0 = datetime.datetime.fromisoformat(data)

                return reopened_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        reopened_at = _parse_reopened_at(d.pop("reopened_at"))

        def _parse_reopened_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reopened_by = _parse_reopened_by(d.pop("reopened_by"))

        def _parse_reopen_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reopen_reason = _parse_reopen_reason(d.pop("reopen_reason"))

        snapshot_accounts = d.pop("snapshot_accounts")

        period_out = cls(
            id=id,
            asset=asset,
            through=through,
            status=status,
            reason=reason,
            closed_at=closed_at,
            closed_by=closed_by,
            reopened_at=reopened_at,
            reopened_by=reopened_by,
            reopen_reason=reopen_reason,
            snapshot_accounts=snapshot_accounts,
        )

        period_out.additional_properties = d
        return period_out

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
