"""The journal: every entry of every account booked in a period, as JSON pages or as an export.

JSON (the default) answers one page with a `next_cursor`, like the other lists; `Accept: text/csv`,
`application/x-ndjson` or `application/jsonl` streams the whole window instead (`adapters.http.exports`),
reading the read path's pages one after the other, in either execution mode.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from adapters.http import cursors, exports
from adapters.http.deps import ServicesDep, blocking, json_response
from adapters.http.problems import problem_responses
from adapters.http.routes import READ, READ_ERRORS
from adapters.http.schemas.common import Cursor, InstantIn
from adapters.http.schemas.journal import JournalPage
from application.journal import MAX_WINDOW
from application.pages import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/v1/journal", tags=["reports"])


def _filename(start: datetime, end: datetime) -> str:
    return f"journal-{start.astimezone(UTC):%Y%m%dT%H%M%SZ}-{end.astimezone(UTC):%Y%m%dT%H%M%SZ}"


@router.get(
    "",
    summary="The journal of a period",
    description=(
        "Every entry of every account (postings and holds) booked in `[from, to)`, at most"
        f" {MAX_WINDOW.days} days, in the order (created_at, transfer_id, layer, line). JSON pages by"
        " default; with `Accept: text/csv`, `application/x-ndjson` or `application/jsonl`, the whole"
        " window streamed as CSV or JSON Lines (`cursor` and `limit` do not apply). Columns: docs/export.md."
    ),
    dependencies=READ,
    response_model=JournalPage,
    responses={**problem_responses(*READ_ERRORS), **exports.responses()},
)
async def get_journal(
    request: Request,
    services: ServicesDep,
    start: Annotated[InstantIn, Query(alias="from", description="Booking time, inclusive.")],
    end: Annotated[InstantIn, Query(alias="to", description="Booking time, exclusive.")],
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = DEFAULT_LIMIT,
) -> Response:
    export = exports.negotiate(request.headers.get("accept"))
    if export is None:
        return exports.not_acceptable(request)
    read = services.read_path
    if export.format is not exports.Format.JSON:
        first = await blocking(lambda: read.journal(start, end, limit=exports.PAGE_ROWS))
        return exports.journal(
            export,
            first,
            lambda after: read.journal(start, end, after=after, limit=exports.PAGE_ROWS),
            _filename(start, end),
        )
    after = cursors.after_journal(cursor)
    page = await blocking(lambda: read.journal(start, end, after=after, limit=limit))
    document: dict[str, Any] = {
        "items": [exports.document(exports.ExportLine.of_journal(line)) for line in page.items],
        "next_cursor": cursors.journal_cursor(page.next_cursor),
    }
    return json_response(document)
