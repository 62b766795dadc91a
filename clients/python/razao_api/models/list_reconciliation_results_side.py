from enum import StrEnum


class ListReconciliationResultsSide(StrEnum):
    BANK = "bank"
    LEDGER = "ledger"

    def __str__(self) -> str:
        return str(self.value)
