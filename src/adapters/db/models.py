"""The ledger's tables as SQLAlchemy declarative models: the schema's single source of truth.

Alembic's autogenerate compares these with the database (the migrations must match them exactly:
columns, types, collations, server defaults, constraints and indexes). Repositories do not use the ORM:
they run SQLAlchemy Core statements on the tables below (`assets`, `accounts`, ...), which skips the
identity map, and map rows to domain objects by hand.

Amounts and balances are NUMERIC(38, 0): integer minor units, read back as `Decimal`.
Docs: docs/reference/schema.md
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSON, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import UserDefinedType

#: PostgreSQL's own default names, so that constraint names read the same in SQL, in errors and here.
NAMING_CONVENTION = {
    "pk": "%(table_name)s_pkey",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
}

Money = Numeric(38, 0)
#: Numerators and denominators of exact fractions (interest carried between periods).
Exact = Numeric(78, 0)
Timestamp = DateTime(timezone=True)


class Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id (`xid8`), which SQLAlchemy does not know. Reflection reads it
    as an unknown type, which `adapters.db.migrate.differences` expects (and Alembic then skips)."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class AssetRow(Base):
    """A registered asset (built-in currencies are stored on first use)."""

    __tablename__ = "assets"
    __table_args__ = (CheckConstraint("scale BETWEEN 0 AND 18", name="scale"),)

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    scale: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=text("now()"))


class AccountRow(Base):
    """An account and its four running balances; `last_seq` numbers its journal entries.

    The balances and `last_seq` are written by database triggers from the journal (revision 0002),
    never by the application, which writes `status` only.
    """

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("normal_side IN ('debit', 'credit')", name="normal_side"),
        CheckConstraint("status IN ('active', 'frozen', 'closed')", name="status"),
        CheckConstraint(
            "posted_debits >= 0 AND posted_credits >= 0 AND pending_debits >= 0 AND pending_credits >= 0",
            name="balances",
        ),
        CheckConstraint("last_seq >= 0", name="last_seq"),
        # The available balance never falls below the minimum, or below zero when the minimum is a
        # positive reserve (a new account starts below it). Revision 0002; Docs: docs/reference/rules.md
        CheckConstraint(
            "min_balance IS NULL OR CASE WHEN normal_side = 'credit' "
            "THEN posted_credits - posted_debits - pending_debits "
            "ELSE posted_debits - posted_credits - pending_credits END >= LEAST(min_balance, 0)",
            name="min_balance",
        ),
        Index("ix_accounts_asset_code_code", "asset_code", "code"),
        # Search (revision 0016): metadata containment and key existence, for accounts that have any;
        # status filters in code order.
        Index(
            "ix_accounts_metadata",
            "metadata",
            postgresql_using="gin",
            postgresql_where=text("metadata <> '{}'::jsonb"),
        ),
        Index("ix_accounts_status_code", "status", "code"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: "C" collation: byte order, so prefix filters and ordering use the plain btree.
    code: Mapped[str] = mapped_column(Text(collation="C"), unique=True)
    name: Mapped[str] = mapped_column(Text)
    asset_code: Mapped[str] = mapped_column(Text, ForeignKey("assets.code"))
    normal_side: Mapped[str] = mapped_column(Text)
    #: NULL means unbounded; a negative value is an overdraft allowance.
    min_balance: Mapped[Decimal | None] = mapped_column(Money)
    status: Mapped[str] = mapped_column(Text)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    posted_debits: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    posted_credits: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    pending_debits: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    pending_credits: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    last_seq: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))


class TransferRow(Base):
    """A booked transfer (the id is the client's idempotency key); its lines are in `entries`."""

    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'posted', 'voided', 'expired')", name="status"),
        CheckConstraint("reverses_id <> id", name="reverses_other"),
        # Newest first, keyset on (created_at, id): with and without a status filter.
        Index("ix_transfers_created_at_id", text("created_at DESC"), text("id DESC")),
        Index("ix_transfers_status_created_at_id", "status", text("created_at DESC"), text("id DESC")),
        # What the expiry job scans: only pending transfers that have a timeout.
        Index(
            "ix_transfers_timeout_at_pending",
            "timeout_at",
            postgresql_where=text("status = 'pending'"),
        ),
        # Search (revision 0016): metadata, for transfers that have any (the others cost nothing here),
        # and value-date ranges, newest first.
        Index(
            "ix_transfers_metadata",
            "metadata",
            postgresql_using="gin",
            postgresql_where=text("metadata <> '{}'::jsonb"),
        ),
        Index("ix_transfers_effective_at_id", text("effective_at DESC"), text("id DESC")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    status: Mapped[str] = mapped_column(Text)
    two_phase: Mapped[bool] = mapped_column(Boolean)
    description: Mapped[str] = mapped_column(Text, server_default=text("''"))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, server_default=text("'{}'::jsonb"))
    effective_at: Mapped[datetime] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    timeout_at: Mapped[datetime | None] = mapped_column(Timestamp)
    resolved_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: The transfer this one reverses; unique: a transfer is reversed at most once.
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("transfers.id"), unique=True)
    #: SHA-256 (hex) of the request, to tell a replay from a conflicting reuse of the id.
    fingerprint: Mapped[str] = mapped_column(Text)


