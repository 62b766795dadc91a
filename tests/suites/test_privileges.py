"""The privileges suite: as razao_app, the application's login role, every forbidden operation fails.

On a database migrated in place (a copy of a template would not carry the database-level privileges the
migrations set) and populated through the use cases (`test_migrations.Books`: both execution modes,
interest, jobs, API keys), each operation below runs as razao_app in its own connection and transaction:

- rewriting history: UPDATE, DELETE, TRUNCATE of the journal (entries), of transfers and accounts (but
  a status), of assets, of the append-only accruals and of the other batch tables, of alembic_version;
- writing balances, or any account column but the status, directly;
- minting, widening or un-revoking API keys (keys are managed with the administrative connection);
- the events' outbox (revision 0010_events): rewriting or deleting events, or the retention horizon;
  inserting an event with a forged id or position (txid, n: the database assigns them); retention
  (`razao.prune_events`, SECURITY DEFINER) asked to delete events younger than a day (SQLSTATE 22023);
  disabling the trigger that refuses updates;
- beat's firings (revision 0019_single_schedulers): rewriting who fired which slot (UPDATE), TRUNCATE,
  dropping the key that makes a firing single; razao_app may claim (INSERT) and prune (DELETE) them,
  which `tests/tasks/test_beat.py` does as razao_app;
- reading or replacing the deployed code (razao.code_modules, razao.code_version);
- DDL: creating, altering and dropping tables, views, indexes, schemas, triggers, rules, policies,
  types, operators, sequences and publications; CLUSTER, REINDEX, COMMENT, LOCK ... ACCESS EXCLUSIVE;
- functions: CREATE FUNCTION / PROCEDURE in sql, plpgsql and plpython3u, in public, razao and pg_temp;
  replacing or altering the project's functions; temporary tables;
- roles and settings: ALTER ROLE, CREATE ROLE, GRANT (a role, or privileges), ALTER DEFAULT PRIVILEGES,
  SET ROLE razao_owner, SET SESSION AUTHORIZATION, session_replication_role (which would switch the
  triggers off), ALTER DATABASE;
- extensions: CREATE EXTENSION (a trusted and an untrusted one this server offers), DROP EXTENSION
  plpython3u, LOAD;
- the server: COPY ... TO/FROM PROGRAM and files, pg_read_file, pg_ls_dir, lo_import, lo_export,
  pg_terminate_backend of a superuser's session;
- calling every function razao_app may not EXECUTE, found in pg_proc with has_function_privilege: all of
  the project's schemas (so a new one is covered without touching this file) and pg_catalog's
  administrative functions. Arguments are scalar subqueries, so that the planner cannot fold a strict
  function called with NULLs away before the privilege check.

Each must fail with SQLSTATE 42501 (insufficient privilege). A GRANT of privileges on an object the
role already holds some privilege on is, in PostgreSQL, a warning (01007, "no privileges were granted")
rather than an error: that counts as refused when the warning comes, and the catalog comparison below
proves nothing was granted. An operation that succeeds is committed (so that its effect can be seen)
and is a violation. Afterwards every table's rows, the journal (`check_ledger` with a baseline) and the
catalog (relations, functions, triggers, privileges) must be exactly as before.

Reading API keys' secret hashes is not forbidden: authentication reads them as razao_app
(`application.api_keys.authenticate`); they are SHA-256 hashes of 256-bit secrets, not usable as tokens.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from psycopg import errors
from sqlalchemy import Connection, Engine, create_engine, pool, text
from sqlalchemy.exc import DBAPIError

from adapters.db import migrate
from adapters.db.checker import check_ledger, journal_baseline
from tests.conftest import TestDatabase
from tests.suites.summary import recording
from tests.suites.test_migrations import Books, catalog, rows

log = logging.getLogger(__name__)

REFUSED = "42501"  # insufficient_privilege
NOTHING_GRANTED = "01007"  # warning: no privileges were granted

ANY_ACCOUNT = (
    "INSERT INTO accounts (id, code, name, asset_code, normal_side, status, created_at, {column})"
    " VALUES (gen_random_uuid(), 'forged', 'Forged', 'BRL', 'credit', 'active', now(), {value})"
)


@dataclass(frozen=True, slots=True)
class Forbidden:
    category: str
    statement: str
    expected: str = REFUSED


def _all(category: str, *statements: str, expected: str = REFUSED) -> list[Forbidden]:
    return [Forbidden(category, s, expected) for s in statements]


FORBIDDEN: list[Forbidden] = [
    *_all(
        "journal",
        "UPDATE entries SET amount = amount + 1",
        "UPDATE entries SET balance_after = 0",
        "DELETE FROM entries",
        "TRUNCATE entries",
        "UPDATE transfers SET description = 'rewritten'",
        "UPDATE transfers SET metadata = '{}'",
        "UPDATE transfers SET fingerprint = 'forged', effective_at = now()",
        "DELETE FROM transfers",
        "TRUNCATE transfers",
        "DELETE FROM accounts",
        "TRUNCATE accounts",
        "TRUNCATE transfers, accounts CASCADE",
        "UPDATE assets SET scale = 0",
        "DELETE FROM assets",
        "TRUNCATE assets CASCADE",
        "UPDATE razao.interest_accruals SET numerator = 0",
        "DELETE FROM razao.interest_accruals",
        "TRUNCATE razao.interest_accruals",
        "DELETE FROM razao.interest_policies",
        "DELETE FROM razao.interest_carry",
        "DELETE FROM razao.jobs",
        "TRUNCATE razao.jobs, razao.interest_policies, razao.interest_carry",
        "UPDATE alembic_version SET version_num = 'x'",
        "DELETE FROM alembic_version",
        "INSERT INTO alembic_version VALUES ('x')",
    ),
    *_all(
        "balances",
        "UPDATE accounts SET posted_credits = posted_credits + 100",
        "UPDATE accounts SET posted_debits = 0, posted_credits = 0",
        "UPDATE accounts SET pending_debits = 0",
        "UPDATE accounts SET pending_credits = 0",
        "UPDATE accounts SET last_seq = 0",
        "UPDATE accounts SET min_balance = NULL",
        "UPDATE accounts SET asset_code = 'USD'",
        "UPDATE accounts SET normal_side = 'debit'",
        "UPDATE accounts SET metadata = '{}'",
        ANY_ACCOUNT.format(column="posted_credits", value=100),
        ANY_ACCOUNT.format(column="pending_debits", value=100),
        ANY_ACCOUNT.format(column="last_seq", value=7),
    ),
    *_all(
        "api keys",
        "INSERT INTO api_keys (id, name, secret_hash, scopes, created_at)"
        " VALUES (gen_random_uuid(), 'minted', 'x', '{admin}', now())",
        "UPDATE api_keys SET revoked_at = NULL",
        "UPDATE api_keys SET scopes = '{admin}'",
        "UPDATE api_keys SET secret_hash = 'x'",
        "DELETE FROM api_keys",
        "TRUNCATE api_keys",
    ),
    *_all(
        "events",
        "UPDATE events SET data = '{}'",
        "UPDATE events SET occurred_at = now()",
        "DELETE FROM events",
        "TRUNCATE events",
        "INSERT INTO events (txid, type, occurred_at, data) VALUES ('1', 'transfer.posted', now(), '{}')",
        "INSERT INTO events (id, type, occurred_at, data)"
        " VALUES (gen_random_uuid(), 'transfer.posted', now(), '{}')",
        "INSERT INTO events (n, type, occurred_at, data) OVERRIDING SYSTEM VALUE"
        " VALUES (1, 'transfer.posted', now(), '{}')",
        "UPDATE events_horizon SET txid = '0', n = 0",
        "DELETE FROM events_horizon",
        "INSERT INTO events_horizon (singleton, txid, n) VALUES (true, '0', 0)",
        "LOCK TABLE events_horizon IN EXCLUSIVE MODE",
        "ALTER TABLE events DISABLE TRIGGER events_immutable",
        "DROP FUNCTION razao.prune_events(timestamptz, integer)",
    ),
    *_all(
        "events",
        "SELECT razao.prune_events(now(), 1000000)",
        "SELECT razao.prune_events(now() + interval '100 years', 1000000)",
        "SELECT razao.prune_events(now() - interval '30 days', 0)",
        expected="22023",  # invalid_parameter_value: retention keeps the last day, whoever asks
    ),
    *_all(
        "balance monitors",  # razao_app may UPDATE only their state (revision 0012_balance_monitors)
        "UPDATE balance_monitors SET threshold = 0",
        "UPDATE balance_monitors SET balance = 'posted', comparison = 'above'",
        "UPDATE balance_monitors SET account_id = gen_random_uuid()",
        "UPDATE balance_monitors SET created_at = now()",
        "TRUNCATE balance_monitors",
        "ALTER TABLE balance_monitors DROP CONSTRAINT balance_monitors_balance_check",
    ),
    *_all(
        "value dates and periods",  # revision 0015: the trigger keeps the value days; closes are kept
        "INSERT INTO account_value_days (account_id, value_date, debits, credits)"
        " VALUES (gen_random_uuid(), current_date, 0, 1)",
        "UPDATE account_value_days SET credits = credits + 1",
        "DELETE FROM account_value_days",
        "TRUNCATE account_value_days",
        "UPDATE period_closes SET through = '1900-01-01'",
        "UPDATE period_closes SET asset_code = 'XXX'",
        "DELETE FROM period_closes",
        "TRUNCATE period_closes",
        "UPDATE period_balances SET posted_credits = 0",
        "DELETE FROM period_balances",
        "UPDATE period_snapshots SET accounts = 0",
        "DELETE FROM period_snapshots",
        "LOCK TABLE entries IN SHARE MODE",
        "LOCK TABLE categories IN SHARE ROW EXCLUSIVE MODE",
        "CREATE OR REPLACE FUNCTION razao.lock_categories() RETURNS void LANGUAGE sql AS 'SELECT'",
        "ALTER TABLE entries DISABLE TRIGGER entries_book",
        "DROP FUNCTION razao.value_net(uuid, timestamptz)",
        "CREATE OR REPLACE FUNCTION razao.lock_journal_for_close() RETURNS void LANGUAGE sql AS 'SELECT'",
    ),
    *_all(
        "categories",  # revision 0016: razao_app changes names, descriptions, parents and metadata only
        "UPDATE categories SET code = 'forged'",
        "UPDATE categories SET id = gen_random_uuid()",
        "UPDATE categories SET created_at = now()",
        "DELETE FROM categories",
        "TRUNCATE categories",
        "UPDATE account_categories SET account_id = gen_random_uuid()",
        "TRUNCATE account_categories",
        "LOCK TABLE categories IN ACCESS EXCLUSIVE MODE",
        "ALTER TABLE categories DISABLE TRIGGER categories_tree",
        "DROP FUNCTION razao.check_category_tree()",
    ),
    *_all(
        "beat firings",  # revision 0019: razao_app claims (INSERT) and prunes (DELETE), never rewrites
        "UPDATE beat_firings SET fired_by = 'forged'",
        "UPDATE beat_firings SET slot = now()",
        "TRUNCATE beat_firings",
        "ALTER TABLE beat_firings DROP CONSTRAINT beat_firings_pkey",
        "DROP INDEX ix_beat_firings_slot",
        "ALTER TABLE razao.jobs DROP COLUMN holder",
    ),
    *_all(
        "sealed journal",  # revision 0021: razao_app seals (INSERT) and reads, never rewrites a block
        "UPDATE seal_blocks SET merkle_root = prev_hash",
        "UPDATE seal_blocks SET height = height + 1",
        "DELETE FROM seal_blocks",
        "TRUNCATE seal_blocks",
        "ALTER TABLE seal_blocks DISABLE TRIGGER seal_blocks_immutable",
        "DROP TRIGGER seal_blocks_immutable ON seal_blocks",
        "ALTER TABLE entries ALTER COLUMN txid DROP DEFAULT",
        "UPDATE entries SET txid = NULL",
        # INSERT on every column of the journal but txid: a row's place in the sealing order is its default's
        "INSERT INTO entries (transfer_id, account_id, seq, line, layer, side, amount, asset_code,"
        " balance_after, created_at, effective_at, txid) SELECT transfer_id, account_id, seq, line, layer,"
        " side, amount, asset_code, balance_after, created_at, effective_at, 1 FROM entries WHERE false",
    ),
    *_all(
        "bank statements",  # revision 0022: imported as they came, never edited or removed by the app
        "UPDATE bank_statements SET closing_balance = closing_balance + 1",
        "DELETE FROM bank_statements",
        "TRUNCATE bank_statements",
        "UPDATE statement_lines SET amount = amount + 1",
        "DELETE FROM statement_lines",
        "TRUNCATE statement_lines",
        "UPDATE statement_csv_mappings SET mapping = '{}'",
        "DELETE FROM statement_csv_mappings",
    ),
    *_all(
        "reconciliation",  # revision 0023: an unmatch is recorded, never deleted; rules and results stay
        # who matched what, and which run a match came from, are never rewritten (column-level UPDATE)
        "UPDATE recon_matches SET matched_by = 'x'",
        "UPDATE recon_matches SET matched_at = now(), run_id = NULL",
        "UPDATE recon_match_lines SET line_no = line_no + 1",
        "UPDATE recon_match_entries SET transfer_id = gen_random_uuid()",
        "UPDATE recon_runs SET rule = '{}'",
        "UPDATE recon_runs SET statement_id = statement_id",
        "DELETE FROM recon_matches",
        "DELETE FROM recon_match_lines",
        "DELETE FROM recon_match_entries",
        "DELETE FROM recon_runs",
        "UPDATE recon_rules SET name = 'x'",
        "DELETE FROM recon_rules",
        "UPDATE recon_results SET side = 'bank'",
        "DELETE FROM recon_results",
        "TRUNCATE recon_matches",
        "TRUNCATE recon_results",
    ),
    *_all(
        "console sessions",  # revision 0024: a session is created and ended (deleted), never extended
        "UPDATE console_sessions SET expires_at = now() + interval '1 year'",
        "TRUNCATE console_sessions",
    ),
    *_all(
        "deployed code",
        "SELECT source FROM razao.code_modules",
        "UPDATE razao.code_modules SET source = 'import os'",
        "INSERT INTO razao.code_modules VALUES ('sneaky', false, 'import os')",
        "DELETE FROM razao.code_modules",
        "SELECT * FROM razao.code_version",
        "UPDATE razao.code_version SET version = 'forged'",
    ),
    *_all(
        "ddl",
        "CREATE TABLE public.sneaky (id int)",
        "CREATE TABLE razao.sneaky (id int)",
        "CREATE TABLE sneaky AS SELECT * FROM entries",
        "CREATE VIEW public.sneaky AS SELECT 1",
        "CREATE MATERIALIZED VIEW public.sneaky AS SELECT 1",
        "CREATE SEQUENCE public.sneaky",
        "CREATE TYPE public.sneaky AS (a int)",
        "CREATE OPERATOR public.=== (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq)",
        "CREATE SCHEMA sneaky",
        "CREATE INDEX sneaky ON entries (amount)",
        "CREATE INDEX sneaky ON razao.jobs (kind)",
        "ALTER TABLE entries DISABLE TRIGGER entries_immutable",
        "ALTER TABLE entries DISABLE TRIGGER ALL",
        "ALTER TABLE accounts DROP CONSTRAINT accounts_min_balance_check",
        "ALTER TABLE entries DROP CONSTRAINT entries_amount_check",
        "ALTER TABLE accounts ADD COLUMN sneaky int",
        "ALTER TABLE accounts OWNER TO razao_app",
        "ALTER TABLE razao.jobs ADD COLUMN sneaky int",
        "DROP TABLE entries",
        "DROP TABLE razao.interest_accruals",
        "DROP TRIGGER entries_book ON entries",
        "DROP SCHEMA razao",
        "DROP SCHEMA razao CASCADE",
        "CREATE TRIGGER sneaky BEFORE INSERT ON entries FOR EACH ROW EXECUTE FUNCTION razao.refuse()",
        "CREATE RULE sneaky AS ON INSERT TO entries DO INSTEAD NOTHING",
        "ALTER TABLE entries ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY sneaky ON entries USING (true)",
        "COMMENT ON TABLE entries IS 'sneaky'",
        "CLUSTER entries USING entries_pkey",
        "REINDEX TABLE entries",
        "LOCK TABLE entries IN ACCESS EXCLUSIVE MODE",
        "CREATE PUBLICATION sneaky FOR TABLE entries",
    ),
    *(
        Forbidden(
            "create function", f"CREATE FUNCTION {schema}.sneaky() RETURNS int LANGUAGE {language} AS {body}"
        )
        for schema in ("public", "razao", "pg_temp")
        for language, body in (
            ("sql", "'SELECT 1'"),
            ("plpgsql", "'BEGIN RETURN 1; END'"),
            ("plpython3u", "'return 1'"),
        )
    ),
    *_all(
        "create function",
        "CREATE PROCEDURE public.sneaky() LANGUAGE sql AS 'SELECT 1'",
        "CREATE OR REPLACE FUNCTION razao.book_entries() RETURNS trigger LANGUAGE plpgsql"
        " AS 'BEGIN RETURN NULL; END'",
        "DROP FUNCTION razao.book_entries()",
        "ALTER FUNCTION razao.refuse() OWNER TO razao_app",
        "ALTER FUNCTION razao.deployed_code_version() SECURITY INVOKER",
        "ALTER FUNCTION razao.deployed_code_version() RESET search_path",
        "CREATE TEMPORARY TABLE sneaky (id int)",
    ),
    *_all(
        "roles and settings",
        "ALTER ROLE razao_app SUPERUSER",
        "ALTER ROLE razao_app CREATEROLE",
        "ALTER ROLE razao_app CREATEDB",
        "ALTER ROLE razao_app BYPASSRLS",
        "ALTER ROLE razao_owner LOGIN",
        "ALTER ROLE razao_app SET session_replication_role = replica",
        "CREATE ROLE sneaky",
        "GRANT razao_owner TO razao_app",
        "GRANT pg_read_server_files TO razao_app",
        "GRANT ALL ON razao.code_modules TO razao_app",
        "ALTER DEFAULT PRIVILEGES FOR ROLE razao_owner GRANT ALL ON TABLES TO razao_app",
        "SET ROLE razao_owner",
        "SET SESSION AUTHORIZATION postgres",
        "SET session_replication_role = replica",
        "SELECT set_config('session_replication_role', 'replica', false)",
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET session_replication_role = replica',"
        " current_database()); END $$",
    ),
    *_all(
        "roles and settings",
        "GRANT UPDATE, DELETE, TRUNCATE ON entries TO razao_app",
        "GRANT UPDATE ON accounts TO razao_app",
        "GRANT CREATE ON SCHEMA public TO razao_app",
        "GRANT CREATE ON SCHEMA razao TO razao_app",
        expected=NOTHING_GRANTED,
    ),
    *_all(
        "extensions",
        "DROP EXTENSION plpython3u",
        "LOAD 'plpython3'",
    ),
    *_all(
        "server",
        "COPY entries TO PROGRAM 'cat > /dev/null'",
        "COPY assets FROM PROGRAM 'echo XYZ,2,2025-01-01'",
        "COPY entries TO '/tmp/razao_entries'",
        "COPY assets FROM '/etc/hostname'",
        "SELECT pg_read_file('/etc/passwd')",
        "SELECT pg_read_binary_file('/etc/passwd')",
        "SELECT pg_ls_dir('.')",
        "SELECT pg_stat_file('postgresql.auto.conf')",
        "SELECT lo_import('/etc/passwd')",
        "SELECT lo_export(1, '/tmp/razao_lo')",
        "SELECT pg_reload_conf()",
    ),
]

#: Extensions to try creating: a trusted one (needs CREATE on the database) and an untrusted one
#: (needs a superuser); the first of each list the server offers is used.
TRUSTED_EXTENSIONS = ("pgcrypto", "hstore", "citext", "pg_trgm")
UNTRUSTED_EXTENSIONS = ("dblink", "file_fdw", "postgres_fdw", "adminpack")

#: Every function razao_app may not call, with the call: scalar subqueries as arguments.
NOT_GRANTED = text(
    """
    SELECT n.nspname, p.proname, p.prokind, p.oid::regprocedure::text AS signature,
           array(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) WITH ORDINALITY u(t, i) ORDER BY i)
               AS argument_types,
           n.nspname = 'pg_catalog' AS system
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE (n.nspname = 'pg_catalog' OR (n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'))
      AND NOT has_function_privilege('razao_app', p.oid, 'EXECUTE')
    ORDER BY n.nspname, p.proname, signature
    """
)


def _extension_attempts(conn: Connection) -> list[Forbidden]:
    offered = set(
        conn.execute(
            text(
                "SELECT name FROM pg_available_extensions"
                " WHERE name NOT IN (SELECT extname FROM pg_extension)"
            )
        ).scalars()
    )
    chosen = [
        next((e for e in group if e in offered), None) for group in (TRUSTED_EXTENSIONS, UNTRUSTED_EXTENSIONS)
    ]
    assert all(chosen), f"this server offers none of {TRUSTED_EXTENSIONS} or none of {UNTRUSTED_EXTENSIONS}"
    return [Forbidden("extensions", f'CREATE EXTENSION "{name}"') for name in chosen if name]


def _function_calls(conn: Connection) -> list[Forbidden]:
    calls = []
    for f in conn.execute(NOT_GRANTED):
        arguments = ", ".join(f"(SELECT NULL::{t})" for t in f.argument_types)
        verb = "CALL" if f.prokind == "p" else "SELECT"
        category = "call system function" if f.system else "call project function"
        calls.append(Forbidden(category, f'{verb} "{f.nspname}"."{f.proname}"({arguments})'))
    return calls


@dataclass
class Attempt:
    forbidden: Forbidden
    sqlstate: str | None  # of the error, or of the warning when the statement completed
    completed: bool

    @property
    def refused(self) -> bool:
        if self.forbidden.expected == NOTHING_GRANTED:
            return self.completed and self.sqlstate == NOTHING_GRANTED
        return not self.completed and self.sqlstate == self.forbidden.expected


def attempt(engine: Engine, forbidden: Forbidden) -> Attempt:
    """Run `forbidden` as razao_app on a connection of its own; commit it if it completes."""
    with engine.connect() as conn:
        warnings: list[str | None] = []
        conn.connection.driver_connection.add_notice_handler(  # type: ignore[union-attr]
            lambda diagnostic: warnings.append(diagnostic.sqlstate)
        )
        try:
            with conn.begin():
                conn.execute(text(forbidden.statement))
        except DBAPIError as error:
            return Attempt(forbidden, getattr(error.orig, "sqlstate", None), completed=False)
    return Attempt(forbidden, NOTHING_GRANTED if NOTHING_GRANTED in warnings else None, completed=True)


@pytest.fixture
def populated(empty_database: TestDatabase) -> TestDatabase:
    """Head, migrated in place, with the books of every write path and the batch tables."""
    migrate.upgrade(empty_database.admin_url, "head")
    Books(empty_database).populate(1)
    return empty_database


@pytest.fixture
def superuser_session(populated: TestDatabase) -> Iterator[int]:
    """The backend pid of an open superuser session (for pg_terminate_backend)."""
    engine = create_engine(populated.admin_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            yield int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    finally:
        engine.dispose()


def test_every_forbidden_operation_fails_for_the_application_role(
    populated: TestDatabase, superuser_session: int
) -> None:
    admin = create_engine(populated.admin_url, poolclass=pool.NullPool)
    app = create_engine(populated.app_url, poolclass=pool.NullPool)  # a fresh session per attempt
    try:
        with app.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == "razao_app"
            attempts = [
                *FORBIDDEN,
                *_extension_attempts(conn),
                Forbidden("server", f"SELECT pg_terminate_backend({superuser_session})"),
                Forbidden("server", f"SELECT pg_cancel_backend({superuser_session})"),
            ]
        with admin.connect() as conn:
            attempts += _function_calls(conn)
        project_calls = [a for a in attempts if a.category == "call project function"]
        assert project_calls, "no function of the project's schemas is withheld from razao_app"

        baseline, rows_before, catalog_before = (
            journal_baseline(admin),
            rows(populated.admin_url),
            catalog(populated.admin_url),
        )
        with recording("privileges", None) as entry:
            results = [attempt(app, forbidden) for forbidden in attempts]
            succeeded = [r for r in results if r.completed and not r.refused]
            other = [r for r in results if not r.completed and not r.refused]
            entry.operations = len(results)
            entry.violations = len(succeeded)

            report = check_ledger(admin, baseline=baseline)
            rows_after, catalog_after = rows(populated.admin_url), catalog(populated.admin_url)
            changed_tables = sorted(
                t for t in rows_before.keys() | rows_after.keys() if rows_before.get(t) != rows_after.get(t)
            )
            changed_catalog = sorted(k for k in catalog_before if catalog_before[k] != catalog_after[k])
            entry.details = {
                "tried": dict(Counter(r.forbidden.category for r in results)),
                "refused_by_sqlstate": dict(Counter(r.sqlstate for r in results if r.refused)),
                "project_functions_called": [a.statement for a in project_calls],
                "succeeded": [r.forbidden.statement for r in succeeded],
                "failed_otherwise": [f"{r.forbidden.statement}: {r.sqlstate}" for r in other],
                "tables_changed": changed_tables,
                "catalog_changed": changed_catalog,
            }
            log.info("privileges: %s", entry.details)

            assert not succeeded, [r.forbidden.statement for r in succeeded]
            assert not other, entry.details["failed_otherwise"]
            assert report.ok, report.violations[:10]
            assert not changed_tables and not changed_catalog, (changed_tables, changed_catalog)
    finally:
        app.dispose()
        admin.dispose()


def test_plpython_needs_a_superuser_even_where_the_app_may_create(
    database: TestDatabase, app_engine: Engine, admin_engine: Engine
) -> None:
    """Given a schema of its own, the app can create SQL functions but still not untrusted ones."""
    with admin_engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA sandbox"))
        conn.execute(text("GRANT USAGE, CREATE ON SCHEMA sandbox TO razao_app"))
    with app_engine.begin() as conn:
        conn.execute(text("CREATE FUNCTION sandbox.trusted() RETURNS int LANGUAGE sql AS 'SELECT 1'"))
    with pytest.raises(DBAPIError) as refused, app_engine.begin() as conn:
        conn.execute(
            text("CREATE FUNCTION sandbox.untrusted() RETURNS int LANGUAGE plpython3u AS 'return 1'")
        )
    assert isinstance(refused.value.orig, errors.InsufficientPrivilege)
    assert "permission denied for language plpython3u" in str(refused.value.orig)
