from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.recon_run_out_state import ReconRunOutState

if TYPE_CHECKING:
    from ..models.recon_run_out_balance_check_type_0 import ReconRunOutBalanceCheckType0
    from ..models.recon_run_out_rule import ReconRunOutRule
    from ..models.recon_run_out_summary_type_0 import ReconRunOutSummaryType0


T = TypeVar("T", bound="ReconRunOut")


@_attrs_define
class ReconRunOut:
    """
    Attributes:
        id (UUID):
        statement_id (UUID):
        account_id (UUID):
        rules_id (None | UUID):
        rule (ReconRunOutRule):
        dry_run (bool):
        state (ReconRunOutState):
        job_id (None | UUID):
        summary (None | ReconRunOutSummaryType0): When finished: bank lines matched, ambiguous, unmatched (and already
            matched by an earlier run or a person), ledger entries matched and unmatched, matches by strategy, and the sum
            of the unmatched lines (signed minor units).
        balance_check (None | ReconRunOutBalanceCheckType0): When finished: the statement's closing balance against the
            mirror account's balance by value date at the end of the closing date, and their difference (statement −
            ledger).
        created_by (None | str):
        created_at (datetime.datetime):
        finished_at (datetime.datetime | None):
    """

    id: UUID
    statement_id: UUID
    account_id: UUID
    rules_id: None | UUID
    rule: ReconRunOutRule
    dry_run: bool
    state: ReconRunOutState
    job_id: None | UUID
    summary: None | ReconRunOutSummaryType0
    balance_check: None | ReconRunOutBalanceCheckType0
    created_by: None | str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.recon_run_out_balance_check_type_0 import (
            ReconRunOutBalanceCheckType0,
        )
        from ..models.recon_run_out_summary_type_0 import ReconRunOutSummaryType0

        id = str(self.id)

        statement_id = str(self.statement_id)

        account_id = str(self.account_id)

        rules_id: None | str
        if isinstance(self.rules_id, UUID):
            rules_id = str(self.rules_id)
        else:
            rules_id = self.rules_id

        rule = self.rule.to_dict()

        dry_run = self.dry_run

        state = self.state.value

        job_id: None | str
        if isinstance(self.job_id, UUID):
            job_id = str(self.job_id)
        else:
            job_id = self.job_id

        summary: dict[str, Any] | None
        if isinstance(self.summary, ReconRunOutSummaryType0):
            summary = self.summary.to_dict()
        else:
            summary = self.summary

        balance_check: dict[str, Any] | None
        if isinstance(self.balance_check, ReconRunOutBalanceCheckType0):
            balance_check = self.balance_check.to_dict()
        else:
            balance_check = self.balance_check

        created_by: None | str
        created_by = self.created_by

        created_at = self.created_at.isoformat()

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "statement_id": statement_id,
                "account_id": account_id,
                "rules_id": rules_id,
                "rule": rule,
                "dry_run": dry_run,
                "state": state,
                "job_id": job_id,
                "summary": summary,
                "balance_check": balance_check,
                "created_by": created_by,
                "created_at": created_at,
                "finished_at": finished_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.recon_run_out_balance_check_type_0 import (
            ReconRunOutBalanceCheckType0,
        )
        from ..models.recon_run_out_rule import ReconRunOutRule
        from ..models.recon_run_out_summary_type_0 import ReconRunOutSummaryType0

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        statement_id = UUID(d.pop("statement_id"))

        account_id = UUID(d.pop("account_id"))

        def _parse_rules_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                rules_id_type_0 = UUID(data)

                return rules_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        rules_id = _parse_rules_id(d.pop("rules_id"))

        rule = ReconRunOutRule.from_dict(d.pop("rule"))

        dry_run = d.pop("dry_run")

        state = ReconRunOutState(d.pop("state"))

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

        def _parse_summary(data: object) -> None | ReconRunOutSummaryType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                summary_type_0 = ReconRunOutSummaryType0.from_dict(data)

                return summary_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReconRunOutSummaryType0, data)

        summary = _parse_summary(d.pop("summary"))

        def _parse_balance_check(data: object) -> None | ReconRunOutBalanceCheckType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                balance_check_type_0 = ReconRunOutBalanceCheckType0.from_dict(data)

                return balance_check_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReconRunOutBalanceCheckType0, data)

        balance_check = _parse_balance_check(d.pop("balance_check"))

        def _parse_created_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        created_by = _parse_created_by(d.pop("created_by"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        recon_run_out = cls(
            id=id,
            statement_id=statement_id,
            account_id=account_id,
            rules_id=rules_id,
            rule=rule,
            dry_run=dry_run,
            state=state,
            job_id=job_id,
            summary=summary,
            balance_check=balance_check,
            created_by=created_by,
            created_at=created_at,
            finished_at=finished_at,
        )

        recon_run_out.additional_properties = d
        return recon_run_out

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
