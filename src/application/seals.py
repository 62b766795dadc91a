"""Use cases of the sealed journal: seal the committed journal in blocks, verify the blocks, prove a row.

`seal_next` seals one block, in one transaction: under the sealing lock (two sealers never fork the
chain; the primary key on the height would refuse it anyway), the rows after the head block's last
position that are sealable (their transaction, and every older one that could write this journal, has
ended), at most `max_rows`, become block head+1 (`domain.seals.seal_block`), published as a
`journal.sealed` event in the same transaction. A block never waits to be full: the sealer
(`adapters.tasks.jobs.seal_all`) seals blocks until nothing is left (or its time is up), each in its own
transaction, so a sealer killed midway loses nothing. Sealing refuses (`InvalidState`, reason
`xid_behind_seal_head`) while the next transaction id is not past the head block's last txid: after a
logical restore into a new cluster the counter starts again, and new rows would sort inside sealed ranges
and never be sealed (docs/audit/runbook-seals.md says how to recover).

`verify_seals` recomputes blocks from the journal as it is now, after a height, at most `limit` blocks
and about `VERIFY_ROWS` rows read per part (one statement in the database mode), and reports what differs
(`domain.seals.check_block`). `prove_transfer` answers, for each line of a transfer, its inclusion proof
in its block, or that it is not sealed yet. `seal_status` is the sealer's state: height, head hash, rows
sealed (the head's running total), rows waiting (at most `UNSEALED_CAP` counted), and why sealing is
refused if it is.

Ports (`SealStore`) are implemented by `adapters.db.seals` (the app) and `razao_seal_store` (inside
PostgreSQL), with the same statements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application.events import Event, EventLog, EventType
from application.ports import Clock, Transaction
from domain.errors import InvalidState, NotFound, NotSealedYet, ValidationError
from domain.seals import (
    BROKEN_CHAIN,
    GENESIS,
    MAX_BLOCK_ROWS,
    Block,
    Finding,
    Position,
    Proof,
    SealReport,
    SealRow,
    SealVerifier,
    combine,
    prove,
    seal_block,
    utc_text,
)

#: Rows per block by default (RAZAO_SEAL_BLOCK_ROWS); the most a block may hold is
#: `domain.seals.MAX_BLOCK_ROWS`, so that a proof (which reads up to twice a block) stays short.
BLOCK_ROWS = 4096
#: Most blocks, and about the most journal rows read (each block's rows and its slack), per verification
#: part: one part is one statement in the database mode, well within statement_timeout
#: (docs/audit/seals.md, "Cost").
VERIFY_BLOCKS = 64
VERIFY_ROWS = 65_536
#: Most unsealed rows the status counts (the lag is "at least" that beyond): the metrics read it at
#: every scrape, so it stays a short index range.
UNSEALED_CAP = 10_000
#: The reason `seal_next` refuses while the transaction id counter is not past the sealed head.
XID_BEHIND = "xid_behind_seal_head"


class SealStore(Protocol):
    def lock(self) -> None:
        """Take the sealing lock until the end of the transaction."""
        ...

    def head(self) -> Block | None: ...
    def block(self, height: int) -> Block | None: ...
    def blocks(self, after_height: int, limit: int) -> list[Block]: ...

    def block_of(self, position: Position) -> Block | None:
        """The block whose range holds `position` (None: past the head)."""
        ...

    def rows(
        self, after: Position | None, upto: Position | None, limit: int, *, sealable_only: bool
    ) -> list[SealRow]:
        """The rows in (after, upto] in position order (None: from the start / to the end), at most
        `limit`; with `sealable_only`, only rows of transactions older than every one still running."""
        ...

    def transfer_rows(self, transfer_id: UUID) -> list[SealRow] | None:
        """The transfer's lines (None: no such transfer)."""
        ...

    def add(self, block: Block) -> None: ...

    def sealed_rows(self) -> int:
        """Rows sealed so far (the head block's running total)."""
        ...

    def next_txid(self) -> int:
        """The transaction id no transaction has yet (the current snapshot's xmax)."""
        ...

    def unsealed(self, after: Position | None, cap: int) -> tuple[int, str | None]:
        """How many rows lie past `after` (at most `cap` counted) and the oldest one's time (ISO)."""
        ...


