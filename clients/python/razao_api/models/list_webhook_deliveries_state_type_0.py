from enum import StrEnum


class ListWebhookDeliveriesStateType0(StrEnum):
    DELIVERING = "delivering"
    FAILED = "failed"
    PENDING = "pending"
    SUCCEEDED = "succeeded"

    def __str__(self) -> str:
        return str(self.value)
