from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.recon_rule_set_out_rule import ReconRuleSetOutRule


T = TypeVar("T", bound="ReconRuleSetOut")


@_attrs_define
class ReconRuleSetOut:
    """
    Attributes:
        id (UUID):
        name (str):
        rule (ReconRuleSetOutRule):
        created_by (None | str):
        created_at (datetime.datetime):
    """

    id: UUID
    name: str
    rule: ReconRuleSetOutRule
    created_by: None | str
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        name = self.name

        rule = self.rule.to_dict()

        created_by: None | str
        created_by = self.created_by

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "rule": rule,
                "created_by": created_by,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.recon_rule_set_out_rule import ReconRuleSetOutRule

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        name = d.pop("name")

        rule = ReconRuleSetOutRule.from_dict(d.pop("rule"))

        def _parse_created_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        created_by = _parse_created_by(d.pop("created_by"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        recon_rule_set_out = cls(
            id=id,
            name=name,
            rule=rule,
            created_by=created_by,
            created_at=created_at,
        )

        recon_rule_set_out.additional_properties = d
        return recon_rule_set_out

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
