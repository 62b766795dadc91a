from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.balance_kind import BalanceKind
from ..models.comparison import Comparison
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.metadata import Metadata


T = TypeVar("T", bound="MonitorIn")


@_attrs_define
class MonitorIn:
    """
    Attributes:
        balance (BalanceKind): Which balance a monitor watches, read from the account's normal side (as the API shows
            it).
        comparison (Comparison):
        threshold (int): In the asset's minor units; may be negative.
        description (None | str | Unset):
        metadata (Metadata | Unset): A JSON object of your own: at most 8192 bytes as JSON and 8 levels deep (the object
            is the first); numbers are integers written as digits (send other numbers as strings: `"2.5"`, not `2.5` nor
            `2.0`); no NUL character in keys or text.
    """

    balance: BalanceKind
    comparison: Comparison
    threshold: int
    description: None | str | Unset = UNSET
    metadata: Metadata | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        balance = self.balance.value

        comparison = self.comparison.value

        threshold = self.threshold

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "balance": balance,
                "comparison": comparison,
                "threshold": threshold,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.metadata import Metadata

        d = dict(src_dict)
        balance = BalanceKind(d.pop("balance"))

        comparison = Comparison(d.pop("comparison"))

        threshold = d.pop("threshold")

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        _metadata = d.pop("metadata", UNSET)
        metadata: Metadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = Metadata.from_dict(_metadata)

        monitor_in = cls(
            balance=balance,
            comparison=comparison,
            threshold=threshold,
            description=description,
            metadata=metadata,
        )

        return monitor_in
