"""Razão's code inside PostgreSQL: what the database runs is what this revision's sources say.

1. the deployed code hashes (in SQL) to the same version the application computes from its files;
2. every code migration carries a frozen bundle; downgrade restores the previous one exactly;
3. the sources cannot change without a migration that deploys them (this test is the CI gate);
4. a connection opened before a deployment runs the new code afterwards, without reconnecting;
5. a call that expects another version is refused with a clear error;
6. the deployment compiles the code with the server's Python; a new backend runs those code objects after
   checking their recorded digest (tampered ones are refused), and compiles the sources when its Python
   is another one (another magic number).
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from adapters.db import code_bundle, migrate
from tests.conftest import TestDatabase


def test_the_sources_are_deployed_by_the_newest_code_migration() -> None:
    latest = code_bundle.latest_code_revision()
    assert latest is not None, "no migration deploys the code: run `razao db code-migration`"
    deployed = code_bundle.load_bundle(latest)
    current = code_bundle.current_bundle()
    changes = code_bundle.changed_modules(deployed, current)
    assert deployed.version == current.version, (
        "src/domain, src/application or plpython/ changed without a migration that deploys them "
        f"({changes}); run `razao db code-migration` and commit the new migration and bundle"
    )
    assert deployed.functions == current.functions


def test_every_code_migration_carries_a_valid_frozen_bundle() -> None:
    revisions = [
        script.revision
        for script in code_bundle._script_directory().walk_revisions()
        if "_code_" in script.revision
    ]
    assert revisions
    for revision in revisions:
        bundle = code_bundle.load_bundle(revision)  # verifies the recorded version against the sources
        assert revision.endswith(bundle.version[:12])


def test_the_database_runs_byte_identical_code(database: TestDatabase, app_engine: Engine) -> None:
    with app_engine.connect() as connection:
        deployed = connection.execute(text("SELECT razao.deployed_code_version()")).scalar_one()
    assert deployed == code_bundle.app_code_version() == code_bundle.current_bundle().version
    admin = create_engine(database.admin_url)
    with admin.connect() as connection:
        stored = {
            row.name: row.source
            for row in connection.execute(text("SELECT name, source FROM razao.code_modules"))
        }
    admin.dispose()
    assert stored == {m.name: m.source for m in code_bundle.current_bundle().modules}


def test_downgrade_restores_the_previous_code_exactly(database: TestDatabase) -> None:
    latest = code_bundle.latest_code_revision()
    assert latest is not None
    script = code_bundle._script_directory().get_revision(latest)
    previous = code_bundle._previous_code_revision(script.down_revision)
    migrate.downgrade(database.admin_url, script.down_revision)
    engine = create_engine(database.admin_url)
    try:
        deployed = code_bundle.database_code(engine).version
        expected = code_bundle.load_bundle(previous).version if previous else None
        assert deployed == expected
        migrate.upgrade(database.admin_url, "head")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT razao.deployed_code_version()")).scalar_one() == (
                code_bundle.current_bundle().version
            )
    finally:
        engine.dispose()


def _probe_bundle(greeting: str) -> code_bundle.Bundle:
    base = code_bundle.current_bundle()
    probe = code_bundle.Module(
        "razao_probe",
        False,
        "import domain.assets\n\n\ndef hello(plpy, name):\n"
        f"    return '{greeting} ' + name + ' ' + str(domain.assets.ISO_4217['JPY'])\n",
    )
    function = code_bundle.Function("probe", "expected_version text, name text", "text", "razao_probe.hello")
    return code_bundle.Bundle((*base.modules, probe), (function,))


def test_open_connections_run_new_code_after_a_deployment(database: TestDatabase, app_engine: Engine) -> None:
    admin = create_engine(database.admin_url)
    first, second = _probe_bundle("hello"), _probe_bundle("olá")
    try:
        with admin.begin() as connection:
            code_bundle.deploy_bundle(connection, first, code_bundle.current_bundle(), "probe-1")
        with app_engine.connect() as open_connection:
            call = text("SELECT razao.probe(:version, 'Ana')")
            assert open_connection.execute(call, {"version": first.version}).scalar_one() == "hello Ana 0"
            open_connection.commit()
            with admin.begin() as connection:
                code_bundle.deploy_bundle(connection, second, first, "probe-2")
            assert open_connection.execute(call, {"version": second.version}).scalar_one() == "olá Ana 0"
            open_connection.commit()
            with pytest.raises(DBAPIError) as refused:
                open_connection.execute(call, {"version": first.version})
            assert refused.value.orig is not None
            assert getattr(refused.value.orig, "sqlstate", None) == "RZ002"
            assert "domain version mismatch" in str(refused.value.orig)
    finally:
        admin.dispose()


def test_tampered_code_is_refused(database: TestDatabase, app_engine: Engine) -> None:
    admin = create_engine(database.admin_url)
    bundle = _probe_bundle("hello")
    try:
        with admin.begin() as connection:
            code_bundle.deploy_bundle(connection, bundle, code_bundle.current_bundle(), "probe-1")
            connection.execute(
                text(
                    "UPDATE razao.code_modules SET source = source || '\n# changed' WHERE name = 'razao_probe'"
                )
            )
        with app_engine.connect() as connection, pytest.raises(DBAPIError) as refused:
            connection.execute(text("SELECT razao.probe(NULL, 'Ana')"))
        assert getattr(refused.value.orig, "sqlstate", None) == "RZ003"
    finally:
        admin.dispose()


#: The functions that run once per chunk of a batch, and the group balances (a prefix's range or a
#: category's subtree decides the plan): they plan every statement for the data it meets.
BATCH_FUNCTIONS = {
    "expire_due",
    "accrue_interest",
    "accounts_with_policies",
    "verify_ledger",
    "verify_part",
    "group_balance",
    "category_balance",
}


def test_every_catalog_function_is_locked_down(database: TestDatabase, app_engine: Engine) -> None:
    """PL/Python functions: created by the superuser, owned by the non-login owner, SECURITY DEFINER with a
    pinned search_path (and custom plans for the batch functions), executable by the application role and
    not by PUBLIC."""
    admin = create_engine(database.admin_url)
    try:
        with admin.connect() as connection:
            rows = connection.execute(
                text(
                    """
                    SELECT p.proname, l.lanname, pg_get_userbyid(p.proowner) AS owner, p.prosecdef,
                           p.proconfig, has_function_privilege('razao_app', p.oid, 'EXECUTE') AS app,
                           EXISTS (SELECT FROM aclexplode(p.proacl) a WHERE a.grantee = 0) AS public
                    FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
                    WHERE p.pronamespace = 'razao'::regnamespace AND l.lanname = 'plpython3u'
                    """
                )
            ).all()
    finally:
        admin.dispose()
    catalog = {f.name for f in code_bundle.current_bundle().functions}
    assert {row.proname for row in rows} == catalog | {"compile_code"}
    for row in rows:
        assert row.owner == "razao_owner", row
        assert row.prosecdef, row
        batch = row.proname in BATCH_FUNCTIONS
        custom_plans = ["plan_cache_mode=force_custom_plan"] if batch else []
        assert row.proconfig == ["search_path=pg_catalog, public", *custom_plans], row
        # Compiling is the deployment's business: the application role may not run it.
        assert row.app == (row.proname in catalog) and not row.public, row
    with app_engine.connect() as connection, pytest.raises(DBAPIError, match="permission denied"):
        connection.execute(
            text("CREATE FUNCTION public.sneaky() RETURNS int LANGUAGE plpython3u AS $$ return 1 $$")
        )


#: A superuser-only function that tells how this backend's loader loaded the code (for the tests below).
LOADER_STATE = """
CREATE FUNCTION public.razao_loader_state() RETURNS text LANGUAGE plpython3u AS $$
loader = GD.get("razao_loader")
return None if loader is None else ("compiled" if loader.compiled else "sources")
$$
"""


def _probe_in_new_backend(database: TestDatabase, version: str | None) -> tuple[str, str]:
    """Call the probe function in a new backend: its answer, and whether the code came compiled."""
    engine = create_engine(database.admin_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            answer = connection.execute(
                text("SELECT razao.probe(:version, 'Ana')"), {"version": version}
            ).scalar_one()
            state = connection.execute(text("SELECT public.razao_loader_state()")).scalar_one()
            connection.commit()
        return answer, state
    finally:
        engine.dispose()


def _deploy_probe(database: TestDatabase) -> code_bundle.Bundle:
    bundle = _probe_bundle("hello")
    admin = create_engine(database.admin_url)
    try:
        with admin.begin() as connection:
            code_bundle.deploy_bundle(connection, bundle, code_bundle.current_bundle(), "probe-1")
            connection.execute(text(LOADER_STATE))
    finally:
        admin.dispose()
    return bundle


def _admin_run(database: TestDatabase, *statements: str) -> None:
    admin = create_engine(database.admin_url)
    try:
        with admin.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        admin.dispose()


def test_the_deployment_compiles_the_code_and_new_backends_run_it(database: TestDatabase) -> None:
    bundle = _deploy_probe(database)
    admin = create_engine(database.admin_url)
    try:
        with admin.connect() as connection:
            recorded = connection.execute(
                text("SELECT version, compiled_python, compiled_digest FROM razao.code_version")
            ).one()
            compiled = set(
                connection.execute(
                    text("SELECT name FROM razao.code_modules WHERE code IS NOT NULL")
                ).scalars()
            )
    finally:
        admin.dispose()
    assert recorded.version == bundle.version
    assert recorded.compiled_python.startswith("3.") and len(recorded.compiled_digest) == 64
    assert compiled == {m.name for m in bundle.modules}
    assert _probe_in_new_backend(database, bundle.version) == ("hello Ana 0", "compiled")


def test_tampered_compiled_code_is_refused(database: TestDatabase, app_engine: Engine) -> None:
    bundle = _deploy_probe(database)
    _admin_run(
        database, "UPDATE razao.code_modules SET code = code || '\\x00'::bytea WHERE name = 'razao_probe'"
    )
    with app_engine.connect() as connection, pytest.raises(DBAPIError) as refused:
        connection.execute(text("SELECT razao.probe(:v, 'Ana')"), {"v": bundle.version})
    assert getattr(refused.value.orig, "sqlstate", None) == "RZ003"
    assert "compiled code does not match" in str(refused.value.orig)


def test_compiled_code_without_its_recorded_digest_is_refused(
    database: TestDatabase, app_engine: Engine
) -> None:
    bundle = _deploy_probe(database)
    _admin_run(database, "UPDATE razao.code_version SET compiled_digest = repeat('0', 64)")
    with app_engine.connect() as connection, pytest.raises(DBAPIError) as refused:
        connection.execute(text("SELECT razao.probe(:v, 'Ana')"), {"v": bundle.version})
    assert getattr(refused.value.orig, "sqlstate", None) == "RZ003"


def test_another_magic_number_falls_back_to_compiling_the_sources(database: TestDatabase) -> None:
    bundle = _deploy_probe(database)
    # As if the server's Python had changed since the deployment: the code was compiled for another one.
    _admin_run(database, "UPDATE razao.code_version SET compiled_magic = '\\x00000000'")
    assert _probe_in_new_backend(database, bundle.version) == ("hello Ana 0", "sources")
    # Its sources are still checked: a changed one is refused.
    _admin_run(
        database, "UPDATE razao.code_modules SET source = source || '# changed' WHERE name = 'razao_probe'"
    )
    with pytest.raises(DBAPIError) as refused:
        _probe_in_new_backend(database, bundle.version)
    assert getattr(refused.value.orig, "sqlstate", None) == "RZ003"
    # Compiling again (what a superuser runs after upgrading the server's Python) brings the fast path back.
    _admin_run(
        database,
        "UPDATE razao.code_modules SET source = left(source, -9) WHERE name = 'razao_probe'",
    )
    _admin_run(database, "SELECT razao.compile_code()")
    assert _probe_in_new_backend(database, bundle.version) == ("hello Ana 0", "compiled")


def test_the_application_role_cannot_compile_or_read_compiled_code(app_engine: Engine) -> None:
    for statement in (
        "SELECT razao.compile_code()",
        "SELECT code FROM razao.code_modules",
        "UPDATE razao.code_version SET compiled_magic = NULL",
    ):
        with app_engine.connect() as connection, pytest.raises(DBAPIError, match="permission denied"):
            connection.execute(text(statement))


def test_removing_the_code_drops_the_compile_function(database: TestDatabase) -> None:
    migrate.downgrade(database.admin_url, "base")
    admin = create_engine(database.admin_url)
    try:
        with admin.connect() as connection:
            left = connection.execute(
                text("SELECT to_regclass('razao.code_modules'), to_regprocedure('razao.compile_code()')")
            ).one()
    finally:
        admin.dispose()
    assert tuple(left) == (None, None)
