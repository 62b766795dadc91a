from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.recon_result_out_side import ReconResultOutSide
from ..models.recon_result_out_state import ReconResultOutState
from ..models.recon_result_out_strategy_type_0 import ReconResultOutStrategyType0

if TYPE_CHECKING:
    from ..models.recon_candidate_out import ReconCandidateOut


T = TypeVar("T", bound="ReconResultOut")


@_attrs_define
class ReconResultOut:
    """
    Attributes:
        side (ReconResultOutSide):
        state (ReconResultOutState):
        line_no (int | None): The statement line (side `bank`).
        entry (None | str): The ledger entry, `<transfer id>:<layer>:<line>` (side `ledger`).
        transfer_id (None | UUID):
        value_date (datetime.date | None):
        amount (int | None): Signed minor units in the bank's terms (+ money in).
        group (None | str): Links the bank and ledger rows of one match.
        match_id (None | UUID): The stored match (null in a dry run).
        strategy (None | ReconResultOutStrategyType0):
        score (int | None):
        candidates (list[ReconCandidateOut] | None): An ambiguous line's candidates, best first.
    """

    side: ReconResultOutSide
    state: ReconResultOutState
    line_no: int | None
    entry: None | str
    transfer_id: None | UUID
    value_date: datetime.date | None
    amount: int | None
    group: None | str
    match_id: None | UUID
    strategy: None | ReconResultOutStrategyType0
    score: int | None
    candidates: list[ReconCandidateOut] | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        side = self.side.value

        state = self.state.value

        line_no: int | None
        line_no = self.line_no

        entry: None | str
        entry = self.entry

        transfer_id: None | str
        if isinstance(self.transfer_id, UUID):
            transfer_id = str(self.transfer_id)
        else:
            transfer_id = self.transfer_id

        value_date: None | str
        if isinstance(self.value_date, datetime.date):
            value_date = self.value_date.isoformat()
        else:
            value_date = self.value_date

        amount: int | None
        amount = self.amount

        group: None | str
        group = self.group

        match_id: None | str
        if isinstance(self.match_id, UUID):
            match_id = str(self.match_id)
        else:
            match_id = self.match_id

        strategy: None | str
        if isinstance(self.strategy, ReconResultOutStrategyType0):
            strategy = self.strategy.value
        else:
            strategy = self.strategy

        score: int | None
        score = self.score

        candidates: list[dict[str, Any]] | None
        if isinstance(self.candidates, list):
            candidates = []
            for candidates_type_0_item_data in self.candidates:
                candidates_type_0_item = candidates_type_0_item_data.to_dict()
                candidates.append(candidates_type_0_item)

        else:
            candidates = self.candidates

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "side": side,
                "state": state,
                "line_no": line_no,
                "entry": entry,
                "transfer_id": transfer_id,
                "value_date": value_date,
                "amount": amount,
                "group": group,
                "match_id": match_id,
                "strategy": strategy,
                "score": score,
                "candidates": candidates,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.recon_candidate_out import ReconCandidateOut

        d = dict(src_dict)
        side = ReconResultOutSide(d.pop("side"))

        state = ReconResultOutState(d.pop("state"))

        def _parse_line_no(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        line_no = _parse_line_no(d.pop("line_no"))

        def _parse_entry(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        entry = _parse_entry(d.pop("entry"))

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

        def _parse_value_date(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                value_date_type_0 = datetime.date.fromisoformat(data)

                return value_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        value_date = _parse_value_date(d.pop("value_date"))

        def _parse_amount(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        amount = _parse_amount(d.pop("amount"))

        def _parse_group(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        group = _parse_group(d.pop("group"))

        def _parse_match_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                match_id_type_0 = UUID(data)

                return match_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        match_id = _parse_match_id(d.pop("match_id"))

        def _parse_strategy(data: object) -> None | ReconResultOutStrategyType0:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                strategy_type_0 = ReconResultOutStrategyType0(data)

                return strategy_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReconResultOutStrategyType0, data)

        strategy = _parse_strategy(d.pop("strategy"))

        def _parse_score(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        score = _parse_score(d.pop("score"))

        def _parse_candidates(data: object) -> list[ReconCandidateOut] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                candidates_type_0 = []
                _candidates_type_0 = data
                for candidates_type_0_item_data in _candidates_type_0:
                    candidates_type_0_item = ReconCandidateOut.from_dict(
                        candidates_type_0_item_data
                    )

                    candidates_type_0.append(candidates_type_0_item)

                return candidates_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[ReconCandidateOut] | None, data)

        candidates = _parse_candidates(d.pop("candidates"))

        recon_result_out = cls(
            side=side,
            state=state,
            line_no=line_no,
            entry=entry,
            transfer_id=transfer_id,
            value_date=value_date,
            amount=amount,
            group=group,
            match_id=match_id,
            strategy=strategy,
            score=score,
            candidates=candidates,
        )

        recon_result_out.additional_properties = d
        return recon_result_out

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
