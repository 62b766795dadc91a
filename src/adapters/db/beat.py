"""Beat's firings in PostgreSQL (`beat_firings`, revision 0019_single_schedulers): who sent which slot.

A claim is one statement in its own short transaction: insert (entry, slot) unless it is there (ON
CONFLICT DO NOTHING: a concurrent insert of the same key waits for the first to end, then does
nothing), and in the same statement delete a few rows older than the retention, so that the table stays
bounded without a task of its own (each claim inserts one row and may delete up to `PRUNE_BATCH`). No
session state, no advisory lock: it works the same through a transaction-pooling PgBouncer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, text

#: How long firings are kept: longer than the longest schedule period (a day), so that a beat restarted
#: within it finds the last slot of every entry (`last_slots`) and does not fire it again.
RETENTION = timedelta(days=8)
#: Rows older than the retention deleted, at most, by one claim.
PRUNE_BATCH = 100

_CLAIM = text(
    "WITH pruned AS ("
    " DELETE FROM beat_firings WHERE (entry, slot) IN ("
    "  SELECT entry, slot FROM beat_firings WHERE slot < now() - CAST(:retention AS interval)"
    "  ORDER BY slot LIMIT :prune))"
    " INSERT INTO beat_firings (entry, slot, fired_by) VALUES (:entry, :slot, :fired_by)"
    " ON CONFLICT (entry, slot) DO NOTHING RETURNING fired_by"
)
_LAST = text("SELECT entry, max(slot) FROM beat_firings GROUP BY entry")
_RELEASE = text("DELETE FROM beat_firings WHERE entry = :entry AND slot = :slot AND fired_by = :fired_by")


class SqlBeatFirings:
    """`adapters.tasks.beat.BeatFirings` on the application's engine."""

    def __init__(self, engine: Engine, retention: timedelta = RETENTION, prune: int = PRUNE_BATCH) -> None:
        self._engine = engine
        self._retention = retention
        self._prune = prune

    def claim(self, entry: str, slot: datetime, fired_by: str) -> bool:
        """Record that `fired_by` fires `entry` at `slot`; False when another beat did it first."""
        with self._engine.begin() as connection:
            row = connection.execute(
                _CLAIM,
                {
                    "entry": entry,
                    "slot": slot,
                    "fired_by": fired_by,
                    "retention": self._retention,
                    "prune": self._prune,
                },
            ).first()
        return row is not None

    def release(self, entry: str, slot: datetime, fired_by: str) -> None:
        """Give back a claim whose task could not be sent (only `fired_by`'s own)."""
        with self._engine.begin() as connection:
            connection.execute(_RELEASE, {"entry": entry, "slot": slot, "fired_by": fired_by})

    def last_slots(self) -> dict[str, datetime]:
        """The last slot fired of each entry (within the retention)."""
        with self._engine.connect() as connection:
            return {entry: slot for entry, slot in connection.execute(_LAST)}
