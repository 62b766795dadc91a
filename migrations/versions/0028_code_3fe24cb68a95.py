"""Deploy Razão's code into PostgreSQL: bundle 3fe24cb68a95.

Carries a frozen copy of `src/domain`, `src/application` and `plpython/` in
`migrations/bundles/0028_code_3fe24cb68a95.json` and (re)creates the PL/Python functions of its catalog.
Downgrade redeploys bundle 0026_code_1b191b6a8934 exactly.

Why (docs/interest.md, revision 0027_open_interest_periods): interest accrues day by day and a period
posts once its month (or policy) has ended, not at the end of every range accrued; the open period's
interest waits in `interest_carry` (with `open_from`), and its posting names itself on the days it
accrued while open. `accrue_interest` takes `post_open boolean DEFAULT false` (post the periods still
open at the end of the range too): the signature changes, so the old function is dropped and the new
one created; a call without the argument is the same as before.

Also: a bulk (`post_each`) whose journal INSERT met a close committed after it read the closes (RZ120)
runs again instead of refusing every item (`application.transfers.post_each` raises `RetryableConflict`,
which the in-database entry point answers as SQLSTATE 40001), so only the items the close covers are
refused, as when the close came first. The in-database unit of work now reads the SQLSTATE of such a
refusal from the SPI error's `spidata` (`razao_store.sqlstate_of`): PL/Python leaves `sqlstate` None for
the ledger's own codes, so RZ120 reached the app untranslated before (its adapter's backstop caught it).

Compared with the previous bundle:
- added: nothing
- changed: application.batch_path, application.interest, application.transfers, domain.interest,
  razao_entry, razao_functions, razao_sql, razao_store
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

revision: str = "0028_code_3fe24cb68a95"
down_revision: str | None = "0027_open_interest_periods"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The bundle this migration deploys, and the one it replaces (None for the first deployment).
BUNDLE = "0028_code_3fe24cb68a95"
PREVIOUS_BUNDLE: str | None = "0026_code_1b191b6a8934"

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
