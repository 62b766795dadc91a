"""Small value rules shared by accounts and transfers: metadata, texts and timestamps."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.errors import ValidationError

MAX_METADATA_BYTES = 8192
MAX_METADATA_DEPTH = 8
MAX_TEXT = 1000

JSONObject = Mapping[str, Any]


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces. Used for fingerprints and size limits."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _depth_and_check(value: Any, field: str, depth: int) -> None:
    if depth > MAX_METADATA_DEPTH:
        raise ValidationError.of(field, f"is nested more than {MAX_METADATA_DEPTH} levels deep")
    if isinstance(value, float):
        raise ValidationError.of(field, "may not contain fractional numbers; send them as strings")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError.of(field, "keys must be strings")
            _depth_and_check(item, field, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            _depth_and_check(item, field, depth + 1)
    elif not (value is None or isinstance(value, str | int | bool)):
        raise ValidationError.of(field, "must contain only JSON values")


def check_metadata(metadata: object, field: str = "metadata") -> dict[str, Any]:
    """A JSON object of at most 8 KiB and 8 levels, without floats; returned as a plain dict."""
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise ValidationError.of(field, "must be a JSON object")
    _depth_and_check(metadata, field, 1)
    text = canonical_json(metadata)
    if len(text) * 4 > MAX_METADATA_BYTES and len(text.encode()) > MAX_METADATA_BYTES:
        raise ValidationError.of(field, f"must be at most {MAX_METADATA_BYTES} bytes as JSON")
    return json.loads(text)  # type: ignore[no-any-return]


def check_text(value: object, field: str, *, required: bool, max_length: int = MAX_TEXT) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError.of(field, "must be a non-empty string" if required else "must be a string")
    if len(value) > max_length:
        raise ValidationError.of(field, f"must be at most {max_length} characters")
    if "\x00" in value:
        raise ValidationError.of(field, "must not contain NUL characters")
    return value


def check_timestamp(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError.of(field, "must carry a time zone")
    return value
