from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.recon_match_out_origin import ReconMatchOutOrigin
from ..models.recon_match_out_strategy import ReconMatchOutStrategy

T = TypeVar("T", bound="ReconMatchOut")


@_attrs_define
class ReconMatchOut:
    """
    Attributes:
        id (UUID):
        account_id (UUID):
        strategy (ReconMatchOutStrategy):
        origin (ReconMatchOutOrigin):
        run_id (None | UUID):
        score (int | None):
        lines (list[int]):
        statement_id (None | UUID):
        entries (list[str]):
        active (bool):
        matched_by (str):
        matched_at (datetime.datetime):
        unmatched_by (None | str):
        unmatched_at (datetime.datetime | None):
    """

    id: UUID
    account_id: UUID
    strategy: ReconMatchOutStrategy
    origin: ReconMatchOutOrigin
    run_id: None | UUID
    score: int | None
    lines: list[int]
    statement_id: None | UUID
    entries: list[str]
    active: bool
    matched_by: str
    matched_at: datetime.datetime
    unmatched_by: None | str
    unmatched_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        account_id = str(self.account_id)

        strategy = self.strategy.value

        origin = self.origin.value

        run_id: None | str
        if isinstance(self.run_id, UUID):
            run_id = str(self.run_id)
        else:
            run_id = self.run_id

        score: int | None
        score = self.score

        lines = self.lines

        statement_id: None | str
        if isinstance(self.statement_id, UUID):
            statement_id = str(self.statement_id)
        else:
            statement_id = self.statement_id

        entries = self.entries

        active = self.active

        matched_by = self.matched_by

        matched_at = self.matched_at.isoformat()

        unmatched_by: None | str
        unmatched_by = self.unmatched_by

        unmatched_at: None | str
        if isinstance(self.unmatched_at, datetime.datetime):
            unmatched_at = self.unmatched_at.isoformat()
        else:
            unmatched_at = self.unmatched_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "account_id": account_id,
                "strategy": strategy,
                "origin": origin,
                "run_id": run_id,
                "score": score,
                "lines": lines,
                "statement_id": statement_id,
                "entries": entries,
                "active": active,
                "matched_by": matched_by,
                "matched_at": matched_at,
                "unmatched_by": unmatched_by,
                "unmatched_at": unmatched_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        account_id = UUID(d.pop("account_id"))

        strategy = ReconMatchOutStrategy(d.pop("strategy"))

        origin = ReconMatchOutOrigin(d.pop("origin"))

        def _parse_run_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                run_id_type_0 = UUID(data)

                return run_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        run_id = _parse_run_id(d.pop("run_id"))

        def _parse_score(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        score = _parse_score(d.pop("score"))

        lines = cast(list[int], d.pop("lines"))

        def _parse_statement_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                statement_id_type_0 = UUID(data)

                return statement_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        statement_id = _parse_statement_id(d.pop("statement_id"))

        entries = cast(list[str], d.pop("entries"))

        active = d.pop("active")

        matched_by = d.pop("matched_by")

        matched_at = datetime.datetime.fromisoformat(d.pop("matched_at"))

        def _parse_unmatched_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        unmatched_by = _parse_unmatched_by(d.pop("unmatched_by"))

        def _parse_unmatched_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                unmatched_at_type_0 = datetime.datetime.fromisoformat(data)

                return unmatched_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        unmatched_at = _parse_unmatched_at(d.pop("unmatched_at"))

        recon_match_out = cls(
            id=id,
            account_id=account_id,
            strategy=strategy,
            origin=origin,
            run_id=run_id,
            score=score,
            lines=lines,
            statement_id=statement_id,
            entries=entries,
            active=active,
            matched_by=matched_by,
            matched_at=matched_at,
            unmatched_by=unmatched_by,
            unmatched_at=unmatched_at,
        )

        recon_match_out.additional_properties = d
        return recon_match_out

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
