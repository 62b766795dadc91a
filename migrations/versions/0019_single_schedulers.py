"""One truth for many processes: a lease on each job record, and beat's firings claimed once.

Why: several API processes and Celery workers (and, by mistake, two beats) run against one database.
A task is acknowledged late and Redis redelivers it after the visibility timeout, so two workers can run
the same job at once; two beats would send every scheduled task twice. Both are settled in PostgreSQL,
without session-level locks or session state (the deployment may pool connections per transaction,
PgBouncer): a job record carries the lease of the one run that may work on it (claimed, renewed at each
chunk's progress write and released in short transactions: `application.jobs`); a beat sends an entry's
task only after inserting the row of that entry and due slot (`adapters.tasks.beat`).

Creates
- columns `holder` (text) and `leased_until` (timestamptz) on `razao.jobs`: the run that works on the
  job (host, process, task and a nonce), and until when, unless it renews the lease with its next
  progress; both NULL when no run holds it (queued, finished, or released).
- table `beat_firings` (public, owned by razao_owner, `src/adapters/db/models.py`): `entry` (the beat
  schedule entry's name), `slot` (timestamptz: the scheduled minute of a crontab entry, the start of
  the window of an interval entry), `fired_by` (the beat process that sent it), `fired_at` (default
  now()); primary key (entry, slot): a second beat's insert of the same firing does nothing. Index
  `ix_beat_firings_slot` (slot): the claim prunes the oldest rows, a few at a time.

Privileges (least privilege): razao_app already may SELECT, INSERT, UPDATE `razao.jobs` (revision
0004_jobs_and_interest): the new columns are covered. On `beat_firings`, razao_app may SELECT, INSERT
(claim a firing) and DELETE (prune rows past the retention: the claim does it); it may not UPDATE a
firing (who fired what stays as recorded) nor TRUNCATE. Nothing for PUBLIC.

Downgrade drops the table and the two columns: the processes of the previous release neither lease jobs
nor claim firings.

Revision ID: 0019_single_schedulers
Revises: 0018_pooled_sessions
Create Date: 2026-12-06
Docs: docs/processes.md
"""

from collections.abc import Sequence
from textwrap import dedent

from alembic import op

revision: str = "0019_single_schedulers"
down_revision: str | None = "0018_pooled_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "require-lock-timeout": (
        "the new table is created in this transaction; the two nullable columns without a default are"
        " added to razao.jobs under the migrations' lock timeout (RAZAO_MIGRATION_LOCK_TIMEOUT, set by"
        " the runner): a catalog-only change, its ACCESS EXCLUSIVE lock held for no time at all"
    ),
    "require-statement-timeout": (
        "nothing here depends on the amount of data (catalog changes and an empty table); a timeout"
        " could only cut a migration short"
    ),
    "ban-drop-table": (
        "only in the downgrade, which drops the table this revision created (past firings: a beat of"
        " the previous release does not read them)"
    ),
    "ban-drop-column": (
        "only in the downgrade, which drops the two lease columns this revision added (a lease lasts"
        " minutes; the previous release does not read them)"
    ),
}

OWNER = "razao_owner"
APP = "razao_app"
TABLE = "beat_firings"
JOBS = "razao.jobs"


def upgrade() -> None:
    # squawk: require-lock-timeout, require-statement-timeout: nullable columns without a default are
    # a catalog change only (no rewrite, no scan).
    op.execute(f"ALTER TABLE {JOBS} ADD COLUMN holder text, ADD COLUMN leased_until timestamptz")
    # squawk: require-lock-timeout, require-statement-timeout: the table (with its index and grants) is
    # created in this transaction: no other session can hold a lock on it.
    op.execute(
        dedent(
            f"""\
            CREATE TABLE {TABLE} (
                entry text NOT NULL,
                slot timestamptz NOT NULL,
                fired_by text NOT NULL,
                fired_at timestamptz DEFAULT now() NOT NULL,
                CONSTRAINT {TABLE}_pkey PRIMARY KEY (entry, slot)
            )"""
        )
    )
    op.execute(f"CREATE INDEX ix_{TABLE}_slot ON {TABLE} (slot)")
    op.execute(f"ALTER TABLE {TABLE} OWNER TO {OWNER}")
    op.execute(f"REVOKE ALL ON TABLE {TABLE} FROM PUBLIC")
    op.execute(f"GRANT SELECT, INSERT, DELETE ON TABLE {TABLE} TO {APP}")


def downgrade() -> None:
    # squawk: ban-drop-table: undoing this revision drops its table and the firings (the docstring).
    op.drop_table(TABLE)
    # squawk: ban-drop-column: undoing this revision drops the lease columns it added.
    op.execute(f"ALTER TABLE {JOBS} DROP COLUMN leased_until, DROP COLUMN holder")
