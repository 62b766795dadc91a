"""Bank statements imported for reconciliation (camt.053, MT940, OFX, CSV).

Why: reconciling the ledger with a bank needs the bank's own record: its statements, line by line, kept
as the bank sent them (normalised: exact minor units, dates, the bank's line ids), attached to the
ledger account that mirrors the bank account. Imports are idempotent: the same file twice is the same
statement (unique file hash per account), and a line already imported by another file is skipped
(unique external id per account). Matching (revision 0023) reads these rows; nothing here changes the
journal (docs/audit/reconciliation.md).

Creates (public, owned by razao_owner, `src/adapters/db/models.py`)
- table `bank_statements`: `id` (primary key: a UUID derived from the account and the file's SHA-256),
  `account_id` (references `accounts`), `format` ('camt053', 'mt940', 'ofx', 'csv'), `content_sha256`
  (64 hex digits), `statement_ref`, `asset_code`, `opening_balance` and `closing_balance`
  (numeric(38,0), signed minor units in the bank's terms, nullable: not every format has both),
  `opening_date`, `closing_date`, `line_count` and `lines_skipped` (>= 0), `source_name`, `imported_by`,
  `imported_at`. Unique (account_id, content_sha256): the same file twice is the same statement.
  Indexes `ix_bank_statements_imported_at_id` and `ix_bank_statements_account_id_imported_at_id`: the
  lists, newest first, of all statements and of one account's;
- table `statement_lines`: primary key (statement_id, line_no) (`statement_id` references
  `bank_statements`, `line_no` > 0, 1-based in the file), `account_id` (copied from the statement),
  `external_id`, `value_date`, `booking_date`, `amount` (numeric(38,0), > 0), `direction` ('credit':
  money into the bank account, 'debit'), `currency`, `reference`, `description`, `counterparty`. Unique
  (account_id, external_id): a line is imported once per account. Index
  `ix_statement_lines_account_id_value_date`: the lines of an account in a value-date window (matching);
- table `statement_csv_mappings`: `name` (primary key), `mapping` (jsonb: which column holds each field,
  date format, separators, sign convention, delimiter, encoding, rows to skip), `created_at`.

Privileges (least privilege): razao_app may SELECT and INSERT the three tables; never UPDATE, DELETE or
TRUNCATE (a statement is a record of what the bank said: it is not edited, and not deleted by the
application). Nothing for PUBLIC.

Downgrade drops the three tables (lines first): the imported statements and the mappings are lost (the
previous release does not read them; revision 0023, which references them, is downgraded before).

Revision ID: 0022_bank_statements
Revises: 0021_sealed_journal
Create Date: 2026-12-06
Docs: docs/audit/reconciliation.md
"""

from collections.abc import Sequence
from textwrap import dedent

from alembic import op

revision: str = "0022_bank_statements"
down_revision: str | None = "0021_sealed_journal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "require-lock-timeout": (
        "the three tables are created in this transaction (no other session can hold a lock on them);"
        " the foreign key to accounts takes a SHARE ROW EXCLUSIVE lock on accounts for no time at all"
        " (the new table is empty: nothing to validate), under the migrations' lock timeout"
        " (RAZAO_MIGRATION_LOCK_TIMEOUT, set by the runner)"
    ),
    "require-statement-timeout": (
        "nothing here depends on the amount of data (new, empty tables); a timeout could only cut a"
        " migration short"
    ),
    "prefer-bigint-over-int": (
        "line_no, line_count and lines_skipped count lines of one file, bounded by"
        " domain.statements.MAX_LINES (1,000,000)"
    ),
    "ban-drop-table": (
        "only in the downgrade, which drops the tables this revision created (the previous release"
        " does not read them)"
    ),
}

OWNER = "razao_owner"
APP = "razao_app"
TABLES = ("bank_statements", "statement_lines", "statement_csv_mappings")


def upgrade() -> None:
    # squawk: require-lock-timeout, require-statement-timeout, prefer-bigint-over-int: new, empty tables
    # created in this transaction; their counts are bounded by MAX_LINES (the docstring).
    op.execute(
        dedent(
            """\
            CREATE TABLE bank_statements (
                id uuid NOT NULL,
                account_id uuid NOT NULL,
                format text NOT NULL,
                content_sha256 text NOT NULL,
                statement_ref text,
                asset_code text NOT NULL,
                opening_balance numeric(38, 0),
                closing_balance numeric(38, 0),
                opening_date date,
                closing_date date,
                line_count integer NOT NULL,
                lines_skipped integer NOT NULL,
                source_name text,
                imported_by text,
                imported_at timestamptz NOT NULL,
                CONSTRAINT bank_statements_pkey PRIMARY KEY (id),
                CONSTRAINT bank_statements_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id),
                CONSTRAINT bank_statements_account_id_content_sha256_key UNIQUE (account_id, content_sha256),
                CONSTRAINT bank_statements_format_check CHECK (format IN ('camt053', 'mt940', 'ofx', 'csv')),
                CONSTRAINT bank_statements_content_sha256_check CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
                CONSTRAINT bank_statements_line_count_check CHECK (line_count >= 0),
                CONSTRAINT bank_statements_lines_skipped_check CHECK (lines_skipped >= 0)
            )"""
        )
    )
    op.execute("CREATE INDEX ix_bank_statements_imported_at_id ON bank_statements (imported_at, id)")
    op.execute(
        "CREATE INDEX ix_bank_statements_account_id_imported_at_id"
        " ON bank_statements (account_id, imported_at, id)"
    )
    op.execute(
        dedent(
            """\
            CREATE TABLE statement_lines (
                statement_id uuid NOT NULL,
                line_no integer NOT NULL,
                account_id uuid NOT NULL,
                external_id text NOT NULL,
                value_date date NOT NULL,
                booking_date date,
                amount numeric(38, 0) NOT NULL,
                direction text NOT NULL,
                currency text NOT NULL,
                reference text,
                description text,
                counterparty text,
                CONSTRAINT statement_lines_pkey PRIMARY KEY (statement_id, line_no),
                CONSTRAINT statement_lines_statement_id_fkey FOREIGN KEY (statement_id)
                    REFERENCES bank_statements (id),
                CONSTRAINT statement_lines_account_id_external_id_key UNIQUE (account_id, external_id),
                CONSTRAINT statement_lines_line_no_check CHECK (line_no > 0),
                CONSTRAINT statement_lines_amount_check CHECK (amount > 0),
                CONSTRAINT statement_lines_direction_check CHECK (direction IN ('credit', 'debit'))
            )"""
        )
    )
    op.execute(
        "CREATE INDEX ix_statement_lines_account_id_value_date ON statement_lines (account_id, value_date)"
    )
    op.execute(
        dedent(
            """\
            CREATE TABLE statement_csv_mappings (
                name text NOT NULL,
                mapping jsonb NOT NULL,
                created_at timestamptz NOT NULL,
                CONSTRAINT statement_csv_mappings_pkey PRIMARY KEY (name)
            )"""
        )
    )
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} OWNER TO {OWNER}")
        op.execute(f"REVOKE ALL ON TABLE {table} FROM PUBLIC")
        op.execute(f"GRANT SELECT, INSERT ON TABLE {table} TO {APP}")


def downgrade() -> None:
    # squawk: ban-drop-table: undoing this revision drops the tables it created (the docstring).
    for table in reversed(TABLES):
        op.drop_table(table)