class SealUnitOfWork(Transaction, Protocol):
    seals: SealStore
    events: EventLog


def check_block_rows(max_rows: int) -> int:
    """`max_rows`, if a block may hold that many rows (1 to `MAX_BLOCK_ROWS`)."""
    if not 1 <= max_rows <= MAX_BLOCK_ROWS:
        raise ValidationError.of("max_rows", f"must be between 1 and {MAX_BLOCK_ROWS}")
    return max_rows


# --- sealing -------------------------------------------------------------------------------------------


def block_document(block: Block) -> dict[str, Any]:
    """A block header as the API, the event `journal.sealed` and the logs show it."""
    h = block.header
    return {
        "height": h.height,
        "hash": block.hash.hex(),
        "prev_hash": h.prev_hash.hex(),
        "merkle_root": h.merkle_root.hex(),
        "row_count": h.row_count,
        "first_position": h.first.text(),
        "last_position": h.last.text(),
        "sealed_at": utc_text(h.sealed_at),
        "header": h.canonical().decode("utf-8"),
    }


def sealed_event(block: Block, at: datetime) -> Event:
    return Event(EventType.JOURNAL_SEALED, at, block_document(block))


def xid_behind(head: Block | None, next_txid: int) -> str | None:
    """Why sealing must stop, or None: the next transaction id is not past the head's last txid (a logical
    restore or migration into a new cluster restarted the counter), so new rows would sort inside sealed
    ranges."""
    last = None if head is None or head.header.last.is_legacy else head.header.last.txid
    if last is None or next_txid > last:
        return None
    return (
        f"sealing refused: the next transaction id ({next_txid}) is not past the sealed head's last txid"
        f" ({last}, block {head.height if head else 0}); the transaction id counter went back (a logical"
        " restore into a new cluster?): new rows would never be sealed; see docs/audit/runbook-seals.md"
    )


def seal_next(uow: SealUnitOfWork, clock: Clock, max_rows: int = BLOCK_ROWS) -> Block | None:
    """Seal the next block (None: nothing is sealable now). `InvalidState` (reason `XID_BEHIND`) while the
    transaction id counter is not past the head (`xid_behind`)."""
    check_block_rows(max_rows)
    with uow:
        uow.seals.lock()
        head = uow.seals.head()
        next_txid = uow.seals.next_txid()
        refused = xid_behind(head, next_txid)
        if refused is not None:
            raise InvalidState(
                refused, reason=XID_BEHIND, next_txid=next_txid, height=head.height if head else 0
            )
        rows = uow.seals.rows(None if head is None else head.header.last, None, max_rows, sealable_only=True)
        if not rows:
            return None
        at = clock.now()
        block = seal_block(rows, head, at)
        uow.seals.add(block)
        uow.events.add([sealed_event(block, at)])
        uow.commit()
        return block


# --- verification --------------------------------------------------------------------------------------


def verify_seals(
    uow: SealUnitOfWork, after_height: int = 0, limit: int = VERIFY_BLOCKS, max_rows: int = VERIFY_ROWS
) -> SealReport:
    """Recompute blocks after `after_height` from the journal and check them (and their link to block
    `after_height`): at most `limit` blocks, and no block whose rows would take the rows read past
    `max_rows` (the first block is always checked). An empty report (no block) means the chain ends
    there; otherwise the next part starts after the report's `head_height`."""
    if limit < 1:
        raise ValidationError.of("limit", "must be at least 1")
    with uow:
        previous = uow.seals.block(after_height) if after_height > 0 else None
        verifier = SealVerifier(previous=previous)
        if after_height > 0 and previous is None:
            verifier.broken = 1
            verifier.findings = [Finding(BROKEN_CHAIN, after_height, f"block {after_height} is missing")]
        read = 0
        for block in uow.seals.blocks(after_height, limit):
            most = block.header.row_count + _slack(block)
            if verifier.blocks > 0 and read + most > max_rows:
                break
            low = None if verifier.previous is None else verifier.previous.header.last
            rows = uow.seals.rows(low, block.header.last, most, sealable_only=False)
            read += most
            verifier.add(block, rows)
        return verifier.report()


