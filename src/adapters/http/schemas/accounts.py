"""Bodies of the account endpoints: opening, the account with its balances, balances as of, statements,
daily balance history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from adapters.http.schemas.common import AssetCode, Balance, Code, Instant, Metadata, text, utc
from application.accounts import BalanceAsOf, BalanceHistory, OpenAccount
from application.documents import account_document
from application.ports import StatementLine
from domain.accounts import Account, AccountStatus, Side
from domain.time_basis import Basis

_ACCOUNT_ID = "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90"
_TRANSFER_ID = "7d3c1f9e-8a2b-4c5d-9e0f-1a2b3c4d5e6f"


class AccountIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "wallet:alice",
                    "name": "Alice's wallet",
                    "asset": "BRL",
                    "normal_side": "credit",
                    "min_balance": 0,
                    "metadata": {"customer_id": "c-42"},
                }
            ]
        },
    )

    code: Code = Field(description="Unique; also the idempotency key of the opening.")
    name: Annotated[str, text(200, required=True)]  # domain.accounts: at most 200 characters
    asset: AssetCode = Field(description="An asset code: an ISO 4217 currency or a registered asset.")
    normal_side: Side
    min_balance: Balance | None = Field(
        default=0, description="Lowest available balance allowed; null for none, negative for an overdraft."
    )
    metadata: Metadata = Field(default_factory=dict)

    def command(self) -> OpenAccount:
        return OpenAccount(
            code=self.code,
            name=self.name,
            asset=self.asset,
            normal_side=self.normal_side,
            min_balance=self.min_balance,
            metadata=self.metadata,
        )


class BalancesOut(BaseModel):
    posted_debits: int
    posted_credits: int
    pending_debits: int
    pending_credits: int
    posted: int = Field(description="Posted balance, read from the normal side.")
    available: int = Field(description="Posted balance less pending outflows.")


class AccountOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": _ACCOUNT_ID,
                    "code": "wallet:alice",
                    "name": "Alice's wallet",
                    "asset": "BRL",
                    "normal_side": "credit",
                    "min_balance": 0,
                    "status": "active",
                    "metadata": {"customer_id": "c-42"},
                    "created_at": "2025-01-31T12:00:00+00:00",
                    "balances": {
                        "posted_debits": 0,
                        "posted_credits": 10050,
                        "pending_debits": 2500,
                        "pending_credits": 0,
                        "posted": 10050,
                        "available": 7550,
                    },
                }
            ]
        }
    )

    id: UUID
    code: str
    name: str
    asset: str
    normal_side: Side
    min_balance: int | None
    status: AccountStatus
    metadata: Metadata
    created_at: Instant
    balances: BalancesOut

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        return cls.model_validate(cls.document(account))

    @staticmethod
    def document(account: Account) -> dict[str, Any]:
        """The JSON of an account (this model's fields), without building the model: the read fast path,
        and the `data` of its events (`application.documents`)."""
        return account_document(account)


class AccountPage(BaseModel):
    items: list[AccountOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")


class BalanceOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": _ACCOUNT_ID,
                    "asset": "BRL",
                    "as_of": "2025-01-31T23:59:59+00:00",
                    "posted_balance": 10050,
                    "basis": "booked",
                }
            ]
        }
    )

    account_id: UUID
    asset: str
    as_of: Instant
    posted_balance: int
    basis: Basis = Field(
        description="`booked`: as the books stood at `as_of`; `effective`: every posted entry whose value "
        "date is at or before `as_of`, whenever it was booked."
    )

    @classmethod
    def of(cls, balance: BalanceAsOf) -> BalanceOut:
        return cls.model_validate(cls.document(balance))

    @staticmethod
    def document(balance: BalanceAsOf) -> dict[str, Any]:
        """The JSON of a balance as of an instant (this model's fields), without building the model."""
        return {
            "account_id": balance.account.id,
            "asset": balance.account.asset.code,
            "as_of": utc(balance.as_of),
            "posted_balance": balance.posted_balance,
            "basis": balance.basis.value,
        }


class EntryOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "seq": 1,
                    "transfer_id": _TRANSFER_ID,
                    "side": "credit",
                    "amount": 10050,
                    "balance_after": 10050,
                    "created_at": "2025-01-31T12:00:01.250000+00:00",
                    "effective_at": "2025-01-31T12:00:01.250000+00:00",
                    "description": "Top-up",
                }
            ]
        }
    )

    seq: int = Field(description="The account's entry number, from 1.")
    transfer_id: UUID
    side: Side
    amount: int
    balance_after: int = Field(
        description="Posted balance just after this entry, in the statement's order (booking order, or "
        "value-date order on the effective basis)."
    )
    created_at: Instant = Field(description="When the ledger booked the entry.")
    effective_at: Instant = Field(description="The entry's value date (its transfer's `effective_at`).")
    description: str

    @classmethod
    def of(cls, line: StatementLine) -> EntryOut:
        return cls.model_validate(cls.document(line))

    @staticmethod
    def document(line: StatementLine) -> dict[str, Any]:
        """The JSON of a statement line (this model's fields), without building the model."""
        e = line.entry
        return {
            "seq": e.seq,
            "transfer_id": e.transfer_id,
            "side": e.side,
            "amount": e.amount,
            "balance_after": e.balance_after,
            "created_at": utc(e.created_at),
            "effective_at": utc(line.effective_at),
            "description": line.description,
        }


class EntryPage(BaseModel):
    items: list[EntryOut]
    next_cursor: str | None
    basis: Basis = Field(description="The order and window of the statement: booking time or value date.")


class DayBalanceOut(BaseModel):
    date: dt.date = Field(description="A UTC day.")
    balance: int = Field(description="The posted balance at the end of that day.")


class HistoryOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": _ACCOUNT_ID,
                    "asset": "BRL",
                    "basis": "effective",
                    "from": "2025-01-30",
                    "to": "2025-01-31",
                    "days": [{"date": "2025-01-30", "balance": 0}, {"date": "2025-01-31", "balance": 10050}],
                }
            ]
        }
    )

    account_id: UUID
    asset: str
    basis: Basis
    from_: dt.date = Field(alias="from", serialization_alias="from")
    to: dt.date
    days: list[DayBalanceOut] = Field(description="One closing posted balance per day, oldest first.")

    @classmethod
    def of(cls, history: BalanceHistory) -> HistoryOut:
        return cls.model_validate(cls.document(history))

    @staticmethod
    def document(history: BalanceHistory) -> dict[str, Any]:
        """The JSON of a balance history (this model's fields), without building the model."""
        return {
            "account_id": history.account.id,
            "asset": history.account.asset.code,
            "basis": history.basis.value,
            "from": history.first.isoformat(),
            "to": history.last.isoformat(),
            "days": [{"date": d.day.isoformat(), "balance": d.balance} for d in history.days],
        }
