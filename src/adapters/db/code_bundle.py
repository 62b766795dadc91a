"""Razão's code inside PostgreSQL: the bundle of sources, its version, and its deployment.

The bundle is every module of `src/domain`, `src/application` and `plpython/`. Its version is a
SHA-256 over module names and source hashes, computed identically here, by the loader inside
PostgreSQL (`plpython/razao_loader.py`) and in SQL (`razao.deployed_code_version()`).

Each code-deploying migration carries a frozen copy of the bundle it deploys in
`migrations/bundles/<revision>.json`; upgrading deploys it, downgrading redeploys the previous one.
`razao db code-migration` writes such a migration when the sources changed.
"""

from __future__ import annotations

import hashlib
import json
import runpy
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("domain", "application")
PLPYTHON = ROOT / "plpython"
BUNDLES = ROOT / "migrations" / "bundles"
CATALOG_MODULE = "razao_functions"
OWNER = "razao_owner"
APP = "razao_app"


@dataclass(frozen=True, slots=True)
class Module:
    name: str
    is_package: bool
    source: str


@dataclass(frozen=True, slots=True)
class Function:
    """One SQL function of the catalog (`plpython/razao_functions.py`)."""

    name: str
    args: str
    returns: str
    entry: str
    volatility: str = "VOLATILE"
    security_definer: bool = True
    #: Plan every statement for the data it meets (`plan_cache_mode = force_custom_plan`), never reuse a
    #: generic plan made when a table was smaller: for the batch functions (see the catalog's docstring).
    custom_plans: bool = False

    @property
    def declaration(self) -> str:
        """`razao.<name>(<args>)` as CREATE FUNCTION declares it, defaults included."""
        return f"razao.{self.name}({self.args})"

    @property
    def signature(self) -> str:
        """`razao.<name>(<args>)` as DROP, ALTER and GRANT name it: without the defaults."""
        if " DEFAULT " not in self.args:
            return self.declaration
        args = ", ".join(part.split(" DEFAULT ")[0].strip() for part in self.args.split(","))
        return f"razao.{self.name}({args})"

    @property
    def arg_names(self) -> list[str]:
        return [part.split()[0] for part in self.args.split(",") if part.strip()]


@dataclass(frozen=True, slots=True)
class Bundle:
    modules: tuple[Module, ...]
    functions: tuple[Function, ...] = field(default_factory=tuple)

    @property
    def version(self) -> str:
        return bundle_version((m.name, m.is_package, m.source) for m in self.modules)

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": self.version,
                "modules": [
                    {"name": m.name, "is_package": m.is_package, "source": m.source} for m in self.modules
                ],
                "functions": [
                    {
                        "name": f.name,
                        "args": f.args,
                        "returns": f.returns,
                        "entry": f.entry,
                        "volatility": f.volatility,
                        "security_definer": f.security_definer,
                        "custom_plans": f.custom_plans,
                    }
                    for f in self.functions
                ],
            },
            indent=1,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str) -> Bundle:
        data = json.loads(raw)
        bundle = cls(
            tuple(Module(m["name"], m["is_package"], m["source"]) for m in data["modules"]),
            tuple(Function(**f) for f in data["functions"]),
        )
        if bundle.version != data["version"]:
            raise ValueError(
                f"bundle says version {data['version']} but its sources hash to {bundle.version}"
            )
        return bundle


def bundle_version(modules: Iterable[tuple[str, bool, str]]) -> str:
    """SHA-256 over `name \\n is_package \\n sha256(source) \\n` of each module, sorted by name."""
    digest = hashlib.sha256()
    for name, is_package, source in sorted(modules):
        source_hash = hashlib.sha256(source.encode("utf-8")).hexdigest()
        digest.update(f"{name}\n{1 if is_package else 0}\n{source_hash}\n".encode())
    return digest.hexdigest()


