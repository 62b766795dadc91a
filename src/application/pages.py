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
