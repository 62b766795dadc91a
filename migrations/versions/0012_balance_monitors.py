"""Balance monitors: conditions on an account's balances that fire an event when they become true.

Why: a client wants to be told when a wallet's available balance drops below a threshold (or a float
account's posted balance rises above one) without polling every account. A monitor is a condition on
one balance of one account with an edge-triggered state: the use cases that change balances evaluate
the monitors of the accounts they touched, in their own transaction and in both execution modes, write
`balance.monitor_triggered` into the outbox (revision 0010_events) when one becomes true, and store its
new state here in the same transaction (`application.monitors`, docs/monitors.md).

Creates
- table `balance_monitors` (public, owned by razao_owner, `src/adapters/db/models.py`): `id` (uuid,
  primary key), `account_id` (uuid: the use case locks the account and checks it exists; no foreign
  key into accounts, as in revision 0004: it would make PostgreSQL refuse a TRUNCATE of the ledger with
  SQLSTATE 0A000 before the guard trigger of revision 0002 reports it as RZ101, and accounts are never
  deleted anyway), `balance` and `comparison` (text, CHECKs `balance_monitors_balance_check`
  and `balance_monitors_comparison_check`: the kinds `domain.monitors` knows, as the database enforces
  the other enumerations of the ledger), `threshold` (NUMERIC(38, 0): minor units, like the balances),
  `description` (text, default ''), `metadata` (jsonb, default {}), `created_at`, `triggered`
  (boolean, default false) and `triggered_at` (timestamptz, null until it first fires; CHECK
  `balance_monitors_triggered_at_check`: a triggered monitor has fired at some time);
- index `ix_balance_monitors_account_id_created_at_id` (account_id, created_at, id): the write path's
  one statement per change (`WHERE account_id = ANY(...)`, in that order) and the API's list. That
  statement runs after the change has locked its accounts, as a statement of its own: in READ COMMITTED
  it then sees a monitor that a concurrent request created (under the same account lock) while the change
  waited. (A count column on `accounts`, read with the lock, would spare accounts without monitors that
  statement, but this checkout's write path would then need the column at every revision the migration
  tests populate; the statement's measured cost: docs/monitors.md.)

Privileges (least privilege): razao_app may SELECT, INSERT and DELETE monitors (the API creates and
deletes them) and UPDATE only `triggered` and `triggered_at` (the write path stores the state; a
condition is never rewritten: delete the monitor and create another). No TRUNCATE, nothing for PUBLIC.

Downgrade drops the table: the monitors are lost (their past events stay in the outbox).

Revision ID: 0012_balance_monitors
Revises: 0011_webhooks
Create Date: 2026-12-05
Docs: docs/monitors.md
"""

from collections.abc import Sequence
from textwrap import dedent

from alembic import op

revision: str = "0012_balance_monitors"
down_revision: str | None = "0011_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "require-lock-timeout": (
        "the upgrade creates a table and locks only it (its index and grants included);"
        " the downgrade drops the table, which the application of this release writes: stop it first"
    ),
    "require-statement-timeout": (
        "nothing here depends on the amount of data (a new, empty table); a timeout could only cut a"
        " migration short"
    ),
    "ban-drop-table": "only in the downgrade, which drops the table this revision created and its monitors",
}

OWNER = "razao_owner"
APP = "razao_app"


def upgrade() -> None:
    # squawk: require-lock-timeout, require-statement-timeout: a new table, with its index and grants, in
    # this transaction.
    op.execute(
        dedent(
            """\
            CREATE TABLE balance_monitors (
                id uuid NOT NULL,
                account_id uuid NOT NULL,
                balance text NOT NULL,
                comparison text NOT NULL,
                threshold numeric(38, 0) NOT NULL,
                description text DEFAULT '' NOT NULL,
                metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
                created_at timestamptz NOT NULL,
                triggered boolean DEFAULT false NOT NULL,
                triggered_at timestamptz,
                CONSTRAINT balance_monitors_pkey PRIMARY KEY (id),
                CONSTRAINT balance_monitors_balance_check
                    CHECK (balance IN ('posted', 'available', 'pending_outflow', 'pending_inflow')),
                CONSTRAINT balance_monitors_comparison_check
                    CHECK (comparison IN ('below', 'at_or_below', 'above', 'at_or_above')),
                CONSTRAINT balance_monitors_triggered_at_check CHECK (triggered_at IS NOT NULL OR NOT triggered)
            )"""
        )
    )
    op.create_index(
        "ix_balance_monitors_account_id_created_at_id", "balance_monitors", ["account_id", "created_at", "id"]
    )
    op.execute(f"ALTER TABLE balance_monitors OWNER TO {OWNER}")
    op.execute("REVOKE ALL ON TABLE balance_monitors FROM PUBLIC")
    op.execute(f"GRANT SELECT, INSERT, DELETE ON TABLE balance_monitors TO {APP}")
    op.execute(f"GRANT UPDATE (triggered, triggered_at) ON TABLE balance_monitors TO {APP}")


def downgrade() -> None:
    # squawk: ban-drop-table: undoing this revision drops its table and the monitors (the docstring).
    op.drop_table("balance_monitors")
