"""The sealed journal: journal rows hashed into Merkle trees, one per block, and the blocks chained.

Pure functions and values (standard library only: this module also runs inside PostgreSQL). The byte
formats below are a public contract: an outside party checks a proof with `hashlib` alone
(docs/audit/seals.md), so they never change; a new format would get a new version line.

Position. Every journal row has a place in one total order that never changes once the row can be
sealed: rows written before the journal recorded its writing transaction (`txid` NULL, "legacy") come
first, in (created_at, transfer_id, layer, line) order; then rows by (txid, created_at, transfer_id,
layer, line). A block covers the contiguous range of positions after the previous block's last one, up to
its own last one.

Leaf. A row's canonical text is UTF-8, one `name=value` line per field in this order, each ending in a
newline, after the line `razao.seal.entry.v1`:
transfer_id, layer, line, account_id, seq, side, amount, asset, balance_after, created_at, effective_at,
txid, fingerprint. Ids are lower-case hyphenated UUIDs; integers (amounts exact, in minor units) in
decimal without leading zeros (a minus sign for a negative balance); times in UTC as
`YYYY-MM-DDTHH:MM:SS.ffffffZ`; `txid` empty for a legacy row; `fingerprint` the transfer's request hash
(hex), which binds the row to the request that booked it.

Tree (RFC 6962 / RFC 9162 §2.1): leaf hash SHA-256(0x00 || leaf), node SHA-256(0x01 || left || right),
a tree of n > 1 leaves split at the largest power of two below n.

Block header: the lines `razao.seal.block.v1`, `height=`, `prev_hash=` (hex), `merkle_root=` (hex),
`row_count=`, `first=` and `last=` (positions: `txid created_at transfer_id layer line`, `-` for the txid of
a legacy row), `sealed_at=` (UTC as above), each ending in a newline. The block's hash is SHA-256 of that
text; block 1's `prev_hash` is 32 zero bytes, block k's the hash of block k-1.

Each block also keeps `digests`: the first `DIGEST_BYTES` bytes of each of its leaf hashes, in order.
Verification recomputes a block's rows and aligns them with those digests, so it names the first row that
differs and how: changed, deleted (a stored digest without its row) or inserted (a row without one).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

LEAF_VERSION = "razao.seal.entry.v1"
BLOCK_VERSION = "razao.seal.block.v1"
GENESIS = bytes(32)
#: Bytes of each leaf hash a block keeps to name the row that differs.
DIGEST_BYTES = 8
#: Most rows a block may hold (the setting RAZAO_SEAL_BLOCK_ROWS chooses up to this): a proof reads and
#: hashes up to twice a block's rows in one statement, which stays well within statement_timeout.
MAX_BLOCK_ROWS = 16_384
#: Most findings a verification lists (every broken block is counted).
MAX_FINDINGS = 100

#: Kinds of finding.
CHANGED = "changed_row"
DELETED = "deleted_row"
INSERTED = "inserted_row"
EDITED_BLOCK = "edited_block"
BROKEN_CHAIN = "broken_chain"


def utc_text(at: datetime) -> str:
    """An instant as the canonical text: UTC, microseconds, `Z`."""
    if at.tzinfo is None:
        raise ValueError("a sealed time must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """A row's place in the sealing order (`legacy` rows first). Ordered like the journal is sealed."""

    legacy_rank: int  # 0: legacy (no txid), 1: with a txid
    txid: int
    created_at: datetime
    transfer_id: UUID
    layer: str
    line: int

    @classmethod
    def of(cls, txid: int | None, created_at: datetime, transfer_id: UUID, layer: str, line: int) -> Position:
        return cls(0 if txid is None else 1, txid or 0, created_at, transfer_id, layer, line)

    @property
    def is_legacy(self) -> bool:
        return self.legacy_rank == 0

    def key(self) -> tuple[int | None, datetime, UUID, str, int]:
        """(txid, created_at, transfer_id, layer, line): the columns a statement compares."""
        return (
            None if self.is_legacy else self.txid,
            self.created_at,
            self.transfer_id,
            self.layer,
            self.line,
        )

    def legacy_key(self) -> tuple[datetime, UUID, str, int]:
        return (self.created_at, self.transfer_id, self.layer, self.line)

    def text(self) -> str:
        txid = "-" if self.is_legacy else str(self.txid)
        return f"{txid} {utc_text(self.created_at)} {self.transfer_id} {self.layer} {self.line}"


