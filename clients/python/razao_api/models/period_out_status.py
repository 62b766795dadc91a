from enum import StrEnum


class PeriodOutStatus(StrEnum):
    CLOSED = "closed"
    REOPENED = "reopened"

    def __str__(self) -> str:
        return str(self.value)
