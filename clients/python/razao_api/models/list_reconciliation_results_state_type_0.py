from enum import StrEnum


class ListReconciliationResultsStateType0(StrEnum):
    AMBIGUOUS = "ambiguous"
    MATCHED = "matched"
    UNMATCHED = "unmatched"

    def __str__(self) -> str:
        return str(self.value)
