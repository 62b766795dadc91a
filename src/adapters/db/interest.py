"""The interest repository: policies, the (account, day) accrual rows and the carried remainder.

Exact fractions are stored as NUMERIC numerator and denominator. The accrual rows' primary key
(account_id, day) is the guarantee that a day is accrued once, whatever runs twice.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from fractions import Fraction
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import TextClause, Uuid, any_, cast, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert

from adapters.db.models import interest_accruals, interest_carry, interest_policies
from adapters.db.shared_sql import named, shared_sql
from adapters.db.tx import Tx, _json_rows
from domain.interest import Accrual, Carried, DayCount, InterestPolicy

# The closing balance of each (account, instant): the last posted entry at or before it, one index-only
# lookup each (see `SqlAccountRepository.balance_as_of`).
_BALANCES_AS_OF = text(
    "SELECT a.account_id, i.instant, coalesce(("
    " SELECT e.balance_after FROM public.entries e"
    " WHERE e.account_id = a.account_id AND e.layer = 'posted' AND e.created_at <= i.instant"
    " ORDER BY e.created_at DESC, e.seq DESC LIMIT 1), 0) AS balance"
    " FROM unnest(CAST(:ids AS uuid[])) AS a(account_id)"
    " CROSS JOIN unnest(CAST(:instants AS timestamptz[])) AS i(instant)"
)


#: The writes of a chunk: ONE statement per table whatever the number of rows, the rows travelling as
#: one JSON parameter (`json_to_recordset`, as `adapters.db.tx` does for the journal): a constant text,
#: prepared once, instead of a multi-row INSERT compiled afresh for every chunk. Stated once, in
#: `plpython/razao_sql.py`, for this adapter and the in-database store.
@cache
def _chunk_sql() -> dict[str, TextClause]:
    """The statements that add a chunk's accruals, link earlier days to their postings, and read and set
    what accounts carry (every column written)."""
    shared = shared_sql()
    assert {*shared.ACCRUAL_COLUMNS, "created_at"} == set(interest_accruals.c.keys()), "every column"
    assert {*shared.CARRY_COLUMNS, "updated_at"} == set(interest_carry.c.keys()), "every column"
    return {
        "add": text(shared.add_accruals_sql(named)),
        "link": text(shared.link_accruals_sql(named)),
        "carries": text(shared.carries_sql(named)),
        "set": text(shared.set_carries_sql(named)),
    }


def _policy(row: Any) -> InterestPolicy:
    return InterestPolicy(
        row.account_id, row.effective_from, row.rate_bps, DayCount(row.day_count), row.counterpart_account_id
    )


class SqlInterestRepository:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def policies(self, account_id: UUID) -> list[InterestPolicy]:
        rows = self._tx.execute(
            select(interest_policies)
            .where(interest_policies.c.account_id == account_id)
            .order_by(interest_policies.c.effective_from)
        )
        return [_policy(row) for row in rows]

    def put_policy(self, policy: InterestPolicy, at: datetime) -> None:
        values = {
            "rate_bps": policy.rate_bps,
            "day_count": policy.day_count.value,
            "counterpart_account_id": policy.counterpart_account_id,
            "created_at": at,
        }
        statement = pg_insert(interest_policies).values(
            account_id=policy.account_id, effective_from=policy.effective_from, **values
        )
        self._tx.execute(
            statement.on_conflict_do_update(index_elements=["account_id", "effective_from"], set_=values)
        )

    def policies_of(self, account_ids: Collection[UUID]) -> dict[UUID, list[InterestPolicy]]:
        found: dict[UUID, list[InterestPolicy]] = {}
        rows = self._tx.execute(
            select(interest_policies)
            .where(interest_policies.c.account_id == any_(cast(list(account_ids), ARRAY(Uuid))))
            .order_by(interest_policies.c.account_id, interest_policies.c.effective_from)
        )
        for row in rows:
            found.setdefault(row.account_id, []).append(_policy(row))
        return found

    def accrued_days_of(self, account_ids: Collection[UUID], start: date, end: date) -> dict[UUID, set[date]]:
        found: dict[UUID, set[date]] = {}
        rows = self._tx.execute(
            select(interest_accruals.c.account_id, interest_accruals.c.day).where(
                interest_accruals.c.account_id == any_(cast(list(account_ids), ARRAY(Uuid))),
                interest_accruals.c.day >= start,
                interest_accruals.c.day <= end,
            )
        )
        for row in rows:
            found.setdefault(row.account_id, set()).add(row.day)
        return found

    def balances_as_of(
        self, account_ids: Collection[UUID], instants: Collection[datetime]
    ) -> dict[tuple[UUID, datetime], int]:
        """One index-only lookup on ix_entries_balance_as_of per (account, instant), in one statement."""
        if not account_ids or not instants:
            return {}
        rows = self._tx.execute(_BALANCES_AS_OF, {"ids": list(account_ids), "instants": list(instants)})
        return {(row.account_id, row.instant): int(row.balance) for row in rows}

    def add_accruals(self, accruals: Sequence[tuple[Accrual, UUID | None]], at: datetime) -> None:
        if accruals:
            rows = [shared_sql().accrual_row(a, transfer_id) for a, transfer_id in accruals]
            self._tx.execute(_chunk_sql()["add"], {"rows": _json_rows(rows), "at": at})

    def link_accruals(self, links: Sequence[tuple[UUID, date, date, UUID]]) -> None:
        if links:
            rows = [shared_sql().link_row(*link) for link in links]
            self._tx.execute(_chunk_sql()["link"], {"rows": _json_rows(rows)})

    def carries(self, account_ids: Collection[UUID]) -> dict[UUID, Carried]:
        if not account_ids:
            return {}
        rows = self._tx.execute(_chunk_sql()["carries"], {"ids": list(account_ids)}).mappings()
        return {
            row["account_id"]: Carried(
                Fraction(int(row["numerator"]), int(row["denominator"])), row["through_day"], row["open_from"]
            )
            for row in rows
        }

    def set_carries(self, carries: Sequence[tuple[UUID, Carried]], at: datetime) -> None:
        if carries:
            rows = [shared_sql().carry_row(account_id, carried) for account_id, carried in carries]
            self._tx.execute(_chunk_sql()["set"], {"rows": _json_rows(rows), "at": at})

    def accounts_with_policies(self, after_id: UUID | None, limit: int) -> list[UUID]:
        statement = (
            select(interest_policies.c.account_id)
            .distinct()
            .order_by(interest_policies.c.account_id)
            .limit(limit)
        )
        if after_id is not None:
            statement = statement.where(interest_policies.c.account_id > after_id)
        return list(self._tx.execute(statement).scalars())
