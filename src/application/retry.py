"""Running a use case again when the database reports a concurrent write of the same key."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from application.ports import RetryableConflict

T = TypeVar("T")

ATTEMPTS = 5


def retrying(run: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Call `run` until it does not raise `RetryableConflict`, at most `attempts` times.

    Safe because every use case runs in one transaction that a conflict rolls back entirely, and
    re-reads what it needs (so the second attempt sees the winner's write, typically as a replay).
    """
    for attempt in range(1, attempts + 1):
        try:
            return run()
        except RetryableConflict:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")
