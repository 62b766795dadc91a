"""Bodies of the accounting period endpoints: closing, reopening, a close, its snapshot."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from adapters.http.schemas.common import AssetCode, DayIn, Instant, text
from application.documents import period_document
from application.periods import ClosedPeriod
from domain.accounts import Side
from domain.periods import MAX_REASON, CloseRequest, PeriodBalance

_CLOSE_ID = "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
_ACCOUNT_ID = "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90"


class CloseIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"through": "2025-01-31", "reason": "January books"}]},
    )

    through: DayIn = Field(
        description="The last day closed (UTC), `YYYY-MM-DD`: a day that has ended, later than the scope's "
        "current close."
    )
    asset: AssetCode | None = Field(
        default=None, description="Close one asset only; absent: the whole ledger."
    )
    reason: Annotated[str, text(MAX_REASON)] = ""

    def request(self) -> CloseRequest:
        return CloseRequest(self.through, self.asset, self.reason)


class ReopenIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Late supplier invoice for January"}]}
    )

    reason: Annotated[str, text(MAX_REASON, required=True)] = Field(
        description="Why, recorded with the reopening."
    )


class PeriodOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": _CLOSE_ID,
                    "asset": None,
                    "through": "2025-01-31",
                    "status": "closed",
                    "reason": "January books",
                    "closed_at": "2025-02-03T09:00:00+00:00",
                    "closed_by": "ops (7d3c1f9e-8a2b-4c5d-9e0f-1a2b3c4d5e6f)",
                    "reopened_at": None,
                    "reopened_by": None,
                    "reopen_reason": None,
                    "snapshot_accounts": 1520,
                }
            ]
        }
    )

    id: UUID
    asset: str | None = Field(description="The asset closed; null: the whole ledger.")
    through: date = Field(description="The last day closed (UTC).")
    status: Literal["closed", "reopened"]
    reason: str
    closed_at: Instant
    closed_by: str = Field(description="The API key that closed it: its name (and id).")
    reopened_at: Instant | None
    reopened_by: str | None
    reopen_reason: str | None
    snapshot_accounts: int = Field(
        description="Accounts in the closing-balance snapshot (`GET /v1/periods/{id}/balances`)."
    )

    @classmethod
    def of(cls, period: ClosedPeriod) -> PeriodOut:
        return cls.model_validate(cls.document(period))

    @staticmethod
    def document(period: ClosedPeriod) -> dict[str, Any]:
        """The JSON of a close (its events carry the same without `snapshot_accounts`)."""
        return {**period_document(period.close), "snapshot_accounts": period.accounts}


class PeriodPage(BaseModel):
    items: list[PeriodOut] = Field(description="Closes, reopened ones too, newest first.")
    next_cursor: str | None


class PeriodBalanceOut(BaseModel):
    account_id: UUID
    code: str
    asset: str
    normal_side: Side
    posted_debits: int
    posted_credits: int
    posted: int = Field(description="The posted balance then, read from the account's normal side.")

    @classmethod
    def of(cls, balance: PeriodBalance) -> PeriodBalanceOut:
        return cls(
            account_id=balance.account_id,
            code=balance.code,
            asset=balance.asset,
            normal_side=balance.normal_side,
            posted_debits=balance.posted_debits,
            posted_credits=balance.posted_credits,
            posted=balance.posted,
        )


class PeriodBalancePage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "account_id": _ACCOUNT_ID,
                            "code": "wallet:alice",
                            "asset": "BRL",
                            "normal_side": "credit",
                            "posted_debits": 2500,
                            "posted_credits": 10000,
                            "posted": 7500,
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    items: list[PeriodBalanceOut] = Field(
        description="Each account with posted entries dated on or before the closed day, by account id: "
        "its posted sums by value date at the end of that day."
    )
    next_cursor: str | None
