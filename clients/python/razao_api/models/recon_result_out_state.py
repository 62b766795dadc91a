from enum import StrEnum


class ReconResultOutState(StrEnum):
    AMBIGUOUS = "ambiguous"
    MATCHED = "matched"
    UNMATCHED = "unmatched"

    def __str__(self) -> str:
        return str(self.value)
