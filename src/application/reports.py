"""Reports over the whole ledger: the trial balance per asset, as booked or by value date."""

from __future__ import annotations

from datetime import date

from application.ports import UnitOfWork
from domain.errors import ValidationError
from domain.reports import AssetTotals
from domain.time_basis import Basis


def trial_balance(
    uow: UnitOfWork, asset: str | None = None, *, basis: Basis = Basis.BOOKED, through: date | None = None
) -> list[AssetTotals]:
    """Debit and credit totals per asset (optionally one asset); each must balance.

    `booked`: the accounts' balances as they stand (`through` does not apply). `effective`: the posted
    totals of every entry whose value date is on or before `through` (a UTC day, included); holds are
    always as booked, so the pending totals are today's.
    """
    if basis is Basis.EFFECTIVE:
        if through is None:
            raise ValidationError.of("through", "is required with the effective basis")
        with uow:
            return uow.accounts.value_totals(through, asset)
    if through is not None:
        raise ValidationError.of("through", "applies to the effective basis only")
    with uow:
        return uow.accounts.totals(asset)
