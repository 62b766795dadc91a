"""The ledger scan of verification: the journal and the per-transfer sums, streamed, whole or a range of
accounts (transfers) at a time: `after_id` and `limit` page by primary key (the nil UUID sorts first;
`LIMIT NULL` is no limit), and a journal page may resume inside an account and stop after `max_rows` rows
(`application.verification.verify_part`).

Both queries run on a server-side cursor (`stream_results`, fetched `yield_per` rows at a time), in
one REPEATABLE READ, READ ONLY transaction, so the two see the same snapshot and memory stays bounded
whatever the size of the journal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from sqlalchemy import text

from adapters.db.tx import Tx
from domain.accounts import Balances, Layer, Side
from domain.transfers import TransferStatus
from domain.verification import JournalLine, StoredAccount, TransferSums

BATCH_ROWS = 2000

# Both scans read one page of accounts (transfers) by primary key and then, per account (transfer), only its own
# rows through a LATERAL join on the primary key of `entries` (account_id, seq) or its unique
# (transfer_id, layer, line): a part costs what it reads, not what the whole ledger holds. With :resume_seq
# the page starts with the account :after_id itself, from its entries after that seq; :max_rows bounds the
# rows of a part (the inner LIMIT keeps one busy account from being read past it).
_JOURNAL = text(
    "SELECT a.id, a.asset_code, a.normal_side, a.min_balance, a.posted_debits, a.posted_credits,"
    " a.pending_debits, a.pending_credits, a.last_seq, e.seq, e.transfer_id, e.layer, e.side, e.amount,"
    " e.asset_code AS entry_asset, e.balance_after, e.transfer_status"
    " FROM (SELECT * FROM public.accounts WHERE id >= coalesce(:after_id, :nil)"
    " AND (CAST(:resume_seq AS bigint) IS NOT NULL OR id IS DISTINCT FROM :after_id)"
    " ORDER BY id LIMIT :lim) a"
    " LEFT JOIN LATERAL (SELECT e.*, t.status AS transfer_status FROM public.entries e"
    " JOIN public.transfers t ON t.id = e.transfer_id"
    " WHERE e.account_id = a.id"
    " AND e.seq > CASE WHEN a.id = :after_id THEN coalesce(CAST(:resume_seq AS bigint), 0) ELSE 0 END"
    " ORDER BY e.seq LIMIT :max_rows) e ON true"
    " ORDER BY a.id, e.seq"
    " LIMIT :max_rows"
).execution_options(stream_results=True)

_TRANSFER_SUMS = text(
    "SELECT t.id, t.status, e.layer, e.asset_code,"
    " coalesce(e.debits, 0) AS debits, coalesce(e.credits, 0) AS credits"
    " FROM (SELECT id, status FROM public.transfers WHERE id > coalesce(:after_id, :nil) ORDER BY id LIMIT :lim) t"
    " LEFT JOIN LATERAL (SELECT e.layer, e.asset_code,"
    " sum(e.amount) FILTER (WHERE e.side = 'debit') AS debits,"
    " sum(e.amount) FILTER (WHERE e.side = 'credit') AS credits"
    " FROM public.entries e WHERE e.transfer_id = t.id GROUP BY e.layer, e.asset_code) e ON true"
    " ORDER BY t.id, e.layer, e.asset_code"
).execution_options(stream_results=True)


# The holds of a resumed account up to a seq that are still open: its entries by primary key.
_OPEN_HOLDS = text(
    "SELECT coalesce(sum(e.amount) FILTER (WHERE e.side = 'debit'), 0) AS debits,"
    " coalesce(sum(e.amount) FILTER (WHERE e.side = 'credit'), 0) AS credits"
    " FROM public.entries e JOIN public.transfers t ON t.id = e.transfer_id"
    " WHERE e.account_id = :account_id AND e.seq <= :through_seq AND e.layer = 'pending'"
    " AND t.status = 'pending'"
)

_COUNTS = text("SELECT (SELECT count(*) FROM public.accounts), (SELECT count(*) FROM public.transfers)")

NIL = UUID(int=0)


def journal_row(row: Any) -> tuple[StoredAccount, JournalLine | None]:
    account = StoredAccount(
        id=row.id,
        asset=row.asset_code,
        normal_side=Side(row.normal_side),
        min_balance=None if row.min_balance is None else int(row.min_balance),
        balances=Balances(
            int(row.posted_debits), int(row.posted_credits), int(row.pending_debits), int(row.pending_credits)
        ),
        last_seq=row.last_seq,
    )
    if row.seq is None:
        return account, None
    return account, JournalLine(
        account_id=row.id,
        seq=row.seq,
        transfer_id=row.transfer_id,
        layer=Layer(row.layer),
        side=Side(row.side),
        amount=int(row.amount),
        asset=row.entry_asset,
        balance_after=int(row.balance_after),
        transfer_status=TransferStatus(row.transfer_status),
    )


def transfer_sums(row: Any) -> TransferSums:
    return TransferSums(
        transfer_id=row.id,
        status=TransferStatus(row.status),
        layer=None if row.layer is None else Layer(row.layer),
        asset=row.asset_code,
        debits=int(row.debits),
        credits=int(row.credits),
    )


class SqlLedgerScan:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def snapshot(self) -> None:
        self._tx.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))

    def journal(
        self,
        after_id: UUID | None = None,
        limit: int | None = None,
        *,
        resume_seq: int | None = None,
        max_rows: int | None = None,
    ) -> Iterator[tuple[StoredAccount, JournalLine | None]]:
        page = {
            "after_id": after_id,
            "nil": NIL,
            "lim": limit,
            "resume_seq": resume_seq,
            "max_rows": max_rows,
        }
        for row in self._tx.execute(_JOURNAL, page).yield_per(BATCH_ROWS):
            yield journal_row(row)

    def transfer_sums(self, after_id: UUID | None = None, limit: int | None = None) -> Iterator[TransferSums]:
        page = {"after_id": after_id, "nil": NIL, "lim": limit}
        for row in self._tx.execute(_TRANSFER_SUMS, page).yield_per(BATCH_ROWS):
            yield transfer_sums(row)

    def counts(self) -> tuple[int, int]:
        accounts, transfers = (int(value) for value in self._tx.execute(_COUNTS).one())
        return accounts, transfers

    def open_holds(self, account_id: UUID, through_seq: int) -> tuple[int, int]:
        row = self._tx.execute(_OPEN_HOLDS, {"account_id": account_id, "through_seq": through_seq}).one()
        return int(row.debits), int(row.credits)
