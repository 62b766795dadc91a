"""The broker stream's cursor: how far the events were published to the message broker (and confirmed).

Why: the broker stream (`razao stream`, docs/events.md#broker-stream) publishes every event of the feed
to a RabbitMQ exchange, at least once and in the feed's order. It must remember, across restarts of
itself, of the broker and of PostgreSQL, the last position the broker confirmed, and it must keep two
publishers of one stream from publishing at once (their messages would interleave out of order). Both
live in one row per stream, written in short transactions only: never one held open while publishing.

Creates
- table `event_stream_cursors` (public, owned by razao_owner, `src/adapters/db/models.py`): `name`
  (text, primary key: the stream, e.g. the exchange's name), `txid` (xid8) and `n` (bigint): the feed
  position up to which the broker confirmed every event (`'0'`, 0: none yet; a new stream starts from the
  oldest event kept); `published` (events confirmed so far, a re-published page counted again),
  `failures` (failed passes so far), `last_error` and `failed_at` (the latest failure); `holder` and
  `leased_until` (the publisher that may publish the stream, and until when, unless it renews the lease
  with its next move); `updated_at` (the cursor's last move). CHECKs: `published`, `failures` and `n`
  not negative.

Privileges (least privilege): razao_app may SELECT the table, INSERT only (name, holder, leased_until)
(a stream's first claim creates its row at the start) and UPDATE every column but `name`. It cannot
DELETE a cursor (forgetting a stream's cursor would re-publish everything kept: an operator's choice,
made with the administrative connection, docs/runbooks.md) nor TRUNCATE. Nothing for PUBLIC.

Downgrade drops the table: a stream upgraded again starts over from the oldest event kept (its consumers
de-duplicate on the message id).

Revision ID: 0013_event_stream
Revises: 0012_balance_monitors
Create Date: 2026-12-05
Docs: docs/events.md
"""

from collections.abc import Sequence
from textwrap import dedent

from alembic import op

revision: str = "0013_event_stream"
down_revision: str | None = "0012_balance_monitors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "require-lock-timeout": (
        "the upgrade locks only the table it creates in the same transaction (its grants included); the"
        " downgrade drops it, which the stream publisher of this release writes: stop it first"
    ),
    "require-statement-timeout": (
        "nothing here depends on the amount of data (one row per stream); a timeout could only cut a"
        " migration short"
    ),
    "ban-drop-table": (
        "only in the downgrade, which drops the table this revision created (the streams' cursors: a"
        " stream then starts over from the oldest event kept)"
    ),
}

OWNER = "razao_owner"
APP = "razao_app"
TABLE = "event_stream_cursors"
#: A stream's first claim creates its row: the rest keeps its defaults (the start of the feed).
INSERT_COLUMNS = "name, holder, leased_until"
#: Moving the cursor, counting, recording failures, leasing: everything but the stream's name.
UPDATE_COLUMNS = "txid, n, published, failures, last_error, failed_at, holder, leased_until, updated_at"


def upgrade() -> None:
    # squawk: require-lock-timeout, require-statement-timeout: the table (with its grants) is created in
    # this transaction: no other session can hold a lock on it.
    op.execute(
        dedent(
            f"""\
            CREATE TABLE {TABLE} (
                name text NOT NULL,
                txid xid8 DEFAULT '0'::xid8 NOT NULL,
                n bigint DEFAULT 0 NOT NULL,
                published bigint DEFAULT 0 NOT NULL,
                failures bigint DEFAULT 0 NOT NULL,
                last_error text,
                failed_at timestamptz,
                holder text,
                leased_until timestamptz,
                updated_at timestamptz DEFAULT now() NOT NULL,
                CONSTRAINT {TABLE}_pkey PRIMARY KEY (name),
                CONSTRAINT {TABLE}_n_check CHECK (n >= 0),
                CONSTRAINT {TABLE}_published_check CHECK (published >= 0),
                CONSTRAINT {TABLE}_failures_check CHECK (failures >= 0)
            )"""
        )
    )
    op.execute(f"ALTER TABLE {TABLE} OWNER TO {OWNER}")
    op.execute(f"REVOKE ALL ON TABLE {TABLE} FROM PUBLIC")
    op.execute(f"GRANT SELECT ON TABLE {TABLE} TO {APP}")
    op.execute(f"GRANT INSERT ({INSERT_COLUMNS}) ON TABLE {TABLE} TO {APP}")
    op.execute(f"GRANT UPDATE ({UPDATE_COLUMNS}) ON TABLE {TABLE} TO {APP}")


def downgrade() -> None:
    # squawk: ban-drop-table: undoing this revision drops its table and the cursors (the docstring).
    op.drop_table(TABLE)
