"""Check the journal's references in `entries_book`, once per statement, instead of by foreign keys.

Every INSERT into `entries` was checked twice for its references: the foreign keys
`entries_transfer_id_fkey` and `entries_account_id_fkey` (revision 0001) look up each new row's transfer
and account (one `SELECT ... FOR KEY SHARE` per row and key), and the statement trigger `entries_book`
(revisions 0002 and 0007) joins the statement's transfers and accounts again. Measured on a batch of
1,000 transfers (2,000 entries, one INSERT): ~56-73 ms with the foreign keys, ~41-52 ms without; the
per-row checks were about a quarter of the journal write.

This revision
- recreates `razao.book_entries()` so that it refuses the whole statement when an entry's transfer
  does not exist (RZ117) or its account does not exist (RZ118), with CONSTRAINT `entries_book` and
  TABLE `entries` like the other rules. Its two joins become LEFT joins, so that no rule drops the
  entries of a missing transfer or account; the query of the transfers' rules (RZ110, RZ111) puts
  unknown transfers first, so RZ117 comes before any other rule, and the query of the accounts' rules
  (RZ112 to RZ116) puts unknown accounts first. It costs nothing the trigger did not already do: the
  statement's distinct transfers and accounts were already looked up by primary key, and an unknown one
  is the row that lookup does not find (an anti-join). Everything else is revision 0007's text: the
  same rules, messages, SQLSTATEs and MATERIALIZED CTE (the text is derived from 0007's below, each
  replaced fragment found exactly once). `CREATE OR REPLACE` keeps the owner, the privileges and the
  trigger;
- adds the trigger accounts_id_guard (BEFORE UPDATE on accounts, each row, when the id changes): an
  account's id never changes (RZ106, like the asset and normal side of accounts_identity_guard). The
  foreign key on account_id refused changing the id of an account that has entries (23503); nothing
  else did, and a changed id would leave its entries (and its interest policies, which have no
  foreign key) pointing nowhere. It now refuses it for every account: an id is what refers to one;
- drops the two foreign keys, in the same transaction: no statement ever sees the journal unchecked.
  What else they gave is kept by revision 0002's triggers: a referenced transfer or account cannot be
  deleted (transfers_no_delete, accounts_no_delete: RZ102 for any row, referenced or not) nor truncated
  (transfers_no_truncate, accounts_no_truncate; TRUNCATE ... CASCADE is refused as well), and a
  transfer's id cannot change (transfers_status_only: RZ103). The FOR KEY SHARE row locks they took
  protected referenced rows from a concurrent delete or change of id, none of which can happen now, so
  nothing replaces them.

Downgrade restores revision 0007's function, drops accounts_id_guard, and re-adds both foreign keys
under their names: each is added `NOT VALID` (a short lock; new rows are checked from then on), the
transaction is committed, and each is then validated by `VALIDATE CONSTRAINT`, which scans the journal
while holding only SHARE UPDATE EXCLUSIVE on `entries`: the application keeps writing. (Validating in
the transaction that added them would hold the ADD's SHARE ROW EXCLUSIVE lock, which stops every write,
for the whole scan.) Since that commit ends Alembic's transaction, a downgrade through this revision
that fails in a later step leaves the database stamped at this revision with the foreign keys in place
(and the function and triggers of 0007); running the downgrade again drops the keys (IF EXISTS) and
adds them again, so it completes.

Revision ID: 0009_entries_refs_in_trigger
Revises: 0008_code_0672d0963e62
Create Date: 2026-11-29
Docs: docs/reference/rules.md
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0009_entries_refs_in_trigger"
down_revision: str | None = "0008_code_0672d0963e62"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "require-lock-timeout": (
        "CREATE OR REPLACE FUNCTION locks only the function's catalog row; creating the trigger on"
        " accounts and dropping or adding the foreign keys lock entries, transfers and accounts briefly"
        " (no scan), but would wait behind a long transaction of the application, and every request"
        " behind them: apply with the application stopped, or with PGOPTIONS='-c lock_timeout=5s' so"
        " that it fails fast and can be retried"
    ),
    "require-statement-timeout": (
        "replacing the function, creating the trigger and dropping the foreign keys read no ledger"
        " data; the downgrade's VALIDATE CONSTRAINT reads the whole journal and must run to the end,"
        " however large it is (the application may write meanwhile): a timeout could only cut it short"
    ),
    "ban-drop-constraint": (
        "the upgrade drops the two foreign keys of entries because the trigger replaced in the same"
        " transaction refuses the same rows (RZ117, RZ118); the downgrade drops them IF EXISTS only to"
        " add them again, so that a downgrade cut short after its commit can be run again"
    ),
}

#: Steps that must run to the end however large the ledger: migrations/env.py lifts the statement
#: timeout for them (the lock timeout still holds). Declared after release; no SQL changed.
LONG_RUNNING = {"downgrade": "VALIDATE CONSTRAINT of the two foreign keys reads the whole journal"}

PREVIOUS = "0007_book_entries_plan.py"

#: Refuses a change of an account's id, which the foreign key on entries.account_id refused while
#: entries referred to it (razao.refuse is revision 0002's: SQLSTATE, rule, message).
ACCOUNT_ID_GUARD = (
    "CREATE TRIGGER accounts_id_guard BEFORE UPDATE ON accounts FOR EACH ROW WHEN (OLD.id <> NEW.id)"
    " EXECUTE FUNCTION razao.refuse('RZ106', 'accounts_id_guard',"
    " 'an account''s id never changes: its entries refer to it (%s on %s refused)')"
)

#: The foreign keys of revision 0001: name -> (column, referenced table).
FOREIGN_KEYS = {
    "entries_transfer_id_fkey": ("transfer_id", "transfers"),
    "entries_account_id_fkey": ("account_id", "accounts"),
}

#: The changes, in revision 0007's text of the function: (old fragment, new fragment).
UNKNOWN_TRANSFER_RAISE = """\
    IF FOUND THEN
        IF v.unknown THEN
            RAISE EXCEPTION 'transfer % does not exist: its entries are refused', v.transfer_id USING
                ERRCODE = 'RZ117', CONSTRAINT = 'entries_book', TABLE = 'entries',
                HINT = 'Insert a transfer before its entries.';
        END IF;
