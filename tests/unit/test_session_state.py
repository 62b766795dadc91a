"""No code relies on session state: the guard that keeps Razão correct behind a transaction pooler.

Behind PgBouncer in transaction mode (docs/pooling.md) each transaction may run on another server
connection, so anything a session keeps between transactions is lost or, worse, lands on another
client's transactions. This test reads every Python file of `src/` and `plpython/` (the code the
application and the database run; migrations run on the superuser's direct connection and are not
scanned) and refuses, in SQL text:

- `session-set`: a `SET` or `RESET` that is not `SET LOCAL`, `SET TRANSACTION` or `SET CONSTRAINTS`,
  unless the statement is an `UPDATE ... SET` (`ON CONFLICT DO UPDATE SET` too), an `ALTER ... SET`
  (DDL: a table's, a role's or a database's setting) or a function's own `SET` clause (it applies to
  each call and is undone on return); `set_config(..., false)` (session-wide);
- `session-advisory-lock`: `pg_advisory_lock`, `pg_try_advisory_lock` and their `_shared` forms and
  `pg_advisory_unlock` (the `_xact_` locks end with the transaction and are fine);
- `listen`: `LISTEN` / `UNLISTEN` (notifications reach the session that listened, not the client);
- `temp-table`: `CREATE TEMP[ORARY] TABLE`, `SELECT ... INTO TEMP` (they live as long as the session);
- `with-hold`: `WITH HOLD` cursors, psycopg's `withhold=True`;
- `prepared-statement`: SQL `PREPARE name AS` / `DEALLOCATE`, psycopg's `execute(..., prepare=True)`.
  (`plpy.prepare` is fine: a plan inside the backend, used by the code running there.)

How: the Python syntax tree's string literals (an f-string is read as one text, its fields as `{}`),
docstrings excepted, each cut into statements at `;` and dollar quotes. SQL keywords are matched in
upper case, as this code base writes SQL: prose in messages ("a set of accounts") does not count, and
SQL written in lower case would escape the guard (review catches that; the checker's own tests below
show what it sees). A finding is allowed only by an entry of `ALLOWED` that says why; an entry that
no longer matches anything fails too, so the list stays true.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("src", "plpython")

#: (file relative to the checkout, rule, a piece of the offending statement) -> why it is allowed.
ALLOWED: dict[tuple[str, str, str], str] = {
    # Migrations run on the superuser's own direct connection (never through the pooler): each step's
    # lock and statement timeouts are set on that session (migrate.MigrationTimeouts.statements).
    ("src/adapters/db/migrate.py", "session-set", "SET lock_timeout"): "migration connection only",
    ("src/adapters/db/migrate.py", "session-set", "SET statement_timeout"): "migration connection only",
    # The code deployment (a migration step) sets the database's track_functions (ALTER DATABASE) and,
    # for the rest of its own session, the same value, so that its own checks count calls at once.
    ("src/adapters/db/code_bundle.py", "session-set", "SET track_functions"): "migration connection only",
    # A function's own SET clause (applies per call), in a CREATE FUNCTION header built in pieces.
    ("src/adapters/db/code_bundle.py", "session-set", "SET plan_cache_mode"): "a function's SET clause",
    # The local failover stack (a developer's tool, not the service) follows pg_auto_failover's monitor,
    # which announces state changes with NOTIFY, on a direct connection to the monitor's own database.
    ("src/razao/local/stack.py", "listen", "LISTEN state"): "the monitor's notifications, direct connection",
    # The generated function catalog's prose describing that clause.
    ("src/razao/docs_functions.py", "session-set", "SET search_path"): "documentation text, not SQL",
}

_SESSION_SET = re.compile(r"\b(?:RE)?SET\s+(?!LOCAL\b|TRANSACTION\b|CONSTRAINTS\b)[A-Za-z_]\w*")
#: What makes a `SET` in the same statement something else than a session setting.
_SET_ALLOWED_CONTEXT = re.compile(r"\b(?:UPDATE|ALTER|FUNCTION|PROCEDURE|LANGUAGE|SECURITY\s+DEFINER)\b")
_STATEMENT_END = re.compile(r";|\$[A-Za-z_]*\$")
RULES: dict[str, re.Pattern[str]] = {
    "session-set-config": re.compile(r"set_config\s*\((?:[^()]|\([^()]*\))*,\s*false\s*\)", re.IGNORECASE),
    "session-advisory-lock": re.compile(
        r"\bpg_(?:try_)?advisory_(?:lock|unlock)(?:_shared|_all)?\s*\(", re.IGNORECASE
    ),
    "listen": re.compile(r"\b(?:UN)?LISTEN\s+[A-Za-z_*]"),
    "temp-table": re.compile(
        r"\bCREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:TEMP|TEMPORARY)\s+(?:UNLOGGED\s+)?TABLE\b|\bINTO\s+TEMP(?:ORARY)?\b",
        re.IGNORECASE,
    ),
    "with-hold": re.compile(r"\bWITH\s+HOLD\b"),
    "prepared-statement": re.compile(r"\bPREPARE\s+[A-Za-z_]\w*\s*(?:\(|AS\b)|\bDEALLOCATE\b"),
}
#: psycopg keyword arguments that keep state in the session.
_SESSION_KEYWORDS = {"withhold": "with-hold", "prepare": "prepared-statement"}


@dataclass(frozen=True, slots=True)
class Finding:
    path: str
    line: int
    rule: str
    statement: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.statement.strip()[:120]!r}"


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes (and of bare string expressions, which are comments too)."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def _literals(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal but docstrings, with its line; an f-string as one text."""
    skipped = _docstrings(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else "{}" for v in node.values]
            found.append((node.lineno, "".join(str(p) for p in parts)))
            skipped.update(id(v) for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped:
            found.append((node.lineno, node.value))
    return found


def _statement_findings(text: str) -> list[tuple[str, str]]:
    findings: list[tuple[str, str]] = []
    for statement in _STATEMENT_END.split(text):
        for match in _SESSION_SET.finditer(statement):
            if not _SET_ALLOWED_CONTEXT.search(statement[: match.start()]):
                findings.append(("session-set", statement[match.start() :]))
        findings += [(rule, statement) for rule, pattern in RULES.items() if pattern.search(statement)]
    return findings


def check_source(source: str, path: str) -> list[Finding]:
    """What `source` (a Python module) does that relies on session state."""
    tree = ast.parse(source, filename=path)
    findings = [
        Finding(path, line, rule, statement)
        for line, text in _literals(tree)
        for rule, statement in _statement_findings(text)
    ]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                value = keyword.value
                if (
                    keyword.arg in _SESSION_KEYWORDS
                    and isinstance(value, ast.Constant)
                    and value.value is True
                ):
                    findings.append(
                        Finding(path, node.lineno, _SESSION_KEYWORDS[keyword.arg], f"{keyword.arg}=True")
                    )
    return findings


def _allowed(finding: Finding) -> tuple[str, str, str] | None:
    for key in ALLOWED:
        path, rule, piece = key
        if finding.path == path and finding.rule == rule and piece in finding.statement:
            return key
    return None


def scan(root: Path = ROOT) -> list[Finding]:
    findings: list[Finding] = []
    for folder in SCANNED:
        for file in sorted((root / folder).rglob("*.py")):
            relative = file.relative_to(root).as_posix()
            findings += check_source(file.read_text(encoding="utf-8"), relative)
    return findings


def test_no_code_relies_on_session_state() -> None:
    findings = scan()
    unexplained = [str(f) for f in findings if _allowed(f) is None]
    used = {_allowed(f) for f in findings}
    stale = [key for key in ALLOWED if key not in used]
    assert not unexplained, "session state that a transaction pooler breaks:\n" + "\n".join(unexplained)
    assert not stale, f"ALLOWED entries that match nothing any more (remove them): {stale}"


# --- the checker itself ------------------------------------------------------------------------------

BAD = {
    "session-set": 'conn.execute(text("SET statement_timeout = 0"))',
    "session-set-reset": "conn.execute(text('RESET ALL'))",
    "session-set-role": 'sql = f"SET ROLE {role}"',
    "session-set-config": "q = \"SELECT set_config('razao.kernel', :mode, false)\"",
    "session-advisory-lock": 'q = "SELECT pg_advisory_lock(42)"',
    "session-advisory-try": 'q = "SELECT pg_try_advisory_lock(hashtext(:k))"',
    "listen": 'conn.execute(text("LISTEN razao_events"))',
    "temp-table": 'q = """CREATE TEMP TABLE scratch (id int) ON COMMIT DROP"""',
    "with-hold": 'q = "DECLARE c CURSOR WITH HOLD FOR SELECT 1"',
    "with-hold-kwarg": 'cur = conn.cursor("c", withhold=True)',
    "prepared-statement": 'q = "PREPARE get_account (uuid) AS SELECT 1"',
    "prepared-kwarg": 'cur.execute("SELECT 1", prepare=True)',
    "set-in-a-function-body": (
        'q = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN SET jit = off; END $$"'
    ),
}

GOOD = {
    "set-local": 'conn.execute(text("SET LOCAL statement_timeout = 0"))',
    "set-transaction": 'conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))',
    "set-constraints": 'q = "SET CONSTRAINTS ALL IMMEDIATE"',
    "update-set": 'q = f"UPDATE {table} SET status = :status WHERE id = :id"',
    "upsert": 'q = "INSERT INTO t (k, v) VALUES (1, 2) ON CONFLICT (k) DO UPDATE SET v = excluded.v"',
    "alter-set": 'q = "ALTER TABLE razao.code_modules ALTER COLUMN source SET STORAGE EXTERNAL"',
    "function-clause": (
        'q = "CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER'
        ' SET search_path = pg_catalog AS $$ SELECT 1 $$"'
    ),
    "xact-lock": 'q = "SELECT pg_advisory_xact_lock(42)"',
    "set-config-local": "q = \"SELECT set_config('jit', 'off', true)\"",
    "plpy-prepare": 'plan = plpy.prepare("SELECT version FROM razao.code_version")',
    "prose": 'message = "a set of accounts; reset the cursor"',
    "docstring": 'def f():\n    """Never SET statement_timeout or LISTEN here."""',
    "cursor-without-hold": 'q = "DECLARE c CURSOR FOR SELECT 1"',
}


@pytest.mark.parametrize("snippet", BAD.values(), ids=BAD.keys())
def test_the_checker_finds_session_state(snippet: str) -> None:
    assert check_source(snippet, "snippet.py"), snippet


@pytest.mark.parametrize("snippet", GOOD.values(), ids=GOOD.keys())
def test_the_checker_lets_transaction_scoped_sql_pass(snippet: str) -> None:
    assert check_source(snippet, "snippet.py") == []


def test_a_bad_snippet_in_a_scanned_tree_fails_the_guard(tmp_path: Path) -> None:
    """The whole scan, on a copy-sized tree: a new file with a session `SET` is reported, with its place."""
    (tmp_path / "src").mkdir()
    (tmp_path / "plpython").mkdir()
    (tmp_path / "src" / "sneaky.py").write_text('SQL = "SELECT 1"\n\nBAD = "SET timezone = \'UTC\'"\n')
    findings = scan(tmp_path)
    assert [(f.path, f.line, f.rule) for f in findings] == [("src/sneaky.py", 3, "session-set")]
    assert _allowed(findings[0]) is None
