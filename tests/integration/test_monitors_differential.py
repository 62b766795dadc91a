"""Balance monitors in both execution modes: the same scenario, the same `balance.monitor_triggered`
events in the same places of the outbox, and the same stored monitor states.

One fixed scenario touches every use case that changes balances (a payment, an atomic batch, a group of
independent transfers with a refused item, a hold, a partial capture, a void, an expiry, a reversal),
each on two fresh databases: once in the app mode (`InAppWritePath` over `SqlUnitOfWork`) and once in
the database mode (`InDatabaseWritePath`: the use cases run inside PostgreSQL over the PL/Python store).
The monitors are created through the API's use case (in the app, in both modes, like accounts). The
outboxes are compared row by row with `test_differential.tables` (instants ranked or masked), and the
monitor events are also checked against what the scenario must produce, so that two equally wrong
modes cannot pass.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from adapters.system import SystemClock
from application import monitors
from application.accounts import OpenAccount
from application.monitors import CreateMonitor
from domain.accounts import Side
from domain.errors import InsufficientFunds
from domain.transfers import ReversalRequest, TransferRequest
from tests.integration.test_differential import (  # noqa: F401 (two_ledgers is a fixture)
    Ledger,
    _IdOf,
    _open,
    tables,
    two_ledgers,
    uid,
)

TRIGGERED = "balance.monitor_triggered"


class _Fixed:
    def __init__(self, value: uuid.UUID) -> None:
        self._value = value

    def new_id(self) -> uuid.UUID:
        return self._value


def pay(name: str, source: uuid.UUID, target: uuid.UUID, amount: int, **options: Any) -> TransferRequest:
    return TransferRequest.simple(
        uid("transfer:" + name), debit_account_id=source, credit_account_id=target, amount=amount, **options
    )


def scenario(ledger: Ledger) -> list[str]:
    """Run the scenario on one mode; the kinds of what each step answered."""
    opened = {
        code: _open(OpenAccount(code, code.title(), "BRL", side, minimum), _IdOf(code), ledger).id
        for code, side, minimum in (
            ("bank", Side.DEBIT, None),
            ("wallet", Side.CREDIT, 0),
            ("shop", Side.CREDIT, 0),
        )
    }
    bank, wallet, shop = opened["bank"], opened["wallet"], opened["shop"]
    for name, balance, comparison, threshold in (
        ("low", "available", "below", 1000),  # fires at creation: the wallet is empty
        ("rich", "posted", "above", 3000),
        ("held", "pending_outflow", "at_or_above", 500),
        ("shop-has-money", "posted", "above", 0),
    ):
        account = shop if name.startswith("shop") else wallet
        monitors.create_monitor(
            CreateMonitor(account, balance, comparison, threshold, description=name),
            ledger.uow(),
            SystemClock(),
            _Fixed(uid("monitor:" + name)),
        )
    w = ledger.write
    answers = []
    w.post_transfers([pay("fund", bank, wallet, 5000)])  # low re-arms, rich fires
    w.post_transfers([pay("a", wallet, shop, 1000), pay("b", wallet, shop, 500)])  # 3500; shop fires
    results = w.post_each([pay("c", wallet, shop, 2000), pay("d", shop, bank, 9999)])  # 1500; d refused
    answers.append(type(results[1]).__name__)
    assert isinstance(results[1], InsufficientFunds)
    w.post_transfers([pay("hold", wallet, shop, 600, pending=True)])  # held fires; available 900: low fires
    w.post_pending(uid("transfer:hold"), 100)  # captured 100, rest released: held and low re-arm (1400)
    w.post_transfers([pay("hold-2", wallet, shop, 700, pending=True)])  # held fires; low fires (700)
    w.void_pending(uid("transfer:hold-2"))  # both re-arm
    w.post_transfers([pay("hold-3", wallet, shop, 800, pending=True, timeout_seconds=1)])  # held, low fire
    time.sleep(1.1)
    answers.append(str(len(w.expire_due())))  # released: both re-arm
    w.reverse(ReversalRequest(uid("transfer:undo"), uid("transfer:c")))  # 3400: rich fires again
    return answers


def fired(engine: Any) -> list[tuple[str, int]]:
    """(monitor description, value) of each monitor event, in feed order."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT data FROM events WHERE type = :t ORDER BY txid, n"), {"t": TRIGGERED}
        ).scalars()
        return [(row["monitor"]["description"], row["value"]) for row in rows]


