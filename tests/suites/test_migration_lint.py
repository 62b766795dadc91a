"""The migration linter: the SQL of every revision passes squawk, or the migration explains each exception.

Each revision's upgrade (`alembic upgrade <previous>:<revision> --sql`) and downgrade
(`alembic downgrade <revision>:<previous> --sql`) are rendered offline through migrations/env.py and
linted by squawk (`.venv/bin/squawk`, settings in `.squawk.toml`: PostgreSQL 15, no rule excluded).
A finding passes only when its migration accepts the rule in a module-level `SQUAWK_ACCEPTED`
(`{"rule-name": "why"}`) and explains it again in a `# squawk: <rule>` comment at the statement. An
accepted rule that no longer fires fails too, so the explanations stay true.

Code-deploying migrations (`NNNN_code_<version>`: they store a frozen bundle in `razao.code_modules`
and create its functions, all through `adapters.db.code_bundle.deploy`) render offline up to their last
step, which reads the deployed version back (`SELECT razao.deployed_code_version()`) to check it and
cannot run without a database. Everything they execute before that check is rendered and linted; what
is missing is that SELECT, Alembic's version stamp and the COMMIT, so squawk's
`ban-uncommitted-transaction` is not counted for such a cut-short render (and only for it). Their
`INSERT`s render with NULL values (executemany parameters are not rendered offline): nothing squawk
checks depends on them.

`migration-lint` records one operation per rendered script and, as violations, the findings no migration
explains.
"""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.script import Script

from adapters.db import code_bundle, migrate
from tests.suites.summary import recording
from tests.suites.test_migrations import revisions

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
SQUAWK = Path(sys.executable).with_name("squawk")
CONFIG = ROOT / ".squawk.toml"
#: A render that stops at a code migration's read-back never reaches its COMMIT.
CUT_SHORT_RULE = "ban-uncommitted-transaction"
#: The URL offline rendering needs for its dialect (nothing connects).
OFFLINE_URL = "postgresql+psycopg://offline@localhost/offline"


@dataclass(frozen=True, slots=True)
class Rendered:
    script: Script
    direction: str  # "upgrade" or "downgrade"
    sql: str
    cut_short: bool  # a code migration stopped at its read-back check

    @property
    def name(self) -> str:
        return f"{self.script.revision}.{self.direction}.sql"


def _stopped_at_the_read_back(script: Script, error: BaseException) -> bool:
    """The error is the code deployment's final check, which needs a database to read from."""
    frames = traceback.extract_tb(error.__traceback__)
    return (
        code_bundle.bundle_path(script.revision).exists()
        and isinstance(error, AttributeError)
        and frames[-1].name == "deploy_bundle"
        and Path(frames[-1].filename).name == "code_bundle.py"
    )


def render(script: Script, direction: str) -> Rendered:
    buffer = io.StringIO()
    config = migrate.alembic_config(OFFLINE_URL)
    config.output_buffer = buffer
    previous = script.down_revision or "base"
    assert isinstance(previous, str), f"{script.revision}: merge revisions are not rendered"
    cut_short = False
    try:
        if direction == "upgrade":
            command.upgrade(config, f"{previous}:{script.revision}", sql=True)
        else:
            command.downgrade(config, f"{script.revision}:{previous}", sql=True)
    except Exception as error:
        if not _stopped_at_the_read_back(script, error):
            raise
        cut_short = True
    sql = buffer.getvalue()
    assert sql.strip(), f"{script.revision}: the {direction} rendered nothing"
    return Rendered(script, direction, sql, cut_short)


@dataclass(frozen=True, slots=True)
class Finding:
    revision: str
    direction: str
    rule: str
    line: int
    statement: str
    message: str

    def __str__(self) -> str:
        return f"{self.revision} {self.direction} line {self.line} {self.rule}: {self.statement}"


def lint(rendered: list[Rendered], folder: Path) -> list[Finding]:
    """squawk's findings on every rendered script (one run for all of them)."""
    paths = {}
    for script in rendered:
        path = folder / script.name
        path.write_text(script.sql, encoding="utf-8")
        paths[str(path)] = script
    run = subprocess.run(
        [str(SQUAWK), "--config", str(CONFIG), "--reporter", "json", *paths],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert run.returncode in (0, 1), run.stderr  # 1: there are findings
    findings = []
    for item in json.loads(run.stdout or "[]"):
        script = paths[item["file"]]
        if script.cut_short and item["rule_name"] == CUT_SHORT_RULE:
            continue
        lines = script.sql.splitlines()
        statement = lines[item["line"]].strip() if item["line"] < len(lines) else ""
        findings.append(
            Finding(
                script.script.revision,
                script.direction,
                item["rule_name"],
                item["line"],
                statement[:100],
                item["message"],
            )
        )
    return findings


def accepted(script: Script) -> dict[str, str]:
    value = getattr(script.module, "SQUAWK_ACCEPTED", {})
    assert isinstance(value, dict), f"{script.revision}: SQUAWK_ACCEPTED must be a dict of rule -> why"
    return value


def _commented(script: Script, rule: str) -> bool:
    """A `# squawk: ... <rule> ...` comment in the migration's source (at the statement it concerns)."""
    pattern = re.compile(rf"#\s*squawk:.*\b{re.escape(rule)}\b")
    return any(pattern.search(line) for line in Path(script.path).read_text(encoding="utf-8").splitlines())


def test_every_migration_passes_the_linter_or_explains_why(tmp_path: Path) -> None:
    scripts = revisions()
    with recording("migration-lint", None) as entry:
        rendered = [render(script, direction) for script in scripts for direction in ("upgrade", "downgrade")]
        entry.operations = len(rendered)
        findings = lint(rendered, tmp_path)

        unexplained = [f for f in findings if f.rule not in accepted(_script(scripts, f.revision))]
        entry.violations = len(unexplained)
        problems = []
        for (revision, rule), count in sorted(Counter((f.revision, f.rule) for f in unexplained).items()):
            example = next(f for f in unexplained if (f.revision, f.rule) == (revision, rule))
            problems.append(
                f"{revision}: {rule} x{count} not in SQUAWK_ACCEPTED, e.g. {example} ({example.message})"
            )
        for script in scripts:
            fired = {f.rule for f in findings if f.revision == script.revision}
            for rule, why in accepted(script).items():
                if rule not in fired:
                    problems.append(f"{script.revision}: {rule} is accepted but squawk no longer reports it")
                if not isinstance(why, str) or len(why.split()) < 5:
                    problems.append(f"{script.revision}: {rule} is accepted without an explanation")
                if not _commented(script, rule):
                    problems.append(f"{script.revision}: no `# squawk: {rule}` comment at its statement")

        entry.details = {
            "findings": {
                s.revision: dict(Counter(f.rule for f in findings if f.revision == s.revision))
                for s in scripts
            },
            "accepted_rules": sum(len(accepted(s)) for s in scripts),
            "cut_short_renders": [r.name for r in rendered if r.cut_short],
            "unexplained": [str(f) for f in unexplained],
        }
        log.info("migration-lint: %s", entry.details)
        assert not problems, "\n".join(problems)


def _script(scripts: list[Script], revision: str) -> Script:
    return next(s for s in scripts if s.revision == revision)
