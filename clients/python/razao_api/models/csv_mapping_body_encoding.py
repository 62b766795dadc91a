from enum import StrEnum


class CsvMappingBodyEncoding(StrEnum):
    ASCII = "ascii"
    CP1252 = "cp1252"
    CP850 = "cp850"
    ISO_8859_15 = "iso-8859-15"
    LATIN_1 = "latin-1"
    UTF_16 = "utf-16"
    UTF_8 = "utf-8"
    UTF_8_SIG = "utf-8-sig"

    def __str__(self) -> str:
        return str(self.value)
