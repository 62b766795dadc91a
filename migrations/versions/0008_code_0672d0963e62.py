"""Deploy Razão's code into PostgreSQL: bundle 0672d0963e62.

Carries a frozen copy of `src/domain`, `src/application` and `plpython/` in
`migrations/bundles/0008_code_0672d0963e62.json` and (re)creates the PL/Python functions of its catalog.
Downgrade redeploys bundle 0006_code_8337213854ac exactly.

Why (docs/operations.md, "Background jobs"; docs/reference/functions.md):
- verification parts now cost what they read, whatever the ledger holds. Each part reads its accounts'
  entries (and its transfers' entries) through the primary-key indexes, and at most `max_rows` journal
  rows, stopping inside a busy account and resuming there (in a later snapshot: only the seq and the
  posted sums are carried; the holds still open are read again): `razao.verify_part` takes two more
  arguments, `progress jsonb` and `max_rows integer`;
- the batch functions (expire_due, accrue_interest, accounts_with_policies, verify_ledger, verify_part)
  plan every statement for the data it meets (`SET plan_cache_mode = force_custom_plan`), so a generic
  plan cached while a table was small does not outlive its growth.

Compared with the previous bundle:
- added: nothing
- changed: application.batch_path, application.verification, domain.verification, razao_entry,
  razao_functions, razao_store
- removed: nothing

Functions:
post_transfers, post_pending, void_pending, reverse_transfer, expire_due, balance_as_of, statement,
  trial_balance, accrue_interest, accounts_with_policies, verify_ledger, verify_part

Create Date: 2026-11-29
Docs: docs/reference/functions.md
"""

from collections.abc import Sequence

from alembic import op

from adapters.db import code_bundle

revision: str = "0008_code_0672d0963e62"
down_revision: str | None = "0007_book_entries_plan"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The bundle this migration deploys, and the one it replaces (None for the first deployment).
BUNDLE = "0008_code_0672d0963e62"
PREVIOUS_BUNDLE: str | None = "0006_code_8337213854ac"

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
