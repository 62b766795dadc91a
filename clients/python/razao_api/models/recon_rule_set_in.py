from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.recon_rule_in import ReconRuleIn


T = TypeVar("T", bound="ReconRuleSetIn")


@_attrs_define
class ReconRuleSetIn:
    """
    Attributes:
        name (str):
        rule (ReconRuleIn | Unset): A rule's settings; every one has a default (`domain.reconciliation.Rule`).
    """

    name: str
    rule: ReconRuleIn | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        rule: dict[str, Any] | Unset = UNSET
        if not isinstance(self.rule, Unset):
            rule = self.rule.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if rule is not UNSET:
            field_dict["rule"] = rule

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.recon_rule_in import ReconRuleIn

        d = dict(src_dict)
        name = d.pop("name")

        _rule = d.pop("rule", UNSET)
        rule: ReconRuleIn | Unset
        if isinstance(_rule, Unset):
            rule = UNSET
        else:
            rule = ReconRuleIn.from_dict(_rule)

        recon_rule_set_in = cls(
            name=name,
            rule=rule,
        )

        return recon_rule_set_in
