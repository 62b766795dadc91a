"""Retention: deleting what is older than a setting, a batch per short transaction.

The events feed (`application.feed.prune_events`) and webhook deliveries
(`application.webhooks.prune_deliveries`) keep their rows for a setting's number of days; beat runs
their retention hourly. Each batch is one transaction, so retention never holds locks (or the feed's
watermark) for long, and a run interrupted halfway has deleted whole batches only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from application.ports import Clock, Transaction
from domain.errors import ValidationError

#: The shortest retention a setting may ask for (the database refuses a later cut-off as well).
MINIMUM_RETENTION = timedelta(days=1)


U = TypeVar("U", bound=Transaction)


def delete_older(
    uow: Callable[[], U], clock: Clock, keep: timedelta, delete: Callable[[U, datetime, int], int], batch: int
) -> int:
    """Call `delete(tx, before, batch)` (it deletes at most `batch` rows older than `before` and says
    how many) in a transaction of its own until a batch comes back short; how many in all."""
    if keep < MINIMUM_RETENTION:
        raise ValidationError.of("retention", f"must be at least {MINIMUM_RETENTION.days} day")
    before = clock.now() - keep
    total = 0
    while True:
        with uow() as tx:
            deleted = delete(tx, before, batch)
            tx.commit()
        total += deleted
        if deleted < batch:
            return total
