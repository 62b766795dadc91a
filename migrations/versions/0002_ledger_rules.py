"""Ledger rules the database enforces whatever writes to it: an immutable journal, balances kept by
triggers, legal status changes only, and a role that cannot change any of it.

Every refusal raises an error with its own SQLSTATE in class RZ (RZ1xx: these rules; RZ0xx belongs
to in-database execution) and names the rule in the error's CONSTRAINT field; the adapters never
expect one, so each is a bug or an attack, not a client error.

The journal is immutable
- `entries`: UPDATE and DELETE (trigger entries_immutable, row level) and TRUNCATE
  (entries_no_truncate) are refused: RZ101.
- `transfers` and `accounts`: DELETE (transfers_no_delete, accounts_no_delete) and TRUNCATE
  (transfers_no_truncate, accounts_no_truncate) are refused: RZ102.
- `transfers`: an UPDATE may only move `status` from pending to posted, voided or expired, setting
  `resolved_at` (transfers_status_only). Changing any other column is RZ103; any other transition
  (including pending -> pending and a resolution without `resolved_at`) is RZ104.

Balances follow the journal (the application never writes them)
- entries_book (AFTER INSERT, once per statement, over the statement's new rows) adds each
  account's new entries to its posted/pending debit/credit sums and sets `last_seq`. Before that it
  refuses the whole statement when
  - a transfer's entries of one layer and asset do not balance, debits against credits (RZ110);
  - a posted-layer entry belongs to a transfer that is not posted, or a pending-layer entry (a hold)
    to one that is not pending (RZ111);
  - the account is not active (RZ112), or the entry's asset is not the account's (RZ113);
  - the account's new entries do not continue its sequence: the first must be last_seq + 1, with no
    gap (RZ114);
  - an entry's `balance_after` is not the account's posted balance (normal side) just after it
    (RZ115): every new entry is checked, so the last one agrees with the new stored balance;
  - the statement lowers the account's available balance (posted, normal side, minus pending
    outflow) below a non-null `min_balance` (RZ116), the domain's own rule.
  So each transfer phase (a transfer's holds, or its posted lines) must be inserted by one statement.
- transfers_release_holds (AFTER UPDATE, once per statement) subtracts the holds (pending-layer
  entries) of the transfers that left pending from their accounts' pending sums. Posting a pending
  transfer therefore updates its status first and inserts its posted entries after.
- accounts_balances_guard refuses a change of a balance column or `last_seq` that does not come from
  those two triggers (it fires only at pg_trigger_depth() = 0, i.e. outside any trigger), and
  accounts_opening_guard an account inserted with non-zero balances or counter: RZ105.
  accounts_identity_guard refuses changing an account's asset or normal side, which its entries
  depend on: RZ106.
- CHECK accounts_min_balance_check (SQLSTATE 23514) backs the trigger up on every row change:
  available >= LEAST(min_balance, 0) unless min_balance is NULL. A positive minimum is a reserve that a
  new account starts below (and may still receive while below), so the invariant the domain keeps for
  it is "never negative"; RZ116 is the exact rule.

Privileges
- razao_app: UPDATE (status) only on accounts and INSERT on every column but the balances and
  last_seq; UPDATE (status, resolved_at) only on transfers; no TEMPORARY on this database (revoked from
  PUBLIC: no temporary tables or functions in pg_temp); no CREATE on schema public (the PostgreSQL 15
  default, made explicit). It already could not CREATE, ALTER or DROP anything else (0001).
- schema `razao` (AUTHORIZATION razao_owner, USAGE for razao_app) holds the trigger functions; the
  code deployment migration puts its tables and functions there too. The functions are owned by
  razao_owner, pin `search_path = pg_catalog, public`, and EXECUTE is revoked from PUBLIC. The two that
  write balances are SECURITY DEFINER (razao_app has no UPDATE on those columns); the others run as
  the caller.

Upgrade first checks that every account's stored balances and last_seq equal what its journal adds up
to (and that its entries are numbered 1..last_seq): the triggers assume it; it refuses to run otherwise.

Downgrade drops every trigger, function and the CHECK, then the schema `razao` (without CASCADE: it
fails if a later revision left anything in it), and restores 0001's grants (including TEMPORARY for
PUBLIC, the PostgreSQL default).

Revision ID: 0002_ledger_rules
Revises: 0001_core_ledger
Create Date: 2026-11-29
Docs: docs/reference/rules.md
"""

