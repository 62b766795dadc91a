"""Bodies of the report endpoints: the trial balance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from domain.reports import AssetTotals
from domain.time_basis import Basis


class AssetTotalsOut(BaseModel):
    asset: str
    accounts: int
    posted_debits: int
    posted_credits: int
    pending_debits: int
    pending_credits: int
    debit_balances: int = Field(description="Sum of the balances of accounts whose debits exceed credits.")
    credit_balances: int = Field(description="Sum of the balances of accounts whose credits exceed debits.")
    balanced: bool

    @classmethod
    def of(cls, t: AssetTotals) -> AssetTotalsOut:
        return cls(
            asset=t.asset,
            accounts=t.accounts,
            posted_debits=t.posted_debits,
            posted_credits=t.posted_credits,
            pending_debits=t.pending_debits,
            pending_credits=t.pending_credits,
            debit_balances=t.debit_balances,
            credit_balances=t.credit_balances,
            balanced=t.balanced,
        )


class TrialBalanceOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "assets": [
                        {
                            "asset": "BRL",
                            "accounts": 2,
                            "posted_debits": 10050,
                            "posted_credits": 10050,
                            "pending_debits": 0,
                            "pending_credits": 0,
                            "debit_balances": 10050,
                            "credit_balances": 10050,
                            "balanced": True,
                        }
                    ],
                    "balanced": True,
                    "basis": "booked",
                    "through": None,
                }
            ]
        }
    )

    assets: list[AssetTotalsOut]
    balanced: bool
    basis: Basis = Field(
        description="`booked`: the accounts' balances as they stand; `effective`: the posted entries whose "
        "value date is on or before `through` (holds are always as booked: today's)."
    )
    through: dt.date | None = Field(description="The last value day counted (effective basis only).")

    @classmethod
    def of(
        cls, totals: Sequence[AssetTotals], basis: Basis = Basis.BOOKED, through: dt.date | None = None
    ) -> TrialBalanceOut:
        return cls(
            assets=[AssetTotalsOut.of(t) for t in totals],
            balanced=all(t.balanced for t in totals),
            basis=basis,
            through=through,
        )