def _slack(block: Block) -> int:
    """How many rows past its count a block's range is read (inserted rows show up within it)."""
    return max(16, block.header.row_count)


def verify_all(verify_part: Callable[[int], SealReport]) -> SealReport:
    """Every block, a part at a time: `verify_part(after_height)` checks the blocks after that height."""
    parts: list[SealReport] = []
    after = 0
    while True:
        part = verify_part(after)
        if part.blocks == 0:
            if part.findings:
                parts.append(part)
            break
        parts.append(part)
        after = part.head_height
    return combine(parts)


def report_to_dict(report: SealReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "blocks": report.blocks,
        "rows": report.rows,
        "broken_blocks": report.broken_blocks,
        "head_height": report.head_height,
        "head_hash": report.head_hash.hex(),
        "findings": [finding_to_dict(f) for f in report.findings],
    }


def finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "height": f.height,
        "detail": f.detail,
        "row": None if f.row is None else f.row.text(),
        "index": f.index,
    }


def report_from_dict(data: dict[str, Any]) -> SealReport:
    return SealReport(
        int(data["blocks"]),
        int(data["rows"]),
        int(data["broken_blocks"]),
        tuple(
            Finding(f["kind"], int(f["height"]), f["detail"], _position_text(f["row"]), f["index"])
            for f in data["findings"]
        ),
        head_height=int(data.get("head_height", 0)),
        head_hash=bytes.fromhex(data.get("head_hash", GENESIS.hex())),
    )


def _position_text(text: str | None) -> Position | None:
    if text is None:
        return None
    txid, created_at, transfer_id, layer, line = text.split(" ")
    return Position.of(
        None if txid == "-" else int(txid),
        datetime.fromisoformat(created_at.replace("Z", "+00:00")),
        UUID(transfer_id),
        layer,
        int(line),
    )


# --- proofs --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineProof:
    """One line of a transfer: its proof, or None while it is not sealed yet (`row` as read now)."""

    row: SealRow
    proof: Proof | None
    #: False when the line lies in a sealed range but does not prove into its block (tampering).
    intact: bool = True


def prove_transfer(uow: SealUnitOfWork, transfer_id: UUID) -> list[LineProof]:
    """The inclusion proof of each line of the transfer. `NotFound`: no such transfer; `NotSealedYet`:
    none of its lines is sealed yet."""
    with uow:
        rows = uow.seals.transfer_rows(transfer_id)
        if rows is None:
            raise NotFound(f"transfer {transfer_id} not found", transfer_id=str(transfer_id))
        cache: dict[int, list[SealRow]] = {}
        answers: list[LineProof] = []
        for row in rows:
            block = uow.seals.block_of(row.position)
            if block is None:
                answers.append(LineProof(row, None))
                continue
            if block.height not in cache:
                before = uow.seals.block(block.height - 1) if block.height > 1 else None
                low = None if before is None else before.header.last
                cache[block.height] = uow.seals.rows(
                    low, block.header.last, block.header.row_count + _slack(block), sealable_only=False
                )
            proof = prove(cache[block.height], block, row.position)
            answers.append(LineProof(row, proof, intact=proof is not None and proof.check()))
        if answers and all(a.proof is None for a in answers):
            raise NotSealedYet(
                f"transfer {transfer_id} is not sealed yet: the sealer seals committed rows within seconds",
                transfer_id=str(transfer_id),
            )
        return answers


