"""The sealed journal's pure parts: the Merkle tree against hand-computed trees, proofs, the canonical
encodings, and how verification names what differs (domain.seals)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import seals
from domain.seals import (
    BROKEN_CHAIN,
    CHANGED,
    DELETED,
    EDITED_BLOCK,
    GENESIS,
    INSERTED,
    SealRow,
    SealVerifier,
    audit_path,
    leaf_hash,
    merkle_root,
    node_hash,
    root_from_path,
    seal_block,
)


def h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def L(i: int) -> bytes:
    return h(b"\x00" + bytes([i]))


def N(a: bytes, b: bytes) -> bytes:
    return h(b"\x01" + a + b)


T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def row(i: int, *, txid: int | None = 100, amount: int = 1050) -> SealRow:
    return SealRow(
        transfer_id=UUID(int=i + 1),
        layer="posted",
        line=0,
        account_id=UUID(int=10_000 + i),
        seq=i + 1,
        side="debit",
        amount=amount,
        asset="BRL",
        balance_after=amount * (i + 1),
        created_at=T0 + timedelta(seconds=i),
        effective_at=T0,
        txid=txid,
        fingerprint="ab" * 32,
    )


def test_roots_of_small_trees_match_hand_computed_ones() -> None:
    leaves = [L(i) for i in range(8)]
    assert merkle_root(leaves[:1]) == L(0)
    assert merkle_root(leaves[:2]) == N(L(0), L(1))
    assert merkle_root(leaves[:3]) == N(N(L(0), L(1)), L(2))
    assert merkle_root(leaves[:5]) == N(N(N(L(0), L(1)), N(L(2), L(3))), L(4))
    four = N(N(L(0), L(1)), N(L(2), L(3)))
    assert merkle_root(leaves) == N(four, N(N(L(4), L(5)), N(L(6), L(7))))
    assert merkle_root([]) == h(b"")


def test_paths_of_small_trees() -> None:
    leaves = [L(i) for i in range(5)]
    assert audit_path(leaves, 4) == [N(N(L(0), L(1)), N(L(2), L(3)))]
    assert audit_path(leaves, 2) == [L(3), N(L(0), L(1)), L(4)]
    assert audit_path(leaves[:3], 2) == [N(L(0), L(1))]
    assert audit_path(leaves[:1], 0) == []
    assert leaf_hash(bytes([3])) == L(3) and node_hash(L(0), L(1)) == N(L(0), L(1))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 70), st.data())
def test_every_leaf_proves_and_any_changed_byte_fails(size: int, data: st.DataObject) -> None:
    leaves = [L(i % 256) if i < 256 else h(bytes(str(i), "ascii")) for i in range(size)]
    root = merkle_root(leaves)
    index = data.draw(st.integers(0, size - 1))
    path = audit_path(leaves, index)
    assert root_from_path(leaves[index], index, size, path) == root
    if size > 1:
        which = data.draw(st.integers(0, len(path) - 1))
        byte = data.draw(st.integers(0, 31))
        bad = bytearray(path[which])
        bad[byte] ^= 0x01
        changed = [*path[:which], bytes(bad), *path[which + 1 :]]
        assert root_from_path(leaves[index], index, size, changed) != root
    flipped = bytearray(leaves[index])
    flipped[data.draw(st.integers(0, 31))] ^= 0x80
    assert root_from_path(bytes(flipped), index, size, path) != root


def test_canonical_leaf_is_the_documented_text() -> None:
    text = row(0).canonical().decode()
    assert text == (
        "razao.seal.entry.v1\n"
        "transfer_id=00000000-0000-0000-0000-000000000001\n"
        "layer=posted\nline=0\n"
        "account_id=00000000-0000-0000-0000-000000002710\n"
        "seq=1\nside=debit\namount=1050\nasset=BRL\nbalance_after=1050\n"
        "created_at=2026-01-02T03:04:05.678901Z\neffective_at=2026-01-02T03:04:05.678901Z\n"
        "txid=100\nfingerprint=" + "ab" * 32 + "\n"
    )
    other_zone = replace(
        row(0), created_at=T0.astimezone(__import__("datetime").timezone(timedelta(hours=-3)))
    )
    assert other_zone.canonical() == row(0).canonical()  # times are UTC whatever the session's zone
    assert "txid=\n" in row(0, txid=None).canonical().decode()


def test_blocks_chain_and_legacy_rows_come_first() -> None:
    legacy = [row(i, txid=None) for i in range(3)]
    assert legacy[2].position < row(0, txid=1).position
    first = seal_block(legacy, None, T0)
    second = seal_block([row(5), row(6)], first, T0)
    assert first.header.prev_hash == GENESIS and second.header.prev_hash == first.hash
    assert second.height == 2 and first.hash == h(first.header.canonical())
    with pytest.raises(ValueError):
        seal_block([row(1), row(0)], None, T0)
    with pytest.raises(ValueError):
        seal_block(legacy[:1], first, T0)


def test_a_proof_checks_and_fails_for_another_row() -> None:
    rows = [row(i) for i in range(5)]
    block = seal_block(rows, None, T0)
    proof = seals.prove(rows, block, rows[3].position)
    assert proof is not None and proof.check()
    assert not replace(proof, row=replace(rows[3], amount=1051)).check()


def _verify(
    block: seals.Block, rows: list[SealRow], previous: seals.Block | None = None
) -> list[seals.Finding]:
    return SealVerifier(previous=previous).add(block, rows)


def test_verification_names_changed_deleted_and_inserted_rows() -> None:
    rows = [row(i) for i in range(6)]
    block = seal_block(rows, None, T0)
    assert _verify(block, rows) == []
    changed = _verify(block, [*rows[:2], replace(rows[2], amount=1), *rows[3:]])
    assert [(f.kind, f.row) for f in changed] == [(CHANGED, rows[2].position)]
    deleted = _verify(block, [*rows[:4], rows[5]])
    assert [(f.kind, f.index) for f in deleted] == [(DELETED, 4)]
    intruder = replace(rows[1], line=1)
    inserted = _verify(block, [*rows[:2], intruder, *rows[2:]])
    assert [(f.kind, f.row) for f in inserted] == [(INSERTED, intruder.position)]
    last_gone = _verify(block, rows[:5])
    assert [f.kind for f in last_gone] == [DELETED]


def test_verification_names_an_edited_or_reordered_chain() -> None:
    a = seal_block([row(0), row(1)], None, T0)
    b = seal_block([row(2)], a, T0)
    edited = replace(a, header=replace(a.header, row_count=1))
    assert [f.kind for f in _verify(edited, [row(0), row(1)])] == [EDITED_BLOCK, EDITED_BLOCK]
    assert [f.kind for f in _verify(b, [row(2)], previous=None)] == [BROKEN_CHAIN]
    verifier = SealVerifier()
    verifier.add(b, [row(2)])
    verifier.add(a, [row(0), row(1)])
    report = verifier.report()
    assert (
        not report.ok
        and report.first is not None
        and report.first.kind == BROKEN_CHAIN
        and report.first.height == 2
    )


def test_sealing_stops_while_the_xid_counter_is_not_past_the_head() -> None:
    from application.seals import xid_behind

    at = datetime(2026, 1, 1, tzinfo=UTC)
    head = seals.seal_block([row(0, txid=500)], None, at)
    assert xid_behind(None, 3) is None
    assert xid_behind(head, 501) is None
    assert xid_behind(head, 500) is not None and xid_behind(head, 7) is not None
    assert xid_behind(seals.seal_block([row(0, txid=None)], None, at), 3) is None  # legacy rows only


def test_the_metrics_say_when_sealing_is_refused() -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    from application.seals import SealStatus
    from razao.metrics import SealsCollector

    def scrape(refused: str | None) -> str:
        registry = CollectorRegistry()
        registry.register(SealsCollector(lambda: SealStatus(3, bytes(32), 9, 0, None, None, refused)))
        return generate_latest(registry).decode()

    assert "razao_seal_refused 0.0" in scrape(None)
    assert "razao_seal_refused 1.0" in scrape("sealing refused: ...")


def test_a_block_holds_at_most_16384_rows() -> None:
    """A proof reads and hashes up to twice a block in one statement (docs/audit/seals.md, "Cost")."""
    from application.seals import check_block_rows
    from domain.errors import ValidationError

    assert seals.MAX_BLOCK_ROWS == 16_384 and check_block_rows(16_384) == 16_384
    with pytest.raises(ValidationError):
        check_block_rows(16_385)