from collections.abc import Sequence
from textwrap import dedent

from alembic import op

revision: str = "0002_ledger_rules"
down_revision: str | None = "0001_core_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "require-lock-timeout": (
        "CREATE TRIGGER on accounts, transfers and entries and the CHECK on accounts lock live tables;"
        " with no lock_timeout, a long transaction of the application makes the migration, and every"
        " request behind it, wait. Apply it with the application stopped, or with"
        " PGOPTIONS='-c lock_timeout=5s' so that it fails fast and can be retried"
    ),
    "require-statement-timeout": (
        "the drift check reads the whole journal and the CHECK validates every account: they must run"
        " to the end, however large the ledger; a timeout could only cut the migration short"
    ),
    "constraint-missing-not-valid": (
        "the triggers created in the same transaction assume every account satisfies the CHECK, so it"
        " is validated at once (NOT VALID plus VALIDATE would leave a window where it is not proven);"
        " the scan is one row per account"
    ),
    "ban-drop-constraint": "only in the downgrade, which removes the CHECK this revision added",
    "ban-drop-function": "only in the downgrade, which removes the trigger functions this revision created",
    "ban-drop-schema": (
        "only in the downgrade, which drops the schema razao this revision created, without CASCADE:"
        " it fails if a later revision left anything in it"
    ),
}

#: Steps that must run to the end however large the ledger: migrations/env.py lifts the statement
#: timeout for them (the lock timeout still holds). Declared after release; no SQL changed.
LONG_RUNNING = {"upgrade": "the drift check reads the whole journal and the CHECK validates every account"}

OWNER = "razao_owner"
APP = "razao_app"
SCHEMA = "razao"

#: What razao_app may INSERT into accounts: everything but the balances and last_seq.
ACCOUNT_INSERT_COLUMNS = "id, code, name, asset_code, normal_side, min_balance, status, metadata, created_at"

#: The CHECK, exactly as src/adapters/db/models.py declares it.
MIN_BALANCE_CHECK = (
    "min_balance IS NULL OR CASE WHEN normal_side = 'credit' "
    "THEN posted_credits - posted_debits - pending_debits "
    "ELSE posted_debits - posted_credits - pending_credits END >= LEAST(min_balance, 0)"
)

# --- functions ---------------------------------------------------------------------------------------

REFUSE = dedent(
    """\
    CREATE FUNCTION razao.refuse() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $fn$
    -- Arguments: SQLSTATE, rule name, message (%1$s: the operation, %2$s: the table).
    BEGIN
        RAISE EXCEPTION USING
            ERRCODE = TG_ARGV[0],
            CONSTRAINT = TG_ARGV[1],
            TABLE = TG_TABLE_NAME,
            MESSAGE = format(TG_ARGV[2], TG_OP, TG_TABLE_NAME);
    END
    $fn$"""
)

CHECK_TRANSFER_UPDATE = dedent(
    """\
    CREATE FUNCTION razao.check_transfer_update() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $fn$
    BEGIN
        IF to_jsonb(NEW) - 'status' - 'resolved_at' IS DISTINCT FROM to_jsonb(OLD) - 'status' - 'resolved_at'
        THEN
            RAISE EXCEPTION 'transfer %: only its status (and resolved_at) may change', OLD.id USING
                ERRCODE = 'RZ103', CONSTRAINT = 'transfers_status_only', TABLE = 'transfers';
        END IF;
        IF OLD.status <> 'pending' OR NEW.status NOT IN ('posted', 'voided', 'expired') THEN
            RAISE EXCEPTION 'transfer %: % -> % is not allowed', OLD.id, OLD.status, NEW.status USING
                ERRCODE = 'RZ104', CONSTRAINT = 'transfers_status_only', TABLE = 'transfers',
                HINT = 'Only a pending transfer changes status: to posted, voided or expired.';
        END IF;
        IF NEW.resolved_at IS NULL THEN
            RAISE EXCEPTION 'transfer %: % -> % needs resolved_at', OLD.id, OLD.status, NEW.status USING
                ERRCODE = 'RZ104', CONSTRAINT = 'transfers_status_only', TABLE = 'transfers';
        END IF;
        RETURN NEW;
    END
    $fn$"""
)

