"""What the API answers for the ledger's objects, stated once: plain documents built from domain objects.

The HTTP adapter encodes them as its responses (`adapters.http.schemas`, whose models keep the
documented schema), and the events carry them as their payload (`application.events`), so an event's
`data` is what `GET /v1/transfers/{id}`, `GET /v1/accounts/{id}` or `GET /v1/jobs/{id}` answered at
that moment. A document holds JSON values plus UUIDs, UTC datetimes and string enums, which every
encoder the project uses writes the same way (orjson in the API; `json` with a `default` for UUIDs and
datetimes in the outbox, in the app and inside PostgreSQL). Standard library only.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from domain.accounts import Account
from domain.monitors import Monitor
from domain.periods import PeriodClose
from domain.transfers import Posting, Transfer
from domain.values import canonical_json

if TYPE_CHECKING:  # a job's module records its events with these documents
    from application.jobs import Job


def utc(value: datetime) -> datetime:
    """`value` in UTC: encoded as ISO 8601 with `+00:00`, as the API writes instants."""
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


def metadata_document(value: dict[str, Any]) -> dict[str, Any]:
    """Client metadata with its keys sorted at every level, so a replay answers byte for byte the same."""
    result: dict[str, Any] = json.loads(canonical_json(value)) if value else {}
    return result


def posting_document(posting: Posting) -> dict[str, Any]:
    return {
        "account_id": posting.account_id,
        "side": posting.side,
        "amount": posting.amount,
        "asset": posting.asset,
    }


def transfer_document(t: Transfer) -> dict[str, Any]:
    """A transfer as `GET /v1/transfers/{id}` answers it."""
    return {
        "id": t.id,
        "status": t.status,
        "two_phase": t.two_phase,
        "postings": [posting_document(p) for p in t.postings],
        "posted": [posting_document(p) for p in t.posted],
        "description": t.description,
        "metadata": metadata_document(t.metadata),
        "effective_at": utc(t.effective_at),
        "created_at": utc(t.created_at),
        "timeout_at": _utc_or_none(t.timeout_at),
        "resolved_at": _utc_or_none(t.resolved_at),
        "reverses_id": t.reverses_id,
        "reversed_by_id": t.reversed_by_id,
    }


def account_document(account: Account) -> dict[str, Any]:
    """An account with its balances, as `GET /v1/accounts/{id}` answers it."""
    b = account.balances
    return {
        "id": account.id,
        "code": account.code,
        "name": account.name,
        "asset": account.asset.code,
        "normal_side": account.normal_side,
        "min_balance": account.min_balance,
        "status": account.status,
        "metadata": metadata_document(account.metadata),
        "created_at": utc(account.created_at),
        "balances": {
            "posted_debits": b.posted_debits,
            "posted_credits": b.posted_credits,
            "pending_debits": b.pending_debits,
            "pending_credits": b.pending_credits,
            "posted": account.posted_balance,
            "available": account.available_balance,
        },
    }


def monitor_document(monitor: Monitor) -> dict[str, Any]:
    """A balance monitor, as `GET /v1/accounts/{account_id}/monitors/{id}` answers it."""
    c = monitor.condition
    return {
        "id": monitor.id,
        "account_id": monitor.account_id,
        "balance": c.balance,
        "comparison": c.comparison,
        "threshold": c.threshold,
        "description": monitor.description,
        "metadata": metadata_document(monitor.metadata),
        "created_at": utc(monitor.created_at),
        "triggered": monitor.triggered,
        "triggered_at": _utc_or_none(monitor.triggered_at),
    }


def job_document(job: Job) -> dict[str, Any]:
    """A background job's record, as `GET /v1/jobs/{id}` answers it."""
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state,
        "params": job.params,
        "progress": {"processed": job.processed, "total": job.total},
        "result": job.result,
        "errors": job.errors,
        "request_id": job.request_id,
        "created_at": utc(job.created_at),
        "started_at": _utc_or_none(job.started_at),
        "finished_at": _utc_or_none(job.finished_at),
    }


def period_document(close: PeriodClose) -> dict[str, Any]:
    """A period close, as `GET /v1/periods/{id}` answers it (without its snapshot's size)."""
    return {
        "id": close.id,
        "asset": close.asset,
        "through": close.through.isoformat(),
        "status": "closed" if close.active else "reopened",
        "reason": close.reason,
        "closed_at": utc(close.closed_at),
        "closed_by": close.closed_by,
        "reopened_at": _utc_or_none(close.reopened_at),
        "reopened_by": close.reopened_by,
        "reopen_reason": close.reopen_reason,
    }
