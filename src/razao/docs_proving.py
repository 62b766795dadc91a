"""The `suites` region of `docs/proving.md`, from docs/data/suites.json (`python -m tests.suites --save`)."""

from __future__ import annotations

import json

from razao.docs_common import ROOT, with_region


def suites_table() -> str:
    """The `suites` region of docs/proving.md, from docs/data/suites.json (`python -m tests.suites --save`)."""
    path = ROOT / "docs/data/suites.json"
    if not path.exists():
        return "No long run has been recorded yet: run `make suites`.\n"
    data = json.loads(path.read_text(encoding="utf-8"))
    out = [
        f"Recorded by `make suites` on {data['date']} ({data['machine']}); every suite ran at the long level.\n\n",
        "| suite | mode | operations | faults injected | violations | duration |\n|---|---|---|---|---|---|\n",
    ]
    for r in data["suites"]:
        out.append(
            f"| {r['suite']} | {r.get('mode') or '—'} | {r['operations']:,} | {r['faults']:,} | "
            f"{r['violations']:,} | {r['duration_s']:,.0f} s |\n"
        )
    notes = [(r["suite"], r.get("mode"), r["details"]) for r in data["suites"] if r.get("details")]
    if notes:
        out.append("\nWhat each run reported besides:\n\n")
        for suite, mode, details in notes:
            shown = [(k, _fact(v)) for k, v in sorted(details.items()) if not isinstance(v, list)]
            facts = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in shown if len(v) <= 160)
            if facts:
                out.append(f"- **{suite}**{f' ({mode})' if mode else ''}: {facts}\n")
    return "".join(out)


def _fact(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_fact(v)}" for k, v in sorted(value.items()))
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def proving_page() -> str:
    return with_region("docs/proving.md", "suites", suites_table())
