"""The sealed journal's store inside PostgreSQL (`application.seals.SealStore` over SPI), and the SQL
both adapters run, stated once.

The statements below (the module-level constants in capitals) are what `adapters.db.seals` sends too: it
reads them from this file's source (`ast.literal_eval`, no code of it runs in the app) and sends them with
PostgreSQL's own `$n` parameters through psycopg, as `adapters.db.verification` does for the ledger scan.
Every parameter carries its cast, so both drivers send the same text.

Rows are read as plain values (ids and amounts as text, times as ISO 8601 text with an offset, bytea as
bytes) in the column order `domain.seals.ROW_COLUMNS` / `BLOCK_COLUMNS`, which the domain turns into
`SealRow`s and `Block`s the same way in both modes.

The sealing order (`domain.seals.Position`): legacy rows (txid NULL) by (created_at, transfer_id, layer,
line), read on `ix_entries_created_at`; then rows by (txid, created_at, transfer_id, layer, line), read on
`ix_entries_txid` (revision 0021). A range is given by its two ends, both as full positions: the lower end
excluded, the upper one included; '-infinity' and 'infinity' stand for "from the start" and "to the end"
(the first column decides, so the others are placeholders). Only rows below the horizon can be sealed
(`HORIZON`: every transaction that may write this journal and is older has ended) when $11 is NULL
(sealing); the verification and the proofs read a sealed range whole, so they pass the largest bigint.

Security context: runs inside `razao.seal_journal`, `razao.verify_seals` and `razao.seal_proof`
(SECURITY DEFINER, owned by razao_owner, search_path pinned); writes only `public.seal_blocks` (INSERT)
and `public.events` (through `razao_store.PlpyEventLog`).
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any
from uuid import UUID

from razao_store import PlpyUnitOfWork, Spi

if TYPE_CHECKING:
    from application.seals import SealStore

from domain.seals import BLOCK_COLUMNS, ROW_COLUMNS, Block, Position, SealRow, block_values

#: The largest txid a range or a horizon can name (bigint).
MAX_TXID = 9_223_372_036_854_775_807

#: One transaction seals at a time: transaction-level, released at commit or rollback (no session state).
SEAL_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('razao.seal_blocks', 0)) AS locked"

#: The sealing horizon: the oldest transaction still running that may write this database's journal. The
#: statement's snapshot lists the transactions running on the whole server (`txid_snapshot_xip`); those
#: whose backend is connected to another database (`pg_stat_activity`: each backend's database and
#: top-level xid, read together) cannot write here, so they do not hold sealing back. Any other one
#: counts, including a transaction not listed yet and a prepared one. None running: the snapshot's xmax.
HORIZON = (
    "(SELECT coalesce((SELECT min(x) FROM txid_snapshot_xip(s) AS x WHERE (x % 4294967296)::text NOT IN ("
    "SELECT a.backend_xid::text FROM pg_catalog.pg_stat_activity a WHERE a.backend_xid IS NOT NULL"
    " AND a.datname IS DISTINCT FROM current_database())), txid_snapshot_xmax(s))"
    " FROM txid_current_snapshot() AS s)"
)

_ROW = (
    "SELECT e.transfer_id::text AS transfer_id, e.layer, e.line, e.account_id::text AS account_id, e.seq,"
    " e.side, e.amount::text AS amount, e.asset_code AS asset, e.balance_after::text AS balance_after,"
    " to_json(e.created_at) #>> '{}' AS created_at, to_json(e.effective_at) #>> '{}' AS effective_at,"
    " e.txid, t.fingerprint"
    " FROM public.entries e JOIN public.transfers t ON t.id = e.transfer_id"
)
#: Legacy rows in ($1..$4, $5..$8], at most $9.
LEGACY_ROWS = (
    _ROW + " WHERE e.txid IS NULL"
    " AND (e.created_at, e.transfer_id, e.layer, e.line)"
    " > ($1::timestamptz, $2::uuid, $3::text, $4::smallint)"
    " AND (e.created_at, e.transfer_id, e.layer, e.line)"
    " <= ($5::timestamptz, $6::uuid, $7::text, $8::smallint)"
    " ORDER BY e.created_at, e.transfer_id, e.layer, e.line LIMIT $9::bigint"
)
#: Rows with a txid in ($1..$5, $6..$10], of transactions below the horizon $11 (NULL: `HORIZON`), at
#: most $12.
CURRENT_ROWS = (
    _ROW + " WHERE e.txid IS NOT NULL"
    " AND (e.txid, e.created_at, e.transfer_id, e.layer, e.line)"
    " > ($1::bigint, $2::timestamptz, $3::uuid, $4::text, $5::smallint)"
    " AND (e.txid, e.created_at, e.transfer_id, e.layer, e.line)"
    " <= ($6::bigint, $7::timestamptz, $8::uuid, $9::text, $10::smallint)"
    " AND e.txid < coalesce($11::bigint, " + HORIZON + ")"
    " ORDER BY e.txid, e.created_at, e.transfer_id, e.layer, e.line LIMIT $12::bigint"
)
#: The lines of one transfer ($1), in (layer, line) order.
TRANSFER_ROWS = _ROW + " WHERE e.transfer_id = $1::uuid ORDER BY e.layer, e.line"
TRANSFER_EXISTS = "SELECT count(*) AS found FROM public.transfers WHERE id = $1::uuid"

_BLOCK = (
    "SELECT b.height, b.prev_hash, b.merkle_root, b.block_hash, b.row_count,"
    " b.first_txid, to_json(b.first_created_at) #>> '{}' AS first_created_at,"
    " b.first_transfer_id::text AS first_transfer_id, b.first_layer, b.first_line,"
    " b.last_txid, to_json(b.last_created_at) #>> '{}' AS last_created_at,"
    " b.last_transfer_id::text AS last_transfer_id, b.last_layer, b.last_line,"
    " b.digests, to_json(b.sealed_at) #>> '{}' AS sealed_at"
    " FROM public.seal_blocks b"
)
HEAD = _BLOCK + " ORDER BY b.height DESC LIMIT 1"
BLOCK_AT = _BLOCK + " WHERE b.height = $1::bigint"
#: Blocks after height $1, at most $2, in height order.
BLOCKS_AFTER = _BLOCK + " WHERE b.height > $1::bigint ORDER BY b.height LIMIT $2::bigint"
#: The block whose range holds a row with a txid ($1..$5): the first whose last position is at or after
#: it (`ix_seal_blocks_last`).
BLOCK_OF_CURRENT = (
    _BLOCK + " WHERE b.last_txid IS NOT NULL"
    " AND (b.last_txid, b.last_created_at, b.last_transfer_id, b.last_layer, b.last_line)"
    " >= ($1::bigint, $2::timestamptz, $3::uuid, $4::text, $5::smallint)"
    " ORDER BY b.last_txid, b.last_created_at, b.last_transfer_id, b.last_layer, b.last_line LIMIT 1"
)
#: ... of a legacy row ($1..$4): the first legacy block ending at or after it, or else the first block
#: that ends past the legacy rows.
BLOCK_OF_LEGACY = (
    _BLOCK + " WHERE b.last_txid IS NOT NULL"
    " OR (b.last_created_at, b.last_transfer_id, b.last_layer, b.last_line)"
    " >= ($1::timestamptz, $2::uuid, $3::text, $4::smallint)"
    " ORDER BY b.height LIMIT 1"
)
#: `total_rows` is this block's rows plus the previous block's total (a statistic, outside the hashes).
INSERT_BLOCK = (
    "INSERT INTO public.seal_blocks (height, prev_hash, merkle_root, block_hash, row_count,"
    " first_txid, first_created_at, first_transfer_id, first_layer, first_line,"
    " last_txid, last_created_at, last_transfer_id, last_layer, last_line, digests, sealed_at, total_rows)"
    " VALUES ($1::bigint, $2::bytea, $3::bytea, $4::bytea, $5::integer,"
    " $6::bigint, $7::timestamptz, $8::uuid, $9::text, $10::smallint,"
    " $11::bigint, $12::timestamptz, $13::uuid, $14::text, $15::smallint, $16::bytea, $17::timestamptz,"
    " $5::integer + coalesce((SELECT p.total_rows FROM public.seal_blocks p WHERE p.height = $1::bigint - 1),"
    " 0))"
)
#: Rows sealed so far: the head block's total (one probe, never a sum over every block).
SEALED_ROWS = (
    "SELECT coalesce((SELECT b.total_rows FROM public.seal_blocks b ORDER BY b.height DESC LIMIT 1), 0)::bigint"
    " AS sealed"
)
#: The transaction id the next transaction will get (at least): the snapshot's xmax. Below the head's last
#: txid after a logical restore into a new cluster (its counter starts again), when sealing must stop.
NEXT_TXID = "SELECT txid_snapshot_xmax(txid_current_snapshot()) AS next"
#: Unsealed rows after a legacy position ($1..$4), at most $5 counted, and the oldest one's time.
UNSEALED_LEGACY = (
    "SELECT count(*) AS rows, to_json(min(s.created_at)) #>> '{}' AS oldest FROM ("
    "SELECT e.created_at FROM public.entries e WHERE e.txid IS NULL"
    " AND (e.created_at, e.transfer_id, e.layer, e.line)"
    " > ($1::timestamptz, $2::uuid, $3::text, $4::smallint) LIMIT $5::bigint) s"
)
#: ... after a position with a txid ($1..$5): every row past it, sealable yet or not.
UNSEALED_CURRENT = (
    "SELECT count(*) AS rows, to_json(min(s.created_at)) #>> '{}' AS oldest FROM ("
    "SELECT e.created_at FROM public.entries e WHERE e.txid IS NOT NULL"
    " AND (e.txid, e.created_at, e.transfer_id, e.layer, e.line)"
    " > ($1::bigint, $2::timestamptz, $3::uuid, $4::text, $5::smallint) LIMIT $6::bigint) s"
)

#: PL/Python parameter types of each statement (the casts above say the same).
_LEGACY = ("timestamptz", "uuid", "text", "smallint") * 2 + ("bigint",)
_CURRENT = ("bigint", "timestamptz", "uuid", "text", "smallint") * 2 + ("bigint", "bigint")
_POSITION = ("bigint", "timestamptz", "uuid", "text", "smallint")
_INSERT = ("bigint", "bytea", "bytea", "bytea", "integer", *_POSITION, *_POSITION, "bytea", "timestamptz")

_row = itemgetter(*ROW_COLUMNS)
_block = itemgetter(*BLOCK_COLUMNS)


def legacy_args(after: Position | None, upto: Position | None) -> list[Any]:
    """$1..$8 of `LEGACY_ROWS` (and $1..$4 of `UNSEALED_LEGACY`): the range (after, upto] of legacy rows;
    None: from the start, to the end."""
    low = ("-infinity", UUID(int=0), "", 0) if after is None else after.legacy_key()
    high = ("infinity", UUID(int=0), "", 0) if upto is None or not upto.is_legacy else upto.legacy_key()
    return [*low, *high]


def current_args(after: Position | None, upto: Position | None) -> list[Any]:
    """$1..$10 of `CURRENT_ROWS`: the range (after, upto] of rows with a txid; None: from the start, to
    the end (a legacy `after` means from the start)."""
    low = (0, "-infinity", UUID(int=0), "", 0) if after is None or after.is_legacy else after.key()
    high = (MAX_TXID, "infinity", UUID(int=0), "", 0) if upto is None else upto.key()
    return [*low, *high]


class PlpySealStore:
    """Implements `application.seals.SealStore` over SPI (the statements above)."""

    def __init__(self, spi: Spi) -> None:
        self._spi = spi

    def _rows(self, sql: str, types: tuple[str, ...], args: list[Any]) -> list[Any]:
        return self._spi.execute(sql, types, [_spi_value(a) for a in args])

    def lock(self) -> None:
        self._spi.execute(SEAL_LOCK)

    def _blocks(self, sql: str, types: tuple[str, ...] = (), args: list[Any] | None = None) -> list[Block]:
        return [Block.parse(_block(r)) for r in self._rows(sql, types, args or [])]

    def head(self) -> Block | None:
        found = self._blocks(HEAD)
        return found[0] if found else None

    def block(self, height: int) -> Block | None:
        found = self._blocks(BLOCK_AT, ("bigint",), [height])
        return found[0] if found else None

    def blocks(self, after_height: int, limit: int) -> list[Block]:
        return self._blocks(BLOCKS_AFTER, ("bigint", "bigint"), [after_height, limit])

    def block_of(self, position: Position) -> Block | None:
        if position.is_legacy:
            found = self._blocks(BLOCK_OF_LEGACY, _POSITION[1:], list(position.legacy_key()))
        else:
            found = self._blocks(BLOCK_OF_CURRENT, _POSITION, list(position.key()))
        return found[0] if found else None

    def rows(
        self, after: Position | None, upto: Position | None, limit: int, *, sealable_only: bool
    ) -> list[SealRow]:
        found: list[SealRow] = []
        if after is None or after.is_legacy:
            args = [*legacy_args(after, upto), limit]
            found = [SealRow.parse(_row(r)) for r in self._rows(LEGACY_ROWS, _LEGACY, args)]
        if (upto is None or not upto.is_legacy) and len(found) < limit:
            horizon = None if sealable_only else MAX_TXID
            args = [*current_args(after, upto), horizon, limit - len(found)]
            found += [SealRow.parse(_row(r)) for r in self._rows(CURRENT_ROWS, _CURRENT, args)]
        return found

    def transfer_rows(self, transfer_id: UUID) -> list[SealRow] | None:
        rows = [SealRow.parse(_row(r)) for r in self._rows(TRANSFER_ROWS, ("uuid",), [transfer_id])]
        if rows:
            return rows
        found = self._rows(TRANSFER_EXISTS, ("uuid",), [transfer_id])[0]["found"]
        return [] if found else None

    def add(self, block: Block) -> None:
        self._rows(INSERT_BLOCK, _INSERT, block_values(block))

    def sealed_rows(self) -> int:
        return int(self._rows(SEALED_ROWS, (), [])[0]["sealed"])

    def next_txid(self) -> int:
        return int(self._rows(NEXT_TXID, (), [])[0]["next"])

    def unsealed(self, after: Position | None, cap: int) -> tuple[int, str | None]:
        rows, oldest = 0, None
        if after is None or after.is_legacy:
            r = self._rows(UNSEALED_LEGACY, (*_LEGACY[:4], "bigint"), [*legacy_args(after, None)[:4], cap])[0]
            rows, oldest = int(r["rows"]), r["oldest"]
        if rows < cap:
            low = current_args(after, None)[:5]
            r = self._rows(UNSEALED_CURRENT, (*_POSITION, "bigint"), [*low, cap - rows])[0]
            rows += int(r["rows"])
            oldest = oldest or r["oldest"]
        return rows, oldest


def _spi_value(value: Any) -> Any:
    """A parameter as PL/Python passes it: uuids and datetimes as text (read by their input functions)."""
    if isinstance(value, UUID):
        return str(value)
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()
    return value


class PlpySealUnitOfWork(PlpyUnitOfWork):
    """`application.seals.SealUnitOfWork` inside PostgreSQL: the ledger's unit of work with `seals`."""

    seals: SealStore

    def __init__(self, plpy: Any) -> None:
        super().__init__(plpy)
        self.seals = PlpySealStore(self._spi)
