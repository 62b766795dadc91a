"""Deploy Razão's code into PostgreSQL: bundle e57c70ee127b.

Carries a frozen copy of `src/domain`, `src/application` and `plpython/` in
`migrations/bundles/0017_code_e57c70ee127b.json` and (re)creates the PL/Python functions of its catalog.
Downgrade redeploys bundle 0014_code_d7d2b0e32e7b exactly.

Why (docs/value-dates.md; docs/periods.md; docs/groups.md; docs/search.md; docs/export.md):
- every journal entry carries its transfer's value date (`entries.effective_at`, revision 0015), which
  both stores write; reads take a time basis (`domain.time_basis`): balances as of an instant, statements
  in value-date order (`razao.value_statement`), daily history (`razao.history`) and the trial balance
  through a day, by value date, from the value days the journal's trigger keeps;
- accounting periods (`domain.periods`): a transfer, a capture of a hold, a reversal or an interest
  posting whose value date falls in a closed period is refused with `period_closed`; only a backdated
  request reads the closes (one small query);
- the balances of account groups (code prefixes) and categories, now and as of an instant, one statement
  each (`razao.group_balance`, `razao.category_balance`);
- SQL that both stores run is stated once, in `razao_sql` (the group statements, the accrual chunk's
  writes), which the app's adapter loads from the same file;
- account and transfer searches by metadata, status, dates (either basis), amount and category, each an
  index lookup or refused (`filter_needs_index`);
- the journal of a window in booking order, a page at a time (`razao.journal`), for exports.

Compared with the previous bundle:
- added: application.categories, application.groups, application.journal, application.periods,
  application.search, domain.categories, domain.periods, domain.time_basis, razao_sql
- changed: application.accounts, application.codec, application.documents, application.events,
  application.interest, application.ports, application.read_path, application.reports,
  application.transfers, domain.errors, domain.ledger, domain.transfers, razao_entry,
  razao_functions, razao_store
- removed: nothing

Functions:
post_transfers, post_each, post_pending, void_pending, reverse_transfer, expire_due, balance_as_of,
  statement, value_statement, history, trial_balance, journal, group_balance, category_balance,
  accrue_interest, accounts_with_policies, verify_ledger, verify_part, kernel_info

Create Date: 2026-12-05
Docs: docs/reference/functions.md
"""

from collections.abc import Sequence

from alembic import op

from adapters.db import code_bundle

revision: str = "0017_code_e57c70ee127b"
down_revision: str | None = "0016_categories_and_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The bundle this migration deploys, and the one it replaces (None for the first deployment).
BUNDLE = "0017_code_e57c70ee127b"
PREVIOUS_BUNDLE: str | None = "0014_code_d7d2b0e32e7b"

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
