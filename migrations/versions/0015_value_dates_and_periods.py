"""Value dates beside booking time, and accounting periods.

Why: accountants work in value dates (`effective_at`), and close periods. A transfer already had an
`effective_at`, but every read followed booking time (`created_at`), and nothing stopped a posting from
landing in a month whose books were closed (docs/value-dates.md, docs/periods.md).

Changes
- `entries.effective_at` (timestamptz, NOT NULL): an entry's value date, always its transfer's
  `effective_at`, so that a capture books its posted entries at the hold's value date. Existing rows are
  filled from their transfers (the journal is rewritten once: the row trigger `entries_immutable` is
  disabled for that UPDATE only, in this transaction, by the owner).
- trigger `entries_value_date` (BEFORE INSERT, each row, only `WHEN (NEW.effective_at IS NULL)`: the
  condition is evaluated without calling any function, so writers that give the value date pay nothing):
  fills an entry's value date from its transfer. It serves writers older than this revision, an app
  process or a code bundle still running while the upgrade is rolled out (and this suite's populated
  walk of the history); an unknown transfer gets '-infinity', so that `entries_book` reports it (RZ117).
- index `ix_entries_value_date` (account_id, effective_at, seq) INCLUDE (side, amount) WHERE posted:
  the entries of one account's day, and statements in value-date order.
- index `ix_entries_created_at` (created_at, transfer_id, layer, line): the journal of a period in
  booking order, keyset-paged (`GET /v1/journal`, exports); without it each page scanned the journal.
- table `account_value_days` (account_id, value_date, debits, credits): the posted entries summed per
  account and UTC day of value date, filled from the journal here and kept by `entries_book` from then
  on (one `INSERT ... ON CONFLICT DO UPDATE` per statement, one row per account and day it touches).
  razao_app may only read it. A balance by value date is the sum of the days before plus the entries
  of its own day, exact under backdating, without rewriting the journal.
- tables `period_closes`, `period_balances` and `period_snapshots` (see `adapters.db.models`).
- `razao.book_entries()` (the trigger `entries_book`), derived from revision 0009's text, now also
  refuses, per transfer phase of the statement:
  - RZ119: an entry whose `effective_at` is not its transfer's;
  - RZ120 (`period_closed`): an entry whose value date falls on or before the `through` date of an
    active close of the ledger or of its asset. The closes are read once per statement (a
    materialized CTE over the few active closes). The function is VOLATILE, so in READ COMMITTED its
    queries see every close committed before the INSERT took its lock on `entries`;
  - and it upserts the statement's posted sums into `account_value_days`.
- `razao.lock_journal_for_close()` (plpgsql, SECURITY DEFINER, lock_timeout 10 s): `LOCK TABLE entries
  IN SHARE MODE` for the caller's transaction, and returns `clock_timestamp()` once it holds it (the
  close's `closed_at`: every entry committed before the close was created before that instant). Closing
  a period calls it first: it waits for the transactions writing the journal and holds new ones until
  the close commits, so no writer that checked before the close commits an entry into the closed
  period after it. razao_app has no privilege that allows that lock on `entries` itself (it may only
  INSERT).
- trigger `period_closes_reopen_once` (BEFORE UPDATE, each row): a close changes only by being reopened,
  once: `reopened_at`, `reopened_by` and `reopen_reason` go from NULL to values, and nothing else
  changes (RZ123). A reopened close cannot be re-activated or its reopening rewritten: the record of who
  closed and reopened what stays as written.
- read functions (LANGUAGE plpgsql STABLE: plans cached per session; SECURITY INVOKER: razao_app reads
  what it may read anyway), called by both execution modes so that their SQL is written once:
  `razao.value_net(account, at)`, `razao.value_net_before(account, at, seq)`,
  `razao.value_history(account, first, last)`, `razao.booked_history(account, first, last)` and
  `razao.value_totals(through)`.

Privileges: razao_app SELECTs `account_value_days`; SELECTs and INSERTs `period_closes` and UPDATEs only
its reopen columns; SELECTs and INSERTs `period_balances` and `period_snapshots`; EXECUTEs the
functions. Nothing for PUBLIC.

Timeouts: the upgrade reads and rewrites the whole journal, so it declares `LONG_RUNNING` and
migrations/env.py runs it without a statement timeout; the lock timeout still holds, so its `ALTER TABLE
entries` gives up (55P03, retried by the runbook) instead of queueing every writer behind a long
transaction. The two indexes on `entries` are built in the transaction that fills their column, not
`CONCURRENTLY` (which cannot run in a transaction, and would commit a half-migrated journal): apply it
with the application stopped. The downgrade reads no table whole and keeps both timeouts.

Downgrade restores revision 0009's function, drops the functions, the tables, the index and the column.
Closes and their snapshots are lost; value dates remain on the transfers.

Revision ID: 0015_value_dates_and_periods
Revises: 0014_code_d7d2b0e32e7b
Create Date: 2026-12-05
Docs: docs/value-dates.md, docs/periods.md
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from textwrap import dedent

from alembic import op

revision: str = "0015_value_dates_and_periods"
down_revision: str | None = "0014_code_d7d2b0e32e7b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "require-lock-timeout": (
        "the upgrade rewrites the journal once (filling effective_at) and builds an index on it:"
        " apply with the application stopped (docs/operations.md, upgrading); new tables and"
        " functions lock only themselves"
    ),
    "require-statement-timeout": (
        "filling effective_at, building the index and the value days read the whole journal and must"
        " run to the end, however large it is: a timeout could only cut the migration short"
    ),
    "adding-not-nullable-field": (
        "effective_at is added nullable, filled from the transfers, then set NOT NULL, in one"
        " transaction with the application stopped"
    ),
    "require-concurrent-index-creation": (
        "the index is built in the transaction that fills its column, with the application stopped;"
        " CREATE INDEX CONCURRENTLY cannot run in a transaction"
    ),
    "ban-drop-column": "only in the downgrade, which drops the column this revision added",
    "ban-drop-function": (
        "only in the downgrade, which drops the functions this revision created (the application of"
        " this release calls them: stop it first)"
    ),
    "require-concurrent-index-deletion": (
        "only in the downgrade, which drops the indexes this revision built, in its transaction, with"
        " the application stopped"
    ),
    "ban-drop-table": "only in the downgrade, which drops the tables this revision created",
}

#: Steps that must run to the end however large the ledger: migrations/env.py lifts the statement
#: timeout for them (the lock timeout still holds).
LONG_RUNNING = {
    "upgrade": "rewrites every journal entry, builds two indexes on entries and sums the journal into days"
}

PREVIOUS = "0009_entries_refs_in_trigger.py"
OWNER = "razao_owner"
APP = "razao_app"

#: The transfers' rules of 0009's function, extended: (old fragment, new fragment), each found once.
RULES_QUERY_OLD = """\
    SELECT g.transfer_id, g.layer, g.asset_code, g.debits, g.credits, t.status, t.id IS NULL AS unknown INTO v
    FROM (
        SELECT transfer_id, layer, asset_code,
               sum(CASE WHEN side = 'debit' THEN amount ELSE 0 END) AS debits,
               sum(CASE WHEN side = 'credit' THEN amount ELSE 0 END) AS credits
        FROM new_entries
        GROUP BY transfer_id, layer, asset_code
    ) g
    LEFT JOIN public.transfers t ON t.id = g.transfer_id
    WHERE t.id IS NULL OR g.debits <> g.credits
       OR t.status <> CASE WHEN g.layer = 'posted' THEN 'posted' ELSE 'pending' END
    ORDER BY t.id IS NOT NULL, g.debits = g.credits, g.transfer_id, g.layer, g.asset_code
    LIMIT 1;
