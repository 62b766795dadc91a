"""The events' watermark lag for the metrics endpoint (read at scrape time).

A reader returns only events below the watermark, the oldest transaction still running (docs/events.md).
An event committed while an older transaction runs is visible but held back until that transaction ends:
how many such events there are, and how long the oldest of them has waited, is the latency the
commit-safe order costs right now (zero when no long transaction runs).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

#: Committed events at or above the watermark: a range of the primary key at its end.
_HELD_BACK = text(
    "SELECT count(*) AS held_back,"
    " coalesce(extract(epoch FROM clock_timestamp() - min(occurred_at)), 0) AS lag_seconds"
    " FROM events WHERE txid >= pg_snapshot_xmin(pg_current_snapshot())"
)


def watermark_lag(engine: Any) -> dict[str, float]:
    """`{"held_back": events committed but not yet readable, "lag_seconds": how long the oldest waited}`."""
    with engine.connect() as connection:
        row = connection.execute(_HELD_BACK).one()
    return {"held_back": int(row.held_back), "lag_seconds": max(0.0, float(row.lag_seconds))}
