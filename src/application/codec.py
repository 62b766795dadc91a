"""The JSON codec both execution modes share: requests, results and errors as JSON-able dicts.

The in-app adapter sends requests to the PL/Python functions and decodes their answers with these
functions; the PL/Python entry points (which run this very module inside PostgreSQL) decode the
requests and encode the answers. Conventions:

- UUIDs are strings; datetimes are ISO 8601 text with an offset (a time without one is refused);
- amounts and balances are JSON integers, never floats (jsonb keeps every digit of NUMERIC(38, 0));
- a `DomainError` is `{"code", "detail", "context", "issues": [{"field", "message"}]}` and comes back
  as the subclass of `domain.errors` its code names.

Decoding a request checks only its shape (ids, times, lists); the domain's constructors check the
values, so a bad request fails with the same `ValidationError` in both modes. Standard library only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from application.accounts import BalanceAsOf, BalanceHistory
from application.pages import Page
from application.ports import StatementLine
from domain.accounts import Account, AccountStatus, Balances, Layer, Side
from domain.assets import Asset
from domain.errors import ALL_ERRORS, DomainError, FieldIssue, ValidationError
from domain.ledger import Outcome
from domain.reports import AssetTotals
from domain.time_basis import Basis, DayBalance, ValuePosition
from domain.transfers import Entry, Posting, ReversalRequest, Transfer, TransferRequest, TransferStatus

T = TypeVar("T")
JSON = dict[str, Any]

# --- text ------------------------------------------------------------------------------------------


def dumps(value: Any) -> str:
    """Compact JSON text (UTF-8 kept as is)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def loads(text: str | bytes) -> Any:
    return json.loads(text)


# --- reading values --------------------------------------------------------------------------------


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError.of(field, message)


