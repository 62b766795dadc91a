"""The generated pages of `docs/`: written from the code so they cannot drift from it.

    python -m razao.docs_gen            # rewrite every generated file in docs/
    python -m razao.docs_gen --check    # exit 1 and name the stale files (CI and tests/docs)
    python -m razao.docs_gen --out DIR  # write them under DIR instead (same relative paths)
    python -m razao.docs_gen --chart    # also draw docs/data/benchmarks.png (needs the `docs` extra)

What comes from where (only the standard library and the project's own dependencies are needed, so the
staleness test runs in the default test suite), one module per kind of page:

- `docs/reference/schema.md` and `docs/reference/migrations.md`: `razao.docs_schema` (the models, the
  files of migrations/versions);
- `docs/reference/functions.md`: `razao.docs_functions` (the PL/Python catalog and its entry points);
- `docs/api/errors.md`: `razao.docs_errors` (the problem table and what to do about each code);
- `docs/api/openapi.json` and the `endpoints` region of `docs/api/guide.md`: `razao.docs_api`;
- `docs/api/event-types.md`: `razao.docs_events`;
- the generated regions of `docs/benchmarks.md` (from docs/data/*.json, written by the benchmarks' `--json`):
  `razao.docs_benchmarks`, with `razao.docs_throughput`, `razao.docs_jobs`, `razao.docs_events` and
  `razao.docs_audit`;
- the `suites` region of `docs/proving.md`: `razao.docs_proving`.

A generated region of a hand-written page lies between `<!-- BEGIN GENERATED: name -->` and
`<!-- END GENERATED -->` (`razao.docs_common`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from razao.docs_api import guide_page, openapi_document
from razao.docs_benchmarks import benchmarks_with_jobs_page, draw_benchmark_chart
from razao.docs_common import ROOT
from razao.docs_errors import errors_page
from razao.docs_events import event_types_page
from razao.docs_functions import functions_page
from razao.docs_proving import proving_page
from razao.docs_schema import migrations_page, schema_page

GENERATORS: dict[str, Callable[[], str]] = {
    "docs/reference/schema.md": schema_page,
    "docs/reference/migrations.md": lambda: migrations_page(GENERATORS),
    "docs/reference/functions.md": functions_page,
    "docs/api/errors.md": errors_page,
    "docs/api/openapi.json": openapi_document,
    "docs/api/guide.md": guide_page,
    "docs/api/event-types.md": lambda: event_types_page(json.loads(openapi_document())),
    "docs/benchmarks.md": benchmarks_with_jobs_page,
    "docs/proving.md": proving_page,
}


def generate() -> dict[str, str]:
    """Every generated file's path (relative to the repository) and its content."""
    return {path: make() for path, make in GENERATORS.items()}


def stale(generated: dict[str, str]) -> list[str]:
    """The generated files whose committed content differs from `generated`."""
    return [
        path
        for path, content in generated.items()
        if not (ROOT / path).exists() or (ROOT / path).read_text(encoding="utf-8") != content
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="fail if a committed file is stale")
    parser.add_argument("--out", type=Path, help="write under this directory instead of the repository")
    parser.add_argument(
        "--chart", action="store_true", help="also draw docs/data/benchmarks.png (matplotlib)"
    )
    args = parser.parse_args(argv)
    if args.chart:
        draw_benchmark_chart((args.out or ROOT) / "docs/data/benchmarks.png")
    generated = generate()
    if args.check:
        outdated = stale(generated)
        for path in outdated:
            print(f"stale: {path} (run `python -m razao.docs_gen`)", file=sys.stderr)
        return 1 if outdated else 0
    base = args.out or ROOT
    for path, content in generated.items():
        target = base / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
