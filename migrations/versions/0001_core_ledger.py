"""Core ledger: assets, accounts, transfers, the journal of entries, API keys, and the database roles.

Creates
- roles (idempotently, cluster-wide): `razao_owner` (NOLOGIN, owns the tables) and `razao_app` (LOGIN,
  the application: reads and writes the ledger but cannot change the schema);
- tables `assets`, `accounts`, `transfers`, `entries` (append-only: razao_app may only SELECT and
  INSERT them) and `api_keys`, owned by razao_owner, with every constraint and index of
  src/adapters/db/models.py (which must stay identical: see tests/integration/test_db_migrations.py);
- grants: SELECT, INSERT, UPDATE on accounts, transfers, api_keys; SELECT, INSERT on assets and
  entries; SELECT on alembic_version; USAGE on schema public. Nothing for PUBLIC.

Downgrade drops the tables and this database's grants but leaves the two roles: roles belong to the
whole PostgreSQL cluster and are shared by every database that runs this migration (other databases
may still use them). Drop them by hand (`DROP ROLE razao_app, razao_owner`) once no database needs them.

Runs as a superuser (creating roles and changing owners need it). Set a password for razao_app outside
migrations (`ALTER ROLE razao_app PASSWORD '...'`) where the server does not use trust or peer auth.

Revision ID: 0001_core_ledger
Revises: (none)
Create Date: 2026-11-29
Docs: docs/reference/schema.md
"""

from collections.abc import Sequence
from textwrap import dedent
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_core_ledger"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "prefer-text-field": (
        "Alembic's own alembic_version table (version_num VARCHAR(32)), which Alembic creates before this"
        " revision runs; revision ids stay far below 32 characters (`razao db code-migration` writes 22)"
    ),
    "prefer-bigint-over-smallint": (
        "assets.scale is 0 to 18 (CHECK) and entries.line numbers the lines of one transfer, at most"
        " domain.transfers.MAX_POSTINGS = 128: both fit a smallint for good, as the models declare"
    ),
    "require-lock-timeout": (
        "the upgrade locks only tables it creates in the same transaction, which no other session can"
        " hold; the downgrade drops the whole ledger, which is done with the application stopped"
    ),
    "require-statement-timeout": (
        "no statement here depends on the amount of data but the downgrade's DROP TABLEs, which must"
        " run to the end; a timeout could only cut a migration short"
    ),
    "ban-drop-table": (
        "only in the downgrade, which drops the tables this revision created: undoing the revision is"
        " its purpose, and it loses their rows (tests/suites/test_migrations.py reports which)"
    ),
}

OWNER = "razao_owner"
APP = "razao_app"
TABLES = ("assets", "accounts", "transfers", "entries", "api_keys")
GRANTS = {
    "assets": "SELECT, INSERT",
    "accounts": "SELECT, INSERT, UPDATE",
    "transfers": "SELECT, INSERT, UPDATE",
    "entries": "SELECT, INSERT",  # the journal is append-only: never UPDATE or DELETE
    "api_keys": "SELECT",  # keys are created and revoked with the administrative connection
}


def _money(name: str, *, nullable: bool, server_default: str | None = None) -> sa.Column[Any]:
    """An amount or balance: integer minor units, up to 38 digits."""
    default = sa.text(server_default) if server_default is not None else None
    return sa.Column(name, sa.Numeric(38, 0), server_default=default, nullable=nullable)


def _timestamp(name: str, *, nullable: bool = False, server_default: str | None = None) -> sa.Column[Any]:
    default = sa.text(server_default) if server_default is not None else None
    return sa.Column(name, sa.DateTime(timezone=True), server_default=default, nullable=nullable)


def _create_role(name: str, attributes: str) -> None:
    # Idempotent, and safe when two migrations race (the loser sees a duplicate and moves on).
    op.execute(
        dedent(
            f"""\
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{name}') THEN
                    CREATE ROLE {name} {attributes};
                END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END
            $$"""
        )
    )


