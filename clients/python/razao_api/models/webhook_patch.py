from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.webhook_patch_event_types_type_0_item import (
    WebhookPatchEventTypesType0Item,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookPatch")


@_attrs_define
class WebhookPatch:
    """Only the fields sent change; `null` clears `event_types` (every type) or `account_code_prefix`.

    Attributes:
        url (str | Unset):
        description (str | Unset):
        event_types (list[WebhookPatchEventTypesType0Item] | None | Unset):
        account_code_prefix (None | str | Unset):
        enabled (bool | Unset):
        ordered (bool | Unset):
        max_in_flight (int | Unset):
    """

    url: str | Unset = UNSET
    description: str | Unset = UNSET
    event_types: list[WebhookPatchEventTypesType0Item] | None | Unset = UNSET
    account_code_prefix: None | str | Unset = UNSET
    enabled: bool | Unset = UNSET
    ordered: bool | Unset = UNSET
    max_in_flight: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        description = self.description

        event_types: list[str] | None | Unset
        if isinstance(self.event_types, Unset):
            event_types = UNSET
        elif isinstance(self.event_types, list):
            event_types = []
            for event_types_type_0_item_data in self.event_types:
                event_types_type_0_item = event_types_type_0_item_data.value
                event_types.append(event_types_type_0_item)

        else:
            event_types = self.event_types

        account_code_prefix: None | str | Unset
        if isinstance(self.account_code_prefix, Unset):
            account_code_prefix = UNSET
        else:
            account_code_prefix = self.account_code_prefix

        enabled = self.enabled

        ordered = self.ordered

        max_in_flight = self.max_in_flight

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if url is not UNSET:
            field_dict["url"] = url
        if description is not UNSET:
            field_dict["description"] = description
        if event_types is not UNSET:
            field_dict["event_types"] = event_types
        if account_code_prefix is not UNSET:
            field_dict["account_code_prefix"] = account_code_prefix
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if ordered is not UNSET:
            field_dict["ordered"] = ordered
        if max_in_flight is not UNSET:
            field_dict["max_in_flight"] = max_in_flight

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        url = d.pop("url", UNSET)

        description = d.pop("description", UNSET)

        def _parse_event_types(
            data: object,
        ) -> list[WebhookPatchEventTypesType0Item] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                event_types_type_0 = []
                _event_types_type_0 = data
                for event_types_type_0_item_data in _event_types_type_0:
                    event_types_type_0_item = WebhookPatchEventTypesType0Item(
                        event_types_type_0_item_data
                    )

                    event_types_type_0.append(event_types_type_0_item)

                return event_types_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[WebhookPatchEventTypesType0Item] | None | Unset, data)

        event_types = _parse_event_types(d.pop("event_types", UNSET))

        def _parse_account_code_prefix(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        account_code_prefix = _parse_account_code_prefix(
            d.pop("account_code_prefix", UNSET)
        )

        enabled = d.pop("enabled", UNSET)

        ordered = d.pop("ordered", UNSET)

        max_in_flight = d.pop("max_in_flight", UNSET)

        webhook_patch = cls(
            url=url,
            description=description,
            event_types=event_types,
            account_code_prefix=account_code_prefix,
            enabled=enabled,
            ordered=ordered,
            max_in_flight=max_in_flight,
        )

        return webhook_patch
