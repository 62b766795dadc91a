"""The journal use case: its window (required bounds with a zone, `from` before `to`, at most a leap
year), its page size, and keyset pages in the order (created_at, transfer_id, layer, line); its JSON
between PostgreSQL and the app gives the same page back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self
from uuid import UUID

import pytest

from application import journal
from application.journal import JournalCursor, JournalLine
from domain.accounts import Layer, Side
from domain.errors import ValidationError
from domain.transfers import Entry

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _line(minute: int, transfer: int, layer: Layer, index: int) -> JournalLine:
    entry = Entry(
        UUID(int=transfer),
        UUID(int=99),
        minute + 1,
        layer,
        Side.DEBIT,
        10,
        "BRL",
        -10,
        T0 + timedelta(minutes=minute),
        index,
    )
    return JournalLine(entry, "acc:1", 2, T0, "x")


class FakeJournal:
    def __init__(self, lines: list[JournalLine]) -> None:
        self._lines = lines

    def lines(
        self, start: datetime, end: datetime, after: JournalCursor | None, limit: int
    ) -> list[JournalLine]:
        def key(line: JournalLine) -> tuple[datetime, UUID, str, int]:
            c = JournalCursor.of(line)
            return (c.created_at, c.transfer_id, c.layer.value, c.line)

        chosen = sorted((x for x in self._lines if start <= x.entry.created_at < end), key=key)
        if after is not None:
            mark = (after.created_at, after.transfer_id, after.layer.value, after.line)
            chosen = [x for x in chosen if key(x) > mark]
        return chosen[:limit]


class FakeUow:
    def __init__(self, lines: list[JournalLine]) -> None:
        self.journal = FakeJournal(lines)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


LINES = [
    _line(0, 2, Layer.POSTED, 1),
    _line(0, 2, Layer.POSTED, 0),
    _line(0, 1, Layer.POSTED, 0),
    _line(1, 3, Layer.PENDING, 0),
    _line(1, 3, Layer.POSTED, 0),
    _line(60 * 24 * 40, 4, Layer.POSTED, 0),
]


def test_pages_follow_the_journal_order_to_the_end_of_the_window() -> None:
    uow, seen, after = FakeUow(LINES), [], None
    while True:
        page = journal.journal(uow, T0, T0 + timedelta(days=31), after=after, limit=2)
        seen += [(x.entry.transfer_id.int, x.entry.layer, x.entry.line) for x in page.items]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert seen == [
        (1, Layer.POSTED, 0),
        (2, Layer.POSTED, 0),
        (2, Layer.POSTED, 1),
        (3, Layer.PENDING, 0),
        (3, Layer.POSTED, 0),
    ]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (T0, T0, "to"),
        (T0, T0 - timedelta(seconds=1), "to"),
        (T0, T0 + timedelta(days=366, microseconds=1), "to"),
        (T0.replace(tzinfo=None), T0 + timedelta(days=1), "from"),
        (T0, (T0 + timedelta(days=1)).replace(tzinfo=None), "to"),
    ],
)
def test_a_window_must_be_aware_ordered_and_at_most_a_leap_year(
    start: datetime, end: datetime, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        journal.journal(FakeUow(LINES), start, end)
    assert [i.field for i in refused.value.issues] == [field]


def test_a_leap_year_is_allowed_and_the_page_size_is_checked() -> None:
    assert len(journal.journal(FakeUow(LINES), T0, T0 + timedelta(days=366)).items) == 6
    with pytest.raises(ValidationError):
        journal.journal(FakeUow(LINES), T0, T0 + timedelta(days=1), limit=1001)


def test_a_page_survives_its_trip_through_json() -> None:
    page = journal.journal(FakeUow(LINES), T0, T0 + timedelta(days=1), limit=3)
    assert journal.page_from_dict(journal.page_to_dict(page)) == page