# One pass over the statement's new entries. The window sum `net_credit` is each account's running
# posted credits minus debits within the statement, so that for every entry
#     balance_after = old posted balance + net_credit   (credit-normal account)
#     balance_after = old posted balance - net_credit   (debit-normal account)
# i.e. balance_after -/+ net_credit is the same number, the old posted balance, for all of them.
BOOK_ENTRIES = dedent(
    """\
    CREATE FUNCTION razao.book_entries() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
    DECLARE
        v record;
        w record;
    BEGIN
        SELECT g.transfer_id, g.layer, g.asset_code, g.debits, g.credits, t.status INTO v
        FROM (
            SELECT transfer_id, layer, asset_code,
                   sum(CASE WHEN side = 'debit' THEN amount ELSE 0 END) AS debits,
                   sum(CASE WHEN side = 'credit' THEN amount ELSE 0 END) AS credits
            FROM new_entries
            GROUP BY transfer_id, layer, asset_code
        ) g
        JOIN public.transfers t ON t.id = g.transfer_id
        WHERE g.debits <> g.credits
           OR t.status <> CASE WHEN g.layer = 'posted' THEN 'posted' ELSE 'pending' END
        ORDER BY g.debits = g.credits, g.transfer_id, g.layer, g.asset_code
        LIMIT 1;
        IF FOUND THEN
            IF v.debits <> v.credits THEN
                RAISE EXCEPTION 'transfer %: % % debits (%) differ from its credits (%)',
                    v.transfer_id, v.layer, v.asset_code, v.debits, v.credits USING
                    ERRCODE = 'RZ110', CONSTRAINT = 'entries_book', TABLE = 'entries',
                    HINT = 'Insert all entries of a transfer phase in one statement.';
            END IF;
            RAISE EXCEPTION 'transfer %: % entries are not allowed while it is %',
                v.transfer_id, v.layer, v.status USING
                ERRCODE = 'RZ111', CONSTRAINT = 'entries_book', TABLE = 'entries',
                HINT = 'Holds belong to pending transfers, posted entries to posted ones.';
        END IF;

        WITH e AS (
            SELECT account_id, seq, layer, side, amount, asset_code, balance_after,
                   sum(CASE WHEN layer <> 'posted' THEN 0 WHEN side = 'credit' THEN amount ELSE -amount END)
                       OVER (PARTITION BY account_id ORDER BY seq) AS net_credit
            FROM new_entries
        ), d AS (
            SELECT account_id, count(*) AS n, min(seq) AS first_seq, max(seq) AS last_seq,
                   min(asset_code) AS asset_lo, max(asset_code) AS asset_hi,
                   coalesce(sum(amount) FILTER (WHERE layer = 'posted' AND side = 'debit'), 0) AS pd,
                   coalesce(sum(amount) FILTER (WHERE layer = 'posted' AND side = 'credit'), 0) AS pc,
                   coalesce(sum(amount) FILTER (WHERE layer = 'pending' AND side = 'debit'), 0) AS hd,
                   coalesce(sum(amount) FILTER (WHERE layer = 'pending' AND side = 'credit'), 0) AS hc,
                   min(balance_after - net_credit) AS cn_lo, max(balance_after - net_credit) AS cn_hi,
                   min(balance_after + net_credit) AS dn_lo, max(balance_after + net_credit) AS dn_hi
            FROM e
            GROUP BY account_id
        ), c AS (
            SELECT d.*, a.code, a.status, a.asset_code, a.normal_side, a.min_balance,
                   a.last_seq AS old_last_seq, x.old_posted, x.s,
                   x.old_posted - x.old_outflow AS old_available,
                   x.old_posted + x.s * (d.pc - d.pd)
                       - x.old_outflow - CASE WHEN x.s = 1 THEN d.hd ELSE d.hc END AS new_available,
                   CASE WHEN x.s = 1 THEN d.cn_lo <> x.old_posted OR d.cn_hi <> x.old_posted
                        ELSE d.dn_lo <> x.old_posted OR d.dn_hi <> x.old_posted END AS off_balance
            FROM d
            JOIN public.accounts a ON a.id = d.account_id
            CROSS JOIN LATERAL (
                SELECT CASE WHEN a.normal_side = 'credit' THEN 1 ELSE -1 END AS s,
                       CASE WHEN a.normal_side = 'credit' THEN a.posted_credits - a.posted_debits
                            ELSE a.posted_debits - a.posted_credits END AS old_posted,
                       CASE WHEN a.normal_side = 'credit' THEN a.pending_debits
                            ELSE a.pending_credits END AS old_outflow
            ) x
        ), bad AS (
            SELECT * FROM c
            WHERE status <> 'active'
               OR asset_lo <> asset_code OR asset_hi <> asset_code
               OR first_seq <> old_last_seq + 1 OR last_seq - first_seq + 1 <> n
               OR off_balance
               OR (min_balance IS NOT NULL AND new_available < old_available
                   AND new_available < min_balance)
            ORDER BY account_id
            LIMIT 1
        ), booked AS (
            UPDATE public.accounts a
            SET posted_debits = a.posted_debits + d.pd,
                posted_credits = a.posted_credits + d.pc,
                pending_debits = a.pending_debits + d.hd,
                pending_credits = a.pending_credits + d.hc,
                last_seq = d.last_seq
            FROM d
            WHERE a.id = d.account_id AND NOT EXISTS (SELECT FROM bad)
        )
        SELECT * INTO v FROM bad;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;

        IF v.status <> 'active' THEN
            RAISE EXCEPTION 'account % is % and accepts no entries', v.code, v.status USING
                ERRCODE = 'RZ112', CONSTRAINT = 'entries_book', TABLE = 'entries';
        ELSIF v.asset_lo <> v.asset_code OR v.asset_hi <> v.asset_code THEN
            RAISE EXCEPTION 'account % holds %, not %', v.code, v.asset_code,
                CASE WHEN v.asset_lo <> v.asset_code THEN v.asset_lo ELSE v.asset_hi END USING
                ERRCODE = 'RZ113', CONSTRAINT = 'entries_book', TABLE = 'entries';
        ELSIF v.first_seq <> v.old_last_seq + 1 OR v.last_seq - v.first_seq + 1 <> v.n THEN
            RAISE EXCEPTION 'account %: entries % to % (% of them) do not continue its last seq %',
                v.code, v.first_seq, v.last_seq, v.n, v.old_last_seq USING
                ERRCODE = 'RZ114', CONSTRAINT = 'entries_book', TABLE = 'entries',
                HINT = 'Number an account''s entries last_seq + 1, last_seq + 2, ... without gaps.';
        ELSIF v.off_balance THEN
            SELECT e.seq, e.balance_after, v.old_posted + v.s * e.net_credit AS expected INTO w
            FROM (
                SELECT seq, balance_after,
                       sum(CASE WHEN layer <> 'posted' THEN 0 WHEN side = 'credit' THEN amount ELSE -amount END)
                           OVER (ORDER BY seq) AS net_credit
                FROM new_entries WHERE account_id = v.account_id
            ) e
            WHERE e.balance_after <> v.old_posted + v.s * e.net_credit
            ORDER BY e.seq
            LIMIT 1;
            RAISE EXCEPTION 'account % entry %: balance_after is %, but its posted balance would be %',
                v.code, w.seq, w.balance_after, w.expected USING
                ERRCODE = 'RZ115', CONSTRAINT = 'entries_book', TABLE = 'entries';
        END IF;
        RAISE EXCEPTION 'account % would have an available balance of %, below its minimum of %',
            v.code, v.new_available, v.min_balance USING
            ERRCODE = 'RZ116', CONSTRAINT = 'entries_book', TABLE = 'entries';
    END
    $fn$"""
)

