"""The sealed journal: blocks of journal rows hashed into a Merkle tree and chained.

Why: the journal (`entries`) refuses UPDATE, DELETE and TRUNCATE by its triggers, but a superuser (or
anyone who gets past the triggers) could still change history without a trace. Sealing makes that
evident: a background sealer hashes the committed journal, in a fixed order, into blocks (a Merkle tree
each, chained by hash), and anyone can recompute them (`razao check --seals`) or check one row's proof
with hashlib alone (`GET /v1/transfers/{id}/proof`). Sealing runs beside the writes, never in their
path: writes do not serialise on a global hash (docs/audit/seals.md).

Creates
- column `entries.txid` (bigint, nullable) with default `txid_current()`: the transaction that wrote the
  row, the first key of the sealing order. Added without a default, then given one: both are catalog
  changes (no rewrite, no scan); rows written before this revision keep NULL ("legacy" rows, sealed
  first in (created_at, transfer_id, layer, line) order, on `ix_entries_created_at`). A row may be
  sealed once its txid is below every transaction still running that could write this database
  (`razao_seal_store.HORIZON`), so no row can appear later before it;
- index `ix_entries_txid` (txid, created_at, transfer_id, layer, line) WHERE txid IS NOT NULL: the
  sealing order, read as a keyset range. Built `CREATE INDEX CONCURRENTLY` in an autocommit block (it
  cannot run in a transaction; the column is empty then, so it is quick), after dropping an INVALID
  leftover of a build cut short; the column is added in that block too, `IF NOT EXISTS`, so an upgrade
  cut short runs again;
- table `seal_blocks` (owned by razao_owner): `height` (primary key: two sealers cannot fork the
  chain), `prev_hash`, `merkle_root`, `block_hash` (unique), `row_count`, the first and last position of
  the block's range (`first_txid`, `first_created_at`, `first_transfer_id`, `first_layer`, `first_line`,
  and `last_*`), `digests` (the first 8 bytes of each leaf hash, in order: verification names the row
  that differs), `sealed_at` and `total_rows` (the rows of this block and every earlier one, written by
  the insert from the previous block's: the status reads the rows sealed from the head alone, never a
  sum over every block; a statistic, outside the hashes). Index `ix_seal_blocks_last` on the last
  position: the block of a row (proofs) is one index probe;
- triggers `seal_blocks_immutable` (BEFORE UPDATE OR DELETE, each row) and `seal_blocks_no_truncate`
  (BEFORE TRUNCATE), with the journal's `razao.refuse()` (revision 0002): SQLSTATE RZ101.

Privileges (least privilege): razao_app may SELECT and INSERT `seal_blocks` (only the app-mode sealer
inserts blocks; in the database mode `razao.seal_journal` inserts them as razao_owner); never UPDATE,
DELETE or TRUNCATE. Nothing for PUBLIC. `entries.txid` is filled by its default only: razao_app's
table-level INSERT on entries (revision 0001) is replaced by INSERT on every column but `txid`
(`ENTRY_COLUMNS`), so the application role cannot choose a row's place in the sealing order (a txid
below the head would put a new row inside a sealed range, where it is never sealed).

Downgrade gives razao_app back its table-level INSERT on entries, then drops the table, the index (`DROP
INDEX CONCURRENTLY IF EXISTS`, in an autocommit block) and the column: the seals and the writing
transactions of the rows are lost (the previous release does not read them).

Revision ID: 0021_sealed_journal
Revises: 0020_code_4f787f8cf05f
Create Date: 2026-12-06
Docs: docs/audit/seals.md
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021_sealed_journal"
down_revision: str | None = "0020_code_4f787f8cf05f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk: <rule>` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "require-lock-timeout": (
        "migrations/env.py sets lock_timeout on its connection before each step; the column and its"
        " default are catalog changes of entries (ACCESS EXCLUSIVE held for no time at all), the new"
        " table locks only itself"
    ),
    "require-statement-timeout": (
        "migrations/env.py sets statement_timeout before each step; nothing here depends on the amount"
        " of data (catalog changes, an index over a column that is empty when it is built, a new table)"
    ),
    "prefer-robust-stmts": (
        "setting the column's default runs again unchanged when an upgrade cut short is run again (the"
        " column is added IF NOT EXISTS just before); there is no IF NOT EXISTS form for a default"
    ),
    "prefer-bigint-over-int": "a block's row_count is at most 16,384 (domain.seals.MAX_BLOCK_ROWS)",
    "prefer-bigint-over-smallint": (
        "first_line and last_line copy entries.line, which is smallint: a position compares like the journal"
    ),
    "ban-drop-table": "only in the downgrade, which drops the table this revision created",
    "ban-drop-column": "only in the downgrade, which drops the column this revision added",
}

OWNER = "razao_owner"
APP = "razao_app"
INDEX = "ix_entries_txid"
#: The triggers' message (`razao.refuse()`: %1$s the operation, %2$s the table).
REFUSED = "sealed blocks are immutable: %s on %s is refused"
INDEX_ON = "ON entries (txid, created_at, transfer_id, layer, line) WHERE txid IS NOT NULL"
#: The journal's columns razao_app may write: all but `txid` (its default only).
ENTRY_COLUMNS = (
    "transfer_id, account_id, seq, line, layer, side, amount, asset_code, balance_after, created_at,"
    " effective_at"
)

TABLE = f"""\
CREATE TABLE seal_blocks (
    height bigint NOT NULL,
    prev_hash bytea NOT NULL,
    merkle_root bytea NOT NULL,
    block_hash bytea NOT NULL,
    row_count integer NOT NULL,
    first_txid bigint,
    first_created_at timestamptz NOT NULL,
    first_transfer_id uuid NOT NULL,
    first_layer text NOT NULL,
    first_line smallint NOT NULL,
    last_txid bigint,
    last_created_at timestamptz NOT NULL,
    last_transfer_id uuid NOT NULL,
    last_layer text NOT NULL,
    last_line smallint NOT NULL,
    digests bytea NOT NULL,
    sealed_at timestamptz NOT NULL,
    total_rows bigint NOT NULL,
    CONSTRAINT seal_blocks_pkey PRIMARY KEY (height),
    CONSTRAINT seal_blocks_block_hash_key UNIQUE (block_hash),
    CONSTRAINT seal_blocks_height_check CHECK (height >= 1),
    CONSTRAINT seal_blocks_row_count_check CHECK (row_count >= 1),
    CONSTRAINT seal_blocks_total_rows_check CHECK (total_rows >= row_count),
    CONSTRAINT seal_blocks_hashes_check CHECK (
        octet_length(prev_hash) = 32 AND octet_length(merkle_root) = 32 AND octet_length(block_hash) = 32
    )
);
CREATE INDEX ix_seal_blocks_last ON seal_blocks (last_txid, last_created_at, last_transfer_id, last_layer, last_line);
ALTER TABLE seal_blocks OWNER TO {OWNER};
REVOKE ALL ON TABLE seal_blocks FROM PUBLIC;
GRANT SELECT, INSERT ON TABLE seal_blocks TO {APP};
REVOKE INSERT ON TABLE entries FROM {APP};
GRANT INSERT ({ENTRY_COLUMNS}) ON TABLE entries TO {APP};
CREATE TRIGGER seal_blocks_immutable BEFORE UPDATE OR DELETE ON seal_blocks FOR EACH ROW
    EXECUTE FUNCTION razao.refuse('RZ101', 'seal_blocks_immutable', '{REFUSED}');
