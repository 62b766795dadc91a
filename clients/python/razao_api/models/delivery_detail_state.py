from enum import StrEnum


class DeliveryDetailState(StrEnum):
    DELIVERING = "delivering"
    FAILED = "failed"
    PENDING = "pending"
    SUCCEEDED = "succeeded"

    def __str__(self) -> str:
        return str(self.value)
