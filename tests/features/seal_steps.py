"""Step definitions of `seals.feature`: sealing, tampering behind the ledger's back, checking, proving.

Sealing and checking run in the scenario's mode: in the app (`application.seals.InAppSealPath`) or inside
PostgreSQL (`adapters.db.seals.InDatabaseSealPath`). Tampering is done as the database superuser with the
triggers switched off, as only someone past the ledger's own rules could. Imported by `conftest.py`.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from pytest_bdd import given, then, when
from sqlalchemy import Engine, text

from adapters.db.code_bundle import app_code_version
from adapters.db.seals import InDatabaseSealPath, SqlSealUnitOfWork
from adapters.system import SystemClock
from application.seals import InAppSealPath, SealPath, verify_all
from domain.seals import CHANGED, DELETED
from tests.features.conftest import words
from tests.features.driver import LedgerDriver


def _path(ledger: LedgerDriver, engine: Engine) -> SealPath:
    if ledger.mode == "app":
        return InAppSealPath(lambda: SqlSealUnitOfWork(engine), SystemClock())
    return InDatabaseSealPath(engine, app_code_version())


def _tamper(engine: Engine, sql: str, **params: Any) -> None:
    """Raw SQL as the superuser with every trigger switched off."""
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(sql), params)


@given(words("the journal is sealed"))
@when(words("the journal is sealed"))
def _(ledger: LedgerDriver, app_engine: Engine) -> None:
    path, deadline = _path(ledger, app_engine), time.monotonic() + 20
    while path.status().unsealed_rows > 0:  # other work on the server may hold the horizon back a moment
        assert time.monotonic() < deadline, "the journal stayed unsealed"
        if path.seal_next() is None:
            time.sleep(0.05)


@when(
    words(
        'someone changes the amount of payment "{reference:Name}" to {amount:Amount} behind the ledger\'s back'
    )
)
def _(ledger: LedgerDriver, admin_engine: Engine, reference: str, amount: str) -> None:
    units = ledger.money(amount).units
    transfer_id = ledger._reference(reference)
    _tamper(
        admin_engine, "UPDATE entries SET amount = :units WHERE transfer_id = :t", units=units, t=transfer_id
    )


@when(words('someone deletes a line of payment "{reference:Name}" behind the ledger\'s back'))
def _(ledger: LedgerDriver, admin_engine: Engine, reference: str) -> None:
    transfer_id = ledger._reference(reference)
    _tamper(admin_engine, "DELETE FROM entries WHERE transfer_id = :t AND side = 'credit'", t=transfer_id)


def _check(ledger: LedgerDriver, engine: Engine) -> Any:
    return verify_all(_path(ledger, engine).verify)


@then(words('the seal check finds a changed line of payment "{reference:Name}"'))
def _(ledger: LedgerDriver, app_engine: Engine, reference: str) -> None:
    report = _check(ledger, app_engine)
    assert not report.ok and report.first is not None and report.first.kind == CHANGED, report
    assert report.first.row is not None and report.first.row.transfer_id == ledger._reference(reference)


@then(words("the seal check finds a deleted line"))
def _(ledger: LedgerDriver, app_engine: Engine) -> None:
    report = _check(ledger, app_engine)
    assert not report.ok and report.first is not None and report.first.kind == DELETED, report


@then(words("the seal check finds nothing wrong"))
def _(ledger: LedgerDriver, app_engine: Engine) -> None:
    report = _check(ledger, app_engine)
    assert report.ok and report.blocks >= 1, report


def _proof(ledger: LedgerDriver, engine: Engine, reference: str) -> list[dict[str, Any]]:
    return _path(ledger, engine).prove(ledger._reference(reference))


@then(words('the proof of payment "{reference:Name}" checks out with SHA-256 alone'))
def _(ledger: LedgerDriver, app_engine: Engine, reference: str) -> None:
    for line in _proof(ledger, app_engine, reference):
        block, node = line["block"], hashlib.sha256(b"\x00" + line["leaf"].encode()).digest()
        index, last = line["index"], block["row_count"] - 1
        for sibling in map(bytes.fromhex, line["path"]):
            if index & 1 or index == last:
                node = hashlib.sha256(b"\x01" + sibling + node).digest()
                while not index & 1 and index != 0:
                    index, last = index >> 1, last >> 1
            else:
                node = hashlib.sha256(b"\x01" + node + sibling).digest()
            index, last = index >> 1, last >> 1
        assert f"\nmerkle_root={node.hex()}\n" in block["header"]
        assert hashlib.sha256(block["header"].encode()).hexdigest() == block["hash"]


@then(words('the proof of payment "{reference:Name}" shows {amount:Amount}'))
def _(ledger: LedgerDriver, app_engine: Engine, reference: str, amount: str) -> None:
    units = ledger.money(amount).units
    assert {
        line["leaf"].split("\namount=")[1].split("\n")[0] for line in _proof(ledger, app_engine, reference)
    } == {str(units)}
