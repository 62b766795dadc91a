"""The JSON codec of the in-database mode: every value survives a trip through JSON text unchanged."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application import codec
from application.accounts import BalanceAsOf
from application.pages import Page
from application.ports import StatementLine
from domain.accounts import Account, AccountStatus, Balances, Layer, Side
from domain.assets import MAX_AMOUNT, Asset
from domain.errors import (
    ALL_ERRORS,
    AccountNotFound,
    DomainError,
    FieldIssue,
    InsufficientFunds,
    ValidationError,
)
from domain.ledger import Outcome
from domain.reports import AssetTotals
from domain.transfers import Entry, Posting, ReversalRequest, Transfer, TransferRequest, TransferStatus


def _through_json(data: Any) -> Any:
    """JSON text and back, refusing any float on the way (amounts must stay integers)."""

    def no_floats(text: str) -> Any:
        raise AssertionError(f"a float in the JSON: {text}")

    return json.loads(codec.dumps(data), parse_float=no_floats)


def _plain(value: Any) -> Any:
    """Every field, recursively (transfers and accounts compare by id only)."""
    return dataclasses.asdict(value)


# --- strategies ------------------------------------------------------------------------------------

OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
INSTANTS = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9000, 1, 1)),
    OFFSETS,
)
AMOUNTS = st.integers(1, MAX_AMOUNT)
BALANCES = st.integers(-(10**37), 10**37)
SIDES = st.sampled_from(list(Side))
ASSET_CODES = st.sampled_from(["BRL", "USD", "POINTS", "JPY"])
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)
METADATA = st.dictionaries(TEXT, JSON_VALUES, max_size=4)
POSTINGS = st.builds(Posting, st.uuids(), SIDES, AMOUNTS, st.none() | ASSET_CODES)


@st.composite
def transfer_requests(draw: st.DrawFn) -> TransferRequest:
    pending = draw(st.booleans())
    return TransferRequest(
        draw(st.uuids()),
        tuple(draw(st.lists(POSTINGS, min_size=2, max_size=5))),
        pending=pending,
        timeout_seconds=draw(st.none() | st.integers(1, 3600)) if pending else None,
        effective_at=draw(st.none() | INSTANTS),
        description=draw(TEXT),
        metadata=draw(METADATA),
    )


@st.composite
def transfers(draw: st.DrawFn) -> Transfer:
    postings = tuple(draw(st.lists(POSTINGS, min_size=2, max_size=4)))
    return Transfer(
        id=draw(st.uuids()),
        postings=postings,
        status=draw(st.sampled_from(list(TransferStatus))),
        two_phase=draw(st.booleans()),
        description=draw(TEXT),
        metadata=draw(METADATA),
        effective_at=draw(INSTANTS),
        created_at=draw(INSTANTS),
        fingerprint=draw(st.text("0123456789abcdef", min_size=64, max_size=64)),
        timeout_at=draw(st.none() | INSTANTS),
        resolved_at=draw(st.none() | INSTANTS),
        posted=draw(st.sampled_from([(), postings])),
        reverses_id=draw(st.none() | st.uuids()),
        reversed_by_id=draw(st.none() | st.uuids()),
    )


ENTRIES = st.builds(
    Entry,
    transfer_id=st.uuids(),
    account_id=st.uuids(),
    seq=st.integers(1, 2**62),
    layer=st.sampled_from(list(Layer)),
    side=SIDES,
    amount=AMOUNTS,
    asset=ASSET_CODES,
    balance_after=BALANCES,
    created_at=INSTANTS,
    line=st.integers(0, 127),
)

ACCOUNTS = st.builds(
    Account,
    id=st.uuids(),
    code=st.from_regex(r"[a-z0-9][a-z0-9:._@/-]{0,20}", fullmatch=True),
    name=TEXT.filter(str.strip),
    asset=st.builds(Asset, ASSET_CODES, st.integers(0, 18)),
    normal_side=SIDES,
    min_balance=st.none() | BALANCES,
    status=st.sampled_from(list(AccountStatus)),
    metadata=METADATA,
    created_at=INSTANTS,
    balances=st.builds(Balances, *(st.integers(0, 10**37) for _ in range(4))),
    last_seq=st.integers(0, 2**62),
)


# --- round trips -----------------------------------------------------------------------------------


@given(transfer_requests())
def test_transfer_requests_round_trip_with_the_same_fingerprint(request: TransferRequest) -> None:
    decoded = codec.transfer_request_from_dict(_through_json(codec.transfer_request_to_dict(request)))
    assert decoded == request
    assert decoded.fingerprint() == request.fingerprint()


@given(st.lists(transfer_requests(), min_size=1, max_size=3))
def test_a_batch_of_requests_round_trips(requests: list[TransferRequest]) -> None:
    data = _through_json([codec.transfer_request_to_dict(r) for r in requests])
    assert codec.transfer_requests_from_list(data) == requests


@given(st.uuids(), st.uuids(), TEXT, METADATA)
def test_reversal_requests_round_trip(id: UUID, original: UUID, description: str, metadata: Any) -> None:
    if id == original:
        return
    request = ReversalRequest(id, original, description, metadata)
    decoded = codec.reversal_request_from_dict(_through_json(codec.reversal_request_to_dict(request)))
    assert decoded == request and decoded.fingerprint() == request.fingerprint()


@given(transfers())
def test_transfers_round_trip(transfer: Transfer) -> None:
    decoded = codec.transfer_from_dict(_through_json(codec.transfer_to_dict(transfer)))
    assert _plain(decoded) == _plain(transfer)


@given(ENTRIES)
def test_entries_round_trip(entry: Entry) -> None:
    assert codec.entry_from_dict(_through_json(codec.entry_to_dict(entry))) == entry


@given(transfers(), st.lists(ENTRIES, max_size=4), st.booleans())
def test_outcomes_round_trip(transfer: Transfer, entries: list[Entry], replayed: bool) -> None:
    outcome = Outcome(transfer, tuple(entries), replayed)
    decoded = codec.outcome_from_dict(_through_json(codec.outcome_to_dict(outcome)))
    assert _plain(decoded) == _plain(outcome)


@given(ACCOUNTS, INSTANTS, BALANCES)
def test_balances_as_of_round_trip(account: Account, at: datetime, balance: int) -> None:
    value = BalanceAsOf(account, at, balance)
    decoded = codec.balance_as_of_from_dict(_through_json(codec.balance_as_of_to_dict(value)))
    assert _plain(decoded) == _plain(value)


@given(st.lists(st.builds(StatementLine, ENTRIES, INSTANTS, TEXT), max_size=4), st.none() | st.integers(1))
def test_statement_pages_round_trip(lines: list[StatementLine], cursor: int | None) -> None:
    page: Page[StatementLine, int] = Page(lines, cursor)
    assert codec.statement_page_from_dict(_through_json(codec.statement_page_to_dict(page))) == page


@given(st.builds(AssetTotals, ASSET_CODES, *(st.integers(0, 10**38) for _ in range(7))))
def test_asset_totals_round_trip(totals: AssetTotals) -> None:
    assert codec.asset_totals_from_dict(_through_json(codec.asset_totals_to_dict(totals))) == totals


def test_datetimes_keep_their_offset_and_instant() -> None:
    at = datetime(2025, 3, 1, 9, 30, 0, 123456, tzinfo=timezone(timedelta(hours=-3)))
    request = TransferRequest.simple(uuid4(), debit_account_id=uuid4(), credit_account_id=uuid4(), amount=1)
    request = dataclasses.replace(request, effective_at=at)
    data = codec.transfer_request_to_dict(request)
    assert data["effective_at"] == "2025-03-01T09:30:00.123456-03:00"
    decoded = codec.transfer_request_from_dict(data).effective_at
    assert decoded == at and decoded is not None and decoded.utcoffset() == timedelta(hours=-3)


def test_metadata_comes_back_with_its_keys_in_order() -> None:
    """jsonb stores keys shortest first; decoding restores one order, whatever mode answered."""
    data = codec.transfer_to_dict(_transfer(metadata={"b": 1, "aa": {"z": 1, "y": [{"d": 0, "c": 0}]}}))
    data["metadata"] = {"b": 1, "aa": {"y": [{"c": 0, "d": 0}], "z": 1}}
    decoded = codec.transfer_from_dict(data).metadata
    assert json.dumps(decoded) == '{"aa": {"y": [{"c": 0, "d": 0}], "z": 1}, "b": 1}'


def test_the_largest_amounts_stay_exact_integers_in_the_json_text() -> None:
    posting = Posting(uuid4(), Side.DEBIT, MAX_AMOUNT)
    text = codec.dumps(codec.posting_to_dict(posting))
    assert f'"amount":{MAX_AMOUNT}' in text
    assert codec.posting_from_dict(codec.loads(text)).amount == MAX_AMOUNT


# --- malformed requests ----------------------------------------------------------------------------


def _request_dict(**changes: Any) -> dict[str, Any]:
    request = TransferRequest.simple(uuid4(), debit_account_id=uuid4(), credit_account_id=uuid4(), amount=5)
    return {**codec.transfer_request_to_dict(request), **changes}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": "not-a-uuid"}, "id"),
        ({"id": 7}, "id"),
        ({"postings": "nope"}, "postings"),
        ({"effective_at": "yesterday"}, "effective_at"),
        ({"effective_at": "2025-01-01T00:00:00"}, "effective_at"),
        ({"postings": [{"account_id": str(uuid4()), "side": "debit", "amount": 1.5}] * 2}, "amount"),
        ({"postings": [{"account_id": str(uuid4()), "side": "up", "amount": 1}] * 2}, "side"),
        ({"postings": [{"side": "debit", "amount": 1}] * 2}, "postings[0].account_id"),
    ],
)
def test_a_malformed_request_is_a_validation_error_naming_the_field(changes: Any, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        codec.transfer_request_from_dict(_request_dict(**changes))
    assert [issue.field for issue in caught.value.issues] == [field]


def test_batch_errors_name_the_request_by_its_index() -> None:
    with pytest.raises(ValidationError) as caught:
        codec.transfer_requests_from_list([_request_dict(), _request_dict(id="x")])
    assert caught.value.issues[0].field == "transfers[1].id"
    with pytest.raises(ValidationError):
        codec.transfer_requests_from_list({"not": "a list"})


def test_an_amount_sent_as_a_float_is_refused_as_the_domain_refuses_it() -> None:
    data = _request_dict()
    data["postings"][0]["amount"] = 5.0
    with pytest.raises(ValidationError, match="integer number of minor units"):
        codec.transfer_request_from_dict(data)


def test_encoding_a_time_without_a_zone_is_a_bug() -> None:
    with pytest.raises(ValueError, match="time zone"):
        codec.transfer_to_dict(_transfer(created_at=datetime(2025, 1, 1)))


# --- errors ----------------------------------------------------------------------------------------


def _error_trip(error: DomainError) -> DomainError:
    return codec.error_from_dict(_through_json(codec.error_to_dict(error)))


@pytest.mark.parametrize("cls", ALL_ERRORS)
def test_every_domain_error_comes_back_as_its_own_class(cls: type[DomainError]) -> None:
    error = cls("what went wrong", account_id="a-1", amounts=[1, 10**30])
    back = _error_trip(error)
    assert type(back) is cls and back.code == cls.code
    assert (back.detail, back.context) == ("what went wrong", {"account_id": "a-1", "amounts": [1, 10**30]})


def test_validation_errors_keep_their_issues() -> None:
    error = ValidationError("bad", FieldIssue("postings[0].amount", "must be > 0"), FieldIssue("id", "uuid"))
    back = _error_trip(error)
    assert isinstance(back, ValidationError)
    assert back.issues == error.issues
    assert codec.error_to_dict(error)["issues"] == [
        {"field": "postings[0].amount", "message": "must be > 0"},
        {"field": "id", "message": "uuid"},
    ]


def test_an_error_of_the_shape_the_design_names() -> None:
    error = InsufficientFunds("too little", account_id="x", available=-1, min_balance=0)
    assert codec.error_to_dict(error) == {
        "code": "insufficient_funds",
        "detail": "too little",
        "context": {"account_id": "x", "available": -1, "min_balance": 0},
        "issues": [],
    }


def test_context_values_that_are_not_json_become_text() -> None:
    account_id = uuid4()
    at = datetime(2025, 1, 1, tzinfo=UTC)
    error = AccountNotFound("gone", account_id=account_id, at=at, assets=("BRL",))
    error.context["detail"] = "a context key named like a parameter"
    assert _error_trip(error).context == {
        "account_id": str(account_id),
        "at": at.isoformat(),
        "assets": ["BRL"],
        "detail": "a context key named like a parameter",
    }


def test_an_unknown_code_still_reaches_the_caller() -> None:
    back = codec.error_from_dict(
        {"code": "from_the_future", "detail": "new rule", "context": {}, "issues": []}
    )
    assert isinstance(back, DomainError) and back.code == "from_the_future" and back.detail == "new rule"
    again = codec.error_from_dict({"code": "from_the_future", "detail": "x"})
    assert type(again) is type(back)
    assert type(codec.error_from_dict({"code": "domain_error", "detail": "x"})) is DomainError


# --- helpers ---------------------------------------------------------------------------------------


def _transfer(**changes: Any) -> Transfer:
    postings = (Posting(uuid4(), Side.DEBIT, 10, "BRL"), Posting(uuid4(), Side.CREDIT, 10, "BRL"))
    at = datetime(2025, 1, 1, tzinfo=UTC)
    fields: dict[str, Any] = {
        "id": uuid4(),
        "postings": postings,
        "status": TransferStatus.POSTED,
        "two_phase": False,
        "description": "",
        "metadata": {},
        "effective_at": at,
        "created_at": at,
        "fingerprint": "f" * 64,
        "posted": postings,
    }
    return Transfer(**{**fields, **changes})
