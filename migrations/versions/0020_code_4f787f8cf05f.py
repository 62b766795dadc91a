"""Deploy Razão's code into PostgreSQL: bundle 4f787f8cf05f.

Carries a frozen copy of `src/domain`, `src/application` and `plpython/` in
`migrations/bundles/0020_code_4f787f8cf05f.json` and (re)creates the PL/Python functions of its catalog.
Downgrade redeploys bundle 0017_code_e57c70ee127b exactly.

Why (docs/processes.md): a job runs in one place at a time. `start_job` claims the job's lease (columns
`holder` and `leased_until`, revision 0019) in the transaction that marks it running, each progress write
renews it, and finishing or failing releases it; a second run while the lease lives does no work
(`JobHeld`), and a run whose lease lapsed and was taken over stops at its next write (`LeaseLost`). The
workers run this use case in both execution modes; no database function calls it, but the bundle carries
every module of `src/application`, so the deployed copy follows.

Compared with the previous bundle:
- added: nothing
- changed: application.jobs
- removed: nothing

Functions:
post_transfers, post_each, post_pending, void_pending, reverse_transfer, expire_due, balance_as_of,
  statement, value_statement, history, trial_balance, journal, group_balance, category_balance,
  accrue_interest, accounts_with_policies, verify_ledger, verify_part, kernel_info

Create Date: 2026-12-06
Docs: docs/reference/functions.md
"""

from collections.abc import Sequence

from alembic import op

from adapters.db import code_bundle

revision: str = "0020_code_4f787f8cf05f"
down_revision: str | None = "0019_single_schedulers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The bundle this migration deploys, and the one it replaces (None for the first deployment).
BUNDLE = "0020_code_4f787f8cf05f"
PREVIOUS_BUNDLE: str | None = "0017_code_e57c70ee127b"

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