class EntryRow(Base):
    """The append-only journal: one line per movement of one account (posted money or a hold)."""

    __tablename__ = "entries"
    __table_args__ = (
        PrimaryKeyConstraint("account_id", "seq"),
        UniqueConstraint("transfer_id", "layer", "line"),
        CheckConstraint("seq >= 1", name="seq"),
        CheckConstraint("line >= 0", name="line"),
        CheckConstraint("layer IN ('posted', 'pending')", name="layer"),
        CheckConstraint("side IN ('debit', 'credit')", name="side"),
        CheckConstraint("amount > 0", name="amount"),
        # "Balance as of T" is one index-only lookup: the last posted entry at or before T.
        Index(
            "ix_entries_balance_as_of",
            "account_id",
            "created_at",
            "seq",
            postgresql_where=text("layer = 'posted'"),
            postgresql_include=["balance_after"],
        ),
        # "Balance by value date" and effective-order statements: the posted entries of an account in
        # (effective_at, seq) order, with what a sum needs (revision 0015).
        Index(
            "ix_entries_value_date",
            "account_id",
            "effective_at",
            "seq",
            postgresql_where=text("layer = 'posted'"),
            postgresql_include=["side", "amount"],
        ),
        # The journal of a period in booking order, keyset-paged (`GET /v1/journal`, revision 0015).
        Index("ix_entries_created_at", "created_at", "transfer_id", "layer", "line"),
        # The sealing order of the rows that carry their writing transaction (revision 0021).
        Index(
            "ix_entries_txid",
            "txid",
            "created_at",
            "transfer_id",
            "layer",
            "line",
            postgresql_where=text("txid IS NOT NULL"),
        ),
    )

    #: References `transfers.id`, enforced by the trigger `entries_book` once per statement (an unknown
    #: transfer is RZ117), not by a foreign key (revision 0009).
    transfer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    #: References `accounts.id`, enforced by `entries_book` (an unknown account is RZ118; revision 0009).
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seq: Mapped[int] = mapped_column(BigInteger)
    line: Mapped[int] = mapped_column(SmallInteger)
    layer: Mapped[str] = mapped_column(Text)
    side: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(Money)
    asset_code: Mapped[str] = mapped_column(Text)
    #: The account's posted balance (read from its normal side) just after this entry.
    balance_after: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    #: The value date: always its transfer's `effective_at` (checked by `entries_book`, RZ119), so that
    #: a capture books at its hold's value date (revision 0015; docs/value-dates.md).
    effective_at: Mapped[datetime] = mapped_column(Timestamp)
    #: The writing transaction (`txid_current()`, by default: writers never send it), the first key of the
    #: sealing order; NULL for rows written before revision 0021 (docs/audit/seals.md).
    txid: Mapped[int | None] = mapped_column(BigInteger, server_default=text("txid_current()"))


class SealBlockRow(Base):
    """A sealed block of the journal: a Merkle root over its rows, chained to the previous block's hash.

    Append-only: UPDATE, DELETE and TRUNCATE are refused by triggers (RZ101) and razao_app may only SELECT
    and INSERT (revision 0021; docs/audit/seals.md). The range it covers runs from just after the previous
    block's last position to its own `last_*` position.
    """

    __tablename__ = "seal_blocks"
    __table_args__ = (
        CheckConstraint("height >= 1", name="height"),
        CheckConstraint("row_count >= 1", name="row_count"),
        CheckConstraint("total_rows >= row_count", name="total_rows"),
        CheckConstraint(
            "octet_length(prev_hash) = 32 AND octet_length(merkle_root) = 32 AND octet_length(block_hash) = 32",
            name="hashes",
        ),
        Index(
            "ix_seal_blocks_last",
            "last_txid",
            "last_created_at",
            "last_transfer_id",
            "last_layer",
            "last_line",
        ),
    )

    height: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary)
    merkle_root: Mapped[bytes] = mapped_column(LargeBinary)
    block_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    row_count: Mapped[int] = mapped_column(Integer)
    first_txid: Mapped[int | None] = mapped_column(BigInteger)
    first_created_at: Mapped[datetime] = mapped_column(Timestamp)
    first_transfer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    first_layer: Mapped[str] = mapped_column(Text)
    first_line: Mapped[int] = mapped_column(SmallInteger)
    last_txid: Mapped[int | None] = mapped_column(BigInteger)
    last_created_at: Mapped[datetime] = mapped_column(Timestamp)
    last_transfer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    last_layer: Mapped[str] = mapped_column(Text)
    last_line: Mapped[int] = mapped_column(SmallInteger)
    #: The first 8 bytes of each leaf hash, in order.
    digests: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_at: Mapped[datetime] = mapped_column(Timestamp)
    #: The rows sealed through this block (this block's and every earlier one's): the status reads the
    #: head's, never a sum over the blocks. A statistic, not covered by the hashes.
    total_rows: Mapped[int] = mapped_column(BigInteger)


