from enum import StrEnum


class StatementOutFormat(StrEnum):
    CAMT053 = "camt053"
    CSV = "csv"
    MT940 = "mt940"
    OFX = "ofx"

    def __str__(self) -> str:
        return str(self.value)
