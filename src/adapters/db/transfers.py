"""The transfer repository: transfers rebuilt from their row and their journal entries.

Reads fetch the transfer rows with one statement and all their entries with a second one, however
many transfers there are. Writes are deferred to `Tx` and go out in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, Select, Uuid, any_, bindparam, exists, literal, literal_column, select, tuple_

from adapters.db.mapping import entry_values, transfer_from_row, transfer_status_values, transfer_values
from adapters.db.models import accounts, entries, transfers
from adapters.db.search import metadata_conditions, transfer_amount
from adapters.db.tx import Tx
from application.ports import TransferCursor
from application.search import TransferFilter
from domain.time_basis import Basis
from domain.transfers import Entry, Transfer, TransferStatus

_reversal = transfers.alias("reversal")
_TRANSFERS = select(
    transfers,
    select(_reversal.c.id)
    .where(_reversal.c.reverses_id == transfers.c.id)
    .scalar_subquery()
    .label("reversed_by_id"),
)
# The columns of a domain `Entry` (its value date is its transfer's; `txid` is the sealer's, revision 0021).
_ENTRIES_OF = (
    select(*(column for column in entries.c if column.name not in ("effective_at", "txid")))
    .where(entries.c.transfer_id == any_(bindparam("ids", type_=ARRAY(Uuid))))
    .order_by(entries.c.transfer_id, entries.c.layer, entries.c.line)
)
# A literal, not a bound parameter: the planner must see it to use the partial index.
_PENDING = transfers.c.status == literal_column("'pending'")


def _ids(transfer_ids: Iterable[UUID]) -> list[UUID]:
    return sorted(set(transfer_ids))


class SqlTransferRepository:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def _load(self, statement: Select[Any]) -> list[Transfer]:
        rows = self._tx.execute(statement).all()
        if not rows:
            return []
        lines: dict[UUID, list[Any]] = defaultdict(list)
        for entry in self._tx.execute(_ENTRIES_OF, {"ids": [row.id for row in rows]}):
            lines[entry.transfer_id].append(entry)
        return [transfer_from_row(row, lines[row.id]) for row in rows]

    def get(self, transfer_id: UUID) -> Transfer | None:
        found = self._load(_TRANSFERS.where(transfers.c.id == transfer_id))
        return found[0] if found else None

    def get_many(self, transfer_ids: Iterable[UUID]) -> dict[UUID, Transfer]:
        ids = _ids(transfer_ids)
        if not ids:
            return {}
        found = self._load(
            _TRANSFERS.where(transfers.c.id == any_(bindparam("tids", ids, type_=ARRAY(Uuid))))
        )
        return {t.id: t for t in found}

    def lock(self, transfer_id: UUID) -> Transfer | None:
        found = self._load(_TRANSFERS.where(transfers.c.id == transfer_id).with_for_update(of=transfers))
        return found[0] if found else None

    def add(self, transfer: Transfer, entries_: Sequence[Entry]) -> None:
        self._tx.insert_transfer(transfer_values(transfer))
        self._tx.insert_entries([entry_values(e, transfer.effective_at) for e in entries_])

    def save(self, transfer: Transfer, entries_: Sequence[Entry]) -> None:
        self._tx.change_transfer_status(transfer_status_values(transfer))
        self._tx.insert_entries([entry_values(e, transfer.effective_at) for e in entries_])

    def query(self, where: TransferFilter, *, after: TransferCursor | None, limit: int) -> list[Transfer]:
        """Newest first on the filter's basis, keyset on (instant, id): a backward range scan of
        ix_transfers_created_at_id or ix_transfers_effective_at_id, or of the index a filter brings
        (status, metadata, an account's entries); docs/search.md says which."""
        at = transfers.c.effective_at if where.basis is Basis.EFFECTIVE else transfers.c.created_at
        statement = _TRANSFERS.order_by(at.desc(), transfers.c.id.desc()).limit(limit)
        if where.status is not None:
            statement = statement.where(transfers.c.status == TransferStatus(where.status).value)
        if where.start is not None:
            statement = statement.where(at >= where.start)
        if where.end is not None:
            statement = statement.where(at < where.end)
        if after is not None:
            statement = statement.where(tuple_(at, transfers.c.id) < tuple_(after.at, after.id))
        if where.account_id is not None:
            statement = statement.where(
                exists().where(
                    entries.c.transfer_id == transfers.c.id, entries.c.account_id == where.account_id
                )
            )
        if where.asset is not None:
            statement = statement.where(
                exists().where(entries.c.transfer_id == transfers.c.id, entries.c.asset_code == where.asset)
            )
        statement = statement.where(*metadata_conditions(transfers.c.metadata, where.metadata))
        if where.amount_min is not None or where.amount_max is not None:
            amount = transfer_amount()
            # Bound as amounts (NUMERIC(38)): a bare Python int would travel as bigint, too small for them.
            if where.amount_min is not None:
                statement = statement.where(amount >= literal(where.amount_min, entries.c.amount.type))
            if where.amount_max is not None:
                statement = statement.where(amount <= literal(where.amount_max, entries.c.amount.type))
        return self._load(statement)

    def lock_due(self, at: datetime, limit: int) -> list[Transfer]:
        """Pending transfers timed out by `at`, locked with FOR UPDATE SKIP LOCKED.

        The accounts they touch are locked first (ascending id), then the transfers: the order that
        post, void and reverse follow (accounts, then the transfer), so the expiry job cannot deadlock
        with a concurrent `post_pending` of the same transfer. One resolved meanwhile drops out (the
        locking read re-checks its status).
        """
        candidates = list(
            self._tx.execute(
                select(transfers.c.id)
                .where(_PENDING, transfers.c.timeout_at <= at)
                .order_by(transfers.c.timeout_at, transfers.c.id)
                .limit(limit)
            ).scalars()
        )
        if not candidates:
            return []
        touched = select(entries.c.account_id).where(entries.c.transfer_id == any_(_due_ids(candidates)))
        self._tx.execute(
            select(accounts.c.id)
            .where(accounts.c.id.in_(touched))
            .order_by(accounts.c.id)
            .with_for_update(of=accounts)
        )
        return self._load(
            _TRANSFERS.where(
                transfers.c.id == any_(_due_ids(candidates)), _PENDING, transfers.c.timeout_at <= at
            )
            .order_by(transfers.c.timeout_at, transfers.c.id)
            .with_for_update(of=transfers, skip_locked=True)
        )


def _due_ids(ids: list[UUID]) -> Any:
    return bindparam("due", ids, type_=ARRAY(Uuid))
