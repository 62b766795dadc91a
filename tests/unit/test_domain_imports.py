"""The domain must run inside PostgreSQL's embedded Python: it may import only the standard library."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import domain

DOMAIN = Path(domain.__file__).parent
MODULES = sorted(DOMAIN.rglob("*.py"))


def imported_roots(source: Path) -> set[str]:
    """Top-level names of every module `source` imports (relative imports count as `domain`)."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            roots.add("domain" if node.level else (node.module or "").split(".")[0])
    return roots


def test_the_domain_has_modules_to_check() -> None:
    assert {p.name for p in MODULES} >= {"accounts.py", "assets.py", "ledger.py", "transfers.py"}


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.relative_to(DOMAIN).as_posix())
def test_domain_module_imports_only_the_standard_library(module: Path) -> None:
    outside = {
        name for name in imported_roots(module) if name not in sys.stdlib_module_names and name != "domain"
    }
    assert not outside, f"{module.name} imports {sorted(outside)}"
