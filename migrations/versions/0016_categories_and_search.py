"""Account categories, and the indexes that make search filters index lookups.

Why: finance teams look at groups of accounts (a chart of accounts: categories that nest, an account in
several), and search accounts and transfers by their metadata, status and dates. Every filter the API
offers must be an index lookup or be refused, never a silent scan of a large table (docs/groups.md,
docs/search.md).

Creates
- table `categories`: `id` (uuid, primary key), `code` (text, "C" collation, unique: ordered and
  prefix-searched like account codes), `name`, `description` (default ''), `parent_id` (uuid, NULL for a
  root: the category it nests in), `metadata` (jsonb, default {}), `created_at`. No foreign key on
  `parent_id` (categories are never deleted, and the guard below checks the parent exists);
- trigger `categories_tree` (BEFORE INSERT OR UPDATE OF parent_id, each row): the parent exists (RZ122)
  and is not the category itself or one of its descendants (RZ121: a cycle). It takes a
  transaction-level advisory lock first, so two concurrent moves, even by raw SQL, are checked one
  after the other (the second sees the first once committed) and cannot make a cycle together. The
  use case checks first, under a lock that serialises changes to the tree (`razao.lock_categories()`,
  below); the trigger is the database's own guarantee;
- `razao.lock_categories()` (plpgsql, SECURITY DEFINER, lock_timeout 10 s): `LOCK TABLE categories IN
  SHARE ROW EXCLUSIVE MODE` for the caller's transaction, which conflicts with itself and with every
  write of categories, so two moves never each see the tree without the other (razao_app may not take
  that lock itself: a column-level UPDATE grant does not allow it);
- table `account_categories` (category_id, account_id; primary key in that order: a category's members)
  with index `ix_account_categories_account_id` (an account's categories);
- index `ix_accounts_metadata` (GIN, jsonb_ops: containment and key existence) on accounts WHERE
  metadata <> '{}': accounts without metadata add nothing to it;
- index `ix_accounts_status_code` (status, code): status filters in code order;
- index `ix_transfers_metadata` (GIN) on transfers WHERE metadata <> '{}': a transfer without metadata
  costs the write path nothing here;
- index `ix_transfers_effective_at_id` (effective_at DESC, id DESC): transfers by value-date range,
  newest first, keyset like `ix_transfers_created_at_id`.

The four search indexes are built first, `CREATE INDEX CONCURRENTLY` in an autocommit block (it cannot
run in a transaction): accounts and transfers keep taking writes while they are built. That block
commits what the run did before (an upgrade from 0015 is then recorded at 0015), and the rest of this
revision runs in a transaction of its own. The builds read both tables whole, so the upgrade declares
`LONG_RUNNING` (no statement timeout; migrations/env.py). A build cut short (lock timeout: it waits for
every older transaction of the database) leaves an INVALID index, so each is dropped IF EXISTS just
before it is built: running the upgrade again rebuilds it.

Privileges: razao_app may SELECT, INSERT and UPDATE (name, description, parent_id, metadata) categories,
and SELECT, INSERT and DELETE memberships. Nothing for PUBLIC.

Downgrade drops the indexes first (`DROP INDEX CONCURRENTLY IF EXISTS`, in an autocommit block, so that
a downgrade cut short later can be run again), then the trigger and the functions, and the tables
(categories and memberships are lost).

Revision ID: 0016_categories_and_search
Revises: 0015_value_dates_and_periods
Create Date: 2026-12-05
Docs: docs/groups.md, docs/search.md
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016_categories_and_search"
down_revision: str | None = "0015_value_dates_and_periods"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "require-lock-timeout": (
        "migrations/env.py sets lock_timeout on its connection before each step (razao db sql shows"
        " it; this render is the revision's own SQL); new tables lock only themselves"
    ),
    "require-statement-timeout": (
        "migrations/env.py sets statement_timeout before each step, and lifts it for the index builds"
        " of this upgrade (LONG_RUNNING: they read accounts and transfers whole)"
    ),
    "ban-drop-table": "only in the downgrade, which drops the tables this revision created",
    "ban-drop-function": (
        "only in the downgrade, which drops the two functions this revision created (the application of"
        " this release calls razao.lock_categories(): stop it first)"
    ),
}

#: Steps that must run to the end however large the ledger: migrations/env.py lifts the statement
#: timeout for them (the lock timeout still holds).
LONG_RUNNING = {"upgrade": "builds four indexes on accounts and transfers, reading both whole"}

OWNER = "razao_owner"
APP = "razao_app"

TABLES = f"""\
CREATE TABLE categories (
    id uuid NOT NULL,
    code text COLLATE "C" NOT NULL,
    name text NOT NULL,
    description text DEFAULT '' NOT NULL,
    parent_id uuid,
    metadata jsonb DEFAULT '{{}}'::jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT categories_pkey PRIMARY KEY (id),
    CONSTRAINT categories_code_key UNIQUE (code)
);
CREATE INDEX ix_categories_parent_id ON categories (parent_id);
CREATE TABLE account_categories (
    category_id uuid NOT NULL,
    account_id uuid NOT NULL,
    CONSTRAINT account_categories_pkey PRIMARY KEY (category_id, account_id)
);
CREATE INDEX ix_account_categories_account_id ON account_categories (account_id);
ALTER TABLE categories OWNER TO {OWNER};
ALTER TABLE account_categories OWNER TO {OWNER};
REVOKE ALL ON TABLE categories, account_categories FROM PUBLIC;
GRANT SELECT, INSERT ON TABLE categories TO {APP};
GRANT UPDATE (name, description, parent_id, metadata) ON TABLE categories TO {APP};
GRANT SELECT, INSERT, DELETE ON TABLE account_categories TO {APP};
"""

TREE_GUARD = f"""\
CREATE FUNCTION razao.check_category_tree() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
    IF NEW.parent_id IS NULL THEN
        RETURN NEW;
    END IF;
    -- One change of the tree at a time, whoever writes (the API's moves hold razao.lock_categories()
    -- already): a concurrent move is checked against this one once it has committed.
    PERFORM pg_advisory_xact_lock(hashtextextended('razao.categories_tree', 0));
    IF NOT EXISTS (SELECT FROM public.categories WHERE id = NEW.parent_id) THEN
        RAISE EXCEPTION 'category %: parent % does not exist', NEW.code, NEW.parent_id USING
            ERRCODE = 'RZ122', CONSTRAINT = 'categories_tree', TABLE = 'categories';
    END IF;
    IF NEW.parent_id = NEW.id OR EXISTS (
        WITH RECURSIVE up(id) AS (
            SELECT c.parent_id FROM public.categories c WHERE c.id = NEW.parent_id
            UNION
            SELECT c.parent_id FROM public.categories c JOIN up ON c.id = up.id
        )
        SELECT FROM up WHERE up.id = NEW.id
    ) THEN
        RAISE EXCEPTION 'category %: nesting it in % would make a cycle', NEW.code, NEW.parent_id USING
            ERRCODE = 'RZ121', CONSTRAINT = 'categories_tree', TABLE = 'categories';
    END IF;
    RETURN NEW;
