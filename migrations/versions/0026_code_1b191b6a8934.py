"""Deploy Razão's code into PostgreSQL: bundle 1b191b6a8934.

Carries a frozen copy of `src/domain`, `src/application` and `plpython/` in
`migrations/bundles/0026_code_1b191b6a8934.json` and (re)creates the PL/Python functions of its catalog.
Downgrade redeploys bundle 0025_code_3e63c22ae4ae exactly.

Why (docs/benchmarks.md, "Where a chunk's time went"): the in-database outbox encodes a document shared
by several events (an interest posting's `transfer.posted` and `account.interest_posted`) once, and each
UUID and instant once (`razao_store._events_json`): the same text as before, about 1.7 times faster. No
change in behaviour; `tests/unit/test_event_rows_json.py` holds it to the text of plain `json.dumps`.

Compared with the previous bundle:
- added: nothing
- changed: razao_store
- removed: nothing

Functions:
post_transfers, post_each, post_pending, void_pending, reverse_transfer, expire_due, balance_as_of,
  statement, value_statement, history, trial_balance, journal, group_balance, category_balance,
  accrue_interest, accounts_with_policies, verify_ledger, verify_part, kernel_info, seal_journal,
  verify_seals, seal_proof, seal_status, recon_ledger_window

Create Date: 2026-12-06
Docs: docs/reference/functions.md
"""

from collections.abc import Sequence

from alembic import op

from adapters.db import code_bundle

revision: str = "0026_code_1b191b6a8934"
down_revision: str | None = "0025_code_3e63c22ae4ae"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The bundle this migration deploys, and the one it replaces (None for the first deployment).
BUNDLE = "0026_code_1b191b6a8934"
PREVIOUS_BUNDLE: str | None = "0025_code_3e63c22ae4ae"

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
#: (Offline, `--sql` renders everything `code_bundle.deploy` runs but its final read-back check.)
SQUAWK_ACCEPTED: dict[str, str] = code_bundle.SQUAWK_ACCEPTED


def upgrade() -> None:
    # squawk: ban-drop-function, require-lock-timeout, require-statement-timeout: a deployment
    # replaces its functions (drop and create, in this transaction) and locks only code objects.
    code_bundle.deploy(op.get_bind(), BUNDLE, replaces=PREVIOUS_BUNDLE)


def downgrade() -> None:
    if PREVIOUS_BUNDLE is None:
        code_bundle.remove(op.get_bind(), BUNDLE)
    else:
        code_bundle.deploy(op.get_bind(), PREVIOUS_BUNDLE, replaces=BUNDLE)
