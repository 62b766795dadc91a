from enum import StrEnum


class TransferStatus(StrEnum):
    EXPIRED = "expired"
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"

    def __str__(self) -> str:
        return str(self.value)
