"""The broker streams' cursors in PostgreSQL (`event_stream_cursors`, revision 0013_event_stream), and
their state for the metrics endpoint.

Each method is one statement in its own short transaction on the engine's pool: the publisher never
holds a transaction open while it waits for the broker (an open transaction with an xid would hold the
feed's watermark back for everyone).

The lease (`application.stream`): a claim takes the row when it is free, already ours or its lease
lapsed (INSERT … ON CONFLICT DO UPDATE … WHERE: concurrent claims serialize on the row and the loser's
WHERE, re-checked on the winner's row, fails); a move is a compare and set on (holder, txid, n).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, text

from application.feed import Position
from application.stream import StreamCursor

#: Longest error text kept in the row (a broker's message can be long; the log has all of it).
ERROR_CHARS = 1000

_PEEK = text("SELECT txid::text AS txid, n, published FROM event_stream_cursors WHERE name = :name")
_CLAIM = text(
    "INSERT INTO event_stream_cursors AS c (name, holder, leased_until)"
    " VALUES (:name, :holder, now() + :lease)"
    " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, leased_until = excluded.leased_until"
    " WHERE c.holder IS NULL OR c.holder = excluded.holder OR c.leased_until IS NULL"
    " OR c.leased_until < now()"
    " RETURNING c.txid::text AS txid, c.n, c.published"
)
_ADVANCE = text(
    "UPDATE event_stream_cursors"
    " SET txid = CAST(:to_txid AS xid8), n = :to_n, published = published + :published,"
    " leased_until = now() + :lease, updated_at = now()"
    " WHERE name = :name AND holder = :holder AND txid = CAST(:txid AS xid8) AND n = :n"
)
_FAILED = text(
    "UPDATE event_stream_cursors SET failures = failures + 1, last_error = :error, failed_at = now()"
    " WHERE name = :name"
)
_RELEASE = text(
    "UPDATE event_stream_cursors SET holder = NULL, leased_until = NULL WHERE name = :name AND holder = :holder"
)


class SqlStreamCursors:
    """Implements `application.stream.StreamCursors`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def peek(self, name: str) -> StreamCursor | None:
        with self._engine.connect() as connection:
            row = connection.execute(_PEEK, {"name": name}).one_or_none()
        return None if row is None else StreamCursor(Position(int(row.txid), row.n), row.published)

    def claim(self, name: str, holder: str, lease: timedelta) -> StreamCursor | None:
        with self._engine.begin() as connection:
            row = connection.execute(_CLAIM, {"name": name, "holder": holder, "lease": lease}).one_or_none()
        if row is None:
            return None
        return StreamCursor(Position(int(row.txid), row.n), row.published)

    def advance(
        self, name: str, holder: str, start: Position, to: Position, published: int, lease: timedelta
    ) -> bool:
        parameters = {
            "name": name,
            "holder": holder,
            "txid": str(start.txid),
            "n": start.n,
            "to_txid": str(to.txid),
            "to_n": to.n,
            "published": published,
            "lease": lease,
        }
        with self._engine.begin() as connection:
            return connection.execute(_ADVANCE, parameters).rowcount == 1

    def record_failure(self, name: str, error: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(_FAILED, {"name": name, "error": error[:ERROR_CHARS]})

    def release(self, name: str, holder: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(_RELEASE, {"name": name, "holder": holder})


#: Per stream: its counts, whether retention passed its cursor, and how far behind it is: the age of
#: the first event after its cursor (0 when none waits), and how many readable events wait (at most
#: `:cap`, so that a scrape stays cheap however far behind a stream is).
_STATS = text(
    "SELECT c.name, c.published, c.failures,"
    " (c.txid <> '0'::xid8 AND h.txid IS NOT NULL AND (c.txid, c.n) < (h.txid, h.n)) AS expired,"
    " coalesce(extract(epoch FROM clock_timestamp() - f.occurred_at), 0) AS lag_seconds,"
    " (SELECT count(*) FROM (SELECT 1 FROM events e WHERE (e.txid, e.n) > (c.txid, c.n)"
    "   AND e.txid < pg_snapshot_xmin(pg_current_snapshot()) LIMIT :cap) w) AS behind"
    " FROM event_stream_cursors c"
    " LEFT JOIN events_horizon h ON true"
    " LEFT JOIN LATERAL (SELECT e.occurred_at FROM events e WHERE (e.txid, e.n) > (c.txid, c.n)"
    "   ORDER BY e.txid, e.n LIMIT 1) f ON true"
    " ORDER BY c.name"
)
#: The most unpublished events a scrape counts.
BEHIND_CAP = 100_000


def stream_stats(engine: Engine) -> list[dict[str, Any]]:
    """Per stream: `name`, `published`, `failures`, `expired`, `lag_seconds`, `behind` (capped)."""
    with engine.connect() as connection:
        rows = connection.execute(_STATS, {"cap": BEHIND_CAP}).mappings().all()
    return [
        {
            "name": row["name"],
            "published": int(row["published"]),
            "failures": int(row["failures"]),
            "expired": bool(row["expired"]),
            "lag_seconds": max(0.0, float(row["lag_seconds"])),
            "behind": int(row["behind"]),
        }
        for row in rows
    ]
