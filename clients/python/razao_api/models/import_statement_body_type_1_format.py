from enum import StrEnum


class ImportStatementBodyType1Format(StrEnum):
    CAMT053 = "camt053"
    MT940 = "mt940"
    OFX = "ofx"

    def __str__(self) -> str:
        return str(self.value)