def _package_modules(package: str) -> list[Module]:
    base = ROOT / "src" / package
    modules = []
    for path in sorted(base.rglob("*.py")):
        parts = list(path.relative_to(base.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        modules.append(Module(".".join(parts), is_package, path.read_text(encoding="utf-8")))
    return modules


def _catalog(modules: Sequence[Module]) -> tuple[Function, ...]:
    catalog = next((m for m in modules if m.name == CATALOG_MODULE), None)
    if catalog is None:
        return ()
    namespace = runpy.run_path(str(PLPYTHON / f"{CATALOG_MODULE}.py"))
    return tuple(Function(**entry) for entry in namespace["FUNCTIONS"])


def current_bundle() -> Bundle:
    """The bundle of the sources in this checkout."""
    modules = [m for package in PACKAGES for m in _package_modules(package)]
    modules += [
        Module(path.stem, False, path.read_text(encoding="utf-8")) for path in sorted(PLPYTHON.glob("*.py"))
    ]
    return Bundle(tuple(modules), _catalog(modules))


@cache
def app_code_version() -> str:
    """The version of the code this process runs (computed once)."""
    return current_bundle().version


def bundle_path(revision: str) -> Path:
    return BUNDLES / f"{revision}.json"


def load_bundle(revision: str) -> Bundle:
    return Bundle.from_json(bundle_path(revision).read_text(encoding="utf-8"))


# --- deployment (run by migrations, as the migration role) ---------------------------------------

#: The body of every catalog function. A backend bootstraps the deployed loader once (and again when its
#: loader was bootstrapped by an older body: `razao_bootstrap` marks this one), from the loader's code
#: compiled for this Python when the deployment made it (the loader then verifies it with the rest of the
#: bundle), else from its source; then each call is a dict lookup and `loader.call`, which checks the
#: deployed version.
_BODY = """\
loader = GD.get("razao_loader")
if loader is None or GD.get("razao_bootstrap") != 2:
    import marshal, types
    from importlib.util import MAGIC_NUMBER
    plan = plpy.prepare(
        "SELECT m.source, CASE WHEN v.compiled_magic = $1 THEN m.code END AS code"
        " FROM razao.code_modules m LEFT JOIN razao.code_version v ON true WHERE m.name = 'razao_loader'",
        ["bytea"],
    )
    rows = plpy.execute(plan, [MAGIC_NUMBER])
    if not rows:
        plpy.error("Razão's code is not deployed in this database", sqlstate="RZ003")
    code = rows[0]["code"]
    module = types.ModuleType("razao_loader")
    exec(marshal.loads(code) if code else compile(rows[0]["source"], "razao_loader", "exec"), module.__dict__)
    loader = GD["razao_loader"] = module.Loader(plpy, GD, rows[0]["source"])
    GD["razao_bootstrap"] = 2
return loader.call({call_args})
"""

_VERSION_FUNCTION = """\
CREATE OR REPLACE FUNCTION razao.deployed_code_version() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, razao AS $$
    SELECT encode(sha256(convert_to(coalesce(string_agg(
        name || E'\\n' || CASE WHEN is_package THEN '1' ELSE '0' END || E'\\n'
        || encode(sha256(convert_to(source, 'UTF8')), 'hex') || E'\\n',
        '' ORDER BY name COLLATE "C"), ''), 'UTF8')), 'hex')
    FROM razao.code_modules
$$"""

#: The bundle compiled by this server's own Python, so that a new backend unmarshals code objects instead
#: of compiling sources (`plpython/razao_loader.py`): `razao.code_modules.code` holds each module's
#: marshal'd code object, and `razao.code_version` the `importlib.util.MAGIC_NUMBER` it was made for and
#: the digest of them all (SHA-256 over `name \\n hex(sha256(code)) \\n`, sorted by name), which the loader
#: checks on load. In the code tables, so they come and go with them (`remove`).
COMPILE_FUNCTION = "razao.compile_code()"
_COMPILED_COLUMNS = (
    "ALTER TABLE razao.code_modules ADD COLUMN IF NOT EXISTS code bytea",
    "ALTER TABLE razao.code_version ADD COLUMN IF NOT EXISTS compiled_magic bytea,"
    " ADD COLUMN IF NOT EXISTS compiled_digest text, ADD COLUMN IF NOT EXISTS compiled_python text",
)

#: Compiles the deployed bundle with the server's Python, after checking that the sources hash to the
#: recorded version (the formula of `bundle_version`). Called by every deployment as the migration role;
#: runs as razao_owner; EXECUTE is granted to nobody else (a superuser may run it again after upgrading
#: the server's Python: until then the loader compiles the sources in each new backend).
_COMPILE_FUNCTION = """\
CREATE OR REPLACE FUNCTION razao.compile_code() RETURNS text
LANGUAGE plpython3u VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $razao$
import hashlib
import marshal
import sys
from importlib.util import MAGIC_NUMBER

rows = plpy.execute("SELECT version FROM razao.code_version")
if not rows:
    plpy.error("Razão's code is not deployed in this database", sqlstate="RZ003")
version = rows[0]["version"]
modules = sorted(
    (row["name"], bool(row["is_package"]), row["source"])
    for row in plpy.execute("SELECT name, is_package, source FROM razao.code_modules")
)
digest = hashlib.sha256()
for name, is_package, source in modules:
    source_hash = hashlib.sha256(source.encode("utf-8")).hexdigest()
    digest.update((name + "\\n" + ("1" if is_package else "0") + "\\n" + source_hash + "\\n").encode())
if digest.hexdigest() != version:
    plpy.error("the deployed code does not match its recorded version", sqlstate="RZ003")
short = version[0 : 12]
codes = [
    (name, marshal.dumps(compile(source, "<razao " + short + ">/" + name, "exec", dont_inherit=True)))
    for name, _, source in modules
]
compiled = hashlib.sha256(
    "".join(name + "\\n" + hashlib.sha256(code).hexdigest() + "\\n" for name, code in codes).encode()
).hexdigest()
update = plpy.prepare("UPDATE razao.code_modules SET code = $2 WHERE name = $1", ["text", "bytea"])
for name, code in codes:
    plpy.execute(update, [name, code])
plpy.execute(
    plpy.prepare(
        "UPDATE razao.code_version SET compiled_magic = $1, compiled_digest = $2, compiled_python = $3",
        ["bytea", "text", "text"],
    ),
    [MAGIC_NUMBER, compiled, sys.version],
)
python = sys.version.split()[0]
return str(len(codes)) + " modules compiled for Python " + python + " (magic " + MAGIC_NUMBER.hex() + ")"
$razao$"""


def function_body(function: Function) -> str:
    module, name = function.entry.rsplit(".", 1)
    args = [repr(module), repr(name)] + [f"{arg}={arg}" for arg in function.arg_names]
    return _BODY.format(call_args=", ".join(args))


def function_ddl(function: Function) -> str:
    security = "SECURITY DEFINER" if function.security_definer else "SECURITY INVOKER"
    body = function_body(function)
    if "$razao$" in body:
        raise ValueError("function body may not contain the dollar-quote tag")
    return (
        f"CREATE FUNCTION {function.declaration} RETURNS {function.returns}\n"
        f"LANGUAGE plpython3u {function.volatility} {security}\n"
        f"SET search_path = pg_catalog, public\n"
        + ("SET plan_cache_mode = force_custom_plan\n" if function.custom_plans else "")
        + f"AS $razao$\n{body}$razao$"
    )


def _grant(connection: Connection, signature: str) -> None:
    connection.execute(text(f"ALTER FUNCTION {signature} OWNER TO {OWNER}"))
    connection.execute(text(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC"))
    connection.execute(text(f"GRANT EXECUTE ON FUNCTION {signature} TO {APP}"))


def _drop_functions(connection: Connection, functions: Iterable[Function]) -> None:
    for function in functions:
        connection.execute(text(f"DROP FUNCTION IF EXISTS {function.signature}"))


def deploy(connection: Connection, revision: str, replaces: str | None) -> None:
    """Deploy the bundle of `revision`, replacing the functions of the bundle of `replaces`."""
    deploy_bundle(connection, load_bundle(revision), load_bundle(replaces) if replaces else None, revision)


def deploy_bundle(connection: Connection, bundle: Bundle, previous: Bundle | None, revision: str) -> None:
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS plpython3u"))
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS razao AUTHORIZATION {OWNER}"))
    connection.execute(text(f"GRANT USAGE ON SCHEMA razao TO {APP}"))
    connection.execute(
        text(
            "CREATE TABLE IF NOT EXISTS razao.code_modules ("
            ' name text COLLATE "C" PRIMARY KEY, is_package boolean NOT NULL, source text NOT NULL)'
        )
    )
    connection.execute(
        text(
            "CREATE TABLE IF NOT EXISTS razao.code_version ("
            " singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),"
            " version text NOT NULL, revision text NOT NULL,"
            " deployed_at timestamptz NOT NULL DEFAULT now())"
        )
    )
    for ddl in _COMPILED_COLUMNS:
        connection.execute(text(ddl))
    # Stored uncompressed: a new backend reads every source (to verify them) and the compiled code, and
    # decompressing them cost more than reading them (about 2 of the first call's milliseconds).
    connection.execute(
        text(
            "ALTER TABLE razao.code_modules ALTER COLUMN source SET STORAGE EXTERNAL,"
            " ALTER COLUMN code SET STORAGE EXTERNAL"
        )
    )
    for table in ("razao.code_modules", "razao.code_version"):
        connection.execute(text(f"ALTER TABLE {table} OWNER TO {OWNER}"))
        connection.execute(text(f"REVOKE ALL ON TABLE {table} FROM PUBLIC"))
    connection.execute(text("DELETE FROM razao.code_modules"))
    connection.execute(
        text(
            "INSERT INTO razao.code_modules (name, is_package, source) VALUES (:name, :is_package, :source)"
        ),
        [{"name": m.name, "is_package": m.is_package, "source": m.source} for m in bundle.modules],
    )
    connection.execute(text("DELETE FROM razao.code_version"))
    connection.execute(
        text("INSERT INTO razao.code_version (version, revision) VALUES (:version, :revision)"),
        {"version": bundle.version, "revision": revision},
    )
    connection.execute(text(_VERSION_FUNCTION))
    _grant(connection, "razao.deployed_code_version()")
    _drop_functions(connection, previous.functions if previous else ())
    for function in bundle.functions:
        connection.execute(text(f"DROP FUNCTION IF EXISTS {function.signature}"))
        connection.execute(text(function_ddl(function)))
        _grant(connection, function.signature)
    connection.execute(text(_COMPILE_FUNCTION))
    connection.execute(text(f"ALTER FUNCTION {COMPILE_FUNCTION} OWNER TO {OWNER}"))
    connection.execute(text(f"REVOKE ALL ON FUNCTION {COMPILE_FUNCTION} FROM PUBLIC"))
    connection.execute(text(f"SELECT {COMPILE_FUNCTION}"))
    # Count calls and time of PL/* functions so operators can watch them (pg_stat_user_functions).
    connection.execute(
        text(
            "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET track_functions = %L', "
            "current_database(), 'pl'); END $$"
        )
    )
    connection.execute(text("SET track_functions = 'pl'"))
    result = connection.execute(text("SELECT razao.deployed_code_version()"))
    if result is None:  # offline (`alembic upgrade --sql`): there is nothing to read back
        return
    deployed = result.scalar_one()
    if deployed != bundle.version:
        raise RuntimeError(f"deployed code hashes to {deployed}, expected {bundle.version}")


def remove(connection: Connection, revision: str) -> None:
    """Undo the first code deployment: functions, code tables (and compiled code), function tracking."""
    bundle = load_bundle(revision)
    _drop_functions(connection, bundle.functions)
    connection.execute(text("DROP FUNCTION IF EXISTS razao.deployed_code_version()"))
    connection.execute(text(f"DROP FUNCTION IF EXISTS {COMPILE_FUNCTION}"))
    connection.execute(text("DROP TABLE IF EXISTS razao.code_version"))
    connection.execute(text("DROP TABLE IF EXISTS razao.code_modules"))
    connection.execute(
        text(
            "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET track_functions', current_database()); END $$"
        )
    )


def changed_modules(old: Bundle | None, new: Bundle) -> dict[str, list[str]]:
    """What a new bundle adds, changes and removes compared with the previous one (for reviews)."""
    before: Mapping[str, str] = {m.name: m.source for m in old.modules} if old else {}
    after = {m.name: m.source for m in new.modules}
    return {
        "added": sorted(set(after) - set(before)),
        "changed": sorted(n for n in set(after) & set(before) if after[n] != before[n]),
        "removed": sorted(set(before) - set(after)),
    }


#: What the migration linter (squawk) reports on a code migration's SQL, and why it is accepted: the
#: reasons belong to `deploy`, so every code migration refers to this one statement of them.
SQUAWK_ACCEPTED: dict[str, str] = {
    "ban-drop-function": (
        "a deployment drops each function of its catalog and creates it again in the same transaction"
        " (CREATE OR REPLACE cannot change a signature or return type): callers see the old function or"
        " the new one, never none; the downgrade does the same with the previous bundle's functions"
    ),
    "require-lock-timeout": (
        "a deployment locks only schema razao's code tables (which the functions' loader reads once per"
        " connection, in a one-statement transaction) and the functions it replaces (a call takes no"
        " lock on a function): no ledger table"
    ),
    "require-statement-timeout": (
        "nothing in a deployment depends on the amount of ledger data; a timeout could only cut it short"
    ),
}


# --- the migration generator (`razao db code-migration`) -----------------------------------------

_MIGRATION = '''"""Deploy Razão's code into PostgreSQL: bundle {short}.

Carries a frozen copy of `src/domain`, `src/application` and `plpython/` in
`migrations/bundles/{revision}.json` and (re)creates the PL/Python functions of its catalog.
Downgrade {downgrade_text}.

Compared with the previous bundle:
{changes}

Functions:
{functions}

Create Date: {create_date}
Docs: docs/reference/functions.md
"""

from collections.abc import Sequence

from alembic import op

from adapters.db import code_bundle

revision: str = "{revision}"
down_revision: str | None = {down_revision}
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The bundle this migration deploys, and the one it replaces (None for the first deployment).
BUNDLE = "{revision}"
PREVIOUS_BUNDLE: str | None = {previous}

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
'''


def _script_directory() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(ROOT / "migrations"))


def latest_code_revision() -> str | None:
    """The newest migration, walking down from head, that deploys a bundle."""
    for script in _script_directory().walk_revisions():
        if bundle_path(script.revision).exists():
            return str(script.revision)
    return None


def write_code_migration(*, amend: bool = False) -> Path | None:
    """Write a migration deploying the current sources, or None when the database code is current.

    With `amend`, rewrite the newest code migration in place instead (only while it is head and
    has not been released: it changes what that revision deploys).
    """
    scripts = _script_directory()
    head = scripts.get_current_head()
    bundle = current_bundle()
    latest = latest_code_revision()
    if amend:
        if latest is None or latest != head:
            raise RuntimeError("--amend needs the newest code migration to be head")
        script = scripts.get_revision(latest)
        previous_revision = _previous_code_revision(script.down_revision)
        down_revision = script.down_revision
        Path(script.path).unlink()
        bundle_path(latest).unlink()
        revision = f"{latest.split('_', 1)[0]}_code_{bundle.version[:12]}"
        path = ROOT / "migrations" / "versions" / f"{revision}.py"
    else:
        if latest is not None and load_bundle(latest).version == bundle.version:
            return None
        number = 1 + max(int(s.revision.split("_", 1)[0]) for s in scripts.walk_revisions())
        revision = f"{number:04d}_code_{bundle.version[:12]}"
        down_revision, previous_revision = head, latest
        path = ROOT / "migrations" / "versions" / f"{revision}.py"
    previous = load_bundle(previous_revision) if previous_revision else None
    changes = changed_modules(previous, bundle)
    BUNDLES.mkdir(parents=True, exist_ok=True)
    bundle_path(revision).write_text(bundle.to_json() + "\n", encoding="utf-8")
    path.write_text(
        _MIGRATION.format(
            short=bundle.version[:12],
            create_date=datetime.now(UTC).date().isoformat(),
            revision=revision,
            down_revision=_literal(down_revision),
            previous=_literal(previous_revision),
            downgrade_text=(
                f"redeploys bundle {previous_revision} exactly"
                if previous_revision
                else "removes the deployed code and its functions"
            ),
            changes="\n".join(
                _wrapped(f"- {kind}: " + (", ".join(names) or "nothing")) for kind, names in changes.items()
            ),
            functions=_wrapped(", ".join(f.name for f in bundle.functions) or "none"),
        ),
        encoding="utf-8",
    )
    return path


def _literal(value: str | None) -> str:
    return "None" if value is None else json.dumps(value)


def _wrapped(line: str) -> str:
    return textwrap.fill(line, width=100, subsequent_indent="  ", break_on_hyphens=False)


def _previous_code_revision(revision: str | None) -> str | None:
    scripts = _script_directory()
    while revision is not None:
        if bundle_path(revision).exists():
            return revision
        revision = scripts.get_revision(revision).down_revision
    return None


# --- what the database runs (for readiness and the execution mode) -----------------------------


@dataclass(frozen=True, slots=True)
class DatabaseCode:
    plpython: bool
    version: str | None


def database_code(engine: Any) -> DatabaseCode:
    """Whether the database has plpython3u, and the version of Razão's code deployed in it."""
    with engine.connect() as connection:
        plpython = bool(
            connection.execute(
                text("SELECT count(*) FROM pg_extension WHERE extname = 'plpython3u'")
            ).scalar()
        )
        deployed = connection.execute(
            text("SELECT to_regprocedure('razao.deployed_code_version()') IS NOT NULL")
        ).scalar()
        version = (
            connection.execute(text("SELECT razao.deployed_code_version()")).scalar() if deployed else None
        )
    return DatabaseCode(plpython, version)


def database_kernel(engine: Any) -> dict[str, Any]:
    """What runs the hot functions inside PostgreSQL for this engine's connections (`razao.kernel_info`,
    `domain.kernel.describe()` there), or why that is unknown (`{"kernel": None, "reason": ...}`)."""
    with engine.connect() as connection:
        deployed = connection.execute(
            text("SELECT to_regprocedure('razao.kernel_info(text)') IS NOT NULL")
        ).scalar()
        if not deployed:
            return {
                "kernel": None,
                "reason": "the database has no razao.kernel_info (not deployed, or app mode)",
            }
        try:
            info: dict[str, Any] = connection.execute(
                text("SELECT razao.kernel_info(:version)"), {"version": app_code_version()}
            ).scalar_one()
        except DBAPIError as error:
            connection.rollback()
            diag = getattr(error.orig, "diag", None)
            return {"kernel": None, "reason": str(getattr(diag, "message_primary", None) or error.orig)}
    return info


def function_stats(engine: Any) -> list[dict[str, Any]]:
    """Calls and time of the ledger's database functions (`track_functions = 'pl'`), busiest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT funcname, calls, total_time, self_time FROM pg_stat_user_functions"
                " WHERE schemaname = 'razao' ORDER BY total_time DESC, funcname"
            )
        ).all()
    return [
        {
            "name": row.funcname,
            "calls": int(row.calls),
            "total_time_ms": float(row.total_time),
            "self_time_ms": float(row.self_time),
        }
        for row in rows
    ]
