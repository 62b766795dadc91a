from enum import StrEnum


class CsvMappingBodySign(StrEnum):
    COLUMN = "column"
    INVERTED = "inverted"
    SIGNED = "signed"

    def __str__(self) -> str:
        return str(self.value)
