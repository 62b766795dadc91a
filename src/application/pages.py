"""Keyset pagination shared by the listing use cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from domain.errors import ValidationError

T = TypeVar("T")
C = TypeVar("C")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Page(Generic[T, C]):
    items: list[T]
    next_cursor: C | None


def check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError.of("limit", f"must be an integer from 1 to {MAX_LIMIT}")
    return limit


def paginate(rows: list[T], limit: int, cursor_of: Callable[[T], C]) -> Page[T, C]:
    """`rows` holds up to `limit + 1` items; the extra one only says that another page exists."""
    items = rows[:limit]
    more = len(rows) > limit
    return Page(items, cursor_of(items[-1]) if more and items else None)


def prefix_upper_bound(prefix: str) -> str | None:
    """The smallest string above every string that starts with `prefix`, in code point order (the "C"
    collation's byte order for UTF-8); None if there is none. With it, a code-prefix filter is a range
    on the code's btree: `prefix <= code < prefix_upper_bound(prefix)`."""
    while prefix:
        last = ord(prefix[-1])
        if last < 0x10FFFF:
            bumped = last + 1 if last + 1 not in range(0xD800, 0xE000) else 0xE000
            return prefix[:-1] + chr(bumped)
        prefix = prefix[:-1]
    return None


def like_escape(text: str) -> str:
    """`text` with LIKE's wildcards escaped (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
