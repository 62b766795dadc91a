"""Keep the cost of `entries_book` independent of the number of accounts.

The trigger function `razao.book_entries()` (revision 0002) joins the accounts of a statement's new
entries to `public.accounts` and keeps the first account that breaks a rule (`ORDER BY account_id
LIMIT 1`). With that LIMIT over the join, the planner prefers a merge join that walks the accounts'
primary-key index in order, expecting to stop at the first offender; when there is none (nearly always)
it reads the whole index. At 1,000,000 accounts that was about 0.5 s per INSERT into `entries`, found by
the jobs benchmark (docs/benchmarks.md): a chunk of interest postings spent half its time there.

This revision recreates the function with one change, the join's CTE marked `MATERIALIZED`, so the
join is planned on its own (one primary-key lookup per account of the statement) and the LIMIT applies
to its few rows. The rules, messages, SQLSTATEs, owner and grants are those of revision 0002
(`CREATE OR REPLACE` keeps the owner, the privileges and the trigger).

Downgrade restores revision 0002's definition.

Revision ID: 0007_book_entries_plan
Revises: 0006_code_8337213854ac
Create Date: 2026-11-29
Docs: docs/reference/rules.md
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0007_book_entries_plan"
down_revision: str | None = "0006_code_8337213854ac"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "require-lock-timeout": (
        "CREATE OR REPLACE FUNCTION locks only the function's catalog row, never a ledger table: a"
        " statement that is running the trigger keeps the definition it started with"
    ),
    "require-statement-timeout": (
        "replacing a function's body reads and writes no ledger data: it takes the same time whatever"
        " the ledger holds"
    ),
}

#: The one change, in revision 0002's text of the function.
JOIN = "), c AS ("
MATERIALIZED_JOIN = "), c AS MATERIALIZED ("


def _book_entries(*, materialized: bool) -> str:
    """Revision 0002's `CREATE FUNCTION razao.book_entries()`, as CREATE OR REPLACE, with or without
    the change."""
    path = Path(__file__).with_name("0002_ledger_rules.py")
    spec = importlib.util.spec_from_file_location("razao_migration_0002", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    body: str = module.BOOK_ENTRIES
    if body.count(JOIN) != 1 or MATERIALIZED_JOIN in body:
        raise RuntimeError("revision 0002's book_entries() is not the text this revision changes")
    body = body.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    return body.replace(JOIN, MATERIALIZED_JOIN) if materialized else body


def upgrade() -> None:
    # squawk: require-lock-timeout, require-statement-timeout: replaces a function's body only.
    op.execute(_book_entries(materialized=True))


def downgrade() -> None:
    # squawk: require-lock-timeout, require-statement-timeout: replaces a function's body only.
    op.execute(_book_entries(materialized=False))