class AccountValueDayRow(Base):
    """The posted entries of an account summed per UTC day of their value date (`effective_at`).

    Written only by the trigger `entries_book`, in the statement that inserts the entries (one upsert
    per account and day of the statement); razao_app may only read it. A balance by value date is the
    sum of the days before plus the entries of its own day (`razao.value_net`, revision 0015), whatever
    was backdated into those days and whenever.
    """

    __tablename__ = "account_value_days"
    __table_args__ = (
        PrimaryKeyConstraint("account_id", "value_date"),
        CheckConstraint("debits >= 0 AND credits >= 0", name="sums"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    value_date: Mapped[date] = mapped_column(Date)
    debits: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    credits: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))


class PeriodCloseRow(Base):
    """A close of the books through a date, ledger-wide (`asset_code` NULL) or for one asset.

    While it is active (`reopened_at` NULL) the trigger `entries_book` refuses every entry whose value
    date falls on or before `through` in its scope (RZ120, `period_closed`). Reopening records who,
    when and why; a close is never deleted (revision 0015; docs/periods.md).
    """

    __tablename__ = "period_closes"
    __table_args__ = (
        CheckConstraint("(reopened_at IS NULL) = (reopened_by IS NULL)", name="reopened"),
        # One active close per scope and date; the ledger-wide scope is asset_code NULL.
        Index(
            "ix_period_closes_scope_through",
            text("coalesce(asset_code, '')"),
            "through",
            unique=True,
            postgresql_where=text("reopened_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    asset_code: Mapped[str | None] = mapped_column(Text)
    through: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, server_default=text("''"))
    closed_at: Mapped[datetime] = mapped_column(Timestamp)
    closed_by: Mapped[str] = mapped_column(Text)
    reopened_at: Mapped[datetime | None] = mapped_column(Timestamp)
    reopened_by: Mapped[str | None] = mapped_column(Text)
    reopen_reason: Mapped[str | None] = mapped_column(Text)


class PeriodBalanceRow(Base):
    """A close's snapshot: an account's posted sums by value date through the end of the close's date,
    written once after the close (nothing can be booked into the period any more)."""

    __tablename__ = "period_balances"
    __table_args__ = (PrimaryKeyConstraint("close_id", "account_id"),)

    close_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    asset_code: Mapped[str] = mapped_column(Text)
    posted_debits: Mapped[Decimal] = mapped_column(Money)
    posted_credits: Mapped[Decimal] = mapped_column(Money)


class CategoryRow(Base):
    """A named category of accounts, as in a chart of accounts: categories nest (`parent_id`, checked
    acyclic by the trigger `categories_tree`, revision 0016) and an account may belong to several
    (`account_categories`). Docs: docs/groups.md"""

    __tablename__ = "categories"
    __table_args__ = (Index("ix_categories_parent_id", "parent_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    code: Mapped[str] = mapped_column(Text(collation="C"), unique=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, server_default=text("''"))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class AccountCategoryRow(Base):
    """An account's membership of a category (primary key: a category's members, in id order)."""

    __tablename__ = "account_categories"
    __table_args__ = (
        PrimaryKeyConstraint("category_id", "account_id"),
        Index("ix_account_categories_account_id", "account_id"),
    )

    category_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class PeriodSnapshotRow(Base):
    """A close's snapshot header: written with the snapshot, in its transaction, once (how many accounts
    it holds: what lists of closes show without counting)."""

    __tablename__ = "period_snapshots"

    close_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    accounts: Mapped[int] = mapped_column(BigInteger)
    written_at: Mapped[datetime] = mapped_column(Timestamp)


class EventRow(Base):
    """The outbox: what happened to the ledger, written by the use case in the transaction of the change.

    An event's position is (`txid`, `n`): the writing transaction's id and a per-row number that grows
    within a transaction. Readers return only rows whose `txid` is below the oldest transaction still
    running (`pg_snapshot_xmin(pg_current_snapshot())`), in position order: an event committed later
    always sorts after everything a reader has returned (docs/events.md). razao_app inserts the
    payload columns only (the database assigns `id`, `txid` and `n`) and never updates or deletes;
    retention deletes through `razao.prune_events` (revision 0010_events).
    """

    __tablename__ = "events"
    __table_args__ = (
        PrimaryKeyConstraint("txid", "n"),
        CheckConstraint(r"type ~ '^[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*$'", name="type"),
        # The feed's filters: the accounts an event concerns, and its type in position order.
        Index("ix_events_account_ids", "account_ids", postgresql_using="gin"),
        Index("ix_events_type_txid_n", "type", "txid", "n"),
    )

    #: Random (v4), assigned by the database; stable: deliveries of the same event carry the same id.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, server_default=text("gen_random_uuid()"))
    #: The writing transaction (`pg_current_xact_id()`): the first part of the position.
    txid: Mapped[int] = mapped_column(Xid8, server_default=text("pg_current_xact_id()"))
    #: Grows within a transaction (a session's identity values only grow): the second part.
    n: Mapped[int] = mapped_column(BigInteger, Identity(always=True, cache=32))
    #: `transfer.posted`, `account.frozen`, ... (application.events.EventType).
    type: Mapped[str] = mapped_column(Text)
    #: When it happened, by the clock of the use case that wrote it.
    occurred_at: Mapped[datetime] = mapped_column(Timestamp)
    #: The accounts it concerns (a transfer's accounts, or the one account of an account event).
    account_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), server_default=text("'{}'::uuid[]"))
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    #: What the API answered for the object at that moment (`GET /v1/transfers/{id}`, ...). `json`, not
    #: `jsonb`: kept as written, with the API's key order, and cheaper to insert.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class EventHorizonRow(Base):
    """At most one row, written by retention (`razao.prune_events`): the position of the last event it
    deleted (events up to it are gone), so a cursor before it is known to have missed events
    (`cursor_expired`). No row: nothing was ever deleted."""

    __tablename__ = "events_horizon"
    __table_args__ = (CheckConstraint("singleton", name="singleton"),)

    singleton: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default=text("true"))
    txid: Mapped[int] = mapped_column(Xid8)
    n: Mapped[int] = mapped_column(BigInteger)
    #: How many events retention has deleted so far, and when it last did.
    pruned: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    pruned_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: The latest cut-off retention ran with: every deleted event occurred before it.
    pruned_before: Mapped[datetime | None] = mapped_column(Timestamp)
    #: When the outbox started in a ledger that already held accounts or jobs (they have no events).
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)


