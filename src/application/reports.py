"""Reports over the whole ledger: the trial balance per asset."""

from __future__ import annotations

from application.ports import UnitOfWork
from domain.reports import AssetTotals


def trial_balance(uow: UnitOfWork, asset: str | None = None) -> list[AssetTotals]:
    """Debit and credit totals per asset (optionally one asset); each must balance."""
    with uow:
        return uow.accounts.totals(asset)
