"""The sealed journal on the real PostgreSQL, in both execution modes: each mode seals blocks the other
verifies and proves identically; tampering planted by a superuser past the triggers is named; blocks are
append-only; concurrent sealers do not fork; rows of a transaction still open wait; legacy rows first."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine, create_engine, pool, text
from sqlalchemy.exc import DBAPIError

from adapters.db.code_bundle import current_bundle
from adapters.db.seals import InDatabaseSealPath, SqlSealUnitOfWork
from application.seals import XID_BEHIND, InAppSealPath, SealPath, verify_all, verify_seals
from application.write_path import InAppWritePath
from domain.errors import InvalidState, NotFound, NotSealedYet
from domain.seals import BROKEN_CHAIN, CHANGED, DELETED, EDITED_BLOCK, INSERTED, SealReport
from domain.transfers import TransferRequest
from tests.integration.conftest import ManualClock, OpenFn


@pytest.fixture
def modes(app_engine: Engine, clock: ManualClock) -> dict[str, SealPath]:
    return {
        "app": InAppSealPath(lambda: SqlSealUnitOfWork(app_engine), clock, max_rows=3),
        "db": InDatabaseSealPath(app_engine, current_bundle().version, max_rows=3),
    }


@pytest.fixture
def pay(open_: OpenFn, write_path: InAppWritePath) -> Callable[[int], UUID]:
    cash = open_("cash", normal_side="debit", min_balance=None).id
    alice = open_("alice", normal_side="credit").id

    def _pay(amount: int) -> UUID:
        tid = uuid4()
        write_path.post_transfers(
            [TransferRequest.simple(tid, debit_account_id=cash, credit_account_id=alice, amount=amount)]
        )
        return tid

    return _pay


def outsider_check(proof: dict[str, Any]) -> bool:
    """What docs/audit/seals.md shows: a line's proof checked with hashlib only."""

    def sha(data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    block = proof["block"]
    node = sha(b"\x00" + proof["leaf"].encode())
    fn, sn = proof["index"], block["row_count"] - 1
    for sibling in map(bytes.fromhex, proof["path"]):
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            node = sha(b"\x01" + sibling + node)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = sha(b"\x01" + node + sibling)
        fn, sn = fn >> 1, sn >> 1
    header = block["header"].encode()
    return sn == 0 and f"merkle_root={node.hex()}\n".encode() in header and sha(header).hex() == block["hash"]


def _seal(path: SealPath, seconds: float = 20) -> dict[str, Any]:
    """The next block, waiting for a transaction of this database (a test's own) to end if need be."""
    deadline = time.monotonic() + seconds
    while (block := path.seal_next()) is None:
        assert time.monotonic() < deadline, "nothing became sealable"
        time.sleep(0.05)
    return block


def _seal_all(path: SealPath) -> None:
    deadline = time.monotonic() + 20
    while path.status().unsealed_rows > 0:
        assert time.monotonic() < deadline, "rows stayed unsealed"
        if path.seal_next() is None:
            time.sleep(0.05)


def _verify(modes: dict[str, SealPath]) -> SealReport:
    app, db = (m.verify(0, 1000) for m in modes.values())
    assert app == db
    return app


def _plant(admin_engine: Engine, sql: str, **params: object) -> None:
    with admin_engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(sql), params)


def test_each_mode_seals_blocks_the_other_verifies_and_proves(
    modes: dict[str, SealPath], pay: Callable[[int], UUID], app_engine: Engine
) -> None:
    ids = [pay(100 + i) for i in range(3)]  # 6 rows
    first = _seal(modes["app"])
    second = _seal(modes["db"])
    assert (first["height"], first["row_count"], second["height"], second["row_count"]) == (1, 3, 2, 3)
    assert second["prev_hash"] == first["hash"]
    assert modes["app"].seal_next() is None and modes["db"].seal_next() is None
    report = _verify(modes)
    assert report.ok and (report.blocks, report.rows) == (2, 6)
    for tid in ids:
        app, db = (m.prove(tid) for m in modes.values())
        assert app == db and len(app) == 2
        assert all(line["sealed"] and line["intact"] and outsider_check(line) for line in app)
    assert modes["app"].status() == modes["db"].status()
    status = modes["app"].status()
    assert (status.height, status.sealed_rows, status.unsealed_rows) == (2, 6, 0)
    with app_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM entries WHERE txid IS NULL")).scalar_one() == 0
        events = conn.execute(text("SELECT count(*) FROM events WHERE type = 'journal.sealed'")).scalar_one()
    assert events == 2


def test_proofs_of_unknown_and_unsealed_transfers(
    modes: dict[str, SealPath], pay: Callable[[int], UUID]
) -> None:
    tid = pay(5)
    for mode in modes.values():
        with pytest.raises(NotSealedYet):
            mode.prove(tid)
        with pytest.raises(NotFound):
            mode.prove(uuid4())


