"""Background use cases: jobs, interest policies, daily interest accruals and the carried remainder.

Creates, in schema `razao` (owned by razao_owner; `src/adapters/db/models.py`, `batch_metadata`):
- `jobs`: one row per background job (kind, state, params, progress, result, errors, request id);
- `interest_policies`: an account's interest terms from `effective_from` on (PK account, date);
- `interest_accruals`: one row per account and day accrued, the exact interest as numerator and
  denominator; the primary key (account_id, day) is what makes accrual idempotent;
- `interest_carry`: per account, the exact remainder rounding left for the next posting.
No foreign keys into `public.accounts` or `public.transfers`: they would make PostgreSQL refuse a
TRUNCATE of the journal (SQLSTATE 0A000) before the guard trigger of revision 0002 reports it (RZ101);
the use cases check that the accounts exist.
Grants razao_app SELECT, INSERT, UPDATE on jobs, interest_policies and interest_carry, and SELECT,
INSERT on interest_accruals (append-only); nothing to PUBLIC.

Downgrade drops the four tables (their grants go with them).

Revision ID: 0004_jobs_and_interest
Revises: 0003_code_5a4e84b8ef79
Create Date: 2026-11-29
Docs: docs/interest.md
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_jobs_and_interest"
down_revision: str | None = "0003_code_5a4e84b8ef79"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "prefer-bigint-over-int": (
        "rate_bps is a rate in basis points, never negative (CHECK): an integer reaches 21 million"
        " percent, and the models declare it so"
    ),
    "require-lock-timeout": (
        "the upgrade locks only the tables it creates in the same transaction (the index is on one of"
        " them); the downgrade drops them, which the application of this release uses: stop it first"
    ),
    "require-statement-timeout": (
        "nothing here depends on the amount of data but the downgrade's DROP TABLEs, which must run to"
        " the end; a timeout could only cut a migration short"
    ),
    "ban-drop-table": (
        "only in the downgrade, which drops the four tables this revision created and their rows (jobs,"
        " policies, accruals, carry: tests/suites/test_migrations.py reports them)"
    ),
}

SCHEMA = "razao"
OWNER = "razao_owner"
APP = "razao_app"
GRANTS = {
    "jobs": "SELECT, INSERT, UPDATE",
    "interest_policies": "SELECT, INSERT, UPDATE",
    "interest_accruals": "SELECT, INSERT",  # a day is accrued once: never UPDATE or DELETE
    "interest_carry": "SELECT, INSERT, UPDATE",
}


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _exact(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Numeric(78, 0), nullable=False)


def upgrade() -> None:
    # squawk: require-lock-timeout, require-statement-timeout: the tables (and the index below) are
    # created in this transaction: no other session can hold a lock on them.
    op.create_table(
        "jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("params", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("processed", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("result", postgresql.JSONB(), nullable=True),
        sa.Column("errors", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        _timestamp("created_at"),
        _timestamp("started_at", nullable=True),
        _timestamp("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="jobs_pkey"),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'succeeded', 'failed')", name=op.f("jobs_state_check")
        ),
        sa.CheckConstraint(
            "processed >= 0 AND (total IS NULL OR total >= 0)", name=op.f("jobs_progress_check")
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_jobs_created_at", "jobs", ["created_at"], schema=SCHEMA)

    op.create_table(
        "interest_policies",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("rate_bps", sa.Integer(), nullable=False),  # squawk: prefer-bigint-over-int: bps
        sa.Column("day_count", sa.Text(), nullable=False),
        sa.Column("counterpart_account_id", sa.Uuid(), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("account_id", "effective_from", name="interest_policies_pkey"),
        sa.CheckConstraint("rate_bps >= 0", name=op.f("interest_policies_rate_bps_check")),
        sa.CheckConstraint(
            "day_count IN ('ACT/365F', 'ACT/360', '30E/360')", name=op.f("interest_policies_day_count_check")
        ),
        sa.CheckConstraint(
            "counterpart_account_id <> account_id", name=op.f("interest_policies_counterpart_check")
        ),
        schema=SCHEMA,
    )

    op.create_table(
        "interest_accruals",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("balance", sa.Numeric(38, 0), nullable=False),
        sa.Column("rate_bps", sa.Integer(), nullable=False),  # squawk: prefer-bigint-over-int: bps
        sa.Column("day_count", sa.Text(), nullable=False),
        _exact("numerator"),
        _exact("denominator"),
        sa.Column("transfer_id", sa.Uuid(), nullable=True),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("account_id", "day", name="interest_accruals_pkey"),
        sa.CheckConstraint("denominator > 0", name=op.f("interest_accruals_denominator_check")),
        schema=SCHEMA,
    )

    op.create_table(
        "interest_carry",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        _exact("numerator"),
        _exact("denominator"),
        sa.Column("through_day", sa.Date(), nullable=False),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("account_id", name="interest_carry_pkey"),
        sa.CheckConstraint("denominator > 0", name=op.f("interest_carry_denominator_check")),
        schema=SCHEMA,
    )

    for table, privileges in GRANTS.items():
        op.execute(f"ALTER TABLE {SCHEMA}.{table} OWNER TO {OWNER}")
        op.execute(f"REVOKE ALL ON TABLE {SCHEMA}.{table} FROM PUBLIC")
        op.execute(f"GRANT {privileges} ON TABLE {SCHEMA}.{table} TO {APP}")


def downgrade() -> None:
    # squawk: ban-drop-table: undoing this revision drops its tables and their rows (the docstring).
    for table in reversed(GRANTS):
        op.drop_table(table, schema=SCHEMA)
