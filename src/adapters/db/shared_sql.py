"""The SQL both database adapters run, stated once in `plpython/razao_sql.py`.

The in-database store imports that module inside PostgreSQL (it is part of the deployed code bundle);
this adapter loads the same file, on first use, and builds its statements from the same functions with
its own parameter spelling (`:name` here, `$n` there). Nothing of it touches a database.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from types import ModuleType

from adapters.db.code_bundle import PLPYTHON


@cache
def shared_sql() -> ModuleType:
    """`plpython/razao_sql.py`, loaded once."""
    spec = importlib.util.spec_from_file_location("razao_sql", PLPYTHON / "razao_sql.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def named(name: str) -> str:
    """A parameter as SQLAlchemy's `text()` spells it."""
    return f":{name}"
