from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ReplicaOut")


@_attrs_define
class ReplicaOut:
    """One read replica as this process last saw it (docs/replicas.md): whether it answered, how far
    behind the primary it was, and whether reads skip it now, and why.

        Attributes:
            name (str):
            up (bool):
            skipped (bool):
            lag_seconds (float | None | Unset):
            lag_bytes (int | None | Unset):
            replay_lsn (None | str | Unset):
            checked_at (None | str | Unset):
            reason (None | str | Unset):
    """

    name: str
    up: bool
    skipped: bool
    lag_seconds: float | None | Unset = UNSET
    lag_bytes: int | None | Unset = UNSET
    replay_lsn: None | str | Unset = UNSET
    checked_at: None | str | Unset = UNSET
    reason: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        up = self.up

        skipped = self.skipped

        lag_seconds: float | None | Unset
        if isinstance(self.lag_seconds, Unset):
            lag_seconds = UNSET
        else:
            lag_seconds = self.lag_seconds

        lag_bytes: int | None | Unset
        if isinstance(self.lag_bytes, Unset):
            lag_bytes = UNSET
        else:
            lag_bytes = self.lag_bytes

        replay_lsn: None | str | Unset
        if isinstance(self.replay_lsn, Unset):
            replay_lsn = UNSET
        else:
            replay_lsn = self.replay_lsn

        checked_at: None | str | Unset
        if isinstance(self.checked_at, Unset):
            checked_at = UNSET
        else:
            checked_at = self.checked_at

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        else:
            reason = self.reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "up": up,
                "skipped": skipped,
            }
        )
        if lag_seconds is not UNSET:
            field_dict["lag_seconds"] = lag_seconds
        if lag_bytes is not UNSET:
            field_dict["lag_bytes"] = lag_bytes
        if replay_lsn is not UNSET:
            field_dict["replay_lsn"] = replay_lsn
        if checked_at is not UNSET:
            field_dict["checked_at"] = checked_at
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        up = d.pop("up")

        skipped = d.pop("skipped")

        def _parse_lag_seconds(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        lag_seconds = _parse_lag_seconds(d.pop("lag_seconds", UNSET))

        def _parse_lag_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        lag_bytes = _parse_lag_bytes(d.pop("lag_bytes", UNSET))

        def _parse_replay_lsn(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        replay_lsn = _parse_replay_lsn(d.pop("replay_lsn", UNSET))

        def _parse_checked_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        checked_at = _parse_checked_at(d.pop("checked_at", UNSET))

        def _parse_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))

        replica_out = cls(
            name=name,
            up=up,
            skipped=skipped,
            lag_seconds=lag_seconds,
            lag_bytes=lag_bytes,
            replay_lsn=replay_lsn,
            checked_at=checked_at,
            reason=reason,
        )

        replica_out.additional_properties = d
        return replica_out

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