END
$$;
ALTER FUNCTION razao.check_category_tree() OWNER TO {OWNER};
REVOKE ALL ON FUNCTION razao.check_category_tree() FROM PUBLIC;
CREATE TRIGGER categories_tree BEFORE INSERT OR UPDATE OF parent_id ON categories
    FOR EACH ROW EXECUTE FUNCTION razao.check_category_tree();
"""

#: name -> definition: the search indexes.
INDEXES = {
    "ix_accounts_metadata": "ON accounts USING gin (metadata) WHERE metadata <> '{}'::jsonb",
    "ix_accounts_status_code": "ON accounts (status, code)",
    "ix_transfers_metadata": "ON transfers USING gin (metadata) WHERE metadata <> '{}'::jsonb",
    "ix_transfers_effective_at_id": "ON transfers (effective_at DESC, id DESC)",
}


LOCK_TREE = f"""\
CREATE FUNCTION razao.lock_categories() RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
SET lock_timeout = '10s'
AS $$
BEGIN
    LOCK TABLE public.categories IN SHARE ROW EXCLUSIVE MODE;
END
$$;
ALTER FUNCTION razao.lock_categories() OWNER TO {OWNER};
REVOKE ALL ON FUNCTION razao.lock_categories() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION razao.lock_categories() TO {APP};
"""


def upgrade() -> None:
    # Outside any transaction: writes go on during the builds; an INVALID leftover of a build cut short
    # is dropped and built again (the docstring).
    with op.get_context().autocommit_block():
        for name, definition in INDEXES.items():
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} {definition}")
    # squawk: require-lock-timeout, require-statement-timeout: new tables, their trigger and grants.
    op.execute(TABLES)
    op.execute(TREE_GUARD)
    op.execute(LOCK_TREE)


def downgrade() -> None:
    with op.get_context().autocommit_block():  # first: IF EXISTS, so a downgrade cut short reruns
        for name in INDEXES:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    # squawk: ban-drop-table: undoing this revision drops the tables it created (the docstring).
    op.execute("DROP TABLE account_categories, categories")
    # squawk: ban-drop-function: the trigger's function and the lock's, both this revision's.
    op.execute("DROP FUNCTION razao.check_category_tree()")
    op.execute("DROP FUNCTION razao.lock_categories()")
