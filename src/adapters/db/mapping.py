"""Rows to domain objects and back, by hand: the domain never sees SQLAlchemy.

NUMERIC columns come back as `Decimal`; they hold whole minor units and become `int` here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.accounts import Account, AccountStatus, Balances, Layer, Side
from domain.assets import Asset
from domain.transfers import Entry, Posting, Transfer, TransferStatus


def _int(value: Decimal | int) -> int:
    return int(value)


def _optional_int(value: Decimal | int | None) -> int | None:
    return None if value is None else int(value)


# --- accounts ----------------------------------------------------------------------------------


def account_from_row(row: Any) -> Account:
    """A row of `accounts` joined with its asset's `scale`."""
    return Account(
        id=row.id,
        code=row.code,
        name=row.name,
        asset=Asset(row.asset_code, row.scale),
        normal_side=Side(row.normal_side),
        min_balance=_optional_int(row.min_balance),
        status=AccountStatus(row.status),
        metadata=row.metadata,
        created_at=row.created_at,
        balances=Balances(
            posted_debits=_int(row.posted_debits),
            posted_credits=_int(row.posted_credits),
            pending_debits=_int(row.pending_debits),
            pending_credits=_int(row.pending_credits),
        ),
        last_seq=row.last_seq,
    )


def account_values(account: Account) -> dict[str, Any]:
    """The columns of a new account. Balances and `last_seq` are left to their defaults (zero): the
    database's triggers keep them from the journal, and the application role may not write them."""
    return {
        "id": account.id,
        "code": account.code,
        "name": account.name,
        "asset_code": account.asset.code,
        "normal_side": account.normal_side.value,
        "min_balance": account.min_balance,
        "status": account.status.value,
        "metadata": account.metadata,
        "created_at": account.created_at,
    }


def account_state(account: Account) -> AccountStatus:
    """What `AccountRepository.save` writes: the status (balances and `last_seq` follow the journal)."""
    return account.status


def account_state_values(account: Account) -> dict[str, Any]:
    return {"b_id": account.id, "b_status": account.status.value}


# --- journal entries ---------------------------------------------------------------------------


def entry_from_row(row: Any) -> Entry:
    return Entry(
        transfer_id=row.transfer_id,
        account_id=row.account_id,
        seq=row.seq,
        layer=Layer(row.layer),
        side=Side(row.side),
        amount=_int(row.amount),
        asset=row.asset_code,
        balance_after=_int(row.balance_after),
        created_at=row.created_at,
        line=row.line,
    )


def entry_values(entry: Entry, effective_at: datetime) -> dict[str, Any]:
    """An entry's row: its value date is its transfer's `effective_at` (RZ119 otherwise)."""
    return {
        "transfer_id": entry.transfer_id,
        "account_id": entry.account_id,
        "seq": entry.seq,
        "line": entry.line,
        "layer": entry.layer.value,
        "side": entry.side.value,
        "amount": entry.amount,
        "asset_code": entry.asset,
        "balance_after": entry.balance_after,
        "created_at": entry.created_at,
        "effective_at": effective_at,
    }


# --- transfers ---------------------------------------------------------------------------------


def transfer_values(transfer: Transfer) -> dict[str, Any]:
    return {
        "id": transfer.id,
        "status": transfer.status.value,
        "two_phase": transfer.two_phase,
        "description": transfer.description,
        "metadata": transfer.metadata,
        "effective_at": transfer.effective_at,
        "created_at": transfer.created_at,
        "timeout_at": transfer.timeout_at,
        "resolved_at": transfer.resolved_at,
        "reverses_id": transfer.reverses_id,
        "fingerprint": transfer.fingerprint,
    }


def transfer_status_values(transfer: Transfer) -> dict[str, Any]:
    return {"b_id": transfer.id, "b_status": transfer.status.value, "b_resolved_at": transfer.resolved_at}


def _postings(rows: Iterable[Any], layer: str) -> tuple[Posting, ...]:
    lines = sorted((r for r in rows if r.layer == layer), key=lambda r: r.line)
    return tuple(Posting(r.account_id, Side(r.side), _int(r.amount), r.asset_code) for r in lines)


def transfer_from_row(row: Any, entry_rows: list[Any]) -> Transfer:
    """A `transfers` row (with `reversed_by_id`) and all its entries.

    A two-phase transfer's postings are its holds (the pending layer); what reached the posted
    balances, in full or in part, is its posted layer.
    """
    posted = _postings(entry_rows, Layer.POSTED.value)
    return Transfer(
        id=row.id,
        postings=_postings(entry_rows, Layer.PENDING.value) if row.two_phase else posted,
        status=TransferStatus(row.status),
        two_phase=row.two_phase,
        description=row.description,
        metadata=row.metadata,
        effective_at=row.effective_at,
        created_at=row.created_at,
        fingerprint=row.fingerprint,
        timeout_at=row.timeout_at,
        resolved_at=row.resolved_at,
        posted=posted,
        reverses_id=row.reverses_id,
        reversed_by_id=row.reversed_by_id,
    )
