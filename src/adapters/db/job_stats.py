"""Aggregates of the job records for the metrics endpoint (read at scrape time)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

_BY_KIND_AND_STATE = text(
    "SELECT kind, state, count(*) AS jobs,"
    " count(*) FILTER (WHERE started_at IS NOT NULL AND finished_at IS NOT NULL) AS timed,"
    " coalesce(sum(extract(epoch FROM finished_at - started_at))"
    "   FILTER (WHERE started_at IS NOT NULL AND finished_at IS NOT NULL), 0) AS seconds"
    " FROM razao.jobs GROUP BY kind, state ORDER BY kind, state"
)
_LAST_VERIFICATION = text(
    "SELECT (result->>'discrepancy_count')::bigint FROM razao.jobs"
    " WHERE kind = 'ledger-verification' AND state = 'succeeded'"
    " ORDER BY finished_at DESC LIMIT 1"
)


def job_stats(engine: Any) -> dict[str, Any]:
    """`{"jobs": [{kind, state, count, timed, seconds}], "discrepancies": int | None}` where
    `discrepancies` is what the latest successful ledger verification found."""
    with engine.connect() as connection:
        rows = connection.execute(_BY_KIND_AND_STATE).all()
        discrepancies = connection.execute(_LAST_VERIFICATION).scalar()
    return {
        "jobs": [
            {
                "kind": row.kind,
                "state": row.state,
                "count": int(row.jobs),
                "timed": int(row.timed),
                "seconds": float(row.seconds),
            }
            for row in rows
        ],
        "discrepancies": None if discrepancies is None else int(discrepancies),
    }
