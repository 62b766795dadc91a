from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_out_state import JobOutState

if TYPE_CHECKING:
    from ..models.job_out_errors_item import JobOutErrorsItem
    from ..models.job_out_params import JobOutParams
    from ..models.job_out_result_type_0 import JobOutResultType0
    from ..models.progress_out import ProgressOut


T = TypeVar("T", bound="JobOut")


@_attrs_define
class JobOut:
    """
    Attributes:
        id (UUID):
        kind (str):
        state (JobOutState):
        params (JobOutParams):
        progress (ProgressOut):
        result (JobOutResultType0 | None):
        errors (list[JobOutErrorsItem]):
        request_id (None | str):
        created_at (datetime.datetime):
        started_at (datetime.datetime | None):
        finished_at (datetime.datetime | None):
    """

    id: UUID
    kind: str
    state: JobOutState
    params: JobOutParams
    progress: ProgressOut
    result: JobOutResultType0 | None
    errors: list[JobOutErrorsItem]
    request_id: None | str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.job_out_result_type_0 import JobOutResultType0

        id = str(self.id)

        kind = self.kind

        state = self.state.value

        params = self.params.to_dict()

        progress = self.progress.to_dict()

        result: dict[str, Any] | None
        if isinstance(self.result, JobOutResultType0):
            result = self.result.to_dict()
        else:
            result = self.result

        errors = []
        for errors_item_data in self.errors:
            errors_item = errors_item_data.to_dict()
            errors.append(errors_item)

        request_id: None | str
        request_id = self.request_id

        created_at = self.created_at.isoformat()

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

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
                "kind": kind,
                "state": state,
                "params": params,
                "progress": progress,
                "result": result,
                "errors": errors,
                "request_id": request_id,
                "created_at": created_at,
                "started_at": started_at,
                "finished_at": finished_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.job_out_errors_item import JobOutErrorsItem
        from ..models.job_out_params import JobOutParams
        from ..models.job_out_result_type_0 import JobOutResultType0
        from ..models.progress_out import ProgressOut

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        kind = d.pop("kind")

        state = JobOutState(d.pop("state"))

        params = JobOutParams.from_dict(d.pop("params"))

        progress = ProgressOut.from_dict(d.pop("progress"))

        def _parse_result(data: object) -> JobOutResultType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                result_type_0 = JobOutResultType0.from_dict(data)

                return result_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(JobOutResultType0 | None, data)

        result = _parse_result(d.pop("result"))

        errors = []
        _errors = d.pop("errors")
        for errors_item_data in _errors:
            errors_item = JobOutErrorsItem.from_dict(errors_item_data)

            errors.append(errors_item)

        def _parse_request_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        request_id = _parse_request_id(d.pop("request_id"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

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

        job_out = cls(
            id=id,
            kind=kind,
            state=state,
            params=params,
            progress=progress,
            result=result,
            errors=errors,
            request_id=request_id,
            created_at=created_at,
            started_at=started_at,
            finished_at=finished_at,
        )

        job_out.additional_properties = d
        return job_out

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
