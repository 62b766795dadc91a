"""The journal: every entry of the ledger booked in a window of time, across accounts, in one order.

What an accountant exports for a period: each journal line (a posting or a hold, on one account) with
its account's code and its asset's scale, so that it reads without looking anything else up. The
order is total and stable, `(created_at, transfer_id, layer, line)`: a transfer's lines come together,
and a page resumes after the last line of the previous one (keyset pagination) whatever is booked
meanwhile. The window is booking time, `start <= created_at < end`, at most `MAX_WINDOW` long: a
bound on what one export may ask of the database.

The use case runs in the app (`application.read_path.InAppReadPath`) and inside PostgreSQL
(`razao.journal`, plpython/razao_entry.py); the page travels between them as the JSON of
`page_to_dict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID

from application import codec
from application.pages import Page, check_limit, paginate
from domain.accounts import Layer
from domain.errors import ValidationError
from domain.transfers import Entry
from domain.values import check_timestamp

#: The longest window one journal read may span (a leap year).
MAX_WINDOW = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class JournalLine:
    """A journal entry with what a reader needs beside it: its account's code, its asset's scale
    (decimal places of the minor unit), its transfer's value date and description."""

    entry: Entry
    account_code: str
    scale: int
    effective_at: datetime
    description: str


@dataclass(frozen=True, slots=True)
class JournalCursor:
    """A line's place in the journal's order: the page after it starts after it."""

    created_at: datetime
    transfer_id: UUID
    layer: Layer
    line: int

    @classmethod
    def of(cls, line: JournalLine) -> JournalCursor:
        e = line.entry
        return cls(e.created_at, e.transfer_id, e.layer, e.line)


class JournalRepository(Protocol):
    def lines(
        self, start: datetime, end: datetime, after: JournalCursor | None, limit: int
    ) -> list[JournalLine]:
        """Entries with `start <= created_at < end` after `after`, in journal order, at most `limit`."""
        ...


class JournalUnitOfWork(Protocol):
    journal: JournalRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def check_window(start: datetime, end: datetime) -> None:
    """Both bounds aware, `start < end`, at most `MAX_WINDOW` apart."""
    check_timestamp(start, "from")
    check_timestamp(end, "to")
    if end <= start:
        raise ValidationError.of("to", "must be after 'from'")
    if end - start > MAX_WINDOW:
        raise ValidationError.of("to", f"must be at most {MAX_WINDOW.days} days after 'from'")


def journal(
    uow: JournalUnitOfWork,
    start: datetime,
    end: datetime,
    *,
    after: JournalCursor | None = None,
    limit: int = 100,
) -> Page[JournalLine, JournalCursor]:
    """One page of the journal of the window `[start, end)` (booking time), oldest first."""
    check_limit(limit)
    check_window(start, end)
    with uow:
        rows = uow.journal.lines(start, end, after, limit + 1)
    return paginate(rows, limit, JournalCursor.of)


# --- the page as JSON, between PostgreSQL and the app ---------------------------------------------


def cursor_to_dict(cursor: JournalCursor | None) -> dict[str, Any] | None:
    if cursor is None:
        return None
    return {
        "created_at": cursor.created_at.isoformat(),
        "transfer_id": str(cursor.transfer_id),
        "layer": cursor.layer.value,
        "line": cursor.line,
    }


def cursor_from_dict(data: Any) -> JournalCursor | None:
    if data is None:
        return None
    return JournalCursor(
        datetime.fromisoformat(data["created_at"]),
        UUID(data["transfer_id"]),
        Layer(data["layer"]),
        data["line"],
    )


def page_to_dict(page: Page[JournalLine, JournalCursor]) -> dict[str, Any]:
    return {
        "items": [
            {
                "entry": codec.entry_to_dict(line.entry),
                "account_code": line.account_code,
                "scale": line.scale,
                "effective_at": line.effective_at.isoformat(),
                "description": line.description,
            }
            for line in page.items
        ],
        "next_cursor": cursor_to_dict(page.next_cursor),
    }


def page_from_dict(data: Any) -> Page[JournalLine, JournalCursor]:
    return Page(
        [
            JournalLine(
                codec.entry_from_dict(item["entry"]),
                item["account_code"],
                item["scale"],
                datetime.fromisoformat(item["effective_at"]),
                item["description"],
            )
            for item in data["items"]
        ],
        cursor_from_dict(data["next_cursor"]),
    )