class BalanceMonitorRow(Base):
    """A balance monitor (revision 0012_balance_monitors, `domain.monitors`): a condition on one balance
    of one account, and its edge-triggered state. razao_app inserts and deletes monitors and updates only
    their state (`triggered`, `triggered_at`); the condition never changes (delete and create instead)."""

    __tablename__ = "balance_monitors"
    __table_args__ = (
        CheckConstraint(
            "balance IN ('posted', 'available', 'pending_outflow', 'pending_inflow')", name="balance"
        ),
        CheckConstraint("comparison IN ('below', 'at_or_below', 'above', 'at_or_above')", name="comparison"),
        CheckConstraint("triggered_at IS NOT NULL OR NOT triggered", name="triggered_at"),
        # The write path's one statement: the monitors of the accounts a change touched.
        Index("ix_balance_monitors_account_id_created_at_id", "account_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    #: Which balance (`domain.monitors.BalanceKind`) and how it compares with the threshold.
    balance: Mapped[str] = mapped_column(Text)
    comparison: Mapped[str] = mapped_column(Text)
    threshold: Mapped[Decimal] = mapped_column(Money)
    description: Mapped[str] = mapped_column(Text, server_default=text("''"))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    #: Whether the condition held at the last evaluation (it fired then); when it last fired.
    triggered: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    triggered_at: Mapped[datetime | None] = mapped_column(Timestamp)


class EventStreamCursorRow(Base):
    """A broker stream's cursor (revision 0013_event_stream): the feed position up to which the broker
    confirmed every event, and the lease of the one publisher that may publish the stream
    (`application.stream`). Written in short transactions only, never held open while publishing."""

    __tablename__ = "event_stream_cursors"
    __table_args__ = (
        CheckConstraint("n >= 0", name="n"),
        CheckConstraint("published >= 0", name="published"),
        CheckConstraint("failures >= 0", name="failures"),
    )

    #: The stream (its exchange's name by default).
    name: Mapped[str] = mapped_column(Text, primary_key=True)
    #: The position (txid, n) up to which every event was confirmed; ('0', 0): none yet.
    txid: Mapped[int] = mapped_column(Xid8, server_default=text("'0'::xid8"))
    n: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    #: Events confirmed so far (a page published again after a crash counts again).
    published: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    #: Failed passes so far, and the latest failure.
    failures: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    failed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: The publisher that may publish the stream, until `leased_until` unless it renews the lease.
    holder: Mapped[str | None] = mapped_column(Text)
    leased_until: Mapped[datetime | None] = mapped_column(Timestamp)
    #: The cursor's last move.
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=text("now()"))


class BeatFiringRow(Base):
    """A firing of a beat schedule entry (revision 0019_single_schedulers): the beat that inserts the
    (entry, slot) row first sends the task; another beat's insert of it does nothing
    (`adapters.db.beat`). Old rows are pruned by the claims themselves."""

    __tablename__ = "beat_firings"
    __table_args__ = (
        PrimaryKeyConstraint("entry", "slot"),
        Index("ix_beat_firings_slot", "slot"),
    )

    #: The schedule entry's name (`expire-holds`, ...).
    entry: Mapped[str] = mapped_column(Text)
    #: The firing's due time: a crontab entry's scheduled minute, an interval entry's window start.
    slot: Mapped[datetime] = mapped_column(Timestamp)
    #: The beat process that sent the task (host and pid), and when.
    fired_by: Mapped[str] = mapped_column(Text)
    fired_at: Mapped[datetime] = mapped_column(Timestamp, server_default=text("now()"))


class WebhookEndpointRow(Base):
    """A webhook endpoint (revision 0011_webhooks, `application.webhooks`): where events are pushed, which
    ones, its signing secret (encrypted), its fan-out cursor and its circuit breaker."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        CheckConstraint("max_in_flight BETWEEN 1 AND 100", name="max_in_flight"),
        CheckConstraint("NOT ordered OR max_in_flight = 1", name="ordered"),
        CheckConstraint(
            "(previous_secret_ciphertext IS NULL) = (previous_secret_expires_at IS NULL)",
            name="previous_secret",
        ),
        CheckConstraint("consecutive_failures >= 0", name="consecutive_failures"),
        CheckConstraint("cursor_n >= 0", name="cursor_n"),
        CheckConstraint("delivered_total >= 0", name="delivered_total"),
        CheckConstraint("failed_total >= 0", name="failed_total"),
        CheckConstraint("retried_total >= 0", name="retried_total"),
        CheckConstraint("latency_sum_ms >= 0", name="latency_sum_ms"),
        CheckConstraint("cardinality(latency_bucket_counts) = 13", name="latency_bucket_counts"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, server_default=text("''"))
    #: None: every event type.
    event_types: Mapped[list[str] | None] = mapped_column(ARRAY(Text), nullable=True)
    account_code_prefix: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    ordered: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    max_in_flight: Mapped[int] = mapped_column(SmallInteger, server_default=text("1"))
    #: Fernet tokens of the signing secret, and of the previous one while a rotation overlaps.
    secret_ciphertext: Mapped[str] = mapped_column(Text)
    previous_secret_ciphertext: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: The feed position after which events are still to be fanned out to this endpoint.
    cursor_txid: Mapped[int] = mapped_column(Xid8)
    cursor_n: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    consecutive_failures: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    circuit_open_until: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    #: Monotonic counters for /metrics: attempts by outcome, and the latency histogram (per-bucket
    #: counts of `adapters.db.webhooks.LATENCY_BUCKETS`, then +Inf; the sum in milliseconds).
    delivered_total: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    failed_total: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    retried_total: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    latency_bucket_counts: Mapped[list[int]] = mapped_column(
        ARRAY(BigInteger), server_default=text("'{0,0,0,0,0,0,0,0,0,0,0,0,0}'::bigint[]")
    )
    latency_sum_ms: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))


class WebhookDeliveryRow(Base):
    """One event for one endpoint: its state, its retries and its lease while a worker sends it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        CheckConstraint("state IN ('pending', 'delivering', 'succeeded', 'failed')", name="state"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # The claim: the head of an endpoint's unfinished deliveries, in position order.
        Index(
            "ix_webhook_deliveries_endpoint_id_event_txid_event_n",
            "endpoint_id",
            "event_txid",
            "event_n",
            postgresql_where=text("state IN ('pending', 'delivering')"),
        ),
        Index("ix_webhook_deliveries_endpoint_id_created_at_id", "endpoint_id", "created_at", "id"),
        CheckConstraint("(state IN ('succeeded', 'failed')) = (finished_at IS NOT NULL)", name="finished_at"),
        # /metrics: the oldest unfinished delivery; retention: old finished ones.
        Index(
            "ix_webhook_deliveries_created_at_unfinished",
            "created_at",
            postgresql_where=text("state IN ('pending', 'delivering')"),
        ),
        Index(
            "ix_webhook_deliveries_finished_at",
            "finished_at",
            postgresql_where=text("state IN ('succeeded', 'failed')"),
        ),
        # What is due: pending ones by their next try, in-flight ones by their lease (so that a backlog
        # waiting for its retry is never walked through to find what is due).
        Index(
            "ix_webhook_deliveries_endpoint_id_next_attempt_at",
            "endpoint_id",
            "next_attempt_at",
            postgresql_where=text("state = 'pending'"),
        ),
        Index(
            "ix_webhook_deliveries_endpoint_id_lease_until",
            "endpoint_id",
            "lease_until",
            postgresql_where=text("state = 'delivering'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, server_default=text("gen_random_uuid()"))
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    event_txid: Mapped[int] = mapped_column(Xid8)
    event_n: Mapped[int] = mapped_column(BigInteger)
    event_type: Mapped[str] = mapped_column(Text)
    event_occurred_at: Mapped[datetime] = mapped_column(Timestamp)
    state: Mapped[str] = mapped_column(Text, server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(Timestamp)
    lease_until: Mapped[datetime | None] = mapped_column(Timestamp)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    first_attempt_at: Mapped[datetime | None] = mapped_column(Timestamp)
    delivered_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: When it succeeded or failed for good (None while unfinished): what retention ages by.
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)


class WebhookAttemptRow(Base):
    """One attempt to deliver: when, how long, what came back, and what was decided."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        CheckConstraint("outcome IN ('delivered', 'retry', 'failed')", name="outcome"),
        Index("ix_webhook_attempts_delivery_id_id", "delivery_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempt: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[datetime] = mapped_column(Timestamp)
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text)
    next_try_at: Mapped[datetime | None] = mapped_column(Timestamp)


class ApiKeyRow(Base):
    """An API key: only the SHA-256 of its secret is stored."""

    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    secret_hash: Mapped[str] = mapped_column(Text)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)


class ConsoleSessionRow(Base):
    """A console session (revision 0024_console_sessions): only the SHA-256 of its token is stored; its
    scopes are its API key's, read at each request (`adapters.db.console_sessions`)."""

    __tablename__ = "console_sessions"
    __table_args__ = (Index("ix_console_sessions_expires_at", "expires_at"),)

    token_hash: Mapped[str] = mapped_column(Text, primary_key=True)
    key_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)


class ReconRuleRow(Base):
    """A saved reconciliation rule set (revision 0023_reconciliation): `domain.reconciliation.Rule` as JSON."""

    __tablename__ = "recon_rules"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    rule: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class ReconRunRow(Base):
    """One matching run of a statement (revision 0023): its rule, whether a dry run, its summary."""

    __tablename__ = "recon_runs"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'finished', 'failed')", name="state"),
        Index("ix_recon_runs_statement_id_created_at", "statement_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    statement_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("bank_statements.id"))
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    rules_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("recon_rules.id"))
    rule: Mapped[dict[str, Any]] = mapped_column(JSONB)
    dry_run: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(Text)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    balance_check: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)


class ReconMatchRow(Base):
    """A match of statement lines to ledger entries (revision 0023); an unmatch is recorded on it."""

    __tablename__ = "recon_matches"
    __table_args__ = (
        CheckConstraint("strategy IN ('one_to_one', 'one_to_many', 'many_to_one')", name="strategy"),
        CheckConstraint("origin IN ('auto', 'manual')", name="origin"),
        Index("ix_recon_matches_run_id", "run_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    run_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("recon_runs.id"))
    strategy: Mapped[str] = mapped_column(Text)
    score: Mapped[int | None] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(Text)
    matched_by: Mapped[str] = mapped_column(Text)
    matched_at: Mapped[datetime] = mapped_column(Timestamp)
    unmatched_by: Mapped[str | None] = mapped_column(Text)
    unmatched_at: Mapped[datetime | None] = mapped_column(Timestamp)


class ReconMatchLineRow(Base):
    """A statement line of a match (revision 0023): at most one active match per line."""

    __tablename__ = "recon_match_lines"
    __table_args__ = (
        ForeignKeyConstraint(
            ["statement_id", "line_no"],
            ["statement_lines.statement_id", "statement_lines.line_no"],
            name="recon_match_lines_statement_id_fkey",
        ),
        Index(
            "ux_recon_match_lines_active",
            "statement_id",
            "line_no",
            unique=True,
            postgresql_where=text("active"),
        ),
    )

    match_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("recon_matches.id"), primary_key=True)
    statement_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean)


class ReconMatchEntryRow(Base):
    """A ledger entry of a match (revision 0023): at most one active match per entry."""

    __tablename__ = "recon_match_entries"
    __table_args__ = (
        Index(
            "ux_recon_match_entries_active",
            "transfer_id",
            "layer",
            "line",
            unique=True,
            postgresql_where=text("active"),
        ),
    )

    match_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("recon_matches.id"), primary_key=True)
    transfer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    layer: Mapped[str] = mapped_column(Text, primary_key=True)
    line: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean)


