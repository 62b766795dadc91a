"""Deploy Razão's code into PostgreSQL: bundle 2e7bc5be9f30.

Carries a frozen copy of `src/domain`, `src/application` and `plpython/` in
`migrations/bundles/0005_code_2e7bc5be9f30.json` and (re)creates the PL/Python functions of its catalog.
Downgrade redeploys bundle 0003_code_5a4e84b8ef79 exactly.

Compared with the previous bundle:
- added: application.batch_path, application.interest, application.jobs, application.verification,
  domain.interest, domain.verification
- changed: application.pages, razao_entry, razao_functions, razao_store
- removed: nothing

Functions:
post_transfers, post_pending, void_pending, reverse_transfer, expire_due, balance_as_of, statement,
  trial_balance, accrue_interest, accounts_with_policies, verify_ledger

Create Date: 2026-11-29
Docs: docs/reference/functions.md
"""

from collections.abc import Sequence

from alembic import op

from adapters.db import code_bundle

revision: str = "0005_code_2e7bc5be9f30"
down_revision: str | None = "0004_jobs_and_interest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The bundle this migration deploys, and the one it replaces (None for the first deployment).
BUNDLE = "0005_code_2e7bc5be9f30"
PREVIOUS_BUNDLE: str | None = "0003_code_5a4e84b8ef79"

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
