"""The execution modes the feature specs run in, and how each one keeps time.

- memory: the use cases in this process on the in-memory fakes (`tests/fakes.py`).
- app: the use cases in this process on a fresh PostgreSQL database (`InAppWritePath` and
  `InAppReadPath` over `SqlUnitOfWork`).
- database: the write path (book, batch, capture, void, reverse, expire) and the reads it covers
  (balance at a moment, statement, trial balance) run INSIDE PostgreSQL, one PL/Python function call
  each (`InDatabaseWritePath`, `InDatabaseReadPath`); every other use case (open, freeze, close and
  read accounts, read transfers) runs in this process on the same database, as in the app mode.

Time. The memory and app modes stamp with a `FakeClock`: "2 seconds pass" moves it on at once. The
database mode stamps with the database's own clock (`clock_timestamp()`), which no test can move, so
there time really passes: a scenario that waits must use time limits of a few seconds, and waiting
longer than `DatabaseClock.MAX_WAIT` is refused rather than slept through.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import Engine, text

from adapters.db.code_bundle import app_code_version
from adapters.db.in_database import InDatabaseReadPath, InDatabaseWritePath
from application.ports import UnitOfWorkFactory
from application.read_path import InAppReadPath
from application.write_path import InAppWritePath
from tests.fakes import FakeClock, InMemoryStore, SequentialIds
from tests.features.driver import LedgerDriver
from tests.outbox import settle_events

#: The execution modes every scenario runs in (they become part of the test ids).
MODES = ["memory", "app", "database"]

#: Modes that need PostgreSQL carry the `integration` mark (`-m "not integration"` skips them).
NEEDS_POSTGRES = {"app", "database"}


class FakeTimeline:
    """Time as a `FakeClock` keeps it: waiting is instant."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock

    def moment(self) -> datetime:
        """Now; the clock then moves on a second, so whatever is booked next is booked later."""
        at = self._clock.now()
        self._clock.advance(1)
        return at

    def wait(self, delta: timedelta) -> None:
        self._clock.advance(delta.total_seconds())


class DatabaseClock:
    """The database's clock: the one the in-database mode stamps with, and real waiting."""

    #: The longest wait a scenario may ask for in this mode (it is slept, in real time).
    MAX_WAIT = timedelta(seconds=5)

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def now(self) -> datetime:
        with self._engine.connect() as connection:
            now: datetime = connection.execute(text("SELECT clock_timestamp()")).scalar_one()
        return now

    def moment(self) -> datetime:
        """Now, by the database's clock (which moves on by itself before the next booking)."""
        return self.now()

    def wait(self, delta: timedelta) -> None:
        if delta > self.MAX_WAIT:
            raise AssertionError(
                f"the database mode waits in real time by the database's clock and will not wait "
                f"{delta}; write this scenario's time limits in seconds (at most {self.MAX_WAIT})"
            )
        time.sleep(delta.total_seconds())


def ledger_for(mode: str, request: pytest.FixtureRequest) -> LedgerDriver:
    """A fresh ledger (empty store or database) driven in `mode`."""
    ids = SequentialIds()
    if mode == "memory":
        clock = FakeClock()
        uow: UnitOfWorkFactory = InMemoryStore().unit_of_work
        return LedgerDriver(
            mode, uow, InAppWritePath(uow, clock), InAppReadPath(uow), clock, FakeTimeline(clock), ids
        )
    uow = request.getfixturevalue("uow_factory")
    engine: Engine = request.getfixturevalue("app_engine")
    settle = partial(settle_events, engine)  # the feed shows what the watermark has passed
    if mode == "app":
        clock = FakeClock()
        return LedgerDriver(
            mode, uow, InAppWritePath(uow, clock), InAppReadPath(uow), clock, FakeTimeline(clock), ids, settle
        )
    if mode == "database":
        version = app_code_version()
        database_clock = DatabaseClock(engine)
        return LedgerDriver(
            mode,
            uow,
            InDatabaseWritePath(engine, version),
            InDatabaseReadPath(engine, version),
            database_clock,
            database_clock,
            ids,
            settle,
        )
    raise ValueError(f"unknown execution mode {mode!r}; the modes are {', '.join(MODES)}")
