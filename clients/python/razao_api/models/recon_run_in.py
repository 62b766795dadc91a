from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.recon_rule_in import ReconRuleIn


T = TypeVar("T", bound="ReconRunIn")


@_attrs_define
class ReconRunIn:
    """
    Attributes:
        statement_id (UUID): The imported statement to reconcile.
        rules_id (None | Unset | UUID): A saved rule set (`POST /v1/reconciliation/rules`).
        rule (None | ReconRuleIn | Unset): A rule given inline instead (not with `rules_id`).
        dry_run (bool | Unset): Compute and report, store no match. Default: False.
    """

    statement_id: UUID
    rules_id: None | Unset | UUID = UNSET
    rule: None | ReconRuleIn | Unset = UNSET
    dry_run: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        from ..models.recon_rule_in import ReconRuleIn

        statement_id = str(self.statement_id)

        rules_id: None | str | Unset
        if isinstance(self.rules_id, Unset):
            rules_id = UNSET
        elif isinstance(self.rules_id, UUID):
            rules_id = str(self.rules_id)
        else:
            rules_id = self.rules_id

        rule: dict[str, Any] | None | Unset
        if isinstance(self.rule, Unset):
            rule = UNSET
        elif isinstance(self.rule, ReconRuleIn):
            rule = self.rule.to_dict()
        else:
            rule = self.rule

        dry_run = self.dry_run

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "statement_id": statement_id,
            }
        )
        if rules_id is not UNSET:
            field_dict["rules_id"] = rules_id
        if rule is not UNSET:
            field_dict["rule"] = rule
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.recon_rule_in import ReconRuleIn

        d = dict(src_dict)
        statement_id = UUID(d.pop("statement_id"))

        def _parse_rules_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                rules_id_type_0 = UUID(data)

                return rules_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        rules_id = _parse_rules_id(d.pop("rules_id", UNSET))

        def _parse_rule(data: object) -> None | ReconRuleIn | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                rule_type_0 = ReconRuleIn.from_dict(data)

                return rule_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReconRuleIn | Unset, data)

        rule = _parse_rule(d.pop("rule", UNSET))

        dry_run = d.pop("dry_run", UNSET)

        recon_run_in = cls(
            statement_id=statement_id,
            rules_id=rules_id,
            rule=rule,
            dry_run=dry_run,
        )

        return recon_run_in
