"""What the tests of the events need on PostgreSQL: waiting until what was committed is readable.

The feed returns only events below the watermark, the oldest transaction still running on the whole
server (`pg_snapshot_xmin(pg_current_snapshot())`). Other sessions on a shared test server (other test
runs, benchmarks) can hold it back for a while, so a test that has just committed must not expect its
events to be readable at once: `settle_events` waits until they are.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine, text

#: The longest a test waits for the watermark (another session's long transaction holds it back).
SETTLE_SECONDS = 60.0

_TAKE_AN_ID = text("SELECT pg_current_xact_id()::text")
_PASSED = text("SELECT pg_snapshot_xmin(pg_current_snapshot()) > CAST(:xid AS xid8)")


def settle_events(engine: Engine, timeout: float = SETTLE_SECONDS) -> None:
    """Return once every transaction that committed before this call is below the watermark, so that
    every event committed so far is readable: take a transaction id now (after those commits), then
    wait until no transaction at or below it is still running."""
    deadline = time.monotonic() + timeout
    with engine.connect() as connection:
        xid = connection.execute(_TAKE_AN_ID).scalar_one()
        connection.commit()
        while True:
            passed = connection.execute(_PASSED, {"xid": xid}).scalar_one()
            connection.rollback()
            if passed:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the watermark did not pass transaction {xid} within {timeout} s")
            time.sleep(0.02)
