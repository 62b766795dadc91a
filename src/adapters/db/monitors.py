"""Balance monitors in PostgreSQL (`balance_monitors`, revision 0012_balance_monitors).

`of_accounts` is on the write path: every transaction that changes balances runs it once, for the
accounts it touched, as ONE statement on the (account_id, created_at, id) index (a group of concurrent
requests or a batch shares it); an account without monitors costs an index probe that finds nothing. It
is a statement of its own, after the accounts are locked, on purpose: in READ COMMITTED it takes a new
snapshot, so it sees a monitor that a concurrent request created (under the same account lock) while this
one waited for the lock, which a column or subquery of the locking statement would miss. The state is
written only when it changes (a monitor fires or re-arms), which is rare.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, Uuid, any_, bindparam, delete, insert, select, update

from adapters.db.models import balance_monitors as m
from adapters.db.tx import Tx
from domain.monitors import BalanceKind, Comparison, Condition, Monitor

_ORDER = (m.c.account_id, m.c.created_at, m.c.id)
_OF_ACCOUNT = select(m).where(m.c.account_id == bindparam("account_id", type_=Uuid)).order_by(*_ORDER)
_OF_ACCOUNTS = select(m).where(m.c.account_id == any_(bindparam("ids", type_=ARRAY(Uuid)))).order_by(*_ORDER)
_GET = select(m).where(
    m.c.id == bindparam("monitor_id", type_=Uuid), m.c.account_id == bindparam("account_id", type_=Uuid)
)
_SAVE = (
    update(m)
    .where(m.c.id == bindparam("b_id"))
    .values(triggered=bindparam("b_triggered"), triggered_at=bindparam("b_triggered_at"))
)
_DELETE = delete(m).where(m.c.id == bindparam("monitor_id", type_=Uuid))


def monitor_from_row(row: Any) -> Monitor:
    return Monitor(
        id=row.id,
        account_id=row.account_id,
        condition=Condition(BalanceKind(row.balance), Comparison(row.comparison), int(row.threshold)),
        description=row.description,
        metadata=row.metadata,
        created_at=row.created_at,
        triggered=row.triggered,
        triggered_at=row.triggered_at,
    )


class SqlMonitorRepository:
    """Implements `application.monitors.MonitorRepository`."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def add(self, monitor: Monitor) -> None:
        c = monitor.condition
        values = {
            "id": monitor.id,
            "account_id": monitor.account_id,
            "balance": c.balance.value,
            "comparison": c.comparison.value,
            "threshold": c.threshold,
            "description": monitor.description,
            "metadata": monitor.metadata,
            "created_at": monitor.created_at,
            "triggered": monitor.triggered,
            "triggered_at": monitor.triggered_at,
        }
        self._tx.execute(insert(m).values(values))

    def get(self, account_id: UUID, monitor_id: UUID) -> Monitor | None:
        row = self._tx.execute(_GET, {"monitor_id": monitor_id, "account_id": account_id}).first()
        return None if row is None else monitor_from_row(row)

    def of_account(self, account_id: UUID) -> list[Monitor]:
        return [monitor_from_row(r) for r in self._tx.execute(_OF_ACCOUNT, {"account_id": account_id})]

    def of_accounts(self, account_ids: Iterable[UUID]) -> list[Monitor]:
        ids = sorted(set(account_ids))
        if not ids:
            return []
        return [monitor_from_row(r) for r in self._tx.execute(_OF_ACCOUNTS, {"ids": ids})]

    def save(self, monitors: Iterable[Monitor]) -> None:
        rows = [
            {"b_id": x.id, "b_triggered": x.triggered, "b_triggered_at": x.triggered_at} for x in monitors
        ]
        if rows:
            self._tx.execute(_SAVE, rows)

    def delete(self, monitor_id: UUID) -> None:
        self._tx.execute(_DELETE, {"monitor_id": monitor_id})
