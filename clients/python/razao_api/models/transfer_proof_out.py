from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.line_proof_out import LineProofOut


T = TypeVar("T", bound="TransferProofOut")


@_attrs_define
class TransferProofOut:
    """
    Attributes:
        transfer_id (UUID):
        lines (list[LineProofOut]):
    """

    transfer_id: UUID
    lines: list[LineProofOut]

    def to_dict(self) -> dict[str, Any]:
        transfer_id = str(self.transfer_id)

        lines = []
        for lines_item_data in self.lines:
            lines_item = lines_item_data.to_dict()
            lines.append(lines_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "transfer_id": transfer_id,
                "lines": lines,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.line_proof_out import LineProofOut

        d = dict(src_dict)
        transfer_id = UUID(d.pop("transfer_id"))

        lines = []
        _lines = d.pop("lines")
        for lines_item_data in _lines:
            lines_item = LineProofOut.from_dict(lines_item_data)

            lines.append(lines_item)

        transfer_proof_out = cls(
            transfer_id=transfer_id,
            lines=lines,
        )

        return transfer_proof_out
