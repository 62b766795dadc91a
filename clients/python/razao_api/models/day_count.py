from enum import StrEnum


class DayCount(StrEnum):
    ACT360 = "ACT/360"
    ACT365F = "ACT/365F"
    VALUE_2 = "30E/360"

    def __str__(self) -> str:
        return str(self.value)