def proof_to_dict(line: LineProof) -> dict[str, Any]:
    row = line.row
    answer: dict[str, Any] = {
        "layer": row.layer,
        "line": row.line,
        "account_id": str(row.account_id),
        "position": row.position.text(),
        "sealed": line.proof is not None,
    }
    if line.proof is not None:
        answer.update(
            intact=line.intact,
            leaf=row.canonical().decode("utf-8"),
            index=line.proof.index,
            path=[p.hex() for p in line.proof.path],
            block=block_document(line.proof.block),
        )
    return answer


# --- status --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SealStatus:
    height: int
    head_hash: bytes
    sealed_rows: int
    #: Rows past the head (at most `UNSEALED_CAP` counted), and when the oldest of them was booked.
    unsealed_rows: int
    oldest_unsealed_at: datetime | None
    last_sealed_at: datetime | None
    #: Why sealing is refused now (`xid_behind`), or None.
    refused: str | None = None


def seal_status(uow: SealUnitOfWork) -> SealStatus:
    """A few index probes whatever the journal's size: the head, its running total, at most
    `UNSEALED_CAP` rows past it, the next transaction id."""
    with uow:
        head = uow.seals.head()
        sealed = uow.seals.sealed_rows()
        waiting, oldest = uow.seals.unsealed(None if head is None else head.header.last, UNSEALED_CAP)
        return SealStatus(
            height=0 if head is None else head.height,
            head_hash=GENESIS if head is None else head.hash,
            sealed_rows=sealed,
            unsealed_rows=waiting,
            oldest_unsealed_at=None if oldest is None else datetime.fromisoformat(oldest),
            last_sealed_at=None if head is None else head.header.sealed_at,
            refused=xid_behind(head, uow.seals.next_txid()),
        )


def status_to_dict(status: SealStatus) -> dict[str, Any]:
    return {
        "height": status.height,
        "head_hash": status.head_hash.hex(),
        "sealed_rows": status.sealed_rows,
        "unsealed_rows": status.unsealed_rows,
        "oldest_unsealed_at": None
        if status.oldest_unsealed_at is None
        else utc_text(status.oldest_unsealed_at),
        "last_sealed_at": None if status.last_sealed_at is None else utc_text(status.last_sealed_at),
        "refused": status.refused,
    }


def status_from_dict(data: dict[str, Any]) -> SealStatus:
    def instant(value: str | None) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))

    return SealStatus(
        int(data["height"]),
        bytes.fromhex(data["head_hash"]),
        int(data["sealed_rows"]),
        int(data["unsealed_rows"]),
        instant(data["oldest_unsealed_at"]),
        instant(data["last_sealed_at"]),
        data.get("refused"),
    )


# --- the path: in the app (here) or in the database (`adapters.db.seals.InDatabaseSealPath`) ----------


class SealPath(Protocol):
    """What the sealer, the checks, the API and the metrics call, in either execution mode."""

    def seal_next(self) -> dict[str, Any] | None:
        """Seal one block (one transaction): its document, or None when nothing is sealable."""
        ...

    def verify(self, after_height: int, limit: int = VERIFY_BLOCKS) -> SealReport: ...
    def prove(self, transfer_id: UUID) -> list[dict[str, Any]]: ...
    def status(self) -> SealStatus: ...


class InAppSealPath:
    def __init__(self, uow: Callable[[], SealUnitOfWork], clock: Clock, max_rows: int = BLOCK_ROWS) -> None:
        self._uow = uow
        self._clock = clock
        self.max_rows = check_block_rows(max_rows)

    def seal_next(self) -> dict[str, Any] | None:
        block = seal_next(self._uow(), self._clock, self.max_rows)
        return None if block is None else block_document(block)

    def verify(self, after_height: int, limit: int = VERIFY_BLOCKS) -> SealReport:
        return verify_seals(self._uow(), after_height, limit)

    def prove(self, transfer_id: UUID) -> list[dict[str, Any]]:
        return [proof_to_dict(p) for p in prove_transfer(self._uow(), transfer_id)]

    def status(self) -> SealStatus:
        return seal_status(self._uow())
