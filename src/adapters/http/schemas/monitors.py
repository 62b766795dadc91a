"""Bodies of the balance monitor endpoints: creating a monitor, and a monitor with its state."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from adapters.http.schemas.common import Balance, Instant, Metadata, text
from application.documents import monitor_document
from application.monitors import CreateMonitor
from domain.monitors import MAX_DESCRIPTION, BalanceKind, Comparison, Monitor

_ACCOUNT_ID = "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90"
_MONITOR_ID = "5a0c2f1e-6b7d-4e8f-9a0b-1c2d3e4f5a6b"


class MonitorIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "balance": "available",
                    "comparison": "below",
                    "threshold": 1000,
                    "description": "Tell the owner when less than R$ 10.00 is left",
                    "metadata": {"notify": "sms"},
                }
            ]
        },
    )

    balance: BalanceKind = Field(
        description="Which balance, read from the account's normal side: `posted`, `available` (posted less "
        "pending outflows), `pending_outflow` (held by pending transfers) or `pending_inflow`."
    )
    comparison: Comparison = Field(
        description="`below` (<), `at_or_below` (<=), `above` (>), `at_or_above` (>=)."
    )
    threshold: Balance = Field(description="In the asset's minor units; may be negative.")
    description: Annotated[str, text(MAX_DESCRIPTION)] | None = None
    metadata: Metadata = Field(default_factory=dict)

    def command(self, account_id: UUID) -> CreateMonitor:
        return CreateMonitor(
            account_id=account_id,
            balance=self.balance,
            comparison=self.comparison,
            threshold=self.threshold,
            description=self.description,
            metadata=self.metadata,
        )


class MonitorOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": _MONITOR_ID,
                    "account_id": _ACCOUNT_ID,
                    "balance": "available",
                    "comparison": "below",
                    "threshold": 1000,
                    "description": "Tell the owner when less than R$ 10.00 is left",
                    "metadata": {"notify": "sms"},
                    "created_at": "2025-01-31T12:00:00+00:00",
                    "triggered": True,
                    "triggered_at": "2025-01-31T12:05:09.120000+00:00",
                }
            ]
        }
    )

    id: UUID
    account_id: UUID
    balance: BalanceKind
    comparison: Comparison
    threshold: int
    description: str
    metadata: Metadata
    created_at: Instant
    triggered: bool = Field(
        description="Whether the condition held at the last change: it fired then, and fires again only "
        "after the condition has been false in between."
    )
    triggered_at: Instant | None = Field(description="When it last fired; null: never.")

    @classmethod
    def of(cls, monitor: Monitor) -> MonitorOut:
        return cls.model_validate(cls.document(monitor))

    @staticmethod
    def document(monitor: Monitor) -> dict[str, Any]:
        """The JSON of a monitor (this model's fields): also in its events (`application.documents`)."""
        return monitor_document(monitor)


class MonitorList(BaseModel):
    items: list[MonitorOut] = Field(description="Every monitor of the account, oldest first.")
