from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.ready_out_checks import ReadyOutChecks
    from ..models.ready_out_kernel import ReadyOutKernel
    from ..models.replica_out import ReplicaOut


T = TypeVar("T", bound="ReadyOut")


@_attrs_define
class ReadyOut:
    """
    Attributes:
        status (str):
        checks (ReadyOutChecks):
        schema_revision (None | str):
        execution_mode (None | str | Unset):
        app_code_version (None | str | Unset):
        database_code_version (None | str | Unset):
        kernel (ReadyOutKernel | Unset):
        replicas (list[ReplicaOut] | Unset):
    """

    status: str
    checks: ReadyOutChecks
    schema_revision: None | str
    execution_mode: None | str | Unset = UNSET
    app_code_version: None | str | Unset = UNSET
    database_code_version: None | str | Unset = UNSET
    kernel: ReadyOutKernel | Unset = UNSET
    replicas: list[ReplicaOut] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        checks = self.checks.to_dict()

        schema_revision: None | str
        schema_revision = self.schema_revision

        execution_mode: None | str | Unset
        if isinstance(self.execution_mode, Unset):
            execution_mode = UNSET
        else:
            execution_mode = self.execution_mode

        app_code_version: None | str | Unset
        if isinstance(self.app_code_version, Unset):
            app_code_version = UNSET
        else:
            app_code_version = self.app_code_version

        database_code_version: None | str | Unset
        if isinstance(self.database_code_version, Unset):
            database_code_version = UNSET
        else:
            database_code_version = self.database_code_version

        kernel: dict[str, Any] | Unset = UNSET
        if not isinstance(self.kernel, Unset):
            kernel = self.kernel.to_dict()

        replicas: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.replicas, Unset):
            replicas = []
            for replicas_item_data in self.replicas:
                replicas_item = replicas_item_data.to_dict()
                replicas.append(replicas_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "checks": checks,
                "schema_revision": schema_revision,
            }
        )
        if execution_mode is not UNSET:
            field_dict["execution_mode"] = execution_mode
        if app_code_version is not UNSET:
            field_dict["app_code_version"] = app_code_version
        if database_code_version is not UNSET:
            field_dict["database_code_version"] = database_code_version
        if kernel is not UNSET:
            field_dict["kernel"] = kernel
        if replicas is not UNSET:
            field_dict["replicas"] = replicas

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.ready_out_checks import ReadyOutChecks
        from ..models.ready_out_kernel import ReadyOutKernel
        from ..models.replica_out import ReplicaOut

        d = dict(src_dict)
        status = d.pop("status")

        checks = ReadyOutChecks.from_dict(d.pop("checks"))

        def _parse_schema_revision(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        schema_revision = _parse_schema_revision(d.pop("schema_revision"))

        def _parse_execution_mode(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        execution_mode = _parse_execution_mode(d.pop("execution_mode", UNSET))

        def _parse_app_code_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        app_code_version = _parse_app_code_version(d.pop("app_code_version", UNSET))

        def _parse_database_code_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        database_code_version = _parse_database_code_version(
            d.pop("database_code_version", UNSET)
        )

        _kernel = d.pop("kernel", UNSET)
        kernel: ReadyOutKernel | Unset
        if isinstance(_kernel, Unset):
            kernel = UNSET
        else:
            kernel = ReadyOutKernel.from_dict(_kernel)

        _replicas = d.pop("replicas", UNSET)
        replicas: list[ReplicaOut] | Unset = UNSET
        if _replicas is not UNSET:
            replicas = []
            for replicas_item_data in _replicas:
                replicas_item = ReplicaOut.from_dict(replicas_item_data)

                replicas.append(replicas_item)

        ready_out = cls(
            status=status,
            checks=checks,
            schema_revision=schema_revision,
            execution_mode=execution_mode,
            app_code_version=app_code_version,
            database_code_version=database_code_version,
            kernel=kernel,
            replicas=replicas,
        )

        ready_out.additional_properties = d
        return ready_out

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
