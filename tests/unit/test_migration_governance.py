"""Migrations in production, without a database: who approves them, how long they may wait, what
`razao db sql` renders.

- `.github/CODEOWNERS` gives every file under migrations/ and plpython/ to the owner team (GitHub's rules:
  the last matching pattern wins), and the `owner-approval` workflow checks the same two folders.
- `MigrationTimeouts`: the defaults, the environment variables that override them, refused values.
- `migrate.pending_sql` from a given revision connects to nothing and shows the SETs that
  migrations/env.py runs before each step, a LONG_RUNNING step without a statement timeout.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from adapters.db import migrate

ROOT = Path(__file__).resolve().parents[2]
CODEOWNERS = ROOT / ".github" / "CODEOWNERS"
WORKFLOW = ROOT / ".github" / "workflows" / "owner-approval.yml"
OWNED = ("migrations", "plpython")
OFFLINE_URL = "postgresql+psycopg://offline@localhost/offline"


def _pattern(pattern: str) -> re.Pattern[str]:
    """A CODEOWNERS pattern (gitignore syntax, as GitHub reads it) as a regular expression on paths."""
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = re.escape(pattern.strip("/")).replace(r"\*\*", ".*").replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"^{prefix}{body}(?:/.*)?$")


def owners(path: str) -> list[str]:
    """The owners of `path`: those of the last line of CODEOWNERS that matches it."""
    found: list[str] = []
    for line in CODEOWNERS.read_text(encoding="utf-8").splitlines():
        fields = line.split("#", 1)[0].split()
        if fields and _pattern(fields[0]).match(path):
            found = fields[1:]
    return found


def test_the_pattern_reading_follows_github() -> None:
    assert _pattern("/migrations/").match("migrations/versions/0001_core_ledger.py")
    assert not _pattern("/migrations/").match("docs/migrations/x.md")
    assert _pattern("*.py").match("src/razao/cli.py")
    assert _pattern("docs/").match("docs/runbooks.md")


def test_codeowners_gives_migrations_and_plpython_to_the_owner_team() -> None:
    files = [
        p.relative_to(ROOT).as_posix() for folder in OWNED for p in (ROOT / folder).rglob("*") if p.is_file()
    ]
    assert any(f.startswith("migrations/versions/") for f in files) and any(
        f.startswith("plpython/") for f in files
    )
    unowned = [f for f in [*files, "migrations/versions/9999_new.py", "plpython/new.py"] if not owners(f)]
    assert not unowned, f"no code owner for {unowned[:5]}"
    teams = {owner for f in files for owner in owners(f)}
    assert teams and all(re.fullmatch(r"@[\w.-]+/[\w.-]+", t) for t in teams), teams
    assert owners(".github/CODEOWNERS") == owners("migrations/env.py")  # the rules guard themselves


def test_the_approval_workflow_checks_the_same_folders_on_pull_requests_and_reviews() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert {"pull_request", "pull_request_review"} <= set(triggers)
    script = workflow["jobs"]["owner-approval"]["steps"][0]["with"]["script"]
    assert "const owned = /^(migrations|plpython)\\//;" in script
    assert 'reviewDecision !== "APPROVED"' in script


def test_timeouts_default_and_come_from_the_environment() -> None:
    assert migrate.MigrationTimeouts.from_environment({}) == migrate.MigrationTimeouts("5s", "60s")
    chosen = migrate.MigrationTimeouts.from_environment(
        {migrate.LOCK_TIMEOUT_VARIABLE: "2s", migrate.STATEMENT_TIMEOUT_VARIABLE: "10min"}
    )
    assert chosen.statements() == ["SET lock_timeout = '2s'", "SET statement_timeout = '10min'"]
    assert chosen.statements(long_running=True)[1] == "SET statement_timeout = '0'"


@pytest.mark.parametrize("value", ["5 seconds", "5s; DROP TABLE entries", "'5s'", ""])
def test_a_timeout_that_is_not_a_duration_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        migrate.MigrationTimeouts(lock=value)


def test_db_sql_from_a_revision_shows_each_steps_timeouts() -> None:
    sql = migrate.pending_sql(OFFLINE_URL, "0014_code_d7d2b0e32e7b", "0015_value_dates_and_periods")
    assert sql.startswith("-- razao db sql: upgrade 0014_code_d7d2b0e32e7b -> 0015_value_dates_and_periods")
    long_running = sql.index("-- LONG_RUNNING, no statement timeout: rewrites every journal entry")
    step = sql.index("-- Running upgrade 0014_code_d7d2b0e32e7b -> 0015_value_dates_and_periods")
    assert (
        long_running < sql.index("SET lock_timeout = '5s'") < sql.index("SET statement_timeout = '0'") < step
    )
    assert "ALTER TABLE entries ADD COLUMN effective_at" in sql

    head = migrate.head()  # the code migration after 0016 (its name follows the bundle's hash)
    assert head is not None
    back = migrate.pending_sql(OFFLINE_URL, head, "0016_categories_and_search")
    assert back.startswith("-- razao db sql: downgrade")
    assert "deploys migrations/bundles/0014_code_d7d2b0e32e7b.json" in back  # what the downgrade redeploys
    assert migrate.pending_sql(OFFLINE_URL, "0016_categories_and_search", "0016_categories_and_search") == ""
