"""A module of `plpython/` loaded from its file under a name of its own, as PostgreSQL's loader finds it:
with `plpython/` on the path while it runs, so that its own imports (`razao_sql`) resolve."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

PLPYTHON = Path(__file__).resolve().parents[1] / "plpython"


def load(module: str, as_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(as_name, PLPYTHON / f"{module}.py")
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(PLPYTHON))
    try:
        spec.loader.exec_module(loaded)
    finally:
        sys.path.remove(str(PLPYTHON))
    return loaded
