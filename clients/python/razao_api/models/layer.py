from enum import StrEnum


class Layer(StrEnum):
    PENDING = "pending"
    POSTED = "posted"

    def __str__(self) -> str:
        return str(self.value)