@dataclass(frozen=True, slots=True)
class SealRow:
    """A journal row as it is sealed: every field that matters, and its transfer's fingerprint."""

    transfer_id: UUID
    layer: str
    line: int
    account_id: UUID
    seq: int
    side: str
    amount: int
    asset: str
    balance_after: int
    created_at: datetime
    effective_at: datetime
    txid: int | None
    fingerprint: str

    @property
    def position(self) -> Position:
        return Position.of(self.txid, self.created_at, self.transfer_id, self.layer, self.line)

    @classmethod
    def parse(cls, values: Sequence[Any]) -> SealRow:
        """A row from plain values in `ROW_COLUMNS` order (ids and amounts as text or their types, times as
        ISO 8601 text with an offset or datetimes): what both database adapters read."""
        (transfer_id, layer, line, account_id, seq, side, amount, asset, balance_after, created_at,
         effective_at, txid, fingerprint) = values  # fmt: skip
        return cls(
            _uuid(transfer_id),
            str(layer),
            int(line),
            _uuid(account_id),
            int(seq),
            str(side),
            int(amount),
            str(asset),
            int(balance_after),
            _instant(created_at),
            _instant(effective_at),
            None if txid is None else int(txid),
            str(fingerprint),
        )

    def canonical(self) -> bytes:
        fields = (
            ("transfer_id", str(self.transfer_id)),
            ("layer", self.layer),
            ("line", str(int(self.line))),
            ("account_id", str(self.account_id)),
            ("seq", str(int(self.seq))),
            ("side", self.side),
            ("amount", str(int(self.amount))),
            ("asset", self.asset),
            ("balance_after", str(int(self.balance_after))),
            ("created_at", utc_text(self.created_at)),
            ("effective_at", utc_text(self.effective_at)),
            ("txid", "" if self.txid is None else str(int(self.txid))),
            ("fingerprint", self.fingerprint),
        )
        return _lines(LEAF_VERSION, fields)


