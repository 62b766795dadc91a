"""`razao_store.sqlstate_of`: the SQLSTATE of a PL/Python SPI error, the ledger's own codes included
(PL/Python leaves `sqlstate` None for a code it does not know, RZ120 among them: measured on PostgreSQL 15,
`spidata` (531106, ...) for RZ120)."""

from __future__ import annotations

import pytest

from tests import plpython_files

store = plpython_files.load("razao_store", "razao_store_sqlstate_under_test")


class FakeSpiError(Exception):
    def __init__(self, sqlstate: str | None, spidata: tuple[object, ...] | None) -> None:
        super().__init__("refused")
        self.sqlstate = sqlstate
        self.spidata = spidata


def _packed(code: str) -> int:
    """PostgreSQL's MAKE_SQLSTATE."""
    return sum(((ord(ch) - ord("0")) & 0x3F) << (6 * n) for n, ch in enumerate(code))


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (FakeSpiError(None, (531106, None, None, None, 0)), "RZ120"),  # as PostgreSQL 15 gives RZ120
        (FakeSpiError(None, (_packed("RZ121"),)), "RZ121"),
        (FakeSpiError("23505", (_packed("23505"),)), "23505"),  # a code PL/Python knows
        (FakeSpiError(None, None), None),
        (ValueError("not a database error"), None),
    ],
)
def test_the_sqlstate_of_an_spi_error(error: BaseException, expected: str | None) -> None:
    assert store.sqlstate_of(error) == expected
