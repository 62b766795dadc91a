"""The staleness gate of the generated docs: regenerate every page from the code and compare it with what is
committed. Cheap (no database, no site build), so it runs in the default test suite.

When it fails: run `.venv/bin/python -m razao.docs_gen` and commit the pages it rewrites.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from razao import docs_errors, docs_gen, docs_schema

GENERATED = docs_gen.generate()


@pytest.mark.parametrize("path", sorted(GENERATED))
def test_generated_page_is_current(path: str) -> None:
    committed = Path(docs_gen.ROOT, path)
    assert committed.exists(), f"{path} is missing: run `python -m razao.docs_gen`"
    current = committed.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(
            current.splitlines(keepends=True),
            GENERATED[path].splitlines(keepends=True),
            f"{path} (committed)",
            f"{path} (from the code)",
            n=1,
        )
    )
    assert not diff, f"{path} is stale: run `python -m razao.docs_gen`\n{diff[:4000]}"


def test_writing_into_a_directory_gives_the_committed_files(tmp_path: Path) -> None:
    assert docs_gen.main(["--out", str(tmp_path)]) == 0
    for path, content in GENERATED.items():
        assert (tmp_path / path).read_text(encoding="utf-8") == content


def test_every_problem_code_says_what_it_means_and_what_to_do() -> None:
    assert docs_errors.undocumented_problem_codes() == [], "add them to razao.docs_errors.GUIDANCE"


def test_every_migration_is_in_the_history() -> None:
    files = {p.stem for p in Path(docs_gen.ROOT, "migrations/versions").glob("*.py")}
    listed = {m.revision for m in docs_schema.migrations()}
    assert files <= listed | {"__init__"}
    page = GENERATED["docs/reference/migrations.md"]
    assert all(f"\n## {revision}\n" in page for revision in listed)


def test_every_catalog_function_has_its_documented_sections() -> None:
    page = GENERATED["docs/reference/functions.md"]
    assert "not documented" not in page, "an entry point lacks Inputs/Outputs/Uses in its docstring"
    from adapters.db import code_bundle

    for function in code_bundle.current_bundle().functions:
        assert f"\n## {function.name}\n" in page
        assert f"CREATE FUNCTION {function.declaration}" in page
