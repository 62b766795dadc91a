from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.metadata import Metadata
    from ..models.posting_in import PostingIn


T = TypeVar("T", bound="TransferIn")


@_attrs_define
class TransferIn:
    """Either `postings`, or `debit_account_id` + `credit_account_id` + `amount` (the two-posting form).

    Attributes:
        id (UUID): Chosen by the client; the idempotency key of the transfer.
        postings (list[PostingIn] | None | Unset):
        debit_account_id (None | Unset | UUID):
        credit_account_id (None | Unset | UUID):
        amount (int | None | Unset):
        asset (None | str | Unset): Two-posting form: optional check of the asset.
        pending (bool | Unset): Hold the amounts (two-phase) instead of posting. Default: False.
        timeout_seconds (int | None | Unset): Pending transfers only: expire the hold after this many seconds.
        effective_at (datetime.datetime | None | Unset): When it took effect (default: now).
        description (str | Unset):  Default: ''.
        metadata (Metadata | Unset): A JSON object of your own: at most 8192 bytes as JSON and 8 levels deep (the object
            is the first); numbers are integers written as digits (send other numbers as strings: `"2.5"`, not `2.5` nor
            `2.0`); no NUL character in keys or text.
    """

    id: UUID
    postings: list[PostingIn] | None | Unset = UNSET
    debit_account_id: None | Unset | UUID = UNSET
    credit_account_id: None | Unset | UUID = UNSET
    amount: int | None | Unset = UNSET
    asset: None | str | Unset = UNSET
    pending: bool | Unset = False
    timeout_seconds: int | None | Unset = UNSET
    effective_at: datetime.datetime | None | Unset = UNSET
    description: str | Unset = ""
    metadata: Metadata | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        postings: list[dict[str, Any]] | None | Unset
        if isinstance(self.postings, Unset):
            postings = UNSET
        elif isinstance(self.postings, list):
            postings = []
            for postings_type_0_item_data in self.postings:
                postings_type_0_item = postings_type_0_item_data.to_dict()
                postings.append(postings_type_0_item)

        else:
            postings = self.postings

        debit_account_id: None | str | Unset
        if isinstance(self.debit_account_id, Unset):
            debit_account_id = UNSET
        elif isinstance(self.debit_account_id, UUID):
            debit_account_id = str(self.debit_account_id)
        else:
            debit_account_id = self.debit_account_id

        credit_account_id: None | str | Unset
        if isinstance(self.credit_account_id, Unset):
            credit_account_id = UNSET
        elif isinstance(self.credit_account_id, UUID):
            credit_account_id = str(self.credit_account_id)
        else:
            credit_account_id = self.credit_account_id

        amount: int | None | Unset
        if isinstance(self.amount, Unset):
            amount = UNSET
        else:
            amount = self.amount

        asset: None | str | Unset
        if isinstance(self.asset, Unset):
            asset = UNSET
        else:
            asset = self.asset

        pending = self.pending

        timeout_seconds: int | None | Unset
        if isinstance(self.timeout_seconds, Unset):
            timeout_seconds = UNSET
        else:
            timeout_seconds = self.timeout_seconds

        effective_at: None | str | Unset
        if isinstance(self.effective_at, Unset):
            effective_at = UNSET
        elif isinstance(self.effective_at, datetime.datetime):
            effective_at = self.effective_at.isoformat()
        else:
            effective_at = self.effective_at

        description = self.description

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
            }
        )
        if postings is not UNSET:
            field_dict["postings"] = postings
        if debit_account_id is not UNSET:
            field_dict["debit_account_id"] = debit_account_id
        if credit_account_id is not UNSET:
            field_dict["credit_account_id"] = credit_account_id
        if amount is not UNSET:
            field_dict["amount"] = amount
        if asset is not UNSET:
            field_dict["asset"] = asset
        if pending is not UNSET:
            field_dict["pending"] = pending
        if timeout_seconds is not UNSET:
            field_dict["timeout_seconds"] = timeout_seconds
        if effective_at is not UNSET:
            field_dict["effective_at"] = effective_at
        if description is not UNSET:
            field_dict["description"] = description
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.metadata import Metadata
        from ..models.posting_in import PostingIn

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        def _parse_postings(data: object) -> list[PostingIn] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                postings_type_0 = []
                _postings_type_0 = data
                for postings_type_0_item_data in _postings_type_0:
                    postings_type_0_item = PostingIn.from_dict(
                        postings_type_0_item_data
                    )

                    postings_type_0.append(postings_type_0_item)

                return postings_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[PostingIn] | None | Unset, data)

        postings = _parse_postings(d.pop("postings", UNSET))

        def _parse_debit_account_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                debit_account_id_type_0 = UUID(data)

                return debit_account_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        debit_account_id = _parse_debit_account_id(d.pop("debit_account_id", UNSET))

        def _parse_credit_account_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                credit_account_id_type_0 = UUID(data)

                return credit_account_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        credit_account_id = _parse_credit_account_id(d.pop("credit_account_id", UNSET))

        def _parse_amount(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        amount = _parse_amount(d.pop("amount", UNSET))

        def _parse_asset(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        asset = _parse_asset(d.pop("asset", UNSET))

        pending = d.pop("pending", UNSET)

        def _parse_timeout_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        timeout_seconds = _parse_timeout_seconds(d.pop("timeout_seconds", UNSET))

        def _parse_effective_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                effective_at_type_0 = datetime.datetime.fromisoformat(data)

                return effective_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        effective_at = _parse_effective_at(d.pop("effective_at", UNSET))

        description = d.pop("description", UNSET)

        _metadata = d.pop("metadata", UNSET)
        metadata: Metadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = Metadata.from_dict(_metadata)

        transfer_in = cls(
            id=id,
            postings=postings,
            debit_account_id=debit_account_id,
            credit_account_id=credit_account_id,
            amount=amount,
            asset=asset,
            pending=pending,
            timeout_seconds=timeout_seconds,
            effective_at=effective_at,
            description=description,
            metadata=metadata,
        )

        return transfer_in