def upgrade() -> None:
    # squawk: prefer-text-field: Alembic creates alembic_version (VARCHAR(32)) before this runs.
    _create_role(OWNER, "NOLOGIN")
    _create_role(APP, "LOGIN")

    op.create_table(
        "assets",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("scale", sa.SmallInteger(), nullable=False),  # squawk: prefer-bigint-over-smallint: 0..18
        _timestamp("created_at", server_default="now()"),
        sa.PrimaryKeyConstraint("code", name="assets_pkey"),
        sa.CheckConstraint("scale BETWEEN 0 AND 18", name=op.f("assets_scale_check")),
    )

    # squawk: require-lock-timeout, require-statement-timeout: every table this upgrade locks (the
    # foreign keys lock their targets) is created in this same transaction: nobody else can hold it.
    op.create_table(
        "accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(collation="C"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("asset_code", sa.Text(), nullable=False),
        sa.Column("normal_side", sa.Text(), nullable=False),
        _money("min_balance", nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("metadata", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        _timestamp("created_at"),
        _money("posted_debits", server_default="0", nullable=False),
        _money("posted_credits", server_default="0", nullable=False),
        _money("pending_debits", server_default="0", nullable=False),
        _money("pending_credits", server_default="0", nullable=False),
        sa.Column("last_seq", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="accounts_pkey"),
        sa.UniqueConstraint("code", name="accounts_code_key"),
        sa.ForeignKeyConstraint(["asset_code"], ["assets.code"], name="accounts_asset_code_fkey"),
        sa.CheckConstraint("normal_side IN ('debit', 'credit')", name=op.f("accounts_normal_side_check")),
        sa.CheckConstraint("status IN ('active', 'frozen', 'closed')", name=op.f("accounts_status_check")),
        sa.CheckConstraint(
            "posted_debits >= 0 AND posted_credits >= 0 AND pending_debits >= 0 AND pending_credits >= 0",
            name=op.f("accounts_balances_check"),
        ),
        sa.CheckConstraint("last_seq >= 0", name=op.f("accounts_last_seq_check")),
    )
    op.create_index("ix_accounts_asset_code_code", "accounts", ["asset_code", "code"])

    op.create_table(
        "transfers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("two_phase", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("metadata", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        _timestamp("effective_at"),
        _timestamp("created_at"),
        _timestamp("timeout_at", nullable=True),
        _timestamp("resolved_at", nullable=True),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="transfers_pkey"),
        sa.UniqueConstraint("reverses_id", name="transfers_reverses_id_key"),
        sa.ForeignKeyConstraint(["reverses_id"], ["transfers.id"], name="transfers_reverses_id_fkey"),
        sa.CheckConstraint(
            "status IN ('pending', 'posted', 'voided', 'expired')", name=op.f("transfers_status_check")
        ),
        sa.CheckConstraint("reverses_id <> id", name=op.f("transfers_reverses_other_check")),
    )
    # Newest-first keyset listing, with and without a status filter.
    op.create_index(
        "ix_transfers_created_at_id", "transfers", [sa.text("created_at DESC"), sa.text("id DESC")]
    )
    op.create_index(
        "ix_transfers_status_created_at_id",
        "transfers",
        ["status", sa.text("created_at DESC"), sa.text("id DESC")],
    )
    # The expiry job's scan: pending transfers by timeout.
    op.create_index(
        "ix_transfers_timeout_at_pending",
        "transfers",
        ["timeout_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )

    op.create_table(
        "entries",
        sa.Column("transfer_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        # squawk: prefer-bigint-over-smallint: a line of one transfer, at most MAX_POSTINGS = 128.
        sa.Column("line", sa.SmallInteger(), nullable=False),
        sa.Column("layer", sa.Text(), nullable=False),
        sa.Column("side", sa.Text(), nullable=False),
        _money("amount", nullable=False),
        sa.Column("asset_code", sa.Text(), nullable=False),
        _money("balance_after", nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("account_id", "seq", name="entries_pkey"),
        sa.UniqueConstraint("transfer_id", "layer", "line", name="entries_transfer_id_layer_line_key"),
        sa.ForeignKeyConstraint(["transfer_id"], ["transfers.id"], name="entries_transfer_id_fkey"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="entries_account_id_fkey"),
        sa.CheckConstraint("seq >= 1", name=op.f("entries_seq_check")),
        sa.CheckConstraint("line >= 0", name=op.f("entries_line_check")),
        sa.CheckConstraint("layer IN ('posted', 'pending')", name=op.f("entries_layer_check")),
        sa.CheckConstraint("side IN ('debit', 'credit')", name=op.f("entries_side_check")),
        sa.CheckConstraint("amount > 0", name=op.f("entries_amount_check")),
    )
    # Balance as of T: an index-only lookup of the last posted entry at or before T.
    op.create_index(
        "ix_entries_balance_as_of",
        "entries",
        ["account_id", "created_at", "seq"],
        postgresql_where=sa.text("layer = 'posted'"),
        postgresql_include=["balance_after"],
    )

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.Text()), nullable=False),
        _timestamp("created_at"),
        _timestamp("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="api_keys_pkey"),
    )

    for table in TABLES:
        op.execute(f"ALTER TABLE {table} OWNER TO {OWNER}")
        op.execute(f"REVOKE ALL ON TABLE {table} FROM PUBLIC")
        op.execute(f"GRANT {GRANTS[table]} ON TABLE {table} TO {APP}")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP}")
    op.execute(f"GRANT SELECT ON TABLE alembic_version TO {APP}")


def downgrade() -> None:
    op.execute(f"REVOKE ALL ON TABLE alembic_version FROM {APP}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP}")
    # squawk: ban-drop-table, require-lock-timeout, require-statement-timeout: undoing this revision
    # drops the ledger and its rows; run it with the application stopped.
    op.drop_table("api_keys")
    op.drop_table("entries")  # its indexes and constraints go with it
    op.drop_table("transfers")
    op.drop_table("accounts")
    op.drop_table("assets")
    # The roles razao_owner and razao_app stay: they are cluster-wide (see the module docstring).
