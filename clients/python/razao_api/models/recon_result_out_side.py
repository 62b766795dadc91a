from enum import StrEnum


class ReconResultOutSide(StrEnum):
    BANK = "bank"
    LEDGER = "ledger"

    def __str__(self) -> str:
        return str(self.value)
