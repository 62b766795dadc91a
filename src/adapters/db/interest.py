"""The interest repository: policies, the (account, day) accrual rows and the carried remainder.

Exact fractions are stored as NUMERIC numerator and denominator. The accrual rows' primary key
(account_id, day) is the guarantee that a day is accrued once, whatever runs twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from fractions import Fraction
from uuid import UUID

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from adapters.db.models import interest_accruals, interest_carry, interest_policies
from adapters.db.tx import Tx
from domain.interest import Accrual, DayCount, InterestPolicy


class SqlInterestRepository:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def policies(self, account_id: UUID) -> list[InterestPolicy]:
        rows = self._tx.execute(
            select(interest_policies)
            .where(interest_policies.c.account_id == account_id)
            .order_by(interest_policies.c.effective_from)
        )
        return [
            InterestPolicy(
                row.account_id,
                row.effective_from,
                row.rate_bps,
                DayCount(row.day_count),
                row.counterpart_account_id,
            )
            for row in rows
        ]

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

    def accrued_days(self, account_id: UUID, start: date, end: date) -> set[date]:
        rows = self._tx.execute(
            select(interest_accruals.c.day).where(
                interest_accruals.c.account_id == account_id,
                interest_accruals.c.day >= start,
                interest_accruals.c.day <= end,
            )
        )
        return set(rows.scalars())

    def add_accruals(self, accruals: Sequence[Accrual], transfer_id: UUID | None, at: datetime) -> None:
        if not accruals:
            return
        self._tx.execute(
            insert(interest_accruals),
            [
                {
                    "account_id": a.account_id,
                    "day": a.day,
                    "balance": a.balance,
                    "rate_bps": a.rate_bps,
                    "day_count": a.day_count.value,
                    "numerator": a.amount.numerator,
                    "denominator": a.amount.denominator,
                    "transfer_id": transfer_id,
                    "created_at": at,
                }
                for a in accruals
            ],
        )

    def carry(self, account_id: UUID) -> Fraction:
        row = self._tx.execute(
            select(interest_carry.c.numerator, interest_carry.c.denominator).where(
                interest_carry.c.account_id == account_id
            )
        ).first()
        return Fraction(0) if row is None else Fraction(int(row.numerator), int(row.denominator))

    def set_carry(self, account_id: UUID, carry: Fraction, through: date, at: datetime) -> None:
        values = {
            "numerator": carry.numerator,
            "denominator": carry.denominator,
            "through_day": through,
            "updated_at": at,
        }
        statement = pg_insert(interest_carry).values(account_id=account_id, **values)
        self._tx.execute(statement.on_conflict_do_update(index_elements=["account_id"], set_=values))

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
