"""Ledger set-up for the task tests: funded accounts with an interest policy."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, text

from application.interest import SetPolicy, set_policy
from razao.container import Container
from tests.e2e.conftest import Api


def accounts_with_interest(
    api: Api, container: Container, count: int, *, deposit: int, rate_bps: int, since: date
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """`count` credit-normal wallets holding `deposit` each, paid interest by one bank account."""
    source, bank = api.funding_pair()
    bank = api.open_account("BRL", "debit", min_balance=None)
    wallets = []
    for _ in range(count):
        wallet = api.open_account("BRL", "credit")
        assert api.transfer(source, wallet, deposit).status_code == 201
        set_policy(
            SetPolicy(UUID(wallet["id"]), since, rate_bps, "ACT/365F", UUID(bank["id"])),
            container.uow(),
            container.clock(),
        )
        wallets.append(wallet)
    return wallets, bank


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
