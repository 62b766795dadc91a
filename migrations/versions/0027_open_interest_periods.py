"""Open interest periods: interest accrues day by day and posts once its month (or policy) has ended.

Why: an accrual posted each period cut short at the end of the range being accrued, so a daily job
posted interest every day (1,000,000 accounts: a million transfers and two million events a day), and
the interest an account earned depended on how often the job ran (each posting compounded from the next
day). Now a period that has not ended when its range does stays *open*: its days are accrued (one row
each, as before) and their exact interest waits in the account's carry until the period ends, in a later
run (`domain.interest.plan`, docs/interest.md). What is posted, and from when it counts, is then the
same whatever the cadence of the job. The posting, once made, names itself on the days accrued while
its period was open.

Changes (schema razao, `src/adapters/db/models.py`)
- `interest_carry.open_from` (date, null): the first day of the account's open period, which runs to
  `through_day`; null when no period is open. The carry's fraction (numerator/denominator) now holds
  the open period's interest as well as the rounding remainder. Existing rows get null: nothing was open.
- razao_app may now UPDATE `interest_accruals.transfer_id`, and that column only (a column privilege):
  the posting of a period names itself on the days accrued while it was open. Every other column stays
  insert-only.
- `razao.interest_accrual_paid_once()`, a trigger function (plpgsql, owned by razao_owner, no EXECUTE for
  anyone) run BEFORE UPDATE of `interest_accruals`: a day's row may only go from no posting to one
  (SQLSTATE 55000 otherwise), whoever writes.

Downgrade drops the trigger, its function, the column privilege and the column. Run the downgrade only
with no period open (`SELECT count(*) FROM razao.interest_carry WHERE open_from IS NOT NULL` is 0, for
example after a run of the job with `post_open_periods`): the earlier code would read an open period's
interest as a rounding remainder and post it with the next period, so the total stays right but its days
would be misattributed.

Revision ID: 0027_open_interest_periods
Revises: 0026_code_1b191b6a8934
Create Date: 2026-12-06
Docs: docs/interest.md
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027_open_interest_periods"
down_revision: str | None = "0026_code_1b191b6a8934"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "require-lock-timeout": (
        "adding a nullable column without a default only changes the catalog; the runner sets the"
        " migrations' lock timeout"
    ),
    "require-statement-timeout": "no statement here reads or rewrites rows",
    "ban-drop-column": "only in the downgrade, which drops the column this revision added",
    "ban-drop-function": "only in the downgrade, which drops the trigger function this revision made",
}

SCHEMA = "razao"
OWNER = "razao_owner"
APP = "razao_app"
GUARD = f"{SCHEMA}.interest_accrual_paid_once()"
#: A day's row may only gain its posting: every other column, and a posting once named, are final.
GUARD_DDL = f"""\
CREATE FUNCTION {GUARD} RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
    IF OLD.transfer_id IS NOT NULL OR NEW.transfer_id IS NULL
       OR (NEW.account_id, NEW.day, NEW.balance, NEW.rate_bps, NEW.day_count, NEW.numerator,
           NEW.denominator, NEW.created_at)
          IS DISTINCT FROM (OLD.account_id, OLD.day, OLD.balance, OLD.rate_bps, OLD.day_count,
                            OLD.numerator, OLD.denominator, OLD.created_at) THEN
        RAISE EXCEPTION 'interest accrued on % for account % is final: only its posting may be named, once',
            OLD.day, OLD.account_id USING ERRCODE = '55000', TABLE = TG_TABLE_NAME;
    END IF;
    RETURN NEW;
END
$$;
ALTER FUNCTION {GUARD} OWNER TO {OWNER};
REVOKE ALL ON FUNCTION {GUARD} FROM PUBLIC;
CREATE TRIGGER interest_accruals_paid_once BEFORE UPDATE ON {SCHEMA}.interest_accruals
    FOR EACH ROW EXECUTE FUNCTION {GUARD};
"""


def upgrade() -> None:
    # squawk: require-lock-timeout, require-statement-timeout: a nullable column without a default is a
    # catalog change (no rewrite), under the runner's lock timeout.
    op.execute(f"ALTER TABLE {SCHEMA}.interest_carry ADD COLUMN open_from date")
    op.execute(GUARD_DDL)
    op.execute(f"GRANT UPDATE (transfer_id) ON TABLE {SCHEMA}.interest_accruals TO {APP}")


def downgrade() -> None:
    op.execute(f"REVOKE UPDATE (transfer_id) ON TABLE {SCHEMA}.interest_accruals FROM {APP}")
    op.execute(f"DROP TRIGGER interest_accruals_paid_once ON {SCHEMA}.interest_accruals")
    # squawk: ban-drop-function: the trigger function of this revision.
    op.execute(f"DROP FUNCTION {GUARD}")
    # squawk: ban-drop-column: the column this revision added (see the docstring before downgrading).
    op.execute(f"ALTER TABLE {SCHEMA}.interest_carry DROP COLUMN open_from")
