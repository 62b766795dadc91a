"""Accounting periods in PostgreSQL (`period_closes`, `period_balances`; revision 0015).

`closed_through` is on the write path, read only by a backdated request: one aggregate over the few
active closes. The rest serves the admin use cases of `application.periods`:
- `serialize` takes a transaction-level advisory lock, so closes and reopenings run one at a time, each
  seeing what the previous one committed (any role may take it; none of the ledger's locks is involved);
- `hold_writers` calls `razao.lock_journal_for_close()`, which takes `entries` in SHARE mode for this
  transaction (razao_app may not lock the journal itself): writers in flight finish first, new ones wait
  until the close commits, and the trigger `entries_book` refuses whatever comes after it (RZ120);
- `write_snapshot` is one INSERT ... SELECT from `account_value_days` (the posted sums per account and
  value day the trigger keeps), skipped when the close already has its snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text

from adapters.db.tx import Tx
from application.periods import PeriodCursor
from domain.accounts import Side
from domain.periods import ClosedPeriods, PeriodBalance, PeriodClose

#: Key of the advisory lock that serialises closes and reopenings (any constant no one else uses).
_SERIALIZE = text("SELECT pg_advisory_xact_lock(hashtextextended('razao.period_closes', 0))")
_LOCK_ENTRIES = text("SELECT razao.lock_journal_for_close()")
_CLOSED_THROUGH = text(
    "SELECT asset_code, max(through) AS through FROM period_closes WHERE reopened_at IS NULL GROUP BY asset_code"
)
_COLUMNS = "id, asset_code, through, closed_at, closed_by, reason, reopened_at, reopened_by, reopen_reason"
_ACTIVE = text(f"SELECT {_COLUMNS} FROM period_closes WHERE reopened_at IS NULL")
_GET = text(f"SELECT {_COLUMNS} FROM period_closes WHERE id = :id")
_ADD = text(
    f"INSERT INTO period_closes ({_COLUMNS}) VALUES (:id, :asset_code, :through, :closed_at, :closed_by,"
    " :reason, :reopened_at, :reopened_by, :reopen_reason)"
)
_SAVE = text(
    "UPDATE period_closes SET reopened_at = :reopened_at, reopened_by = :reopened_by,"
    " reopen_reason = :reopen_reason WHERE id = :id"
)
_QUERY = text(
    f"SELECT {_COLUMNS} FROM period_closes"
    " WHERE CAST(:after_at AS timestamptz) IS NULL OR (closed_at, id) < (:after_at, CAST(:after_id AS uuid))"
    " ORDER BY closed_at DESC, id DESC LIMIT :limit"
)
_SNAPSHOT = text(
    "INSERT INTO period_balances (close_id, account_id, asset_code, posted_debits, posted_credits)"
    " SELECT CAST(:close_id AS uuid), d.account_id, a.asset_code, sum(d.debits), sum(d.credits)"
    " FROM account_value_days d JOIN accounts a ON a.id = d.account_id"
    " WHERE d.value_date <= :through"
    " AND (CAST(:asset AS text) IS NULL OR a.asset_code = CAST(:asset AS text))"
    " AND NOT EXISTS (SELECT FROM period_balances b WHERE b.close_id = CAST(:close_id AS uuid))"
    " GROUP BY d.account_id, a.asset_code"
    " ON CONFLICT (close_id, account_id) DO NOTHING"
)
#: The snapshot's header, written in its transaction: how many accounts it holds (lists read this).
_SNAPSHOT_HEADER = text(
    "INSERT INTO period_snapshots (close_id, accounts, written_at)"
    " SELECT CAST(:close_id AS uuid), count(*), clock_timestamp() FROM period_balances"
    " WHERE close_id = CAST(:close_id AS uuid)"
    " ON CONFLICT (close_id) DO NOTHING"
)
_SIZES = text("SELECT close_id, accounts FROM period_snapshots WHERE close_id = ANY(CAST(:ids AS uuid[]))")
_BALANCES = text(
    "SELECT b.account_id, a.code, b.asset_code, a.normal_side, b.posted_debits, b.posted_credits"
    " FROM period_balances b JOIN accounts a ON a.id = b.account_id"
    " WHERE b.close_id = :close_id AND (CAST(:after AS uuid) IS NULL OR b.account_id > CAST(:after AS uuid))"
    " ORDER BY b.account_id LIMIT :limit"
)


def close_from_row(row: Any) -> PeriodClose:
    return PeriodClose(
        id=row.id,
        asset=row.asset_code,
        through=row.through,
        closed_at=row.closed_at,
        closed_by=row.closed_by,
        reason=row.reason,
        reopened_at=row.reopened_at,
        reopened_by=row.reopened_by,
        reopen_reason=row.reopen_reason,
    )


def _values(close: PeriodClose) -> dict[str, Any]:
    return {
        "id": close.id,
        "asset_code": close.asset,
        "through": close.through,
        "closed_at": close.closed_at,
        "closed_by": close.closed_by,
        "reason": close.reason,
        "reopened_at": close.reopened_at,
        "reopened_by": close.reopened_by,
        "reopen_reason": close.reopen_reason,
    }


class SqlPeriodRepository:
    """Implements `application.periods.PeriodRepository` (and the write path's `ClosedPeriodsSource`)."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def closed_through(self) -> ClosedPeriods:
        return ClosedPeriods.of((r.asset_code, r.through) for r in self._tx.execute(_CLOSED_THROUGH))

    def active(self) -> list[PeriodClose]:
        return [close_from_row(r) for r in self._tx.execute(_ACTIVE)]

    def get(self, close_id: UUID) -> PeriodClose | None:
        row = self._tx.execute(_GET, {"id": close_id}).one_or_none()
        return None if row is None else close_from_row(row)

    def serialize(self) -> None:
        self._tx.execute(_SERIALIZE)

    def hold_writers(self) -> datetime | None:
        held_at: datetime = self._tx.execute(_LOCK_ENTRIES).scalar_one()
        return held_at

    def add(self, close: PeriodClose) -> None:
        self._tx.execute(_ADD, _values(close))

    def save(self, close: PeriodClose) -> None:
        self._tx.execute(_SAVE, _values(close))

    def query(self, *, after: PeriodCursor | None, limit: int) -> list[PeriodClose]:
        parameters = {
            "after_at": None if after is None else after.closed_at,
            "after_id": None if after is None else after.id,
            "limit": limit,
        }
        return [close_from_row(r) for r in self._tx.execute(_QUERY, parameters)]

    def write_snapshot(self, close: PeriodClose) -> int:
        self._tx.execute(_SNAPSHOT, {"close_id": close.id, "through": close.through, "asset": close.asset})
        self._tx.execute(_SNAPSHOT_HEADER, {"close_id": close.id})
        return self.snapshot_sizes([close.id]).get(close.id, 0)

    def snapshot_sizes(self, close_ids: Iterable[UUID]) -> dict[UUID, int]:
        ids = [str(i) for i in close_ids]
        if not ids:
            return {}
        return {r.close_id: int(r.accounts) for r in self._tx.execute(_SIZES, {"ids": ids})}

    def balances(self, close_id: UUID, *, after: UUID | None, limit: int) -> list[PeriodBalance]:
        rows = self._tx.execute(_BALANCES, {"close_id": close_id, "after": after, "limit": limit})
        return [
            PeriodBalance(
                r.account_id,
                r.code,
                r.asset_code,
                Side(r.normal_side),
                int(r.posted_debits),
                int(r.posted_credits),
            )
            for r in rows
        ]
