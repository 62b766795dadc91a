"""How long the suites run, and what each reports for the summary table.

`level()` is `short` (the default test run) or `long` (`RAZAO_SUITE_LEVEL=long`, set by
`python -m tests.suites`). A suite calls `record(...)` once per run with what it did: operations
attempted, faults injected, invariant violations found (the test also fails on any) and its duration.
Records go, one JSON object per line, to the file named by `RAZAO_SUITE_REPORT` when it is set (the
runner sets it), and to the test's log in every case.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

LEVELS = ("short", "long")
log = logging.getLogger("razao.suites")


def level() -> str:
    value = os.environ.get("RAZAO_SUITE_LEVEL", "short")
    if value not in LEVELS:
        raise ValueError(f"RAZAO_SUITE_LEVEL must be one of {LEVELS}, not {value!r}")
    return value


def is_long() -> bool:
    return level() == "long"


def scaled(short: int, long: int) -> int:
    """`short` in the default run, `long` in the long run."""
    return long if is_long() else short


@dataclass
class SuiteRecord:
    suite: str
    mode: str | None = None
    operations: int = 0
    faults: int = 0
    violations: int = 0
    duration_s: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)


def record(entry: SuiteRecord) -> None:
    line = json.dumps({"level": level(), **asdict(entry)}, sort_keys=True, default=str)
    log.warning("suite summary: %s", line)
    path = os.environ.get("RAZAO_SUITE_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(line + "\n")


@contextmanager
def recording(suite: str, mode: str | None = None) -> Iterator[SuiteRecord]:
    """Times the block and records the entry it filled in, even when the block fails."""
    entry = SuiteRecord(suite, mode)
    began = time.perf_counter()
    try:
        yield entry
    finally:
        entry.duration_s = round(time.perf_counter() - began, 2)
        record(entry)
