"""Keyset pagination: a page holds `limit` items and a cursor only when more follow."""

from __future__ import annotations

import pytest

from application.pages import MAX_LIMIT, check_limit, like_escape, paginate, prefix_upper_bound
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


@pytest.mark.parametrize(
    ("prefix", "upper"),
    [
        ("customers:", "customers;"),
        ("a", "b"),
        ("z\U0010ffff", "{"),
        ("\U0010ffff", None),
        ("\ud7ff", "\ue000"),
    ],
)
def test_prefix_upper_bound_is_the_first_string_after_every_match(prefix: str, upper: str | None) -> None:
    assert prefix_upper_bound(prefix) == upper


def test_every_string_with_the_prefix_is_inside_the_range() -> None:
    prefix = "customers:4"
    upper = prefix_upper_bound(prefix)
    assert upper is not None
    for code in ("customers:4", "customers:42:wallet", "customers:4\U0010ffff"):
        assert prefix <= code < upper
    assert upper <= "customers:5"


def test_like_escape_neutralises_wildcards() -> None:
    assert like_escape(r"50%_off\x") == r"50\%\_off\\x"