CREATE TRIGGER seal_blocks_no_truncate BEFORE TRUNCATE ON seal_blocks FOR EACH STATEMENT
    EXECUTE FUNCTION razao.refuse('RZ101', 'seal_blocks_no_truncate', '{REFUSED}');
"""


def upgrade() -> None:
    # Outside any transaction: the index is built CONCURRENTLY; every step may run again (the docstring).
    with op.get_context().autocommit_block():
        # squawk: require-lock-timeout, require-statement-timeout: a nullable column without a default,
        # then its default: catalog changes only (no rewrite, no scan).
        # squawk: prefer-robust-stmts: a rerun sets the same default again.
        op.execute("ALTER TABLE entries ADD COLUMN IF NOT EXISTS txid bigint")
        op.execute("ALTER TABLE entries ALTER COLUMN txid SET DEFAULT txid_current()")
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
        op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} {INDEX_ON}")
    # squawk: require-lock-timeout, require-statement-timeout: a new table, its index, grants (and
    # razao_app's INSERT on entries narrowed to every column but txid), triggers.
    # squawk: prefer-bigint-over-int (row_count, at most 65,536), prefer-bigint-over-smallint (the lines,
    # as entries.line).
    op.execute(TABLE)


def downgrade() -> None:
    with op.get_context().autocommit_block():  # first: IF EXISTS, so a downgrade cut short reruns
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    op.execute(f"REVOKE INSERT ({ENTRY_COLUMNS}) ON TABLE entries FROM {APP}")
    op.execute(f"GRANT INSERT ON TABLE entries TO {APP}")
    # squawk: ban-drop-table: undoing this revision drops the table it created (the docstring).
    op.execute("DROP TABLE seal_blocks")
    # squawk: ban-drop-column: undoing this revision drops the column it added (the docstring).
    op.execute("ALTER TABLE entries DROP COLUMN IF EXISTS txid")
