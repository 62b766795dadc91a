"""The journal repository: entries of every account booked in a window, in the journal's order.

One statement per page: the entries of the window after the cursor, ordered by `(created_at,
transfer_id, layer, line)` (a total order: `(transfer_id, layer, line)` is unique), joined with their
account (its code), asset (its scale) and transfer (value date and description). The order is what an
index on `entries (created_at, transfer_id, layer, line)` would give directly; without it, each page is
a scan of the journal with a top-N sort.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, SmallInteger, Text, Uuid, bindparam, select, tuple_

from adapters.db.mapping import entry_from_row
from adapters.db.models import Timestamp, accounts, assets, entries, transfers
from adapters.db.tx import Tx
from application.journal import JournalCursor, JournalLine

_ORDER = (entries.c.created_at, entries.c.transfer_id, entries.c.layer, entries.c.line)


@cache
def _page_query(after: bool) -> Select[Any]:
    query = (
        select(
            entries.c.transfer_id,
            entries.c.account_id,
            entries.c.seq,
            entries.c.line,
            entries.c.layer,
            entries.c.side,
            entries.c.amount,
            entries.c.asset_code,
            entries.c.balance_after,
            entries.c.created_at,
            accounts.c.code.label("account_code"),
            assets.c.scale,
            transfers.c.effective_at,
            transfers.c.description,
        )
        .join(accounts, accounts.c.id == entries.c.account_id)
        .join(assets, assets.c.code == entries.c.asset_code)
        .join(transfers, transfers.c.id == entries.c.transfer_id)
        .where(
            entries.c.created_at >= bindparam("start", type_=Timestamp),
            entries.c.created_at < bindparam("end", type_=Timestamp),
        )
        .order_by(*_ORDER)
        .limit(bindparam("max_rows", type_=Integer))
    )
    if after:
        query = query.where(
            tuple_(*_ORDER)
            > tuple_(
                bindparam("after_at", type_=Timestamp),
                bindparam("after_transfer", type_=Uuid),
                bindparam("after_layer", type_=Text),
                bindparam("after_line", type_=SmallInteger),
            )
        )
    return query


class SqlJournal:
    """Implements `application.journal.JournalRepository`."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def lines(
        self, start: datetime, end: datetime, after: JournalCursor | None, limit: int
    ) -> list[JournalLine]:
        parameters: dict[str, Any] = {"start": start, "end": end, "max_rows": limit}
        if after is not None:
            parameters |= {
                "after_at": after.created_at,
                "after_transfer": after.transfer_id,
                "after_layer": after.layer.value,
                "after_line": after.line,
            }
        return [
            JournalLine(entry_from_row(row), row.account_code, row.scale, row.effective_at, row.description)
            for row in self._tx.execute(_page_query(after is not None), parameters)
        ]