#: The columns of a row as the adapters read them (`SealRow.parse`).
ROW_COLUMNS = (
    "transfer_id",
    "layer",
    "line",
    "account_id",
    "seq",
    "side",
    "amount",
    "asset",
    "balance_after",
    "created_at",
    "effective_at",
    "txid",
    "fingerprint",
)
#: The columns of a stored block (`Block.parse`, `block_values`).
BLOCK_COLUMNS = (
    "height",
    "prev_hash",
    "merkle_root",
    "block_hash",
    "row_count",
    "first_txid",
    "first_created_at",
    "first_transfer_id",
    "first_layer",
    "first_line",
    "last_txid",
    "last_created_at",
    "last_transfer_id",
    "last_layer",
    "last_line",
    "digests",
    "sealed_at",
)


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _instant(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _position(values: Sequence[Any]) -> Position:
    txid, created_at, transfer_id, layer, line = values
    return Position.of(
        None if txid is None else int(txid), _instant(created_at), _uuid(transfer_id), str(layer), int(line)
    )


def _lines(version: str, fields: Iterable[tuple[str, str]]) -> bytes:
    parts = [version + "\n"]
    for name, value in fields:
        if "\n" in value:
            raise ValueError(f"{name}: a sealed value holds no newline")
        parts.append(f"{name}={value}\n")
    return "".join(parts).encode("utf-8")


# --- the Merkle tree (RFC 6962) ------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two below n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """The root over leaf HASHES (an empty tree: SHA-256 of nothing)."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(merkle_root(leaves[:k]), merkle_root(leaves[k:]))


def audit_path(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The sibling hashes from leaf `index` up to the root (RFC 9162 §2.1.3.1), over leaf hashes."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"leaf {index} is not in a tree of {n}")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*audit_path(leaves[:k], index), merkle_root(leaves[k:])]
    return [*audit_path(leaves[k:], index - k), merkle_root(leaves[:k])]


def root_from_path(leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes | None:
    """The root that leaf hash `leaf` at `index` of a tree of `size` leaves and `path` lead to (RFC 9162
    §2.1.3.2); None when the path does not fit the index and size."""
    if not 0 <= index < size:
        return None
    fn, sn, node = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            node = node_hash(node, sibling)
        fn >>= 1
        sn >>= 1
    return node if sn == 0 else None


# --- blocks --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlockHeader:
    height: int
    prev_hash: bytes
    merkle_root: bytes
    row_count: int
    first: Position
    last: Position
    sealed_at: datetime

    def canonical(self) -> bytes:
        return _lines(
            BLOCK_VERSION,
            (
                ("height", str(self.height)),
                ("prev_hash", self.prev_hash.hex()),
                ("merkle_root", self.merkle_root.hex()),
                ("row_count", str(self.row_count)),
                ("first", self.first.text()),
                ("last", self.last.text()),
                ("sealed_at", utc_text(self.sealed_at)),
            ),
        )

    @property
    def hash(self) -> bytes:
        return hashlib.sha256(self.canonical()).digest()


@dataclass(frozen=True, slots=True)
class Block:
    """A sealed block: its header, its hash as stored, and the digests of its leaves in order."""

    header: BlockHeader
    hash: bytes
    digests: bytes

    @property
    def height(self) -> int:
        return self.header.height

    @classmethod
    def parse(cls, values: Sequence[Any]) -> Block:
        """A stored block from plain values in `BLOCK_COLUMNS` order (bytea as bytes)."""
        height, prev_hash, root, stored_hash, row_count = values[:5]
        digests, sealed_at = values[15:17]
        header = BlockHeader(
            int(height),
            bytes(prev_hash),
            bytes(root),
            int(row_count),
            _position(values[5:10]),
            _position(values[10:15]),
            _instant(sealed_at),
        )
        return cls(header, bytes(stored_hash), bytes(digests))


def block_values(block: Block) -> list[Any]:
    """A block's values in `BLOCK_COLUMNS` order, as stored."""
    h = block.header
    return [
        h.height,
        h.prev_hash,
        h.merkle_root,
        block.hash,
        h.row_count,
        *h.first.key(),
        *h.last.key(),
        block.digests,
        h.sealed_at,
    ]


def digests_of(leaves: Sequence[bytes]) -> bytes:
    return b"".join(h[:DIGEST_BYTES] for h in leaves)


def seal_block(rows: Sequence[SealRow], previous: Block | None, at: datetime) -> Block:
    """The block after `previous` (None: the first) holding `rows`, in position order."""
    if not rows:
        raise ValueError("a block holds at least one row")
    positions = [r.position for r in rows]
    if any(a >= b for a, b in itertools.pairwise(positions)):
        raise ValueError("a block's rows come in strictly increasing position order")
    if previous is not None and positions[0] <= previous.header.last:
        raise ValueError("a block starts after the previous block's last position")
    leaves = [leaf_hash(r.canonical()) for r in rows]
    header = BlockHeader(
        height=1 if previous is None else previous.height + 1,
        prev_hash=GENESIS if previous is None else previous.hash,
        merkle_root=merkle_root(leaves),
        row_count=len(rows),
        first=positions[0],
        last=positions[-1],
        sealed_at=at,
    )
    return Block(header, header.hash, digests_of(leaves))


@dataclass(frozen=True, slots=True)
class Proof:
    """That one row is leaf `index` of a block: the row's canonical text, the path, the block."""

    row: SealRow
    index: int
    path: tuple[bytes, ...]
    block: Block

    def check(self) -> bool:
        root = root_from_path(
            leaf_hash(self.row.canonical()), self.index, self.block.header.row_count, self.path
        )
        return root == self.block.header.merkle_root and self.block.header.hash == self.block.hash


def prove(rows: Sequence[SealRow], block: Block, position: Position) -> Proof | None:
    """The proof of the row at `position` among the block's `rows` (as read now); None if absent."""
    leaves = [leaf_hash(r.canonical()) for r in rows]
    for index, row in enumerate(rows):
        if row.position == position:
            return Proof(row, index, tuple(audit_path(leaves, index)), block)
    return None


# --- verification --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """What differs in one block: its kind, the block, the row concerned (for a row finding), and words."""

    kind: str
    height: int
    detail: str
    row: Position | None = None
    index: int | None = None


@dataclass(frozen=True, slots=True)
class SealReport:
    blocks: int
    rows: int
    broken_blocks: int
    findings: tuple[Finding, ...]
    #: The last block checked (its height and hash): where the next part goes on.
    head_height: int = 0
    head_hash: bytes = GENESIS

    @property
    def ok(self) -> bool:
        return self.broken_blocks == 0

    @property
    def first(self) -> Finding | None:
        return self.findings[0] if self.findings else None


def check_block(block: Block, previous: Block | None, rows: Sequence[SealRow]) -> list[Finding]:
    """What differs between a stored block (and its link to `previous`) and its rows as read now."""
    h = block.header
    found: list[Finding] = []
    expected_height = 1 if previous is None else previous.height + 1
    expected_prev = GENESIS if previous is None else previous.hash
    if h.height != expected_height or h.prev_hash != expected_prev:
        found.append(
            Finding(
                BROKEN_CHAIN,
                h.height,
                f"block {h.height} does not follow block {expected_height - 1}: its prev_hash"
                f" {h.prev_hash.hex()[:16]}… is not {expected_prev.hex()[:16]}…"
                if h.height == expected_height
                else f"block {h.height} stands where block {expected_height} should",
            )
        )
    if h.hash != block.hash:
        found.append(
            Finding(EDITED_BLOCK, h.height, f"block {h.height}'s header does not hash to its stored hash")
        )
    if previous is not None and h.first <= previous.header.last:
        found.append(
            Finding(BROKEN_CHAIN, h.height, f"block {h.height} starts before block {previous.height} ends")
        )
    leaves = [leaf_hash(r.canonical()) for r in rows]
    now = [x[:DIGEST_BYTES] for x in leaves]
    stored = [block.digests[i : i + DIGEST_BYTES] for i in range(0, len(block.digests), DIGEST_BYTES)]
    row_finding = _align(h.height, stored, now, rows)
    if row_finding is not None:
        found.append(row_finding)
    elif len(rows) != h.row_count or merkle_root(leaves) != h.merkle_root:
        found.append(
            Finding(EDITED_BLOCK, h.height, f"block {h.height}'s rows do not hash to its merkle_root")
        )
    return found


def _align(
    height: int, stored: Sequence[bytes], now: Sequence[bytes], rows: Sequence[SealRow]
) -> Finding | None:
    """The first row where the digests read now and the stored ones part, and how."""
    first = next((i for i, (s, n) in enumerate(zip(stored, now, strict=False)) if s != n), None)
    if first is None:
        if len(now) == len(stored):
            return None
        first = min(len(now), len(stored))
    i = first
    if len(now) == len(stored) - 1 and list(stored[i + 1 :]) == list(now[i:]):
        near = (
            f"just before {rows[i].position.text()}"
            if i < len(rows)
            else f"after {rows[i - 1].position.text()}"
            if rows
            else "(the block has no rows left)"
        )
        return Finding(DELETED, height, f"block {height}: row {i} is missing, {near}", index=i)
    if len(now) == len(stored) + 1 and list(stored[i:]) == list(now[i + 1 :]):
        row = rows[i]
        return Finding(
            INSERTED,
            height,
            f"block {height}: row {row.position.text()} was not sealed here",
            row=row.position,
            index=i,
        )
    if i < len(rows):
        row = rows[i]
        return Finding(
            CHANGED,
            height,
            f"block {height}: row {row.position.text()} differs from what was sealed",
            row=row.position,
            index=i,
        )
    return Finding(DELETED, height, f"block {height}: rows from {i} on are missing", index=i)


@dataclass(slots=True)
class SealVerifier:
    """Checks blocks in height order, one at a time, and keeps a bounded report."""

    previous: Block | None = None
    blocks: int = 0
    rows: int = 0
    broken: int = 0
    findings: list[Finding] | None = None

    def add(self, block: Block, rows: Sequence[SealRow]) -> list[Finding]:
        found = check_block(block, self.previous, rows)
        self.blocks += 1
        self.rows += len(rows)
        if found:
            self.broken += 1
            listed = self.findings if self.findings is not None else []
            listed.extend(found[: max(0, MAX_FINDINGS - len(listed))])
            self.findings = listed
        self.previous = block
        return found

    def report(self) -> SealReport:
        last = self.previous
        return SealReport(
            self.blocks,
            self.rows,
            self.broken,
            tuple(self.findings or ()),
            head_height=0 if last is None else last.height,
            head_hash=GENESIS if last is None else last.hash,
        )


def combine(reports: Sequence[SealReport]) -> SealReport:
    """Reports of consecutive parts as one."""
    findings: list[Finding] = []
    for r in reports:
        findings.extend(r.findings)
    last = reports[-1] if reports else None
    return SealReport(
        sum(r.blocks for r in reports),
        sum(r.rows for r in reports),
        sum(r.broken_blocks for r in reports),
        tuple(findings[:MAX_FINDINGS]),
        head_height=0 if last is None else last.head_height,
        head_hash=GENESIS if last is None else last.head_hash,
    )
