from enum import StrEnum


class BalanceKind(StrEnum):
    AVAILABLE = "available"
    PENDING_INFLOW = "pending_inflow"
    PENDING_OUTFLOW = "pending_outflow"
    POSTED = "posted"

    def __str__(self) -> str:
        return str(self.value)