def states(engine: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, account_id, balance, comparison, threshold, description, triggered,"
                " triggered_at IS NOT NULL AS has_fired FROM balance_monitors ORDER BY id"
            )
        ).mappings()
        return [dict(r) for r in rows]


EXPECTED = [
    ("low", 0),  # at creation
    ("rich", 5000),
    ("shop-has-money", 1500),
    ("low", 900),  # the account's monitors in the order they were created
    ("held", 600),
    ("low", 700),
    ("held", 700),
    ("low", 600),
    ("held", 800),
    ("rich", 3400),
]


def test_both_modes_record_the_same_monitor_events_and_states(
    two_ledgers: Callable[[], Any],  # noqa: F811 (the fixture imported above)
) -> None:
    with two_ledgers() as (app, db):
        assert scenario(app) == scenario(db) == ["InsufficientFunds", "1"]
        assert fired(app.engine) == EXPECTED
        assert fired(db.engine) == EXPECTED
        want, got = tables(app.engine)["events"], tables(db.engine)["events"]
        assert len(got) == len(want)
        for n, (a, d) in enumerate(zip(want, got, strict=True)):
            assert a == d, f"event {n} differs:\napp:      {a}\ndatabase: {d}"
        assert states(app.engine) == states(db.engine)
        assert {s["description"]: s["triggered"] for s in states(db.engine)} == {
            "low": False,
            "rich": True,
            "held": False,
            "shop-has-money": True,
        }


# --- interest postings, in each mode ----------------------------------------------------------------

from datetime import date  # noqa: E402

from sqlalchemy import Engine  # noqa: E402

from adapters.db.unit_of_work import SqlUnitOfWork  # noqa: E402
from application.batch_path import BatchPath  # noqa: E402
from tests.integration.conftest import ManualClock  # noqa: E402
from tests.integration.test_interest import (  # noqa: E402, F401 (fixtures)
    Books,
    _policy,
    batch,
    books,
    mode,
)


def test_an_interest_posting_that_crosses_fires_in_its_own_transaction(
    mode: str,  # noqa: F811 (the fixture imported above: app or db)
    batch: BatchPath,  # noqa: F811
    books: Books,  # noqa: F811
    app_engine: Engine,
    uow_factory: Callable[[], SqlUnitOfWork],
    clock: ManualClock,
) -> None:
    _policy(uow_factory, clock, books.savings, books.expense, date(2025, 3, 1))
    for name, threshold in (("above 15,000.00", 1_500_000), ("above 20,000.00", 2_000_000)):
        monitors.create_monitor(
            CreateMonitor(books.savings, "posted", "above", threshold, description=name),
            uow_factory(),
            clock,
            _Fixed(uid("monitor:" + name)),
        )
    summary = batch.accrue_interest([books.savings], date(2025, 3, 1), date(2025, 3, 31))
    [posting] = summary.postings
    assert posting.amount > 0
    assert fired(app_engine) == [("above 15,000.00", 1_500_000 + posting.amount)]
    with app_engine.connect() as connection:
        types = connection.execute(
            text("SELECT type FROM events WHERE txid = (SELECT max(txid) FROM events) ORDER BY n")
        ).scalars()
        assert list(types) == ["transfer.posted", "account.interest_posted", TRIGGERED]
    again = batch.accrue_interest([books.savings], date(2025, 3, 1), date(2025, 3, 31))
    assert again.postings == () and len(fired(app_engine)) == 1
