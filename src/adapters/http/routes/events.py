"""The events feed: what happened to the ledger, in an order that never skips one, with long polling.

Long polling polls: while the page would be empty, the request reads again every
`Services.event_poll_seconds` until an event arrives or `wait` runs out. Each read is one indexed
statement on a pooled connection in autocommit, returned to the pool before the request sleeps, so a
waiting client holds no connection, let alone one idle in a transaction. (LISTEN/NOTIFY would need a
listening connection per process and a NOTIFY in every writing transaction, which PostgreSQL
serializes at commit; and a notification would not say that the watermark has passed the event, so a
read would still have to be repeated: docs/events.md.)
"""

from __future__ import annotations

import asyncio
import re
import time
from functools import partial
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request

from adapters.http import cursors
from adapters.http.deps import JsonResponse, ServicesDep, blocking, json_response
from adapters.http.problems import problem_responses
from adapters.http.routes import READ, READ_ERRORS
from adapters.http.schemas.common import Cursor
from adapters.http.schemas.events import EventOut, EventPage
from application import feed
from application.events import EventType
from application.feed import EventFilter
from application.pages import DEFAULT_LIMIT, MAX_LIMIT

#: One or more event types, comma-separated (`application.feed.parse_types`).
_TYPE = "|".join(re.escape(t.value) for t in EventType)
_TYPES = f"^(?:{_TYPE})(?:,(?:{_TYPE}))*$"

router = APIRouter(prefix="/v1/events", tags=["events"])

#: The longest `wait` a request may ask for, in seconds (a deployment may grant less).
MAX_WAIT = 30


@router.get(
    "",
    summary="The events feed",
    description="Events in the feed's order (oldest first) after `after` (the `next_cursor` or an event's "
    "`position` from an earlier page; none: from the oldest event kept). The order is commit-safe: "
    "following `next_cursor` never skips an event nor repeats one. With `wait`, a page that would be "
    "empty waits up to that many seconds for the next event. A cursor older than the events kept is "
    "`410 cursor_expired`.",
    dependencies=READ,
    response_model=EventPage,
    responses=problem_responses(*READ_ERRORS, 410),
)
async def list_events(
    request: Request,
    services: ServicesDep,
    after: Annotated[Cursor | None, Query(description="Resume after this position (opaque).")] = None,
    types: Annotated[
        str | None,
        Query(
            max_length=1000,
            pattern=_TYPES,
            description="Only these event types, comma-separated: `transfer.expired,…`.",
        ),
    ] = None,
    account_id: Annotated[UUID | None, Query(description="Only events concerning this account.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = DEFAULT_LIMIT,
    wait: Annotated[
        float, Query(ge=0, le=MAX_WAIT, description="Seconds to wait for an event when the page is empty.")
    ] = 0,
) -> JsonResponse:
    where = EventFilter(None if types is None else feed.parse_types(types.split(",")), account_id)
    position = cursors.after_event(after)
    deadline = time.monotonic() + min(wait, services.event_max_wait_seconds)
    while True:
        page = await blocking(
            partial(feed.read_events, services.read_uow(), where, after=position, limit=limit)
        )
        remaining = deadline - time.monotonic()
        if page.items or remaining <= 0 or await request.is_disconnected():
            break
        position = page.next_cursor  # the watermark: the next read starts past what this one considered
        await asyncio.sleep(min(services.event_poll_seconds, remaining))
    return json_response(
        {
            "items": [EventOut.document(e) for e in page.items],
            "next_cursor": cursors.event_cursor(page.next_cursor),
        }
    )
