from enum import StrEnum


class Comparison(StrEnum):
    ABOVE = "above"
    AT_OR_ABOVE = "at_or_above"
    AT_OR_BELOW = "at_or_below"
    BELOW = "below"

    def __str__(self) -> str:
        return str(self.value)
