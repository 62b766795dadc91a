"""The outbox in PostgreSQL (`events`, revision 0010_events): recording events, the watermark reader
and retention.

Recording is deferred into the transaction's bulk writes (`Tx.insert_events`): one INSERT per
transaction whatever the number of events, after the journal. The database fills in each row's id and
position: `txid` (`pg_current_xact_id()`) and `n` (an identity, growing within the transaction).

The reader (`read`) is one statement, hence one snapshot: the watermark `pg_snapshot_xmin(
pg_current_snapshot())`, the horizon retention left, and the events after the cursor whose txid is below
the watermark, in position order. Every transaction below the watermark has ended, so nothing will
ever appear behind what it returns. Its filters are chosen from constant fragments (no SQL is built from
data), so each variant keeps its own plan: the account filter can use the GIN index on `account_ids`,
the type filter the index on (type, txid, n), and a tail reads the primary key from the cursor on.
Webhooks and the broker stream read through this same method, so they follow the same order.

Retention runs `razao.prune_events` (SECURITY DEFINER: razao_app cannot DELETE events itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text

from adapters.db.tx import Tx
from application.events import Event
from application.feed import START, EventFilter, FeedRead, Position, StoredEvent

_READ = """\
SELECT w.xmin::text AS watermark, h.txid::text AS horizon_txid, h.n AS horizon_n,
       e.id, e.txid::text AS txid, e.n, e.type, e.occurred_at, e.account_ids, e.transfer_id, e.job_id, e.data
FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin) w
LEFT JOIN events_horizon h ON true
LEFT JOIN LATERAL (
    SELECT e.* FROM events e
    WHERE (e.txid, e.n) > (CAST(:txid AS xid8), CAST(:n AS bigint)) AND e.txid < w.xmin{filters}
    ORDER BY e.txid, e.n
    LIMIT :limit
) e ON true
ORDER BY e.txid, e.n"""
_TYPES = " AND e.type = ANY(CAST(:types AS text[]))"
_ACCOUNT = " AND e.account_ids @> ARRAY[CAST(:account_id AS uuid)]"
#: One statement per combination of filters.
_READS = {
    (types, account): text(_READ.format(filters=(_TYPES if types else "") + (_ACCOUNT if account else "")))
    for types in (False, True)
    for account in (False, True)
}
_PRUNE = text("SELECT razao.prune_events(CAST(:before AS timestamptz), CAST(:max_rows AS integer))")


def event_row(event: Event) -> dict[str, Any]:
    """An event as a row of `Tx.insert_events` (its `data` is encoded with the rows)."""
    return {
        "type": event.type,
        "occurred_at": event.occurred_at,
        "account_ids": event.account_ids,
        "transfer_id": event.transfer_id,
        "job_id": event.job_id,
        "data": event.data,
    }


class SqlEventLog:
    """Implements `application.events.EventLog` and `application.feed.EventFeed`."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def add(self, events: Sequence[Event]) -> None:
        self._tx.insert_events([event_row(e) for e in events])

    def read(self, where: EventFilter, after: Position, limit: int) -> FeedRead:
        parameters: dict[str, Any] = {"txid": str(after.txid), "n": after.n, "limit": limit}
        if where.types is not None:
            parameters["types"] = sorted(t.value for t in where.types)
        if where.account_id is not None:
            parameters["account_id"] = where.account_id
        statement = _READS[(where.types is not None, where.account_id is not None)]
        rows = self._tx.execute(statement, parameters).mappings().all()
        first = rows[0]  # the watermark's row is always there, with or without events
        pruned = first["horizon_txid"]
        return FeedRead(
            items=[_stored(row) for row in rows if row["id"] is not None],
            watermark=Position(int(first["watermark"]), 0),
            horizon=START if pruned is None else Position(int(pruned), first["horizon_n"]),
        )

    def prune(self, before: datetime, limit: int) -> int:
        deleted: int = self._tx.execute(_PRUNE, {"before": before, "max_rows": limit}).scalar_one()
        return deleted


def _stored(row: Any) -> StoredEvent:
    return StoredEvent(
        id=row["id"],
        position=Position(int(row["txid"]), row["n"]),
        type=row["type"],
        occurred_at=row["occurred_at"],
        account_ids=tuple(row["account_ids"]),
        transfer_id=row["transfer_id"],
        job_id=row["job_id"],
        data=row["data"],
    )
