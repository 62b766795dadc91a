from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.bulk_item_out_problem_type_0 import BulkItemOutProblemType0
    from ..models.transfer_out import TransferOut


T = TypeVar("T", bound="BulkItemOut")


@_attrs_define
class BulkItemOut:
    """One transfer of a bulk request: booked (or replayed), or refused on its own.

    Attributes:
        status (int): What this transfer alone would have been answered: 201, or a problem's.
        replayed (bool | Unset): `true` when this repeats an earlier identical request. Default: False.
        transfer (None | TransferOut | Unset): The transfer, when it was booked.
        problem (BulkItemOutProblemType0 | None | Unset): Why it was refused: a problem document (see `Problem`), with
            its `code`.
    """

    status: int
    replayed: bool | Unset = False
    transfer: None | TransferOut | Unset = UNSET
    problem: BulkItemOutProblemType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.bulk_item_out_problem_type_0 import BulkItemOutProblemType0
        from ..models.transfer_out import TransferOut

        status = self.status

        replayed = self.replayed

        transfer: dict[str, Any] | None | Unset
        if isinstance(self.transfer, Unset):
            transfer = UNSET
        elif isinstance(self.transfer, TransferOut):
            transfer = self.transfer.to_dict()
        else:
            transfer = self.transfer

        problem: dict[str, Any] | None | Unset
        if isinstance(self.problem, Unset):
            problem = UNSET
        elif isinstance(self.problem, BulkItemOutProblemType0):
            problem = self.problem.to_dict()
        else:
            problem = self.problem

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
            }
        )
        if replayed is not UNSET:
            field_dict["replayed"] = replayed
        if transfer is not UNSET:
            field_dict["transfer"] = transfer
        if problem is not UNSET:
            field_dict["problem"] = problem

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.bulk_item_out_problem_type_0 import BulkItemOutProblemType0
        from ..models.transfer_out import TransferOut

        d = dict(src_dict)
        status = d.pop("status")

        replayed = d.pop("replayed", UNSET)

        def _parse_transfer(data: object) -> None | TransferOut | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                transfer_type_0 = TransferOut.from_dict(data)

                return transfer_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TransferOut | Unset, data)

        transfer = _parse_transfer(d.pop("transfer", UNSET))

        def _parse_problem(data: object) -> BulkItemOutProblemType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                problem_type_0 = BulkItemOutProblemType0.from_dict(data)

                return problem_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BulkItemOutProblemType0 | None | Unset, data)

        problem = _parse_problem(d.pop("problem", UNSET))

        bulk_item_out = cls(
            status=status,
            replayed=replayed,
            transfer=transfer,
            problem=problem,
        )

        bulk_item_out.additional_properties = d
        return bulk_item_out

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
