"""Deploy Razão's code into PostgreSQL: bundle d7d2b0e32e7b.

Carries a frozen copy of `src/domain`, `src/application` and `plpython/` in
`migrations/bundles/0014_code_d7d2b0e32e7b.json` and (re)creates the PL/Python functions of its catalog.
Downgrade redeploys bundle 0008_code_0672d0963e62 exactly.

Why (docs/operations.md, "Group commit"; docs/execution-modes.md, "The first call of a connection";
docs/architecture.md, "The Rust kernel"; docs/events.md; docs/monitors.md; docs/webhooks.md;
docs/benchmarks.md):
- `razao.post_each` books many transfers in one transaction, each decided on its own in order
  (`domain.ledger.post_each`): what the API's groups of concurrent single transfers and the bulk endpoint
  run. A refused transfer gets its own error and changes nothing; an id booked earlier in the same call
  replays;
- the write kernel keeps plain running sums per account, the common balanced case is checked without
  building sets, and the codec reuses parsed UUIDs and enum members;
- a new connection's first call is cheaper: the deployment compiles the bundle with the server's own
  Python (`razao.compile_code()`, recorded with a digest), the loader loads it in one statement and runs
  modules lazily;
- the hot pure functions may run in the Rust kernel (`razao_kernel`, pinned by `domain.kernel.VERSION`):
  a batch's posting arithmetic, interest settlement, and verification's page loops; the loader sets the
  kernel mode from the connection's `razao.kernel` setting, and `razao.kernel_info()` reports it;
- verification reads pages of plain rows (its SQL stated once, in `razao_store`), interest accrual
  writes its accrual and carry rows with one statement each, builds its postings without re-validating
  what it built itself (`domain.interest.interest_request`) and pauses Python's cycle collector for a
  chunk (`application.collector`);
- every state change records its events in the same transaction (`application.events`, table
  `events` of revision 0010_events): transfers, accounts, interest postings, jobs and balance monitors;
- balance monitors (`domain.monitors`, table `balance_monitors` of revision 0012) are evaluated by every
  use case that changes balances, in the same transaction, and fire `balance.monitor_triggered` once per
  crossing;
- the use cases of webhooks (`application.webhooks`, `application.webhook_policy`) and of the broker
  stream (`application.stream`) travel with the bundle: they run in the workers and the stream process,
  over the tables of revisions 0011 and 0013, so that both execution modes share one code version.

Compared with the previous bundle:
- added: application.collector, application.documents, application.events, application.feed,
  application.monitors, application.retention, application.stream, application.webhook_policy,
  application.webhooks, domain.kernel, domain.monitors
- changed: application.accounts, application.codec, application.interest, application.jobs,
  application.ports, application.transfers, application.verification, application.write_path,
  domain.accounts, domain.interest, domain.ledger, domain.transfers, domain.values,
  domain.verification, razao_entry, razao_functions, razao_loader, razao_store
- removed: nothing

Functions:
post_transfers, post_each, post_pending, void_pending, reverse_transfer, expire_due, balance_as_of,
  statement, trial_balance, accrue_interest, accounts_with_policies, verify_ledger, verify_part,
  kernel_info

Create Date: 2026-12-05
Docs: docs/reference/functions.md
"""

from collections.abc import Sequence

from alembic import op

from adapters.db import code_bundle

revision: str = "0014_code_d7d2b0e32e7b"
down_revision: str | None = "0013_event_stream"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The bundle this migration deploys, and the one it replaces (None for the first deployment).
BUNDLE = "0014_code_d7d2b0e32e7b"
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