def _object(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _refuse(field, "must be a JSON object")
    return value


def _list(value: Any, field: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise _refuse(field, "must be a JSON array")
    return value


def _key(data: Mapping[str, Any], key: str, field: str) -> Any:
    if key not in data:
        raise _refuse(_at(field, key), "is required")
    return data[key]


def _at(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


#: UUIDs already parsed, by their text: an answer names the same accounts and transfers many times, and
#: `UUID(text)` runs Python code (a batch of 1,000 transfers parses about 9,000). Bounded: emptied when full.
_UUIDS: dict[str, UUID] = {}
_UUIDS_KEPT = 65_536


def _uuid(value: Any, field: str) -> UUID:
    if isinstance(value, UUID):
        return value
    if not isinstance(value, str):
        raise _refuse(field, "must be a UUID")
    parsed = _UUIDS.get(value)
    if parsed is not None:
        return parsed
    try:
        parsed = UUID(value)
    except ValueError:
        raise _refuse(field, "must be a UUID") from None
    if len(_UUIDS) >= _UUIDS_KEPT:
        _UUIDS.clear()
    _UUIDS[value] = parsed
    return parsed


def _optional(read: Callable[[Any, str], T], value: Any, field: str) -> T | None:
    return None if value is None else read(value, field)


def _datetime(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise _refuse(field, "must be an ISO 8601 date and time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _refuse(field, "must be an ISO 8601 date and time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise _refuse(field, "must carry a time zone")
    return parsed


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refuse(field, "must be an integer")
    return value


def _str(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise _refuse(field, "must be a string")
    return value


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise _refuse(field, "must be true or false")
    return value


def _sorted_json(value: Any) -> Any:
    """Objects with their keys in order, at every level (jsonb reorders keys; this undoes it)."""
    if isinstance(value, Mapping):
        return {key: _sorted_json(value[key]) for key in sorted(value)}
    if isinstance(value, list | tuple):
        return [_sorted_json(item) for item in value]
    return value


def _metadata(value: Any, field: str) -> dict[str, Any]:
    return dict(_sorted_json(_object(value, field)))


# --- writing values --------------------------------------------------------------------------------


def _iso(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a datetime without a time zone cannot be encoded")
    return value.isoformat()


def _iso_or_none(value: datetime | None) -> str | None:
    return None if value is None else _iso(value)


def _str_or_none(value: UUID | None) -> str | None:
    return None if value is None else str(value)


# --- requests --------------------------------------------------------------------------------------

#: Enum members by value: a dict lookup, where calling the enum runs Python code for every value read.
_MEMBERS: dict[type[Any], dict[Any, Any]] = {
    kind: {member.value: member for member in kind} for kind in (Side, Layer, TransferStatus, AccountStatus)
}


def _member(kind: type[T], value: Any) -> T:
    """`kind(value)`, cheaply for the values every answer repeats (an unknown one raises as `kind` does)."""
    member = _MEMBERS[kind].get(value) if isinstance(value, str) else None
    return member if member is not None else kind(value)  # type: ignore[call-arg]


def posting_to_dict(posting: Posting) -> JSON:
    return {
        "account_id": str(posting.account_id),
        "side": posting.side.value,
        "amount": posting.amount,
        "asset": posting.asset,
    }


def posting_from_dict(data: Any, field: str = "posting") -> Posting:
    data = _object(data, field)
    side = _key(data, "side", field)
    return Posting(
        _uuid(_key(data, "account_id", field), _at(field, "account_id")),
        _MEMBERS[Side].get(side, side) if isinstance(side, str) else side,  # Posting refuses a bad one
        _key(data, "amount", field),
        data.get("asset"),
    )


def _postings(value: Any, field: str) -> tuple[Posting, ...]:
    return tuple(posting_from_dict(p, f"{field}[{i}]") for i, p in enumerate(_list(value, field)))


def transfer_request_to_dict(request: TransferRequest) -> JSON:
    return {
        "id": str(request.id),
        "postings": [posting_to_dict(p) for p in request.postings],
        "pending": request.pending,
        "timeout_seconds": request.timeout_seconds,
        "effective_at": _iso_or_none(request.effective_at),
        "description": request.description,
        "metadata": request.metadata,
    }


def transfer_request_from_dict(data: Any, field: str = "") -> TransferRequest:
    data = _object(data, field or "transfer")
    return TransferRequest(
        _uuid(_key(data, "id", field), _at(field, "id")),
        _postings(_key(data, "postings", field), _at(field, "postings")),
        pending=data.get("pending", False),
        timeout_seconds=data.get("timeout_seconds"),
        effective_at=_optional(_datetime, data.get("effective_at"), _at(field, "effective_at")),
        description=data.get("description", ""),
        metadata=data.get("metadata") or {},
    )


def transfer_requests_from_list(data: Any) -> list[TransferRequest]:
    """A batch, each request named `transfers[i]` in validation errors (as the HTTP API names them)."""
    items = _list(data, "transfers")
    return [transfer_request_from_dict(item, f"transfers[{i}]") for i, item in enumerate(items)]


def reversal_request_to_dict(request: ReversalRequest) -> JSON:
    return {
        "id": str(request.id),
        "original_id": str(request.original_id),
        "description": request.description,
        "metadata": request.metadata,
        "effective_at": _iso_or_none(request.effective_at),
    }


def reversal_request_from_dict(data: Any) -> ReversalRequest:
    data = _object(data, "reversal")
    return ReversalRequest(
        _uuid(_key(data, "id", ""), "id"),
        _uuid(_key(data, "original_id", ""), "original_id"),
        description=data.get("description", ""),
        metadata=data.get("metadata") or {},
        effective_at=_optional(_datetime, data.get("effective_at"), "effective_at"),
    )


# --- transfers and entries -------------------------------------------------------------------------


def transfer_to_dict(transfer: Transfer) -> JSON:
    return {
        "id": str(transfer.id),
        "postings": [posting_to_dict(p) for p in transfer.postings],
        "status": transfer.status.value,
        "two_phase": transfer.two_phase,
        "description": transfer.description,
        "metadata": transfer.metadata,
        "effective_at": _iso(transfer.effective_at),
        "created_at": _iso(transfer.created_at),
        "fingerprint": transfer.fingerprint,
        "timeout_at": _iso_or_none(transfer.timeout_at),
        "resolved_at": _iso_or_none(transfer.resolved_at),
        "posted": [posting_to_dict(p) for p in transfer.posted],
        "reverses_id": _str_or_none(transfer.reverses_id),
        "reversed_by_id": _str_or_none(transfer.reversed_by_id),
    }


def transfer_from_dict(data: Any) -> Transfer:
    data = _object(data, "transfer")
    return Transfer(
        id=_uuid(data["id"], "id"),
        postings=_postings(data["postings"], "postings"),
        status=_member(TransferStatus, data["status"]),
        two_phase=_bool(data["two_phase"], "two_phase"),
        description=_str(data["description"], "description"),
        metadata=_metadata(data["metadata"], "metadata"),
        effective_at=_datetime(data["effective_at"], "effective_at"),
        created_at=_datetime(data["created_at"], "created_at"),
        fingerprint=_str(data["fingerprint"], "fingerprint"),
        timeout_at=_optional(_datetime, data.get("timeout_at"), "timeout_at"),
        resolved_at=_optional(_datetime, data.get("resolved_at"), "resolved_at"),
        posted=_postings(data.get("posted", []), "posted"),
        reverses_id=_optional(_uuid, data.get("reverses_id"), "reverses_id"),
        reversed_by_id=_optional(_uuid, data.get("reversed_by_id"), "reversed_by_id"),
    )


def entry_to_dict(entry: Entry) -> JSON:
    return {
        "transfer_id": str(entry.transfer_id),
        "account_id": str(entry.account_id),
        "seq": entry.seq,
        "layer": entry.layer.value,
        "side": entry.side.value,
        "amount": entry.amount,
        "asset": entry.asset,
        "balance_after": entry.balance_after,
        "created_at": _iso(entry.created_at),
        "line": entry.line,
    }


def entry_from_dict(data: Any) -> Entry:
    data = _object(data, "entry")
    return Entry(
        transfer_id=_uuid(data["transfer_id"], "transfer_id"),
        account_id=_uuid(data["account_id"], "account_id"),
        seq=_int(data["seq"], "seq"),
        layer=_member(Layer, data["layer"]),
        side=_member(Side, data["side"]),
        amount=_int(data["amount"], "amount"),
        asset=_str(data["asset"], "asset"),
        balance_after=_int(data["balance_after"], "balance_after"),
        created_at=_datetime(data["created_at"], "created_at"),
        line=_int(data["line"], "line"),
    )


def outcome_to_dict(outcome: Outcome) -> JSON:
    return {
        "transfer": transfer_to_dict(outcome.transfer),
        "entries": [entry_to_dict(e) for e in outcome.entries],
        "replayed": outcome.replayed,
    }


def outcome_from_dict(data: Any) -> Outcome:
    data = _object(data, "outcome")
    return Outcome(
        transfer_from_dict(data["transfer"]),
        tuple(entry_from_dict(e) for e in _list(data["entries"], "entries")),
        replayed=_bool(data["replayed"], "replayed"),
    )


def result_to_dict(result: Outcome | DomainError) -> JSON:
    """One request's result in a `post_each` answer: `{"outcome": ...}` or `{"error": ...}`."""
    if isinstance(result, DomainError):
        return {"error": error_to_dict(result)}
    return {"outcome": outcome_to_dict(result)}


def result_from_dict(data: Any) -> Outcome | DomainError:
    data = _object(data, "result")
    if "error" in data:
        return error_from_dict(data["error"])
    return outcome_from_dict(data["outcome"])


# --- accounts and reads ----------------------------------------------------------------------------


def account_to_dict(account: Account) -> JSON:
    b = account.balances
    return {
        "id": str(account.id),
        "code": account.code,
        "name": account.name,
        "asset": {"code": account.asset.code, "scale": account.asset.scale},
        "normal_side": account.normal_side.value,
        "min_balance": account.min_balance,
        "status": account.status.value,
        "metadata": account.metadata,
        "created_at": _iso(account.created_at),
        "balances": {
            "posted_debits": b.posted_debits,
            "posted_credits": b.posted_credits,
            "pending_debits": b.pending_debits,
            "pending_credits": b.pending_credits,
        },
        "last_seq": account.last_seq,
    }


def account_from_dict(data: Any) -> Account:
    data = _object(data, "account")
    asset = _object(data["asset"], "asset")
    b = _object(data["balances"], "balances")
    return Account(
        id=_uuid(data["id"], "id"),
        code=_str(data["code"], "code"),
        name=_str(data["name"], "name"),
        asset=Asset(_str(asset["code"], "asset.code"), _int(asset["scale"], "asset.scale")),
        normal_side=_member(Side, data["normal_side"]),
        min_balance=_optional(_int, data.get("min_balance"), "min_balance"),
        status=_member(AccountStatus, data["status"]),
        metadata=_metadata(data["metadata"], "metadata"),
        created_at=_datetime(data["created_at"], "created_at"),
        balances=Balances(
            posted_debits=_int(b["posted_debits"], "posted_debits"),
            posted_credits=_int(b["posted_credits"], "posted_credits"),
            pending_debits=_int(b["pending_debits"], "pending_debits"),
            pending_credits=_int(b["pending_credits"], "pending_credits"),
        ),
        last_seq=_int(data["last_seq"], "last_seq"),
    )


def balance_as_of_to_dict(balance: BalanceAsOf) -> JSON:
    return {
        "account": account_to_dict(balance.account),
        "as_of": _iso(balance.as_of),
        "posted_balance": balance.posted_balance,
        "basis": balance.basis.value,
    }


def balance_as_of_from_dict(data: Any) -> BalanceAsOf:
    data = _object(data, "balance")
    return BalanceAsOf(
        account_from_dict(data["account"]),
        _datetime(data["as_of"], "as_of"),
        _int(data["posted_balance"], "posted_balance"),
        Basis.parse(data.get("basis")),
    )


def statement_line_to_dict(line: StatementLine) -> JSON:
    return {
        "entry": entry_to_dict(line.entry),
        "effective_at": _iso(line.effective_at),
        "description": line.description,
    }


def statement_line_from_dict(data: Any) -> StatementLine:
    data = _object(data, "line")
    return StatementLine(
        entry_from_dict(data["entry"]),
        _datetime(data["effective_at"], "effective_at"),
        _str(data["description"], "description"),
    )


def statement_page_to_dict(page: Page[StatementLine, int]) -> JSON:
    return {"items": [statement_line_to_dict(line) for line in page.items], "next_cursor": page.next_cursor}


def statement_page_from_dict(data: Any) -> Page[StatementLine, int]:
    data = _object(data, "page")
    return Page(
        [statement_line_from_dict(line) for line in _list(data["items"], "items")],
        _optional(_int, data.get("next_cursor"), "next_cursor"),
    )


def value_position_to_dict(position: ValuePosition | None) -> JSON | None:
    if position is None:
        return None
    return {"effective_at": _iso(position.effective_at), "seq": position.seq}


def value_position_from_dict(data: Any) -> ValuePosition | None:
    if data is None:
        return None
    data = _object(data, "position")
    return ValuePosition(_datetime(data["effective_at"], "effective_at"), _int(data["seq"], "seq"))


def value_statement_page_to_dict(page: Page[StatementLine, ValuePosition]) -> JSON:
    return {
        "items": [statement_line_to_dict(line) for line in page.items],
        "next_cursor": value_position_to_dict(page.next_cursor),
    }


def value_statement_page_from_dict(data: Any) -> Page[StatementLine, ValuePosition]:
    data = _object(data, "page")
    return Page(
        [statement_line_from_dict(line) for line in _list(data["items"], "items")],
        value_position_from_dict(data.get("next_cursor")),
    )


def _date(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(_str(value, field))
    except ValueError:
        raise _refuse(field, "must be an ISO 8601 date") from None


def balance_history_to_dict(history: BalanceHistory) -> JSON:
    return {
        "account": account_to_dict(history.account),
        "basis": history.basis.value,
        "first": history.first.isoformat(),
        "last": history.last.isoformat(),
        "days": [{"day": d.day.isoformat(), "balance": d.balance} for d in history.days],
    }


def balance_history_from_dict(data: Any) -> BalanceHistory:
    data = _object(data, "history")
    days = [_object(item, "days") for item in _list(data["days"], "days")]
    return BalanceHistory(
        account_from_dict(data["account"]),
        Basis.parse(data["basis"]),
        _date(data["first"], "first"),
        _date(data["last"], "last"),
        [DayBalance(_date(d["day"], "day"), _int(d["balance"], "balance")) for d in days],
    )


def asset_totals_to_dict(totals: AssetTotals) -> JSON:
    return {
        "asset": totals.asset,
        "accounts": totals.accounts,
        "posted_debits": totals.posted_debits,
        "posted_credits": totals.posted_credits,
        "pending_debits": totals.pending_debits,
        "pending_credits": totals.pending_credits,
        "debit_balances": totals.debit_balances,
        "credit_balances": totals.credit_balances,
    }


def asset_totals_from_dict(data: Any) -> AssetTotals:
    data = _object(data, "totals")
    return AssetTotals(
        asset=_str(data["asset"], "asset"),
        **{
            name: _int(data[name], name)
            for name in (
                "accounts",
                "posted_debits",
                "posted_credits",
                "pending_debits",
                "pending_credits",
                "debit_balances",
                "credit_balances",
            )
        },
    )


# --- errors ----------------------------------------------------------------------------------------

_KNOWN: tuple[type[DomainError], ...] = (DomainError, *ALL_ERRORS)
_ERRORS: dict[str, type[DomainError]] = {cls.code: cls for cls in _KNOWN}
_UNKNOWN: dict[str, type[DomainError]] = {}


def _jsonable(value: Any) -> Any:
    """Context values as JSON: containers kept, UUIDs and anything else unusual as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return _iso(value)
    return str(value)


def error_to_dict(error: DomainError) -> JSON:
    issues = getattr(error, "issues", ())
    return {
        "code": error.code,
        "detail": error.detail,
        "context": _jsonable(error.context),
        "issues": [{"field": i.field, "message": i.message} for i in issues],
    }


def _error_class(code: str) -> type[DomainError]:
    """The class of `domain.errors` with this code; for a code this version does not know, a
    subclass of `DomainError` that carries it (so the code still reaches the client)."""
    known = _ERRORS.get(code)
    if known is not None:
        return known
    if code not in _UNKNOWN:
        _UNKNOWN[code] = type("UnknownDomainError", (DomainError,), {"code": code})
    return _UNKNOWN[code]


def error_from_dict(data: Any) -> DomainError:
    data = _object(data, "error")
    cls = _error_class(str(data.get("code") or DomainError.code))
    detail = str(data.get("detail") or "")
    issues = tuple(FieldIssue(str(i["field"]), str(i["message"])) for i in data.get("issues") or ())
    error = cls(detail, *issues) if issubclass(cls, ValidationError) else cls(detail)
    error.context = dict(data.get("context") or {})
    return error
