"""Fixtures of the PostgreSQL integration tests: a hand-driven clock, the write path, account helpers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.db.unit_of_work import SqlUnitOfWork
from adapters.system import RandomIds
from application.accounts import OpenAccount, open_account
from application.write_path import InAppWritePath
from domain.accounts import Account

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder talks to the real PostgreSQL: mark it `integration`."""
    for item in items:
        if _HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.integration)


class ManualClock:
    """A clock that moves only when told to (`advance`)."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2025, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def write_path(uow_factory: Callable[[], SqlUnitOfWork], clock: ManualClock) -> InAppWritePath:
    return InAppWritePath(uow_factory, clock)


OpenFn = Callable[..., Account]


@pytest.fixture
def open_(uow_factory: Callable[[], SqlUnitOfWork], clock: ManualClock) -> OpenFn:
    """`open_("cash", normal_side="debit", min_balance=None)`: open an account, return it."""

    def _open(
        code: str,
        *,
        asset: str = "BRL",
        normal_side: str = "debit",
        min_balance: int | None = 0,
        name: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Account:
        command = OpenAccount(code, name or code, asset, normal_side, min_balance, metadata or {})
        return open_account(command, uow_factory(), clock, RandomIds()).account

    return _open
