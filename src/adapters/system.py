"""The system clock and id source (the `Clock` and `IdSource` ports of the application)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class RandomIds:
    def new_id(self) -> uuid.UUID:
        return uuid.uuid4()