def test_rows_of_an_open_transaction_wait_until_it_commits(
    modes: dict[str, SealPath], pay: Callable[[int], UUID], app_engine: Engine
) -> None:
    earlier = pay(1)
    with app_engine.connect() as held:
        held.execute(text("SELECT txid_current()"))  # a transaction with an id, still running
        later = pay(2)
        sealed = _seal(modes["db"])
        assert sealed["row_count"] == 2  # the first transfer only
        assert all(line["sealed"] for line in modes["app"].prove(earlier))
        assert modes["app"].seal_next() is None and modes["db"].seal_next() is None
        assert modes["app"].status().unsealed_rows == 2
        with pytest.raises(NotSealedYet):
            modes["db"].prove(later)
        held.rollback()
    block = _seal(modes["app"])
    assert block["row_count"] == 2
    assert all(line["sealed"] for line in modes["db"].prove(later))


def test_a_transaction_open_in_another_database_does_not_hold_sealing_back(
    modes: dict[str, SealPath], pay: Callable[[int], UUID], admin_url: str
) -> None:
    other = create_engine(admin_url, poolclass=pool.NullPool)  # the server's maintenance database
    try:
        with other.connect() as elsewhere:  # a transaction there cannot write this journal
            elsewhere.execute(text("SELECT txid_current()"))
            for mode in modes.values():
                pay(4)
                assert _seal(mode, seconds=5)["row_count"] == 2
            elsewhere.rollback()
    finally:
        other.dispose()


def test_legacy_rows_are_sealed_first(
    modes: dict[str, SealPath], pay: Callable[[int], UUID], admin_engine: Engine
) -> None:
    new = pay(1)
    old = pay(2)
    _plant(admin_engine, "UPDATE entries SET txid = NULL WHERE transfer_id = :t", t=old)
    first = _seal(modes["app"])
    assert first["first_position"].startswith("- ") and first["row_count"] >= 2
    assert [(line["block"]["height"], line["index"]) for line in modes["db"].prove(old)] == [(1, 0), (1, 1)]
    _seal_all(modes["app"])
    assert all(line["sealed"] and not line["position"].startswith("- ") for line in modes["app"].prove(new))
    assert _verify(modes).ok


@pytest.mark.parametrize(
    ("plant", "kind", "height"),
    [
        ("UPDATE entries SET amount = amount + 1 WHERE transfer_id = :t AND side = 'debit'", CHANGED, 2),
        ("DELETE FROM entries WHERE transfer_id = :t AND side = 'credit'", DELETED, 2),
        (
            "INSERT INTO entries (transfer_id, account_id, seq, line, layer, side, amount, asset_code,"
            " balance_after, created_at, effective_at, txid)"
            " SELECT transfer_id, account_id, seq + 1000, 7, layer, side, amount, asset_code, balance_after,"
            " created_at, effective_at, txid FROM entries WHERE transfer_id = :t AND side = 'debit'",
            INSERTED,
            3,  # line 7 sorts after the transfer's lines, past block 2's last row: inside block 3's range
        ),
        ("UPDATE seal_blocks SET merkle_root = sha256(merkle_root) WHERE height = 2", EDITED_BLOCK, 2),
        # blocks 1, 3, 4, 12: block 3 stands where block 2 should
        ("UPDATE seal_blocks SET height = height + 10 WHERE height = 2", BROKEN_CHAIN, 3),
    ],
    ids=["changed-amount", "deleted-row", "inserted-row", "edited-block", "reordered-chain"],
)
def test_verification_names_what_was_tampered_with(
    modes: dict[str, SealPath],
    pay: Callable[[int], UUID],
    admin_engine: Engine,
    plant: str,
    kind: str,
    height: int,
) -> None:
    ids = [pay(10 + i) for i in range(5)]  # 10 rows: blocks of 3, 3, 3, 1
    _seal_all(modes["app"])
    assert _verify(modes).ok
    _plant(admin_engine, plant, t=ids[2])  # rows 4 and 5: block 2
    report = _verify(modes)
    assert not report.ok and report.first is not None
    assert (report.first.kind, report.first.height) == (kind, height)
    if kind in (CHANGED, INSERTED):
        assert report.first.row is not None and report.first.row.transfer_id == ids[2]


def test_blocks_are_append_only(
    modes: dict[str, SealPath], pay: Callable[[int], UUID], app_engine: Engine, admin_engine: Engine
) -> None:
    pay(1)
    _seal(modes["app"])
    for sql in ("UPDATE seal_blocks SET row_count = 5", "DELETE FROM seal_blocks", "TRUNCATE seal_blocks"):
        with pytest.raises(DBAPIError) as refused, app_engine.begin() as conn:
            conn.execute(text(sql))
        assert refused.value.orig.sqlstate == "42501"  # type: ignore[union-attr]  # no privilege
        with pytest.raises(DBAPIError) as refused, admin_engine.begin() as conn:
            conn.execute(text(sql))
        assert refused.value.orig.sqlstate == "RZ101"  # type: ignore[union-attr]  # the triggers


