from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.transfer_status import TransferStatus

if TYPE_CHECKING:
    from ..models.posting_out import PostingOut
    from ..models.transfer_out_metadata import TransferOutMetadata


T = TypeVar("T", bound="TransferOut")


@_attrs_define
class TransferOut:
    """
    Attributes:
        id (UUID):
        status (TransferStatus):
        two_phase (bool):
        postings (list[PostingOut]):
        posted (list[PostingOut]): What reached posted balances (empty while pending).
        description (str):
        metadata (TransferOutMetadata): The JSON object given when it was written.
        effective_at (datetime.datetime):
        created_at (datetime.datetime):
        timeout_at (datetime.datetime | None):
        resolved_at (datetime.datetime | None):
        reverses_id (None | UUID):
        reversed_by_id (None | UUID):
    """

    id: UUID
    status: TransferStatus
    two_phase: bool
    postings: list[PostingOut]
    posted: list[PostingOut]
    description: str
    metadata: TransferOutMetadata
    effective_at: datetime.datetime
    created_at: datetime.datetime
    timeout_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    reverses_id: None | UUID
    reversed_by_id: None | UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        status = self.status.value

        two_phase = self.two_phase

        postings = []
        for postings_item_data in self.postings:
            postings_item = postings_item_data.to_dict()
            postings.append(postings_item)

        posted = []
        for posted_item_data in self.posted:
            posted_item = posted_item_data.to_dict()
            posted.append(posted_item)

        description = self.description

        metadata = self.metadata.to_dict()

        effective_at = self.effective_at.isoformat()

        created_at = self.created_at.isoformat()

        timeout_at: None | str
        if isinstance(self.timeout_at, datetime.datetime):
            timeout_at = self.timeout_at.isoformat()
        else:
            timeout_at = self.timeout_at

        resolved_at: None | str
        if isinstance(self.resolved_at, datetime.datetime):
            resolved_at = self.resolved_at.isoformat()
        else:
            resolved_at = self.resolved_at

        reverses_id: None | str
        if isinstance(self.reverses_id, UUID):
            reverses_id = str(self.reverses_id)
        else:
            reverses_id = self.reverses_id

        reversed_by_id: None | str
        if isinstance(self.reversed_by_id, UUID):
            reversed_by_id = str(self.reversed_by_id)
        else:
            reversed_by_id = self.reversed_by_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "two_phase": two_phase,
                "postings": postings,
                "posted": posted,
                "description": description,
                "metadata": metadata,
                "effective_at": effective_at,
                "created_at": created_at,
                "timeout_at": timeout_at,
                "resolved_at": resolved_at,
                "reverses_id": reverses_id,
                "reversed_by_id": reversed_by_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.posting_out import PostingOut
        from ..models.transfer_out_metadata import TransferOutMetadata

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        status = TransferStatus(d.pop("status"))

        two_phase = d.pop("two_phase")

        postings = []
        _postings = d.pop("postings")
        for postings_item_data in _postings:
            postings_item = PostingOut.from_dict(postings_item_data)

            postings.append(postings_item)

        posted = []
        _posted = d.pop("posted")
        for posted_item_data in _posted:
            posted_item = PostingOut.from_dict(posted_item_data)

            posted.append(posted_item)

        description = d.pop("description")

        metadata = TransferOutMetadata.from_dict(d.pop("metadata"))

        effective_at = datetime.datetime.fromisoformat(d.pop("effective_at"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_timeout_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                timeout_at_type_0 = datetime.datetime.fromisoformat(data)

                return timeout_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        timeout_at = _parse_timeout_at(d.pop("timeout_at"))

        def _parse_resolved_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resolved_at_type_0 = datetime.datetime.fromisoformat(data)

                return resolved_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        resolved_at = _parse_resolved_at(d.pop("resolved_at"))

        def _parse_reverses_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                reverses_id_type_0 = UUID(data)

                return reverses_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        reverses_id = _parse_reverses_id(d.pop("reverses_id"))

        def _parse_reversed_by_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                reversed_by_id_type_0 = UUID(data)

                return reversed_by_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        reversed_by_id = _parse_reversed_by_id(d.pop("reversed_by_id"))

        transfer_out = cls(
            id=id,
            status=status,
            two_phase=two_phase,
            postings=postings,
            posted=posted,
            description=description,
            metadata=metadata,
            effective_at=effective_at,
            created_at=created_at,
            timeout_at=timeout_at,
            resolved_at=resolved_at,
            reverses_id=reverses_id,
            reversed_by_id=reversed_by_id,
        )

        transfer_out.additional_properties = d
        return transfer_out

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
