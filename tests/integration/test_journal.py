"""The journal read (`ReadPath.journal`) against PostgreSQL, in the app (`SqlJournal`) and inside the
database (`razao.journal`, PL/Python) over the same database: the same lines in the same total order,
page after page, whatever the page size, with ties on the booking instant broken by (transfer, layer,
line); the window is `[from, to)` on booking time; a capture's lines come at the capture's time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import Engine

from adapters.db.code_bundle import app_code_version
from adapters.db.in_database import InDatabaseReadPath
from adapters.db.unit_of_work import SqlUnitOfWork
from application.journal import JournalCursor, JournalLine
from application.read_path import InAppReadPath, ReadPath
from application.write_path import InAppWritePath
from domain.accounts import Layer, Side
from domain.transfers import TransferRequest
from tests.integration.conftest import ManualClock, OpenFn


@pytest.fixture
def reads(uow_factory: Callable[[], SqlUnitOfWork], app_engine: Engine) -> dict[str, ReadPath]:
    return {"app": InAppReadPath(uow_factory), "db": InDatabaseReadPath(app_engine, app_code_version())}


def _all(read: ReadPath, start: datetime, end: datetime, limit: int) -> list[JournalLine]:
    lines: list[JournalLine] = []
    after: JournalCursor | None = None
    while True:
        page = read.journal(start, end, after=after, limit=limit)
        lines += page.items
        if page.next_cursor is None:
            return lines
        after = page.next_cursor


def _key(line: JournalLine) -> tuple[Any, ...]:
    e = line.entry
    return (e.created_at, str(e.transfer_id), e.layer.value, e.line)


def _seen(line: JournalLine) -> tuple[Any, ...]:
    e = line.entry
    return (
        *_key(line),
        e.account_id,
        e.seq,
        e.side,
        e.amount,
        e.balance_after,
        line.account_code,
        line.scale,
        line.effective_at,
        line.description,
    )


def test_both_modes_read_the_same_journal_in_one_total_order(
    reads: dict[str, ReadPath], write_path: InAppWritePath, open_: OpenFn, clock: ManualClock
) -> None:
    cash = open_("cash", normal_side="debit", min_balance=None)
    alice = open_("alice", normal_side="credit")
    bob = open_("bob", normal_side="credit")
    start = clock.now()
    # Five transfers in one transaction: one booking instant, ordered by transfer id then line.
    write_path.post_transfers(
        [
            TransferRequest.simple(
                uuid4(),
                debit_account_id=cash.id,
                credit_account_id=who.id,
                amount=100 + n,
                description=f"=pay {n}",
            )
            for n, who in enumerate([alice, bob, alice, bob, alice])
        ]
    )
    clock.advance(seconds=1)
    hold = uuid4()
    write_path.post_transfers(
        [
            TransferRequest.simple(
                hold, debit_account_id=alice.id, credit_account_id=bob.id, amount=50, pending=True
            )
        ]
    )
    clock.advance(seconds=1)
    captured_at = clock.now()
    write_path.post_pending(hold, 30)
    clock.advance(seconds=1)
    end = clock.now()
    write_path.post_transfers(
        [TransferRequest.simple(uuid4(), debit_account_id=cash.id, credit_account_id=bob.id, amount=1)]
    )  # booked at `end`: outside [start, end)

    results = {
        (mode, limit): _all(read, start, end, limit) for mode, read in reads.items() for limit in (1, 3, 1000)
    }
    reference = results["app", 1000]
    assert len(reference) == 5 * 2 + 2 + 2
    assert [_key(x) for x in reference] == sorted(_key(x) for x in reference)
    for (mode, limit), lines in results.items():
        assert [_seen(x) for x in lines] == [_seen(x) for x in reference], (mode, limit)

    posted = [x.entry for x in reference if x.entry.layer is Layer.POSTED]
    assert sum(e.amount for e in posted if e.side is Side.DEBIT) == sum(
        e.amount for e in posted if e.side is Side.CREDIT
    )
    capture = [x for x in reference if x.entry.transfer_id == hold and x.entry.layer is Layer.POSTED]
    assert {x.entry.created_at for x in capture} == {captured_at} and {x.entry.amount for x in capture} == {
        30
    }
    assert {x.account_code for x in reference} == {"cash", "alice", "bob"} and {
        x.scale for x in reference
    } == {2}
    assert all(x.entry.created_at < end for x in reference)
    assert reads["db"].journal(end, end + timedelta(seconds=1)).items[0].entry.amount == 1