"""
RULES_QUERY_NEW = """\
    WITH closed AS MATERIALIZED (
        SELECT asset_code, through FROM public.period_closes WHERE reopened_at IS NULL
    )
    SELECT g.transfer_id, g.layer, g.asset_code, g.debits, g.credits, t.status, t.id IS NULL AS unknown,
           g.effective_lo, g.effective_hi, t.effective_at,
           t.status <> CASE WHEN g.layer = 'posted' THEN 'posted' ELSE 'pending' END AS bad_status,
           g.effective_lo <> t.effective_at OR g.effective_hi <> t.effective_at AS off_date,
           p.through AS closed_through,
           to_char(g.effective_lo AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') AS effective_text,
           to_char(p.through, 'YYYY-MM-DD') AS through_text,
           g.effective_lo < (p.through + 1)::timestamp AT TIME ZONE 'UTC' AS in_closed INTO v
    FROM (
        SELECT transfer_id, layer, asset_code,
               sum(CASE WHEN side = 'debit' THEN amount ELSE 0 END) AS debits,
               sum(CASE WHEN side = 'credit' THEN amount ELSE 0 END) AS credits,
               min(effective_at) AS effective_lo, max(effective_at) AS effective_hi
        FROM new_entries
        GROUP BY transfer_id, layer, asset_code
    ) g
    LEFT JOIN public.transfers t ON t.id = g.transfer_id
    LEFT JOIN LATERAL (
        SELECT max(c.through) AS through FROM closed c
        WHERE c.asset_code IS NULL OR c.asset_code = g.asset_code
    ) p ON true
    WHERE t.id IS NULL OR g.debits <> g.credits
       OR t.status <> CASE WHEN g.layer = 'posted' THEN 'posted' ELSE 'pending' END
       OR g.effective_lo <> t.effective_at OR g.effective_hi <> t.effective_at
       OR g.effective_lo < (p.through + 1)::timestamp AT TIME ZONE 'UTC'
    ORDER BY t.id IS NOT NULL, g.debits = g.credits,
             t.status = CASE WHEN g.layer = 'posted' THEN 'posted' ELSE 'pending' END,
             g.effective_lo = t.effective_at AND g.effective_hi = t.effective_at,
             g.transfer_id, g.layer, g.asset_code
    LIMIT 1;
"""
STATUS_RAISE_OLD = """\
        RAISE EXCEPTION 'transfer %: % entries are not allowed while it is %',
            v.transfer_id, v.layer, v.status USING
            ERRCODE = 'RZ111', CONSTRAINT = 'entries_book', TABLE = 'entries',
            HINT = 'Holds belong to pending transfers, posted entries to posted ones.';
    END IF;
"""
STATUS_RAISE_NEW = """\
        IF v.bad_status THEN
            RAISE EXCEPTION 'transfer %: % entries are not allowed while it is %',
                v.transfer_id, v.layer, v.status USING
                ERRCODE = 'RZ111', CONSTRAINT = 'entries_book', TABLE = 'entries',
                HINT = 'Holds belong to pending transfers, posted entries to posted ones.';
        END IF;
        IF v.off_date THEN
            RAISE EXCEPTION 'transfer %: its entries'' value date (% to %) is not its effective_at %',
                v.transfer_id, v.effective_lo, v.effective_hi, v.effective_at USING
                ERRCODE = 'RZ119', CONSTRAINT = 'entries_book', TABLE = 'entries',
                HINT = 'An entry''s effective_at is its transfer''s.';
        END IF;
        RAISE EXCEPTION 'transfer %: value date % falls in a closed period (% closed through %)',
            v.transfer_id, v.effective_text, v.asset_code, v.through_text USING
            ERRCODE = 'RZ120', CONSTRAINT = 'entries_book', TABLE = 'entries',
            HINT = 'Reopen the period, or book with a value date after it.';
    END IF;
"""
VALUE_DAYS_OLD = """\
        WHERE a.id = d.account_id AND NOT EXISTS (SELECT FROM bad)
    )