"""
UNKNOWN_ACCOUNT_RAISE = """\
    IF v.unknown THEN
        RAISE EXCEPTION 'account % does not exist: its entries are refused', v.account_id USING
            ERRCODE = 'RZ118', CONSTRAINT = 'entries_book', TABLE = 'entries',
            HINT = 'Open an account before booking entries to it.';
    ELSIF v.status <> 'active' THEN
"""
CHANGES: list[tuple[str, str]] = [
    # The transfers' rules (RZ110, RZ111): every group of the statement, its transfer found or not.
    ("t.status INTO v\n", "t.status, t.id IS NULL AS unknown INTO v\n"),
    ("\n    JOIN public.transfers t ON", "\n    LEFT JOIN public.transfers t ON"),
    ("    WHERE g.debits <> g.credits\n", "    WHERE t.id IS NULL OR g.debits <> g.credits\n"),
    ("ORDER BY g.debits = g.credits,", "ORDER BY t.id IS NOT NULL, g.debits = g.credits,"),
    ("    IF FOUND THEN\n", UNKNOWN_TRANSFER_RAISE),
    # The accounts' rules (RZ112 to RZ116): every account of the statement, found or not.
    ("SELECT d.*, a.code,", "SELECT d.*, a.id IS NULL AS unknown, a.code,"),
    ("\n        JOIN public.accounts a ON", "\n        LEFT JOIN public.accounts a ON"),
    ("        WHERE status <> 'active'\n", "        WHERE unknown OR status <> 'active'\n"),
    ("        ORDER BY account_id\n", "        ORDER BY unknown DESC, account_id\n"),
    ("    IF v.status <> 'active' THEN\n", UNKNOWN_ACCOUNT_RAISE),
]


def _previous_book_entries() -> str:
    """Revision 0007's `CREATE OR REPLACE FUNCTION razao.book_entries()`, exactly as it runs it."""
    path = Path(__file__).with_name(PREVIOUS)
    spec = importlib.util.spec_from_file_location("razao_migration_0007", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    body: str = module._book_entries(materialized=True)
    return body


def _book_entries(*, references: bool) -> str:
    """Revision 0007's function, with or without this revision's checks of the references."""
    body = _previous_book_entries()
    if not references:
        return body
    for old, new in CHANGES:
        if body.count(old) != 1:
            raise RuntimeError(
                f"revision 0007's book_entries() is not the text this revision changes: {old!r}"
            )
        body = body.replace(old, new)
    return body


def upgrade() -> None:
    # squawk: require-lock-timeout, require-statement-timeout: replaces a function's body, creates a
    # trigger and drops two constraints: brief locks, no scan.
    op.execute(_book_entries(references=True))
    op.execute(ACCOUNT_ID_GUARD)
    # squawk: ban-drop-constraint: the trigger replaced above refuses what these refused (RZ117, RZ118).
    for name in FOREIGN_KEYS:
        op.drop_constraint(name, "entries", type_="foreignkey")


def downgrade() -> None:
    op.execute(_book_entries(references=False))
    op.execute("DROP TRIGGER IF EXISTS accounts_id_guard ON accounts")  # IF EXISTS: see the docstring
    # squawk: ban-drop-constraint: IF EXISTS, a no-op unless an earlier run of this downgrade committed
    # its foreign keys and then failed in a later step (see the module docstring).
    for name in FOREIGN_KEYS:
        op.execute(f"ALTER TABLE entries DROP CONSTRAINT IF EXISTS {name}")
    for name, (column, table) in FOREIGN_KEYS.items():
        op.create_foreign_key(name, "entries", table, [column], ["id"], postgresql_not_valid=True)
    # Commit, so that validating (a scan of the whole journal) does not hold the ADD's lock, which
    # stops every write to entries, transfers and accounts.
    with op.get_context().autocommit_block():
        for name in FOREIGN_KEYS:
            # squawk: require-statement-timeout: validation reads the whole journal, writes going on.
            op.execute(f"ALTER TABLE entries VALIDATE CONSTRAINT {name}")
