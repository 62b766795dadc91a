"""A monitor created while a change waits for the same account is seen by that change, in both modes.

Creating a monitor takes the account's lock, like a change of its balances. A change that waited for
that lock reads the monitors after it gets it, in a statement of its own (READ COMMITTED: a new
snapshot), so it sees the monitor committed meanwhile and evaluates it: the crossing it causes is told.
The test holds the creation's transaction open, starts the payment in a thread, waits until PostgreSQL
shows it waiting for the lock (no sleeps), then commits the creation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import Engine, text

from adapters.db.code_bundle import app_code_version
from adapters.db.in_database import InDatabaseWritePath
from adapters.db.unit_of_work import SqlUnitOfWork
from application.write_path import InAppWritePath, WritePath
from domain.monitors import Condition, Monitor
from domain.transfers import TransferRequest
from tests.integration.conftest import ManualClock, OpenFn

_WAITING = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
)
WAIT_SECONDS = 30


@pytest.mark.parametrize("mode", ["app", "db"])
def test_a_change_that_waited_for_a_monitors_creation_evaluates_it(
    mode: str,
    open_: OpenFn,
    write_path: InAppWritePath,
    app_engine: Engine,
    uow_factory: Callable[[], SqlUnitOfWork],
    clock: ManualClock,
) -> None:
    bank = open_("bank", normal_side="debit", min_balance=None)
    wallet = open_("wallet", normal_side="credit")
    write_path.post_transfers(
        [TransferRequest.simple(uuid4(), debit_account_id=bank.id, credit_account_id=wallet.id, amount=5000)]
    )
    path: WritePath = write_path if mode == "app" else InDatabaseWritePath(app_engine, app_code_version())
    payment = TransferRequest.simple(
        uuid4(), debit_account_id=wallet.id, credit_account_id=bank.id, amount=4500
    )
    outcome: dict[str, Any] = {}

    creating = uow_factory()
    with creating:
        account = creating.accounts.lock([wallet.id])[wallet.id]
        monitor, fired = Monitor.create(
            id=uuid4(), account=account, condition=Condition.of("available", "below", 1000), at=clock.now()
        )
        assert fired is None  # 5000 is not below 1000
        creating.monitors.add(monitor)

        def pay() -> None:
            try:
                outcome["result"] = path.post_transfers([payment])
            except Exception as error:  # reported below
                outcome["error"] = error

        thread = threading.Thread(target=pay)
        thread.start()
        deadline = time.monotonic() + WAIT_SECONDS
        with app_engine.connect() as conn:
            while not conn.execute(_WAITING).scalar_one():
                conn.rollback()  # pg_stat_activity is a snapshot per transaction: take a new one
                assert time.monotonic() < deadline, "the payment never waited for the account"
                time.sleep(0.01)
        creating.commit()
    thread.join(WAIT_SECONDS)
    assert not thread.is_alive() and "error" not in outcome, outcome

    with app_engine.connect() as conn:
        told = (
            conn.execute(text("SELECT data FROM events WHERE type = 'balance.monitor_triggered'"))
            .scalars()
            .all()
        )
        state = conn.execute(
            text("SELECT triggered FROM balance_monitors WHERE id = :id"), {"id": monitor.id}
        ).scalar_one()
    assert [(t["monitor"]["id"], t["value"]) for t in told] == [(str(monitor.id), 500)]
    assert state is True