class ReconResultRow(Base):
    """What a run found for a statement line, or a ledger entry it matched (revision 0023)."""

    __tablename__ = "recon_results"
    __table_args__ = (
        CheckConstraint("side IN ('bank', 'ledger')", name="side"),
        CheckConstraint("state IN ('matched', 'unmatched', 'ambiguous')", name="state"),
    )

    run_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("recon_runs.id"), primary_key=True)
    side: Mapped[str] = mapped_column(Text, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    chunk: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(Text)
    line_no: Mapped[int | None] = mapped_column(Integer)
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    layer: Mapped[str | None] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(SmallInteger)
    value_date: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    group_key: Mapped[str | None] = mapped_column(Text)
    match_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    strategy: Mapped[str | None] = mapped_column(Text)
    score: Mapped[int | None] = mapped_column(Integer)
    candidates: Mapped[list[Any] | None] = mapped_column(JSONB)


# --- the background use cases' tables (revision 0004), in schema `razao` -------------------------
#
# Kept apart from the ledger's tables in `public` (their own `MetaData`): they are the service's own
# bookkeeping (jobs, interest policies and what was accrued). `adapters.db.migrate.check` compares
# them with the database too. No foreign keys into the ledger's tables: a reference to `accounts` or
# `transfers` would make PostgreSQL refuse a TRUNCATE of the journal before its guard trigger can
# (revision 0002); the use cases check that the accounts exist.

BATCH_SCHEMA = "razao"


class BatchBase(DeclarativeBase):
    metadata = MetaData(schema=BATCH_SCHEMA, naming_convention=NAMING_CONVENTION)


class JobRow(BatchBase):
    """A background job: what was asked, its progress, and how it ended."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed')", name="state"),
        CheckConstraint("processed >= 0 AND (total IS NULL OR total >= 0)", name="progress"),
        Index("ix_jobs_created_at", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    processed: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    total: Mapped[int | None] = mapped_column(BigInteger)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    errors: Mapped[list[Any]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    request_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: The run that may work on the job, until `leased_until` unless it renews the lease with its next
    #: progress (revision 0019_single_schedulers); NULL: no run holds it.
    holder: Mapped[str | None] = mapped_column(Text)
    leased_until: Mapped[datetime | None] = mapped_column(Timestamp)


class InterestPolicyRow(BatchBase):
    """An account's interest terms from `effective_from` on."""

    __tablename__ = "interest_policies"
    __table_args__ = (
        PrimaryKeyConstraint("account_id", "effective_from"),
        CheckConstraint("rate_bps >= 0", name="rate_bps"),
        CheckConstraint("day_count IN ('ACT/365F', 'ACT/360', '30E/360')", name="day_count"),
        CheckConstraint("counterpart_account_id <> account_id", name="counterpart"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    effective_from: Mapped[date] = mapped_column(Date)
    rate_bps: Mapped[int] = mapped_column(Integer)
    day_count: Mapped[str] = mapped_column(Text)
    counterpart_account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class InterestAccrualRow(BatchBase):
    """One day's exact interest on one account: the (account, day) key makes accrual idempotent."""

    __tablename__ = "interest_accruals"
    __table_args__ = (
        PrimaryKeyConstraint("account_id", "day"),
        CheckConstraint("denominator > 0", name="denominator"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    day: Mapped[date] = mapped_column(Date)
    balance: Mapped[Decimal] = mapped_column(Money)
    rate_bps: Mapped[int] = mapped_column(Integer)
    day_count: Mapped[str] = mapped_column(Text)
    numerator: Mapped[Decimal] = mapped_column(Exact)
    denominator: Mapped[Decimal] = mapped_column(Exact)
    #: The interest posting of the period this day belongs to (None: it rounded to nothing).
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class InterestCarryRow(BatchBase):
    """The exact remainder (a fraction of a minor unit) an account's next interest posting adds."""

    __tablename__ = "interest_carry"
    __table_args__ = (CheckConstraint("denominator > 0", name="denominator"),)

    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    numerator: Mapped[Decimal] = mapped_column(Exact)
    denominator: Mapped[Decimal] = mapped_column(Exact)
    through_day: Mapped[date] = mapped_column(Date)
    #: The first day of the open period (revision 0027_open_interest_periods); null: none is open.
    open_from: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class BankStatementRow(Base):
    """An imported bank statement (revision 0022_bank_statements, `domain.statements`): one file of one
    mirror account, its balances (signed minor units, the bank's terms) and how many lines it brought.
    razao_app inserts and reads statements; nothing updates or deletes them."""

    __tablename__ = "bank_statements"
    __table_args__ = (
        UniqueConstraint("account_id", "content_sha256"),
        CheckConstraint("format IN ('camt053', 'mt940', 'ofx', 'csv')", name="format"),
        CheckConstraint("content_sha256 ~ '^[0-9a-f]{64}$'", name="content_sha256"),
        CheckConstraint("line_count >= 0", name="line_count"),
        CheckConstraint("lines_skipped >= 0", name="lines_skipped"),
        # The lists, newest first: of every statement, and of one account's.
        Index("ix_bank_statements_imported_at_id", "imported_at", "id"),
        Index("ix_bank_statements_account_id_imported_at_id", "account_id", "imported_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("accounts.id"))
    format: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(Text)
    statement_ref: Mapped[str | None] = mapped_column(Text)
    asset_code: Mapped[str] = mapped_column(Text)
    opening_balance: Mapped[Decimal | None] = mapped_column(Money)
    closing_balance: Mapped[Decimal | None] = mapped_column(Money)
    opening_date: Mapped[date | None] = mapped_column(Date)
    closing_date: Mapped[date | None] = mapped_column(Date)
    line_count: Mapped[int] = mapped_column(Integer)
    lines_skipped: Mapped[int] = mapped_column(Integer)
    source_name: Mapped[str | None] = mapped_column(Text)
    imported_by: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(Timestamp)


class StatementLineRow(Base):
    """A line of an imported bank statement (revision 0022_bank_statements): normalised to minor units of
    the account's asset, with the bank's direction ('credit': money into the bank account). An external
    id is imported once per account."""

    __tablename__ = "statement_lines"
    __table_args__ = (
        PrimaryKeyConstraint("statement_id", "line_no"),
        UniqueConstraint("account_id", "external_id"),
        CheckConstraint("line_no > 0", name="line_no"),
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("direction IN ('credit', 'debit')", name="direction"),
        # Matching reads an account's lines in a value-date window.
        Index("ix_statement_lines_account_id_value_date", "account_id", "value_date"),
    )

    statement_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("bank_statements.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    external_id: Mapped[str] = mapped_column(Text)
    value_date: Mapped[date] = mapped_column(Date)
    booking_date: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    direction: Mapped[str] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    counterparty: Mapped[str | None] = mapped_column(Text)


class StatementCsvMappingRow(Base):
    """A saved CSV mapping (revision 0022_bank_statements, `domain.statements.CsvMapping`): how to read
    one bank's CSV export. Created through the API; never changed (save another name instead)."""

    __tablename__ = "statement_csv_mappings"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


metadata = Base.metadata
batch_metadata = BatchBase.metadata
jobs = cast(Table, JobRow.__table__)
interest_policies = cast(Table, InterestPolicyRow.__table__)
interest_accruals = cast(Table, InterestAccrualRow.__table__)
interest_carry = cast(Table, InterestCarryRow.__table__)
assets = cast(Table, AssetRow.__table__)
accounts = cast(Table, AccountRow.__table__)
transfers = cast(Table, TransferRow.__table__)
entries = cast(Table, EntryRow.__table__)
seal_blocks = cast(Table, SealBlockRow.__table__)
account_value_days = cast(Table, AccountValueDayRow.__table__)
period_closes = cast(Table, PeriodCloseRow.__table__)
period_balances = cast(Table, PeriodBalanceRow.__table__)
period_snapshots = cast(Table, PeriodSnapshotRow.__table__)
categories = cast(Table, CategoryRow.__table__)
account_categories = cast(Table, AccountCategoryRow.__table__)
api_keys = cast(Table, ApiKeyRow.__table__)
events = cast(Table, EventRow.__table__)
events_horizon = cast(Table, EventHorizonRow.__table__)
event_stream_cursors = cast(Table, EventStreamCursorRow.__table__)
balance_monitors = cast(Table, BalanceMonitorRow.__table__)
webhook_endpoints = cast(Table, WebhookEndpointRow.__table__)
beat_firings = cast(Table, BeatFiringRow.__table__)
webhook_deliveries = cast(Table, WebhookDeliveryRow.__table__)
webhook_attempts = cast(Table, WebhookAttemptRow.__table__)
console_sessions = cast(Table, ConsoleSessionRow.__table__)
recon_rules = cast(Table, ReconRuleRow.__table__)
recon_runs = cast(Table, ReconRunRow.__table__)
recon_matches = cast(Table, ReconMatchRow.__table__)
recon_match_lines = cast(Table, ReconMatchLineRow.__table__)
recon_match_entries = cast(Table, ReconMatchEntryRow.__table__)
recon_results = cast(Table, ReconResultRow.__table__)
bank_statements = cast(Table, BankStatementRow.__table__)
statement_lines = cast(Table, StatementLineRow.__table__)
statement_csv_mappings = cast(Table, StatementCsvMappingRow.__table__)