RELEASE_HOLDS = dedent(
    """\
    CREATE FUNCTION razao.release_holds() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
    -- transfers_status_only lets a row change only from pending: every row here has left pending.
    BEGIN
        UPDATE public.accounts a
        SET pending_debits = a.pending_debits - h.debits,
            pending_credits = a.pending_credits - h.credits
        FROM (
            SELECT e.account_id,
                   sum(CASE WHEN e.side = 'debit' THEN e.amount ELSE 0 END) AS debits,
                   sum(CASE WHEN e.side = 'credit' THEN e.amount ELSE 0 END) AS credits
            FROM resolved r
            JOIN public.entries e ON e.transfer_id = r.id AND e.layer = 'pending'
            GROUP BY e.account_id
        ) h
        WHERE a.id = h.account_id;
        RETURN NULL;
    END
    $fn$"""
)

FUNCTIONS = {
    "razao.refuse()": REFUSE,
    "razao.check_transfer_update()": CHECK_TRANSFER_UPDATE,
    "razao.book_entries()": BOOK_ENTRIES,
    "razao.release_holds()": RELEASE_HOLDS,
}

# --- triggers: (name, table, definition) -----------------------------------------------------------

_BALANCES_CHANGED = (
    "OLD.posted_debits <> NEW.posted_debits OR OLD.posted_credits <> NEW.posted_credits"
    " OR OLD.pending_debits <> NEW.pending_debits OR OLD.pending_credits <> NEW.pending_credits"
    " OR OLD.last_seq <> NEW.last_seq"
)


