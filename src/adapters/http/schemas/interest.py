"""Bodies of the interest-policy endpoints: the policy set from a date, and the account's history."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from adapters.http.schemas.common import DayIn, WholeInt
from application.interest import SetPolicy
from domain.interest import MAX_RATE_BPS, DayCount, InterestPolicy

_ACCOUNT_ID = "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90"
_COUNTERPART_ID = "5c2d8e1a-7b3f-4a6e-9d0c-2f1e3b4a5d6c"


class InterestPolicyIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "rate_bps": 1050,
                    "day_count": "ACT/365F",
                    "counterpart_account_id": _COUNTERPART_ID,
                    "effective_from": "2025-01-01",
                }
            ]
        },
    )

    rate_bps: WholeInt = Field(
        ge=0, le=MAX_RATE_BPS, description="Annual rate in basis points (1050 = 10.50 % a year)."
    )
    day_count: DayCount = Field(description="How a day counts as a fraction of a year.")
    counterpart_account_id: UUID = Field(description="The account that pays (or receives) the interest.")
    effective_from: DayIn = Field(description="First day (UTC) the policy applies to.")

    def command(self, account_id: UUID) -> SetPolicy:
        return SetPolicy(
            account_id=account_id,
            effective_from=self.effective_from,
            rate_bps=self.rate_bps,
            day_count=self.day_count,
            counterpart_account_id=self.counterpart_account_id,
        )


class InterestPolicyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": _ACCOUNT_ID,
                    "rate_bps": 1050,
                    "day_count": "ACT/365F",
                    "counterpart_account_id": _COUNTERPART_ID,
                    "effective_from": "2025-01-01",
                }
            ]
        }
    )

    account_id: UUID
    rate_bps: int
    day_count: DayCount
    counterpart_account_id: UUID
    effective_from: dt.date

    @classmethod
    def of(cls, policy: InterestPolicy) -> InterestPolicyOut:
        return cls(
            account_id=policy.account_id,
            rate_bps=policy.rate_bps,
            day_count=policy.day_count,
            counterpart_account_id=policy.counterpart_account_id,
            effective_from=policy.effective_from,
        )


class InterestPolicyHistory(BaseModel):
    items: list[InterestPolicyOut] = Field(description="Every policy of the account, oldest first.")
