"""Ledger set-up for the task tests: funded accounts with an interest policy."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, text

from application.interest import SetPolicy, set_policy
from razao.container import Container
from tests.e2e.conftest import Api


def accounts_with_interest(
    api: Api, container: Container, count: int, *, deposit: int, rate_bps: int, since: date
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """`count` credit-normal wallets holding `deposit` each since the start of day `since` (a past
    day: only days that have ended accrue), paid interest by one bank account."""
    source, bank = api.funding_pair()
    bank = api.open_account("BRL", "debit", min_balance=None)
    wallets, deposits = [], []
    for _ in range(count):
        wallet = api.open_account("BRL", "credit")
        response = api.transfer(source, wallet, deposit)
        assert response.status_code == 201, response.text
        deposits.append(response.json()["id"])
        set_policy(
            SetPolicy(UUID(wallet["id"]), since, rate_bps, "ACT/365F", UUID(bank["id"])),
            container.uow(),
            container.clock(),
        )
        wallets.append(wallet)
    backdate(container.admin_engine(), deposits, datetime.combine(since, time(0), UTC))
    return wallets, bank


def backdate(engine: Engine, transfer_ids: list[str], at: datetime) -> None:
    """Make transfers (booked just now, the last ones on their accounts) look booked at `at`: test
    history, written as a superuser past the journal's immutability rule."""
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(
            text("UPDATE transfers SET created_at = :at, effective_at = :at WHERE id::text = ANY(:ids)"),
            {"at": at, "ids": transfer_ids},
        )
        conn.execute(
            text("UPDATE entries SET created_at = :at WHERE transfer_id::text = ANY(:ids)"),
            {"at": at, "ids": transfer_ids},
        )


def accrual_days(engine: Engine, account_ids: list[str]) -> dict[str, list[date]]:
    """Every accrued day of these accounts (duplicates would show twice)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT account_id::text, day FROM razao.interest_accruals WHERE account_id::text = ANY(:ids)"
            ),
            {"ids": account_ids},
        ).all()
    days: dict[str, list[date]] = {a: [] for a in account_ids}
    for account_id, day in rows:
        days[account_id].append(day)
    return days