def _refuse(sqlstate: str, rule: str, message: str) -> str:
    return f"EXECUTE FUNCTION razao.refuse('{sqlstate}', '{rule}', '{message}')"


TRIGGERS = [
    (
        "entries_immutable",
        "entries",
        "BEFORE UPDATE OR DELETE ON entries FOR EACH ROW "
        + _refuse("RZ101", "entries_immutable", "the journal is immutable: %s on %s is refused"),
    ),
    (
        "entries_no_truncate",
        "entries",
        "BEFORE TRUNCATE ON entries FOR EACH STATEMENT "
        + _refuse("RZ101", "entries_no_truncate", "the journal is immutable: %s on %s is refused"),
    ),
    (
        "entries_book",
        "entries",
        "AFTER INSERT ON entries REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT "
        "EXECUTE FUNCTION razao.book_entries()",
    ),
    (
        "transfers_no_delete",
        "transfers",
        "BEFORE DELETE ON transfers FOR EACH ROW "
        + _refuse("RZ102", "transfers_no_delete", "transfers are kept forever: %s on %s is refused"),
    ),
    (
        "transfers_no_truncate",
        "transfers",
        "BEFORE TRUNCATE ON transfers FOR EACH STATEMENT "
        + _refuse("RZ102", "transfers_no_truncate", "transfers are kept forever: %s on %s is refused"),
    ),
    (
        "transfers_status_only",
        "transfers",
        "BEFORE UPDATE ON transfers FOR EACH ROW EXECUTE FUNCTION razao.check_transfer_update()",
    ),
    (
        "transfers_release_holds",
        "transfers",
        "AFTER UPDATE ON transfers REFERENCING NEW TABLE AS resolved FOR EACH STATEMENT "
        "EXECUTE FUNCTION razao.release_holds()",
    ),
    (
        "accounts_no_delete",
        "accounts",
        "BEFORE DELETE ON accounts FOR EACH ROW "
        + _refuse(
            "RZ102", "accounts_no_delete", "accounts are kept forever (close them): %s on %s is refused"
        ),
    ),
    (
        "accounts_no_truncate",
        "accounts",
        "BEFORE TRUNCATE ON accounts FOR EACH STATEMENT "
        + _refuse(
            "RZ102", "accounts_no_truncate", "accounts are kept forever (close them): %s on %s is refused"
        ),
    ),
    (
        "accounts_balances_guard",
        "accounts",
        f"BEFORE UPDATE ON accounts FOR EACH ROW WHEN (pg_trigger_depth() = 0 AND ({_BALANCES_CHANGED})) "
        + _refuse(
            "RZ105",
            "accounts_balances_guard",
            "balances and last_seq follow the journal: insert entries instead (%s on %s refused)",
        ),
    ),
    (
        "accounts_opening_guard",
        "accounts",
        "BEFORE INSERT ON accounts FOR EACH ROW WHEN (NEW.posted_debits <> 0 OR NEW.posted_credits <> 0"
        " OR NEW.pending_debits <> 0 OR NEW.pending_credits <> 0 OR NEW.last_seq <> 0) "
        + _refuse(
            "RZ105",
            "accounts_opening_guard",
            "an account opens with zero balances and last_seq 0; they follow the journal (%s on %s refused)",
        ),
    ),
    (
        "accounts_identity_guard",
        "accounts",
        "BEFORE UPDATE ON accounts FOR EACH ROW WHEN "
        "(OLD.asset_code <> NEW.asset_code OR OLD.normal_side <> NEW.normal_side) "
        + _refuse(
            "RZ106",
            "accounts_identity_guard",
            "an account''s asset and normal side never change: its entries depend on them (%s on %s refused)",
        ),
    ),
]

