"""Deploy Razão's code into PostgreSQL: bundle 3e63c22ae4ae.

Carries a frozen copy of `src/domain`, `src/application` and `plpython/` in
`migrations/bundles/0025_code_3e63c22ae4ae.json` and (re)creates the PL/Python functions of its catalog.
Downgrade redeploys bundle 0020_code_4f787f8cf05f exactly.

Why (docs/audit/seals.md, docs/audit/reconciliation.md): the audit capabilities run in both execution
modes. The sealed journal's use cases (`application.seals` over `domain.seals`: seal the committed journal
a block per transaction, verify every block, prove a transfer's lines, report the sealer's status) run
inside PostgreSQL through four new functions (`seal_journal`, `verify_seals`, `seal_proof`, `seal_status`,
over `razao_seal_store`, the SQL both adapters read); reconciliation reads a mirror account's journal
window through `recon_ledger_window` (`razao_recon_store`), the same statement the app runs. The bundle
also carries the statement import's domain (`domain.statements`, `application.statements`), which runs
in the API in both modes, and the new event types and error codes (`journal.sealed`,
`reconciliation.finished`; `invalid_statement`, `not_sealed_yet`).
The use cases' units of work now share one `Transaction` protocol (`application.ports`), stated
once instead of in each module: no change in behaviour.

Compared with the previous bundle:
- added: application.reconciliation, application.seals, application.statements,
  domain.reconciliation, domain.seals, domain.statements, razao_recon_entry, razao_recon_store,
  razao_seal_entry, razao_seal_store
- changed: application.api_keys, application.categories, application.events, application.feed,
  application.jobs, application.ports, application.retention, application.webhooks, domain.errors,
  razao_functions
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

revision: str = "0025_code_3e63c22ae4ae"
down_revision: str | None = "0024_console_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The bundle this migration deploys, and the one it replaces (None for the first deployment).
BUNDLE = "0025_code_3e63c22ae4ae"
PREVIOUS_BUNDLE: str | None = "0020_code_4f787f8cf05f"

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
