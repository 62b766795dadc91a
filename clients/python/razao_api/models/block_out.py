from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="BlockOut")


@_attrs_define
class BlockOut:
    """A sealed block's header (also the `data` of the event `journal.sealed`).

    Attributes:
        height (int): 1 for the first block; each block follows the one before.
        hash_ (str): SHA-256 (hex) of `header`: what the next block's `prev_hash` names.
        prev_hash (str): The previous block's hash (hex); 64 zeros for block 1.
        merkle_root (str): The root (hex) of the RFC 6962 Merkle tree over the block's rows.
        row_count (int): Rows (leaves) in the block.
        first_position (str): The first row's position: `txid created_at transfer_id layer line`.
        last_position (str): The last row's position (`-` as txid: a row written before txids).
        sealed_at (str): When the block was sealed (UTC).
        header (str): The canonical header text (docs/audit/seals.md) whose SHA-256 is `hash`.
    """

    height: int
    hash_: str
    prev_hash: str
    merkle_root: str
    row_count: int
    first_position: str
    last_position: str
    sealed_at: str
    header: str

    def to_dict(self) -> dict[str, Any]:
        height = self.height

        hash_ = self.hash_

        prev_hash = self.prev_hash

        merkle_root = self.merkle_root

        row_count = self.row_count

        first_position = self.first_position

        last_position = self.last_position

        sealed_at = self.sealed_at

        header = self.header

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "height": height,
                "hash": hash_,
                "prev_hash": prev_hash,
                "merkle_root": merkle_root,
                "row_count": row_count,
                "first_position": first_position,
                "last_position": last_position,
                "sealed_at": sealed_at,
                "header": header,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        height = d.pop("height")

        hash_ = d.pop("hash")

        prev_hash = d.pop("prev_hash")

        merkle_root = d.pop("merkle_root")

        row_count = d.pop("row_count")

        first_position = d.pop("first_position")

        last_position = d.pop("last_position")

        sealed_at = d.pop("sealed_at")

        header = d.pop("header")

        block_out = cls(
            height=height,
            hash_=hash_,
            prev_hash=prev_hash,
            merkle_root=merkle_root,
            row_count=row_count,
            first_position=first_position,
            last_position=last_position,
            sealed_at=sealed_at,
            header=header,
        )

        return block_out
