"""Entry points of the sealed journal in the in-database mode: `razao.seal_journal`, `razao.verify_seals`,
`razao.seal_proof` and `razao.seal_status` call these.

Each runs the SAME use case the app runs (`application.seals`) over `razao_seal_store.PlpySealUnitOfWork`,
and answers in the JSON the app's `adapters.db.seals.InDatabaseSealPath` decodes. The calling convention,
the errors (a `DomainError` becomes SQLSTATE RZ001 with its codec JSON) and the security context are
those of `razao_entry`: SECURITY DEFINER, owned by razao_owner, `SET search_path = pg_catalog, public`,
EXECUTE revoked from PUBLIC and granted to razao_app only.
"""

from __future__ import annotations

from typing import Any

from razao_entry import _answer, _uuid
from razao_seal_store import PlpySealUnitOfWork
from razao_store import TransactionClock

from application import seals


def seal_journal(plpy: Any, max_rows: int) -> str:
    """Seal the next block of the journal: at most `max_rows` rows of ended transactions after the head.

    Inputs:  max_rows integer (1 to 16,384).
    Outputs: jsonb, `application.seals.block_document` of the new block ({"height", "hash", "prev_hash",
             "merkle_root", "row_count", "first_position", "last_position", "sealed_at", "header"}), or
             null when nothing is sealable. RZ001 `invalid_state` (context reason
             `xid_behind_seal_head`) while the next transaction id is not past the head's last txid.
    Uses:    application.seals.seal_next, domain.seals; takes the transaction-level advisory lock
             'razao.seal_blocks', reads public.entries joined with public.transfers in sealing order,
             inserts one row into public.seal_blocks and one `journal.sealed` into public.events.
    Example: SELECT razao.seal_journal('<version>', 4096);
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. VOLATILE: one call, one block, one transaction.
    """

    def work() -> Any:
        block = seals.seal_next(PlpySealUnitOfWork(plpy), TransactionClock(plpy), max_rows)
        return None if block is None else seals.block_document(block)

    return _answer(plpy, work)


def verify_seals(plpy: Any, after_height: int, max_blocks: int) -> str:
    """Recompute `max_blocks` sealed blocks after height `after_height` from the journal; changes nothing.

    Inputs:  after_height bigint (0: from the first block); max_blocks integer (at least 1).
    Outputs: jsonb, `application.seals.report_to_dict` (at most max_blocks blocks and about
             `application.seals.VERIFY_ROWS` journal rows read; {"ok", "blocks", "rows", "broken_blocks",
             "head_height", "head_hash", "findings": [{"kind", "height", "detail", "row", "index"}]}).
    Uses:    application.seals.verify_seals, domain.seals.check_block; reads public.seal_blocks and each
             block's range of public.entries joined with public.transfers.
    Example: SELECT razao.verify_seals('<version>', 0, 64);
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. STABLE.
    """

    def work() -> Any:
        return seals.report_to_dict(seals.verify_seals(PlpySealUnitOfWork(plpy), after_height, max_blocks))

    return _answer(plpy, work)


def seal_proof(plpy: Any, transfer_id: str) -> str:
    """The inclusion proof of each line of a transfer in its sealed block.

    Inputs:  transfer_id uuid.
    Outputs: jsonb, a list of `application.seals.proof_to_dict` ({"layer", "line", "account_id",
             "position", "sealed", and when sealed "intact", "leaf", "index", "path", "block"}).
             RZ001 `not_found` for an unknown transfer, `not_sealed_yet` when none of its lines is sealed.
    Uses:    application.seals.prove_transfer, domain.seals.prove; reads public.entries,
             public.transfers and public.seal_blocks.
    Example: SELECT razao.seal_proof('<version>', '0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90');
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. STABLE.
    """

    def work() -> Any:
        lines = seals.prove_transfer(PlpySealUnitOfWork(plpy), _uuid(transfer_id, "transfer_id"))
        return [seals.proof_to_dict(line) for line in lines]

    return _answer(plpy, work)


def seal_status(plpy: Any) -> str:
    """The sealer's state: height, head hash, rows sealed, rows waiting and the oldest one's time.

    Inputs:  none.
    Outputs: jsonb, `application.seals.status_to_dict` ({"height", "head_hash", "sealed_rows",
             "unsealed_rows" (at most 10,000 counted), "oldest_unsealed_at", "last_sealed_at", "refused"
             (why sealing is refused, or null)}).
    Uses:    application.seals.seal_status; reads public.seal_blocks and public.entries past the head.
    Example: SELECT razao.seal_status('<version>');
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. STABLE.
    """

    def work() -> Any:
        return seals.status_to_dict(seals.seal_status(PlpySealUnitOfWork(plpy)))

    return _answer(plpy, work)
