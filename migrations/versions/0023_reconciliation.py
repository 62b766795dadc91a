"""Reconciliation: saved rules, runs and matches of statement lines to ledger entries.

Why: a bank statement (revision 0022) is reconciled against the posted entries of the bank's mirror
account. A run proposes matches by rules and scores (`domain.reconciliation`); a person matches and
unmatches by hand. A match never changes the journal: it only links lines to entries, and an unmatch is
recorded on the match (who, when), never deleted, never undone. At most one active match holds a
statement line or a ledger entry (partial unique indexes), whatever runs or people do concurrently.
The link to an entry has no foreign key to `entries`: a foreign key's check takes a FOR KEY SHARE lock
on the referenced row, which writes a lock marker into the journal's row (its xmax, a dirtied page);
entries are never deleted, and the use cases link only entries they have just read (a run's ledger
window, a manual match's `entries_of`).

Creates (public, owned by razao_owner, `src/adapters/db/models.py`)
- `recon_rules`: id, name (unique), rule (jsonb: `domain.reconciliation.rule_to_dict`), created_by (API
  key id), created_at.
- `recon_runs`: one per matching run: id, job_id (the background job running it), statement_id
  (REFERENCES bank_statements), account_id (the mirror account), rules_id (REFERENCES recon_rules, NULL
  when the rule was given inline), rule (the rule as used), dry_run, state ('queued', 'running',
  'finished', 'failed'), summary and balance_check (jsonb, when finished), created_by, created_at,
  finished_at. Index (statement_id, created_at).
- `recon_matches`: id, account_id, run_id (REFERENCES recon_runs; NULL for a manual match), strategy
  ('one_to_one', 'one_to_many', 'many_to_one'), score (basis points; NULL for a manual match), origin
  ('auto', 'manual'), matched_by, matched_at, unmatched_by, unmatched_at. Index (run_id).
- `recon_match_lines`: match_id (REFERENCES recon_matches), statement_id and line_no (REFERENCES
  statement_lines), active; primary key (match_id, statement_id, line_no); unique index
  `ux_recon_match_lines_active` (statement_id, line_no) WHERE active.
- `recon_match_entries`: match_id (REFERENCES recon_matches), transfer_id, layer, line (an entry's key;
  no foreign key, see above), active; primary key (match_id, transfer_id, layer, line); unique index
  `ux_recon_match_entries_active` (transfer_id, layer, line) WHERE active.
- `razao.recon_unmatch_is_final()`, a trigger function (plpgsql, owned by razao_owner, no EXECUTE for
  anyone) run BEFORE UPDATE of `recon_matches` (refuses any change of a match once unmatched) and of
  the two link tables (refuses `active` false -> true), SQLSTATE 55000.
- `recon_results`: what a run found, per statement line (side 'bank': matched, unmatched or ambiguous
  with its candidates) and per ledger entry it matched (side 'ledger'), dry runs included: run_id
  (REFERENCES recon_runs), side, key (the line number zero-padded, or "<transfer>:<layer>:<line>"), chunk
  (the run's chunk that found it: a later chunk leaves the entries an earlier one matched alone), state,
  line_no, transfer_id, layer, line, value_date, amount (numeric(38,0), signed in the bank's terms),
  group_key (links a match's bank and ledger rows), match_id (NULL in a dry run), strategy, score,
  candidates (jsonb); primary key (run_id, side, key). Ledger entries a run left unmatched are not
  stored: they are the mirror account's entries in the statement's range that no row and no active
  match names (read when listed).

Privileges (least privilege): razao_app may SELECT and INSERT every table; UPDATE only of the columns
the use cases change: `recon_runs` (job_id, state, summary, balance_check, finished_at),
`recon_matches` (unmatched_by, unmatched_at) and the two link tables (active); no DELETE, no TRUNCATE.
So it cannot rewrite who matched what, and with the trigger it cannot re-activate a match or overwrite
an unmatch. Nothing for PUBLIC.

Downgrade drops the six tables and the trigger function (rules, runs, matches and results are lost;
the journal is untouched).

Revision ID: 0023_reconciliation
Revises: 0022_bank_statements
Create Date: 2026-12-06
Docs: docs/audit/reconciliation.md
"""

from collections.abc import Sequence
from textwrap import dedent

from alembic import op

