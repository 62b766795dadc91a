from enum import StrEnum


class Basis(StrEnum):
    BOOKED = "booked"
    EFFECTIVE = "effective"

    def __str__(self) -> str:
        return str(self.value)
