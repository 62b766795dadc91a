"""The monitor repository contract: the same checks against the in-memory fake (`tests.fakes`) and the
PostgreSQL adapter (`adapters.db.monitors`), so that the two cannot drift apart: what is stored and read
back, the order, what `save` writes (the state only), deletion, and rollback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.accounts import OpenAccount, open_account
from domain.monitors import BalanceKind, Comparison, Condition, Monitor
from tests.fakes import FakeClock, InMemoryStore, SequentialIds

AT = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["fake", "postgres"])
def uow(request: pytest.FixtureRequest) -> Iterator[Callable[[], Any]]:
    if request.param == "fake":
        yield InMemoryStore().unit_of_work
    else:
        yield request.getfixturevalue("uow_factory")


def _account(uow: Callable[[], Any], code: str) -> UUID:
    command = OpenAccount(f"{code}-{uuid4().hex[:8]}", code, "BRL", "credit", 0)
    return open_account(command, uow(), FakeClock(), SequentialIds(namespace=uuid4().int % 1000)).account.id


def _monitor(account_id: UUID, created: datetime, threshold: int = 1000, **fields: Any) -> Monitor:
    return Monitor(
        id=fields.pop("id", uuid4()),
        account_id=account_id,
        condition=Condition(BalanceKind.AVAILABLE, Comparison.BELOW, threshold),
        description=fields.pop("description", "low"),
        metadata=fields.pop("metadata", {"b": [1, {"c": None}], "a": "x"}),
        created_at=created,
        **fields,
    )


def _plain(m: Monitor) -> tuple[Any, ...]:
    return (
        m.id,
        m.account_id,
        m.condition,
        m.description,
        m.metadata,
        m.created_at,
        m.triggered,
        m.triggered_at,
    )


def test_monitors_are_stored_and_read_back_in_order(uow: Callable[[], Any]) -> None:
    a, b = _account(uow, "a"), _account(uow, "b")
    late = _monitor(a, AT + timedelta(seconds=1), threshold=-(10**38 - 1))
    early = _monitor(a, AT, triggered=True, triggered_at=AT)
    other = _monitor(b, AT, threshold=10**38 - 1)
    with uow() as tx:
        for m in (late, early, other):
            tx.monitors.add(m)
        tx.commit()
    with uow() as tx:
        assert [_plain(m) for m in tx.monitors.of_account(a)] == [_plain(early), _plain(late)]
        found = tx.monitors.of_accounts([b, a])
        by_account = {a: [early.id, late.id], b: [other.id]}  # by account id, then oldest first
        assert [m.id for m in found] == [i for account in sorted(by_account) for i in by_account[account]]
        assert tx.monitors.of_accounts([]) == []
        assert _plain(tx.monitors.get(a, early.id)) == _plain(early)
        assert tx.monitors.get(b, early.id) is None  # another account's
        assert tx.monitors.get(a, uuid4()) is None


def test_save_writes_the_state_only_and_delete_removes(uow: Callable[[], Any]) -> None:
    a = _account(uow, "a")
    m = _monitor(a, AT)
    with uow() as tx:
        tx.monitors.add(m)
        tx.commit()
    with uow() as tx:
        [read] = tx.monitors.of_accounts([a])
        read.triggered, read.triggered_at = True, AT + timedelta(minutes=5)
        read.description = "not stored"  # only the state is written
        tx.monitors.save([read])
        tx.commit()
    with uow() as tx:
        stored = tx.monitors.get(a, m.id)
        assert (stored.triggered, stored.triggered_at, stored.description) == (
            True,
            AT + timedelta(minutes=5),
            "low",
        )
        tx.monitors.delete(m.id)
        tx.commit()
    with uow() as tx:
        assert tx.monitors.of_account(a) == [] and tx.monitors.get(a, m.id) is None


def test_nothing_is_stored_without_commit(uow: Callable[[], Any]) -> None:
    a = _account(uow, "a")
    with uow() as tx:
        tx.monitors.add(_monitor(a, AT))
    with uow() as tx:
        assert tx.monitors.of_account(a) == []