#: Accounts whose stored balances or last_seq differ from what their journal adds up to.
DRIFT = dedent(
    """\
    DO $$
    DECLARE
        drifted text;
    BEGIN
        SELECT string_agg(a.code, ', ' ORDER BY a.code) INTO drifted
        FROM public.accounts a
        LEFT JOIN (
            SELECT e.account_id,
                   sum(e.amount) FILTER (WHERE e.layer = 'posted' AND e.side = 'debit') AS pd,
                   sum(e.amount) FILTER (WHERE e.layer = 'posted' AND e.side = 'credit') AS pc,
                   sum(e.amount) FILTER (WHERE e.layer = 'pending' AND t.status = 'pending'
                                         AND e.side = 'debit') AS hd,
                   sum(e.amount) FILTER (WHERE e.layer = 'pending' AND t.status = 'pending'
                                         AND e.side = 'credit') AS hc,
                   max(e.seq) AS last_seq, count(*) AS n
            FROM public.entries e JOIN public.transfers t ON t.id = e.transfer_id
            GROUP BY e.account_id
        ) s ON s.account_id = a.id
        WHERE (a.posted_debits, a.posted_credits, a.pending_debits, a.pending_credits, a.last_seq, a.last_seq)
              IS DISTINCT FROM (coalesce(s.pd, 0), coalesce(s.pc, 0), coalesce(s.hd, 0), coalesce(s.hc, 0),
                                coalesce(s.last_seq, 0), coalesce(s.n, 0));
        IF drifted IS NOT NULL THEN
            RAISE EXCEPTION 'balances differ from the journal for accounts: %', drifted USING
                HINT = 'Repair them before upgrading: the rules of 0002 keep balances equal to the journal.';
        END IF;
    END
    $$"""
)


def _on_this_database(statement: str) -> str:
    """`statement` with %I standing for the current database (GRANT/REVOKE ... ON DATABASE)."""
    return f"DO $$ BEGIN EXECUTE format('{statement}', current_database()); END $$"


def upgrade() -> None:
    # squawk: require-lock-timeout, require-statement-timeout: this reads the whole journal, and the
    # triggers and the CHECK below lock live tables: apply with the application stopped, or with a
    # lock_timeout given through PGOPTIONS (see SQUAWK_ACCEPTED).
    op.execute(DRIFT)

    op.execute(f"CREATE SCHEMA {SCHEMA} AUTHORIZATION {OWNER}")
    op.execute(f"REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC")
    op.execute(f"GRANT USAGE ON SCHEMA {SCHEMA} TO {APP}")

    for signature, body in FUNCTIONS.items():
        op.execute(body)
        op.execute(f"ALTER FUNCTION {signature} OWNER TO {OWNER}")
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    for name, _table, definition in TRIGGERS:
        op.execute(f"CREATE TRIGGER {name} {definition}")

    # squawk: constraint-missing-not-valid: the triggers above assume it of every account right away.
    op.create_check_constraint(op.f("accounts_min_balance_check"), "accounts", MIN_BALANCE_CHECK)

    # Column-level privileges: balances and last_seq are written by the triggers only.
    op.execute(f"REVOKE INSERT, UPDATE ON TABLE accounts FROM {APP}")
    op.execute(f"GRANT INSERT ({ACCOUNT_INSERT_COLUMNS}), UPDATE (status) ON TABLE accounts TO {APP}")
    op.execute(f"REVOKE UPDATE ON TABLE transfers FROM {APP}")
    op.execute(f"GRANT UPDATE (status, resolved_at) ON TABLE transfers TO {APP}")
    # No objects of its own anywhere: not in public (the PostgreSQL 15 default, made explicit),
    # not in pg_temp (temporary tables and functions).
    op.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    op.execute(_on_this_database("REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC"))


def downgrade() -> None:
    op.execute(_on_this_database("GRANT TEMPORARY ON DATABASE %I TO PUBLIC"))
    op.execute(f"REVOKE INSERT, UPDATE ON TABLE accounts FROM {APP}")
    op.execute(f"GRANT INSERT, UPDATE ON TABLE accounts TO {APP}")
    op.execute(f"REVOKE UPDATE ON TABLE transfers FROM {APP}")
    op.execute(f"GRANT UPDATE ON TABLE transfers TO {APP}")

    # squawk: ban-drop-constraint, ban-drop-function, ban-drop-schema: undoing this revision removes
    # what it created (the schema without CASCADE).
    op.drop_constraint(op.f("accounts_min_balance_check"), "accounts", type_="check")
    for name, table, _definition in reversed(TRIGGERS):
        op.execute(f"DROP TRIGGER {name} ON {table}")
    for signature in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION {signature}")
    op.execute(f"DROP SCHEMA {SCHEMA}")  # no CASCADE: refuses if a later revision left objects in it
