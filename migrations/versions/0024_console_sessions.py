"""Console sessions: a signed-in operator's session, kept as a hash of its token, with its expiry.

Why: the operator console (`/console`, docs/console.md) signs a person in with an API key and hands the
browser a session cookie instead of keeping the key. Signing out must end the session at once, in every
API process (a copied cookie stops working), so the session lives in PostgreSQL and is deleted there.
Only the SHA-256 of the token is stored: a copy of the table gives no way into the console. A session
names the API key it was opened with; its scopes and whether it is revoked are read from `api_keys` at
each request (joined), so a revoked key ends its sessions at once too.

Creates
- table `console_sessions` (public, owned by razao_owner, `src/adapters/db/models.py`): `token_hash`
  (text, primary key: SHA-256 hex of the session token), `key_id` (uuid, the API key signed in with,
  REFERENCES api_keys ON DELETE CASCADE), `created_at`, `expires_at` (timestamptz). Indexes
  `ix_console_sessions_expires_at` (expired sessions are pruned by the sign-ins) and
  `ix_console_sessions_key_id` (the foreign key).

Privileges (least privilege): razao_app may SELECT (look a session up), INSERT (sign in) and DELETE
(sign out, prune expired sessions); it may not UPDATE a session (an expiry is never extended) nor
TRUNCATE. Nothing for PUBLIC.

Downgrade drops the table: every console session ends (operators sign in again).

Revision ID: 0024_console_sessions
Revises: 0023_reconciliation
Create Date: 2026-12-06
Docs: docs/console.md
"""

from collections.abc import Sequence
from textwrap import dedent

from alembic import op

revision: str = "0024_console_sessions"
down_revision: str | None = "0023_reconciliation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "require-lock-timeout": (
        "the new table and its indexes are created in this transaction (the foreign key takes a SHARE ROW"
        " EXCLUSIVE lock on api_keys, under the migrations' lock timeout set by the runner)"
    ),
    "require-statement-timeout": (
        "nothing here depends on the amount of data (an empty table); a timeout could only cut a"
        " migration short"
    ),
    "ban-drop-table": "only in the downgrade, which drops the table this revision created (sessions only)",
}

OWNER = "razao_owner"
APP = "razao_app"
TABLE = "console_sessions"


def upgrade() -> None:
    # squawk: require-lock-timeout, require-statement-timeout: the table (with its indexes and grants) is
    # created in this transaction: no other session can hold a lock on it.
    op.execute(
        dedent(
            f"""\
            CREATE TABLE {TABLE} (
                token_hash text NOT NULL,
                key_id uuid NOT NULL,
                created_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL,
                CONSTRAINT {TABLE}_pkey PRIMARY KEY (token_hash),
                CONSTRAINT {TABLE}_key_id_fkey FOREIGN KEY (key_id) REFERENCES api_keys (id) ON DELETE CASCADE
            )"""
        )
    )
    op.execute(f"CREATE INDEX ix_{TABLE}_expires_at ON {TABLE} (expires_at)")
    op.execute(f"CREATE INDEX ix_{TABLE}_key_id ON {TABLE} (key_id)")
    op.execute(f"ALTER TABLE {TABLE} OWNER TO {OWNER}")
    op.execute(f"REVOKE ALL ON TABLE {TABLE} FROM PUBLIC")
    op.execute(f"GRANT SELECT, INSERT, DELETE ON TABLE {TABLE} TO {APP}")


def downgrade() -> None:
    # squawk: ban-drop-table: undoing this revision drops its table (the open console sessions).
    op.drop_table(TABLE)