"""
VALUE_DAYS_NEW = """\
        WHERE a.id = d.account_id AND NOT EXISTS (SELECT FROM bad)
    ), valued AS (
        INSERT INTO public.account_value_days AS x (account_id, value_date, debits, credits)
        SELECT account_id, (effective_at AT TIME ZONE 'UTC')::date,
               coalesce(sum(amount) FILTER (WHERE side = 'debit'), 0),
               coalesce(sum(amount) FILTER (WHERE side = 'credit'), 0)
        FROM new_entries
        WHERE layer = 'posted' AND NOT EXISTS (SELECT FROM bad)
        GROUP BY 1, 2
        ON CONFLICT (account_id, value_date) DO UPDATE
        SET debits = x.debits + excluded.debits, credits = x.credits + excluded.credits
    )
"""
CHANGES = [
    (RULES_QUERY_OLD, RULES_QUERY_NEW),
    (STATUS_RAISE_OLD, STATUS_RAISE_NEW),
    (VALUE_DAYS_OLD, VALUE_DAYS_NEW),
]


def _previous_book_entries() -> str:
    """Revision 0009's `CREATE OR REPLACE FUNCTION razao.book_entries()`, exactly as it runs it."""
    path = Path(__file__).with_name(PREVIOUS)
    spec = importlib.util.spec_from_file_location("razao_migration_0009", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    body: str = module._book_entries(references=True)
    return body


def _book_entries(*, value_dates: bool) -> str:
    """Revision 0009's function, with or without this revision's rules and value days."""
    body = _previous_book_entries()
    if not value_dates:
        return body
    for old, new in CHANGES:
        if body.count(old) != 1:
            raise RuntimeError(
                f"revision 0009's book_entries() is not the text this revision changes: {old!r}"
            )
        body = body.replace(old, new)
    return body


#: The start of `at`'s UTC day, as a timestamptz.
_DAY_START = "(p_at AT TIME ZONE 'UTC')::date::timestamp AT TIME ZONE 'UTC'"

#: name(args) -> (returns, body, volatility): the read functions, plpgsql so that plans are cached.
FUNCTIONS: dict[str, tuple[str, str]] = {
    # Credits minus debits of the account's posted entries before (p_at, p_seq) in value-date order: the
    # value days before p_at's UTC day, then that day's entries through ix_entries_value_date (an effective
    # statement's opening balance before its first line).
    "value_net_before(p_account uuid, p_at timestamptz, p_seq bigint)": (
        "numeric",
        f"""\
        BEGIN
            RETURN coalesce((
                SELECT sum(d.credits - d.debits) FROM public.account_value_days d
                WHERE d.account_id = p_account AND d.value_date < (p_at AT TIME ZONE 'UTC')::date
            ), 0) + coalesce((
                SELECT sum(CASE WHEN e.side = 'credit' THEN e.amount ELSE -e.amount END)
                FROM public.entries e
                WHERE e.account_id = p_account AND e.layer = 'posted'
                  AND e.effective_at >= {_DAY_START} AND (e.effective_at, e.seq) < (p_at, p_seq)
            ), 0);
        END""",
    ),
    # The same at or before p_at: every entry of p_at comes before (p_at, the largest seq).
    "value_net(p_account uuid, p_at timestamptz)": (
        "numeric",
        """\
        BEGIN
            RETURN razao.value_net_before(p_account, p_at, 9223372036854775807);
        END""",
    ),
    # The posted balance (on the account's normal side) at the end of each UTC day, by value date.
    "value_history(p_account uuid, p_first date, p_last date)": (
        "TABLE(day date, balance numeric)",
        """\
        DECLARE
            s integer;
            opening numeric;
        BEGIN
            SELECT CASE WHEN a.normal_side = 'credit' THEN 1 ELSE -1 END INTO s
            FROM public.accounts a WHERE a.id = p_account;
            IF NOT FOUND THEN
                RETURN;
            END IF;
            SELECT coalesce(sum(d.credits - d.debits), 0) INTO opening FROM public.account_value_days d
            WHERE d.account_id = p_account AND d.value_date < p_first;
            RETURN QUERY
                SELECT g.day::date,
                       s * (opening + sum(coalesce(d.credits - d.debits, 0)) OVER (ORDER BY g.day))
                FROM (SELECT p_first + i AS day FROM generate_series(0, p_last - p_first) AS i) g
                LEFT JOIN public.account_value_days d
                    ON d.account_id = p_account AND d.value_date = g.day
                ORDER BY g.day;
        END""",
    ),
    # The posted balance at the end of each UTC day, by booking time: the last entry's balance_after.
    "booked_history(p_account uuid, p_first date, p_last date)": (
        "TABLE(day date, balance numeric)",
        """\
        BEGIN
            RETURN QUERY
                SELECT g.day, coalesce((
                    SELECT e.balance_after FROM public.entries e
                    WHERE e.account_id = p_account AND e.layer = 'posted'
                      AND e.created_at < (g.day + 1)::timestamp AT TIME ZONE 'UTC'
                    ORDER BY e.created_at DESC, e.seq DESC
                    LIMIT 1
                ), 0)
                FROM (SELECT p_first + i AS day FROM generate_series(0, p_last - p_first) AS i) g
                ORDER BY g.day;
        END""",
    ),
    # The trial balance by value date through the end of p_through: per asset, the accounts opened by
    # then or holding entries dated by then (a payment backdated before its account was opened), and
    # their posted sums.
    "value_totals(p_through date)": (
        "TABLE(asset_code text, accounts bigint, posted_debits numeric, posted_credits numeric,"
        " debit_balances numeric, credit_balances numeric)",
        """\
        BEGIN
            RETURN QUERY
                WITH per AS (
                    SELECT d.account_id, sum(d.debits) AS dr, sum(d.credits) AS cr
                    FROM public.account_value_days d
                    WHERE d.value_date <= p_through
                    GROUP BY d.account_id
                )
                SELECT a.asset_code, count(*), coalesce(sum(per.dr), 0), coalesce(sum(per.cr), 0),
                       coalesce(sum(greatest(per.dr - per.cr, 0)), 0),
                       coalesce(sum(greatest(per.cr - per.dr, 0)), 0)
                FROM public.accounts a
                LEFT JOIN per ON per.account_id = a.id
                WHERE a.created_at < (p_through + 1)::timestamp AT TIME ZONE 'UTC'
                   OR per.account_id IS NOT NULL
                GROUP BY a.asset_code
                ORDER BY a.asset_code;
        END""",
    ),
}

FILL_VALUE_DATE = f"""\
CREATE FUNCTION razao.fill_entry_value_date() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
    SELECT coalesce((SELECT t.effective_at FROM public.transfers t WHERE t.id = NEW.transfer_id), '-infinity')
    INTO NEW.effective_at;
    RETURN NEW;
END
$$;
ALTER FUNCTION razao.fill_entry_value_date() OWNER TO {OWNER};
REVOKE ALL ON FUNCTION razao.fill_entry_value_date() FROM PUBLIC;
CREATE TRIGGER entries_value_date BEFORE INSERT ON entries
    FOR EACH ROW WHEN (NEW.effective_at IS NULL) EXECUTE FUNCTION razao.fill_entry_value_date();
"""

LOCK_FOR_CLOSE = f"""\
CREATE FUNCTION razao.lock_journal_for_close() RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
SET lock_timeout = '10s'
AS $$
BEGIN
    LOCK TABLE public.entries IN SHARE MODE;
    RETURN clock_timestamp();
END
$$;
ALTER FUNCTION razao.lock_journal_for_close() OWNER TO {OWNER};
REVOKE ALL ON FUNCTION razao.lock_journal_for_close() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION razao.lock_journal_for_close() TO {APP};
"""

TABLES = f"""\
CREATE TABLE account_value_days (
    account_id uuid NOT NULL,
    value_date date NOT NULL,
    debits numeric(38, 0) DEFAULT 0 NOT NULL,
    credits numeric(38, 0) DEFAULT 0 NOT NULL,
    CONSTRAINT account_value_days_pkey PRIMARY KEY (account_id, value_date),
    CONSTRAINT account_value_days_sums_check CHECK (debits >= 0 AND credits >= 0)
);
CREATE TABLE period_closes (
    id uuid NOT NULL,
    asset_code text,
    through date NOT NULL,
    reason text DEFAULT '' NOT NULL,
    closed_at timestamptz NOT NULL,
    closed_by text NOT NULL,
    reopened_at timestamptz,
    reopened_by text,
    reopen_reason text,
    CONSTRAINT period_closes_pkey PRIMARY KEY (id),
    CONSTRAINT period_closes_reopened_check CHECK ((reopened_at IS NULL) = (reopened_by IS NULL))
);
CREATE UNIQUE INDEX ix_period_closes_scope_through ON period_closes (coalesce(asset_code, ''), through)
    WHERE reopened_at IS NULL;
CREATE FUNCTION razao.check_period_reopen() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
    IF OLD.reopened_at IS NOT NULL OR NEW.reopened_at IS NULL OR NEW.reopened_by IS NULL
       OR NEW.reopen_reason IS NULL
       OR (NEW.id, NEW.asset_code, NEW.through, NEW.reason, NEW.closed_at, NEW.closed_by)
          IS DISTINCT FROM (OLD.id, OLD.asset_code, OLD.through, OLD.reason, OLD.closed_at, OLD.closed_by)
    THEN
        RAISE EXCEPTION 'period close %: a close changes only by being reopened, once', OLD.id USING
            ERRCODE = 'RZ123', CONSTRAINT = 'period_closes_reopen_once', TABLE = 'period_closes';
    END IF;
    RETURN NEW;
END
$$;
ALTER FUNCTION razao.check_period_reopen() OWNER TO {OWNER};
REVOKE ALL ON FUNCTION razao.check_period_reopen() FROM PUBLIC;
CREATE TRIGGER period_closes_reopen_once BEFORE UPDATE ON period_closes
    FOR EACH ROW EXECUTE FUNCTION razao.check_period_reopen();
CREATE TABLE period_snapshots (
    close_id uuid NOT NULL,
    accounts bigint NOT NULL,
    written_at timestamptz NOT NULL,
    CONSTRAINT period_snapshots_pkey PRIMARY KEY (close_id)
);
CREATE TABLE period_balances (
    close_id uuid NOT NULL,
    account_id uuid NOT NULL,
    asset_code text NOT NULL,
    posted_debits numeric(38, 0) NOT NULL,
    posted_credits numeric(38, 0) NOT NULL,
    CONSTRAINT period_balances_pkey PRIMARY KEY (close_id, account_id)
);
ALTER TABLE account_value_days OWNER TO {OWNER};
ALTER TABLE period_closes OWNER TO {OWNER};
ALTER TABLE period_balances OWNER TO {OWNER};
ALTER TABLE period_snapshots OWNER TO {OWNER};
REVOKE ALL ON TABLE account_value_days, period_closes, period_balances, period_snapshots FROM PUBLIC;
GRANT SELECT ON TABLE account_value_days TO {APP};
GRANT SELECT, INSERT ON TABLE period_closes, period_balances, period_snapshots TO {APP};
GRANT UPDATE (reopened_at, reopened_by, reopen_reason) ON TABLE period_closes TO {APP};
"""


def _create_function(signature: str, returns: str, body: str) -> str:
    name = signature.split("(", 1)[0]
    types = ", ".join(arg.split()[1] for arg in signature.split("(", 1)[1].rstrip(")").split(", "))
    return (
        f"CREATE FUNCTION razao.{signature} RETURNS {returns}\n"
        "LANGUAGE plpgsql STABLE PARALLEL SAFE\nSET search_path = pg_catalog, public\n"
        f"AS $$\n{dedent(body)}\n$$;\n"
        f"ALTER FUNCTION razao.{name}({types}) OWNER TO {OWNER};\n"
        f"REVOKE ALL ON FUNCTION razao.{name}({types}) FROM PUBLIC;\n"
        f"GRANT EXECUTE ON FUNCTION razao.{name}({types}) TO {APP};\n"
    )


def _drop_function(signature: str) -> str:
    name = signature.split("(", 1)[0]
    types = ", ".join(arg.split()[1] for arg in signature.split("(", 1)[1].rstrip(")").split(", "))
    return f"DROP FUNCTION IF EXISTS razao.{name}({types})"


def upgrade() -> None:
    # squawk: adding-not-nullable-field, require-lock-timeout, require-statement-timeout: added
    # nullable, filled from the transfers, then NOT NULL (the application stopped: the docstring).
    op.execute("ALTER TABLE entries ADD COLUMN effective_at timestamptz")
    op.execute("ALTER TABLE entries DISABLE TRIGGER entries_immutable")
    op.execute(
        "UPDATE entries e SET effective_at = t.effective_at FROM transfers t WHERE t.id = e.transfer_id"
    )
    op.execute("ALTER TABLE entries ENABLE TRIGGER entries_immutable")
    op.execute("ALTER TABLE entries ALTER COLUMN effective_at SET NOT NULL")
    # squawk: require-concurrent-index-creation: built in this transaction, after its column is filled.
    op.execute(
        "CREATE INDEX ix_entries_value_date ON entries (account_id, effective_at, seq)"
        " INCLUDE (side, amount) WHERE layer = 'posted'"
    )
    # squawk: require-concurrent-index-creation: likewise.
    op.execute("CREATE INDEX ix_entries_created_at ON entries (created_at, transfer_id, layer, line)")
    op.execute(TABLES)
    op.execute(
        dedent(
            """\
            INSERT INTO account_value_days (account_id, value_date, debits, credits)
            SELECT account_id, (effective_at AT TIME ZONE 'UTC')::date,
                   coalesce(sum(amount) FILTER (WHERE side = 'debit'), 0),
                   coalesce(sum(amount) FILTER (WHERE side = 'credit'), 0)
            FROM entries WHERE layer = 'posted'
            GROUP BY 1, 2"""
        )
    )
    op.execute(_book_entries(value_dates=True))
    op.execute(FILL_VALUE_DATE)
    op.execute(LOCK_FOR_CLOSE)
    for signature, (returns, body) in FUNCTIONS.items():
        op.execute(_create_function(signature, returns, body))


def downgrade() -> None:
    op.execute(_book_entries(value_dates=False))
    # squawk: ban-drop-function: undoing this revision drops the functions it created (the docstring).
    op.execute("DROP FUNCTION IF EXISTS razao.lock_journal_for_close()")
    for signature in FUNCTIONS:
        op.execute(_drop_function(signature))
    # squawk: ban-drop-table: undoing this revision drops the tables it created (the docstring).
    op.execute("DROP TABLE period_snapshots, period_balances, period_closes, account_value_days")
    op.execute("DROP FUNCTION IF EXISTS razao.check_period_reopen()")
    op.execute("DROP TRIGGER IF EXISTS entries_value_date ON entries")
    op.execute("DROP FUNCTION IF EXISTS razao.fill_entry_value_date()")
    # squawk: require-concurrent-index-deletion: the indexes this revision built, the application stopped.
    op.execute("DROP INDEX ix_entries_created_at")
    op.execute("DROP INDEX ix_entries_value_date")
    # squawk: ban-drop-column: undoing this revision drops the column it added.
    op.execute("ALTER TABLE entries DROP COLUMN effective_at")