revision: str = "0023_reconciliation"
down_revision: str | None = "0022_bank_statements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "require-lock-timeout": (
        "every table is created in this transaction (no other session can hold a lock on it); the"
        " foreign keys to bank_statements and statement_lines take a SHARE ROW EXCLUSIVE lock on them"
        " for no time under the migrations' lock timeout (RAZAO_MIGRATION_LOCK_TIMEOUT)"
    ),
    "require-statement-timeout": (
        "nothing here depends on the amount of data (empty new tables); a timeout could only cut a"
        " migration short"
    ),
    "ban-drop-table": "only in the downgrade, which drops the tables this revision created",
    "ban-drop-function": "only in the downgrade, which drops the trigger function this revision created",
    "prefer-bigint-over-int": (
        "line_no is a statement's line number (as statement_lines.line_no), score is in basis points"
        " (at most 10,000) and chunk a run's chunk number: integers"
    ),
    "prefer-bigint-over-smallint": (
        "line is an entry's line within its transfer, as entries.line (smallint) that it references"
    ),
}

OWNER = "razao_owner"
APP = "razao_app"
TABLES = (
    "recon_rules",
    "recon_runs",
    "recon_matches",
    "recon_match_lines",
    "recon_match_entries",
    "recon_results",
)
GRANTS = {
    "recon_rules": "SELECT, INSERT",
    "recon_runs": "SELECT, INSERT, UPDATE (job_id, state, summary, balance_check, finished_at)",
    "recon_matches": "SELECT, INSERT, UPDATE (unmatched_by, unmatched_at)",
    "recon_match_lines": "SELECT, INSERT, UPDATE (active)",
    "recon_match_entries": "SELECT, INSERT, UPDATE (active)",
    "recon_results": "SELECT, INSERT",
}
FINAL = "razao.recon_unmatch_is_final()"
#: An unmatch is final: a match once unmatched never changes again, a link never becomes active again
#: (whoever writes: razao_app's column grants allow the unmatch itself only).
FINAL_GUARD = f"""\
CREATE FUNCTION {FINAL} RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
    IF TG_TABLE_NAME = 'recon_matches' THEN
        IF OLD.unmatched_at IS NOT NULL THEN
            RAISE EXCEPTION 'match % was unmatched at %: its record is final', OLD.id, OLD.unmatched_at
                USING ERRCODE = '55000', TABLE = TG_TABLE_NAME;
        END IF;
    ELSIF NEW.active AND NOT OLD.active THEN
        RAISE EXCEPTION 'a link of match % was unmatched: it is never active again', OLD.match_id
            USING ERRCODE = '55000', TABLE = TG_TABLE_NAME;
    END IF;
    RETURN NEW;
END
$$;
ALTER FUNCTION {FINAL} OWNER TO {OWNER};
REVOKE ALL ON FUNCTION {FINAL} FROM PUBLIC;
CREATE TRIGGER recon_matches_final BEFORE UPDATE ON recon_matches
    FOR EACH ROW EXECUTE FUNCTION {FINAL};
CREATE TRIGGER recon_match_lines_final BEFORE UPDATE ON recon_match_lines
    FOR EACH ROW EXECUTE FUNCTION {FINAL};
CREATE TRIGGER recon_match_entries_final BEFORE UPDATE ON recon_match_entries
    FOR EACH ROW EXECUTE FUNCTION {FINAL};
"""

