"""Deploy Razão's code into PostgreSQL: bundle 0dc92f83300f.

Carries a frozen copy of `src/domain`, `src/application` and `plpython/` in
`migrations/bundles/0010_code_0dc92f83300f.json` and (re)creates the PL/Python functions of its catalog.
Downgrade redeploys bundle 0008_code_0672d0963e62 exactly.

Why (docs/operations.md, "Group commit"; docs/execution-modes.md, "The first call of a connection";
docs/benchmarks.md):
- `razao.post_each` books many transfers in one transaction, each decided on its own in order
  (`domain.ledger.post_each`): what the API's groups of concurrent single transfers and the bulk endpoint
  run. A refused transfer gets its own error and changes nothing; an id booked earlier in the same call
  replays;
- the write kernel (`domain.ledger._apply`) keeps plain running sums per account instead of building a
  new `Balances` per move, and the common balanced case is checked without building sets; the codec
  reuses parsed UUIDs and enum members;
- a new connection's first call is cheaper: the deployment compiles the bundle with the server's own
  Python (`razao.compile_code()`, recorded with a digest), the loader loads it in one statement and runs
  modules lazily, and no longer imports what it does not use.

Compared with the previous bundle:
- added: nothing
- changed: application.codec, application.transfers, application.write_path, domain.accounts,
  domain.ledger, domain.transfers, razao_entry, razao_functions, razao_loader, razao_store
- removed: nothing

Functions:
post_transfers, post_each, post_pending, void_pending, reverse_transfer, expire_due, balance_as_of,
  statement, trial_balance, accrue_interest, accounts_with_policies, verify_ledger, verify_part

Create Date: 2026-12-04
Docs: docs/reference/functions.md
"""

from collections.abc import Sequence

from alembic import op

from adapters.db import code_bundle

revision: str = "0010_code_0dc92f83300f"
down_revision: str | None = "0009_entries_refs_in_trigger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The bundle this migration deploys, and the one it replaces (None for the first deployment).
BUNDLE = "0010_code_0dc92f83300f"
PREVIOUS_BUNDLE: str | None = "0008_code_0672d0963e62"

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
