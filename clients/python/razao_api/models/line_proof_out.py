from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.block_out import BlockOut


T = TypeVar("T", bound="LineProofOut")


@_attrs_define
class LineProofOut:
    """One line of the transfer: its inclusion proof, or `sealed: false` while it waits for the sealer.

    Attributes:
        layer (str):
        line (int):
        account_id (UUID):
        position (str): The line's place in the sealing order.
        sealed (bool):
        intact (bool | None | Unset): False: the line lies in a sealed block but does not prove into it (tampering).
        leaf (None | str | Unset): The line's canonical text: its leaf is SHA-256(0x00 || leaf).
        index (int | None | Unset): The leaf's index in the block (from 0).
        path (list[str] | None | Unset): The audit path (hex), from the leaf up (RFC 9162).
        block (BlockOut | None | Unset):
    """

    layer: str
    line: int
    account_id: UUID
    position: str
    sealed: bool
    intact: bool | None | Unset = UNSET
    leaf: None | str | Unset = UNSET
    index: int | None | Unset = UNSET
    path: list[str] | None | Unset = UNSET
    block: BlockOut | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.block_out import BlockOut

        layer = self.layer

        line = self.line

        account_id = str(self.account_id)

        position = self.position

        sealed = self.sealed

        intact: bool | None | Unset
        if isinstance(self.intact, Unset):
            intact = UNSET
        else:
            intact = self.intact

        leaf: None | str | Unset
        if isinstance(self.leaf, Unset):
            leaf = UNSET
        else:
            leaf = self.leaf

        index: int | None | Unset
        if isinstance(self.index, Unset):
            index = UNSET
        else:
            index = self.index

        path: list[str] | None | Unset
        if isinstance(self.path, Unset):
            path = UNSET
        elif isinstance(self.path, list):
            path = self.path

        else:
            path = self.path

        block: dict[str, Any] | None | Unset
        if isinstance(self.block, Unset):
            block = UNSET
        elif isinstance(self.block, BlockOut):
            block = self.block.to_dict()
        else:
            block = self.block

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "layer": layer,
                "line": line,
                "account_id": account_id,
                "position": position,
                "sealed": sealed,
            }
        )
        if intact is not UNSET:
            field_dict["intact"] = intact
        if leaf is not UNSET:
            field_dict["leaf"] = leaf
        if index is not UNSET:
            field_dict["index"] = index
        if path is not UNSET:
            field_dict["path"] = path
        if block is not UNSET:
            field_dict["block"] = block

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.block_out import BlockOut

        d = dict(src_dict)
        layer = d.pop("layer")

        line = d.pop("line")

        account_id = UUID(d.pop("account_id"))

        position = d.pop("position")

        sealed = d.pop("sealed")

        def _parse_intact(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        intact = _parse_intact(d.pop("intact", UNSET))

        def _parse_leaf(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        leaf = _parse_leaf(d.pop("leaf", UNSET))

        def _parse_index(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        index = _parse_index(d.pop("index", UNSET))

        def _parse_path(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                path_type_0 = cast(list[str], data)

                return path_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        path = _parse_path(d.pop("path", UNSET))

        def _parse_block(data: object) -> BlockOut | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                block_type_0 = BlockOut.from_dict(data)

                return block_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BlockOut | None | Unset, data)

        block = _parse_block(d.pop("block", UNSET))

        line_proof_out = cls(
            layer=layer,
            line=line,
            account_id=account_id,
            position=position,
            sealed=sealed,
            intact=intact,
            leaf=leaf,
            index=index,
            path=path,
            block=block,
        )

        return line_proof_out
