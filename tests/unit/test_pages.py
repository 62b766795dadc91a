"""Keyset pagination: a page holds `limit` items and a cursor only when more follow."""

from __future__ import annotations

import pytest

from application.pages import MAX_LIMIT, check_limit, paginate
from domain.errors import ValidationError


def test_a_full_page_with_one_more_row_carries_the_cursor_of_its_last_item() -> None:
    page = paginate([1, 2, 3, 4], 3, lambda n: n * 10)
    assert (page.items, page.next_cursor) == ([1, 2, 3], 30)


@pytest.mark.parametrize("rows", [[], [1], [1, 2, 3]])
def test_no_cursor_when_nothing_follows(rows: list[int]) -> None:
    assert paginate(rows, 3, lambda n: n).next_cursor is None


@pytest.mark.parametrize("limit", [1, 100, MAX_LIMIT])
def test_limits_from_1_to_1000_are_accepted(limit: int) -> None:
    assert check_limit(limit) == limit


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1, True, 10.0, "10"])
def test_other_limits_are_refused(limit: object) -> None:
    with pytest.raises(ValidationError):
        check_limit(limit)  # type: ignore[arg-type]
