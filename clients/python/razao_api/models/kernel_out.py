from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="KernelOut")


@_attrs_define
class KernelOut:
    """What runs the hot pure functions on one side: `razao_kernel <version>` (the Rust kernel) or
    `reference` (the Python reference), or null when it cannot be used or told, with the reason.

        Attributes:
            kernel (None | str):
            reason (str):
            mode (None | str | Unset):
            expected (None | str | Unset):
            found (None | str | Unset):
    """

    kernel: None | str
    reason: str
    mode: None | str | Unset = UNSET
    expected: None | str | Unset = UNSET
    found: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        kernel: None | str
        kernel = self.kernel

        reason = self.reason

        mode: None | str | Unset
        if isinstance(self.mode, Unset):
            mode = UNSET
        else:
            mode = self.mode

        expected: None | str | Unset
        if isinstance(self.expected, Unset):
            expected = UNSET
        else:
            expected = self.expected

        found: None | str | Unset
        if isinstance(self.found, Unset):
            found = UNSET
        else:
            found = self.found

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kernel": kernel,
                "reason": reason,
            }
        )
        if mode is not UNSET:
            field_dict["mode"] = mode
        if expected is not UNSET:
            field_dict["expected"] = expected
        if found is not UNSET:
            field_dict["found"] = found

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_kernel(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        kernel = _parse_kernel(d.pop("kernel"))

        reason = d.pop("reason")

        def _parse_mode(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        mode = _parse_mode(d.pop("mode", UNSET))

        def _parse_expected(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        expected = _parse_expected(d.pop("expected", UNSET))

        def _parse_found(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        found = _parse_found(d.pop("found", UNSET))

        kernel_out = cls(
            kernel=kernel,
            reason=reason,
            mode=mode,
            expected=expected,
            found=found,
        )

        kernel_out.additional_properties = d
        return kernel_out

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