DDL = (
    """\
    CREATE TABLE recon_rules (
        id uuid NOT NULL,
        name text NOT NULL,
        rule jsonb NOT NULL,
        created_by text,
        created_at timestamptz NOT NULL,
        CONSTRAINT recon_rules_pkey PRIMARY KEY (id),
        CONSTRAINT recon_rules_name_key UNIQUE (name)
    )""",
    """\
    CREATE TABLE recon_runs (
        id uuid NOT NULL,
        job_id uuid,
        statement_id uuid NOT NULL,
        account_id uuid NOT NULL,
        rules_id uuid,
        rule jsonb NOT NULL,
        dry_run boolean NOT NULL,
        state text NOT NULL,
        summary jsonb,
        balance_check jsonb,
        created_by text,
        created_at timestamptz NOT NULL,
        finished_at timestamptz,
        CONSTRAINT recon_runs_pkey PRIMARY KEY (id),
        CONSTRAINT recon_runs_statement_id_fkey FOREIGN KEY (statement_id) REFERENCES bank_statements (id),
        CONSTRAINT recon_runs_rules_id_fkey FOREIGN KEY (rules_id) REFERENCES recon_rules (id),
        CONSTRAINT recon_runs_state_check CHECK (state IN ('queued', 'running', 'finished', 'failed'))
    )""",
    "CREATE INDEX ix_recon_runs_statement_id_created_at ON recon_runs (statement_id, created_at)",
    """\
    CREATE TABLE recon_matches (
        id uuid NOT NULL,
        account_id uuid NOT NULL,
        run_id uuid,
        strategy text NOT NULL,
        score integer,
        origin text NOT NULL,
        matched_by text NOT NULL,
        matched_at timestamptz NOT NULL,
        unmatched_by text,
        unmatched_at timestamptz,
        CONSTRAINT recon_matches_pkey PRIMARY KEY (id),
        CONSTRAINT recon_matches_run_id_fkey FOREIGN KEY (run_id) REFERENCES recon_runs (id),
        CONSTRAINT recon_matches_strategy_check
            CHECK (strategy IN ('one_to_one', 'one_to_many', 'many_to_one')),
        CONSTRAINT recon_matches_origin_check CHECK (origin IN ('auto', 'manual'))
    )""",
    "CREATE INDEX ix_recon_matches_run_id ON recon_matches (run_id)",
    """\
    CREATE TABLE recon_match_lines (
        match_id uuid NOT NULL,
        statement_id uuid NOT NULL,
        line_no integer NOT NULL,
        active boolean NOT NULL,
        CONSTRAINT recon_match_lines_pkey PRIMARY KEY (match_id, statement_id, line_no),
        CONSTRAINT recon_match_lines_match_id_fkey FOREIGN KEY (match_id) REFERENCES recon_matches (id),
        CONSTRAINT recon_match_lines_statement_id_fkey FOREIGN KEY (statement_id, line_no)
            REFERENCES statement_lines (statement_id, line_no)
    )""",
    "CREATE UNIQUE INDEX ux_recon_match_lines_active ON recon_match_lines (statement_id, line_no) WHERE active",
    """\
    CREATE TABLE recon_match_entries (
        match_id uuid NOT NULL,
        transfer_id uuid NOT NULL,
        layer text NOT NULL,
        line smallint NOT NULL,
        active boolean NOT NULL,
        CONSTRAINT recon_match_entries_pkey PRIMARY KEY (match_id, transfer_id, layer, line),
        CONSTRAINT recon_match_entries_match_id_fkey FOREIGN KEY (match_id) REFERENCES recon_matches (id)
    )""",
    "CREATE UNIQUE INDEX ux_recon_match_entries_active ON recon_match_entries (transfer_id, layer, line)"
    " WHERE active",
    """\
    CREATE TABLE recon_results (
        run_id uuid NOT NULL,
        side text NOT NULL,
        key text NOT NULL,
        chunk integer NOT NULL,
        state text NOT NULL,
        line_no integer,
        transfer_id uuid,
        layer text,
        line smallint,
        value_date date,
        amount numeric(38, 0),
        group_key text,
        match_id uuid,
        strategy text,
        score integer,
        candidates jsonb,
        CONSTRAINT recon_results_pkey PRIMARY KEY (run_id, side, key),
        CONSTRAINT recon_results_run_id_fkey FOREIGN KEY (run_id) REFERENCES recon_runs (id),
        CONSTRAINT recon_results_side_check CHECK (side IN ('bank', 'ledger')),
        CONSTRAINT recon_results_state_check CHECK (state IN ('matched', 'unmatched', 'ambiguous'))
    )""",
)


def upgrade() -> None:
    # squawk: require-lock-timeout, require-statement-timeout: new empty tables created in this
    # transaction (their foreign keys lock the referenced tables for no time).
    # squawk: prefer-bigint-over-int, prefer-bigint-over-smallint: line numbers, scores, chunk numbers
    # and entries' lines (why: SQUAWK_ACCEPTED).
    for statement in DDL:
        op.execute(dedent(statement))
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} OWNER TO {OWNER}")
        op.execute(f"REVOKE ALL ON TABLE {table} FROM PUBLIC")
        op.execute(f"GRANT {GRANTS[table]} ON TABLE {table} TO {APP}")
    op.execute(FINAL_GUARD)


def downgrade() -> None:
    # squawk: ban-drop-table: undoing this revision drops the tables it created (the docstring).
    for table in reversed(TABLES):
        op.drop_table(table)
    # squawk: ban-drop-function: the trigger function of this revision (its triggers went with the tables).
    op.execute(f"DROP FUNCTION {FINAL}")
