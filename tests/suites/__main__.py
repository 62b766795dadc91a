"""`python -m tests.suites [pytest args]`: the long suites, then one summary table.

Runs `pytest tests/suites` with `RAZAO_SUITE_LEVEL=long` and a fresh report file, then prints
suite · mode · operations · faults · violations · duration from the records the suites wrote (and the
failover suite's own table: failovers survived, acknowledged transfers checked, lost, duplicated,
seconds of write unavailability), and writes them as JSON to `docs/data/suites.json` when `--save` is
given, replacing the rows of the suites that ran and keeping the others' (`-k hostile --save` updates
one suite's rows). Exits non-zero when a test failed or any violation was recorded.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAVED = ROOT / "docs" / "data" / "suites.json"


def table(rows: list[dict[str, object]]) -> str:
    head = ("suite", "mode", "operations", "faults", "violations", "duration")
    lines = [head] + [
        (
            str(r["suite"]),
            str(r.get("mode") or "-"),
            f"{r['operations']:,}",
            f"{r['faults']:,}",
            f"{r['violations']:,}",
            f"{float(r['duration_s']):.1f} s",  # type: ignore[arg-type]
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = [" | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in lines]
    out.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(out)


def _figures(details: object) -> dict[str, Any]:
    return details if isinstance(details, dict) else {}


def failover_table(rows: list[dict[str, object]]) -> str:
    """The failover suite's own figures (from its records' details), one line per mode."""
    head = ("failover", "failovers survived", "acknowledged checked", "lost", "duplicated", "s unavailable")
    lines = [head]
    for r in rows:
        d = _figures(r.get("details"))
        each = ", ".join(f"{float(s):.1f}" for s in d.get("seconds_unavailable", []))
        lines.append(
            (
                str(r.get("mode") or "-"),
                str(d.get("failovers", 0)),
                f"{int(d.get('acknowledged_transfers_checked', 0)):,}",
                str(d.get("lost", "?")),
                str(d.get("duplicated", "?")),
                f"max {float(d.get('seconds_unavailable_max', 0)):.1f} ({each})",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = [" | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in lines]
    out.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(out)


def _merged(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """The saved rows with those of the suites that ran now replaced: a run of some suites (`-k hostile`)
    updates their rows and keeps the others'."""
    ran = {r["suite"] for r in rows}
    kept = json.loads(SAVED.read_text())["suites"] if SAVED.exists() else []
    return [r for r in kept if r["suite"] not in ran] + rows


def main(argv: list[str]) -> int:
    save = "--save" in argv
    args = [a for a in argv if a != "--save"]
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "suites.jsonl"
        env = {**os.environ, "RAZAO_SUITE_LEVEL": "long", "RAZAO_SUITE_REPORT": str(report)}
        pytest = [sys.executable, "-m", "pytest", "tests/suites", "-p", "no:cacheprovider", *args]
        code = subprocess.run(pytest, cwd=ROOT, env=env, check=False).returncode
        rows = [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []
    print()
    print(table(rows) if rows else "no suite recorded a summary")
    failovers = [r for r in rows if r["suite"] == "failover"]
    if failovers:
        print()
        print(failover_table(failovers))
    violations = sum(int(r["violations"]) for r in rows)
    if save and rows:
        machine = f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}"
        saved = {"date": date.today().isoformat(), "machine": machine, "suites": _merged(rows)}
        SAVED.write_text(json.dumps(saved, indent=2, sort_keys=True) + "\n")
        print(f"saved to {SAVED.relative_to(ROOT)}")
    return code or (1 if violations else 0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