def test_concurrent_sealers_do_not_fork_the_chain(
    app_engine: Engine, clock: ManualClock, pay: Callable[[int], UUID]
) -> None:
    for i in range(8):
        pay(i + 1)  # 16 rows
    version = current_bundle().version
    sealers: list[SealPath] = [
        InAppSealPath(lambda: SqlSealUnitOfWork(app_engine), clock, max_rows=1),
        InDatabaseSealPath(app_engine, version, max_rows=1),
    ] * 2
    errors: list[BaseException] = []

    def run(path: SealPath) -> None:
        try:
            _seal_all(path)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(s,)) for s in sealers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app_engine.connect() as conn:
        heights = conn.execute(text("SELECT height FROM seal_blocks ORDER BY height")).scalars().all()
    assert heights == list(range(1, 17))
    assert sealers[0].verify(0, 100).ok


def test_a_transaction_of_another_role_in_this_database_holds_sealing_back(
    modes: dict[str, SealPath], pay: Callable[[int], UUID], admin_engine: Engine
) -> None:
    """Another role (here the superuser) may write this journal: its open transaction counts."""
    earlier = pay(1)
    with admin_engine.connect() as held:
        held.execute(text("SELECT txid_current()"))  # an id, in this database, not razao_app's
        later = pay(2)
        assert _seal(modes["app"])["row_count"] == 2  # the first transfer only
        assert modes["app"].seal_next() is None and modes["db"].seal_next() is None
        held.rollback()
    assert _seal(modes["db"])["row_count"] == 2
    assert all(
        line["sealed"] for mode in modes.values() for tid in (earlier, later) for line in mode.prove(tid)
    )


def test_a_prepared_transaction_holds_sealing_back(
    modes: dict[str, SealPath], pay: Callable[[int], UUID], admin_engine: Engine
) -> None:
    with admin_engine.connect() as conn:
        if int(conn.execute(text("SHOW max_prepared_transactions")).scalar_one()) == 0:
            pytest.skip("max_prepared_transactions is 0 on this server: no transaction can be prepared")
    gid = f"razao-seal-test-{uuid4()}"
    pay(1)
    with admin_engine.connect() as conn:
        conn.execute(text("SELECT txid_current()"))
        conn.execute(text(f"PREPARE TRANSACTION '{gid}'"))  # no backend holds it any more
    try:
        pay(2)
        assert _seal(modes["app"])["row_count"] == 2
        assert modes["app"].seal_next() is None and modes["db"].seal_next() is None
    finally:
        with admin_engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text(f"ROLLBACK PREPARED '{gid}'"))
    assert _seal(modes["db"])["row_count"] == 2


def test_sealing_is_refused_while_the_xid_counter_is_behind_the_head(
    modes: dict[str, SealPath], pay: Callable[[int], UUID], admin_engine: Engine
) -> None:
    """What a logical restore into a new cluster looks like: the head's last txid is ahead of the counter."""
    pay(1)
    _seal(modes["app"])
    assert all(mode.status().refused is None for mode in modes.values())
    _plant(admin_engine, "UPDATE seal_blocks SET last_txid = last_txid + 1000000000 WHERE height = 1")
    pay(2)
    for mode in modes.values():
        with pytest.raises(InvalidState) as refused:
            mode.seal_next()
        assert refused.value.context["reason"] == XID_BEHIND
        assert "transaction id counter went back" in refused.value.detail
        status = mode.status()
        assert status.refused is not None and "runbook-seals" in status.refused
    with admin_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM seal_blocks")).scalar_one() == 1


def test_verification_parts_are_sized_by_rows(
    app_engine: Engine, clock: ManualClock, modes: dict[str, SealPath], pay: Callable[[int], UUID]
) -> None:
    for i in range(5):
        pay(20 + i)  # 10 rows: blocks of 3, 3, 3, 1
    _seal_all(modes["app"])
    # each block is read with its slack (at least 16 rows): 19 rows for a block of 3
    part = verify_seals(SqlSealUnitOfWork(app_engine), 0, 64, max_rows=40)
    assert (part.blocks, part.head_height) == (2, 2)
    alone = verify_seals(SqlSealUnitOfWork(app_engine), 0, 64, max_rows=1)
    assert alone.blocks == 1  # the first block is always checked
    whole = verify_all(lambda after: verify_seals(SqlSealUnitOfWork(app_engine), after, 64, max_rows=40))
    assert whole == _verify(modes) and whole.ok and (whole.blocks, whole.rows) == (4, 10)


def test_the_application_role_cannot_choose_a_rows_txid(app_engine: Engine) -> None:
    with pytest.raises(DBAPIError) as refused, app_engine.begin() as conn:
        conn.execute(
            text("INSERT INTO entries (transfer_id, txid) SELECT transfer_id, 1 FROM entries WHERE false")
        )
    assert refused.value.orig.sqlstate == "42501"  # type: ignore[union-attr]
    with app_engine.connect() as conn:  # every other column stays writable
        columns = (
            conn.execute(
                text(
                    "SELECT attname FROM pg_attribute WHERE attrelid = 'entries'::regclass AND attnum > 0"
                    " AND NOT attisdropped AND has_column_privilege('entries', attname, 'INSERT') ORDER BY attnum"
                )
            )
            .scalars()
            .all()
        )
    assert "txid" not in columns and {"transfer_id", "amount", "created_at", "effective_at"} <= set(columns)
