"""Bodies of the sealed journal's endpoints: a transfer's inclusion proofs and the sealer's status."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from application.seals import SealStatus, status_to_dict

_HASH = "e21a8572ef4a0c54d238dd20943c948c3ee9a0c64b06b31e5eb777ae867c6864"
_POSITION = "12292 2025-03-01T12:00:00.000000Z 87fadcb7-4dc4-4cb3-a197-68b94447d5a3 posted 1"


class BlockOut(BaseModel):
    """A sealed block's header (also the `data` of the event `journal.sealed`)."""

    model_config = ConfigDict(extra="forbid")

    height: int = Field(description="1 for the first block; each block follows the one before.")
    hash: str = Field(description="SHA-256 (hex) of `header`: what the next block's `prev_hash` names.")
    prev_hash: str = Field(description="The previous block's hash (hex); 64 zeros for block 1.")
    merkle_root: str = Field(description="The root (hex) of the RFC 6962 Merkle tree over the block's rows.")
    row_count: int = Field(description="Rows (leaves) in the block.")
    first_position: str = Field(
        description="The first row's position: `txid created_at transfer_id layer line`."
    )
    last_position: str = Field(
        description="The last row's position (`-` as txid: a row written before txids)."
    )
    sealed_at: str = Field(description="When the block was sealed (UTC).")
    header: str = Field(
        description="The canonical header text (docs/audit/seals.md) whose SHA-256 is `hash`."
    )


class LineProofOut(BaseModel):
    """One line of the transfer: its inclusion proof, or `sealed: false` while it waits for the sealer."""

    model_config = ConfigDict(extra="forbid")

    layer: str
    line: int
    account_id: UUID
    position: str = Field(description="The line's place in the sealing order.")
    sealed: bool
    intact: bool | None = Field(
        default=None,
        description="False: the line lies in a sealed block but does not prove into it (tampering).",
    )
    leaf: str | None = Field(
        default=None, description="The line's canonical text: its leaf is SHA-256(0x00 || leaf)."
    )
    index: int | None = Field(default=None, description="The leaf's index in the block (from 0).")
    path: list[str] | None = Field(
        default=None, description="The audit path (hex), from the leaf up (RFC 9162)."
    )
    block: BlockOut | None = None


class TransferProofOut(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "transfer_id": "87fadcb7-4dc4-4cb3-a197-68b94447d5a3",
                    "lines": [
                        {
                            "layer": "posted",
                            "line": 1,
                            "account_id": "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90",
                            "position": _POSITION,
                            "sealed": True,
                            "intact": True,
                            "leaf": "razao.seal.entry.v1\ntransfer_id=87fadcb7-…\n…",
                            "index": 1,
                            "path": ["9d1f…"],
                            "block": {
                                "height": 1,
                                "hash": _HASH,
                                "row_count": 2,
                                "header": "razao.seal.block.v1\n…",
                            },
                        }
                    ],
                }
            ]
        },
    )

    transfer_id: UUID
    lines: list[LineProofOut]

    @staticmethod
    def document(transfer_id: UUID, lines: list[dict[str, Any]]) -> dict[str, Any]:
        return {"transfer_id": str(transfer_id), "lines": lines}


class SealStatusOut(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "height": 12,
                    "head_hash": _HASH,
                    "sealed_rows": 45_000,
                    "unsealed_rows": 38,
                    "oldest_unsealed_at": "2026-12-06T02:47:40.733620Z",
                    "last_sealed_at": "2026-12-06T02:47:31.002100Z",
                    "refused": None,
                }
            ]
        },
    )

    height: int = Field(description="The head block's height (0: nothing sealed yet).")
    head_hash: str = Field(
        description="The head block's hash (hex): publish it, it anchors every row before."
    )
    sealed_rows: int
    unsealed_rows: int = Field(description="Rows past the head (counted up to 1,000,000).")
    oldest_unsealed_at: str | None = Field(description="When the oldest unsealed row was booked (UTC).")
    last_sealed_at: str | None
    refused: str | None = Field(
        default=None,
        description="Why the sealer stops now, or null: the transaction id counter went back behind the "
        "sealed head (a logical restore into a new cluster; docs/audit/runbook-seals.md).",
    )

    @staticmethod
    def document(status: SealStatus) -> dict[str, Any]:
        return status_to_dict(status)
