"""Transfer requests: what a client may ask for, and the fingerprint that recognises a replay."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.accounts import Side
from domain.errors import ValidationError
from domain.transfers import MAX_POSTINGS, MAX_TIMEOUT_SECONDS, Posting, ReversalRequest, TransferRequest
from tests.unit.builders import new_id

A, B = new_id(), new_id()


def _request(**options: Any) -> TransferRequest:
    return TransferRequest.simple(new_id(), debit_account_id=A, credit_account_id=B, amount=1000, **options)


@pytest.mark.parametrize("amount", [10.0, 10.5, True, 0, -1, "10", None])
def test_a_posting_takes_only_a_positive_integer_amount(amount: object) -> None:
    with pytest.raises(ValidationError) as error:
        Posting(A, Side.DEBIT, amount)  # type: ignore[arg-type]
    assert error.value.issues[0].field == "amount"


def test_a_posting_side_is_debit_or_credit() -> None:
    assert Posting(A, "debit", 1).side is Side.DEBIT  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Posting(A, "up", 1)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Posting(str(A), Side.DEBIT, 1)  # type: ignore[arg-type]


def test_a_transfer_needs_two_to_128_postings() -> None:
    with pytest.raises(ValidationError):
        TransferRequest(new_id(), (Posting(A, Side.DEBIT, 1),))
    many = tuple(
        Posting(A if i % 2 else B, Side.DEBIT if i % 2 else Side.CREDIT, 1) for i in range(MAX_POSTINGS)
    )
    assert len(TransferRequest(new_id(), many).postings) == MAX_POSTINGS
    with pytest.raises(ValidationError):
        TransferRequest(new_id(), (*many, Posting(A, Side.DEBIT, 1)))


@pytest.mark.parametrize(
    "options",
    [
        {"timeout_seconds": 60},  # only pending transfers time out
        {"pending": True, "timeout_seconds": 0},
        {"pending": True, "timeout_seconds": MAX_TIMEOUT_SECONDS + 1},
        {"pending": True, "timeout_seconds": 1.5},
        {"pending": True, "timeout_seconds": True},
        {"effective_at": datetime(2024, 1, 1)},
        {"description": 42},
        {"metadata": {"fx_rate": 5.1}},
    ],
)
def test_invalid_transfer_options_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        _request(**options)


def test_same_request_same_fingerprint_and_any_difference_changes_it() -> None:
    transfer_id = new_id()

    def fingerprint(amount: int = 1000, **options: Any) -> str:
        return TransferRequest.simple(
            transfer_id, debit_account_id=A, credit_account_id=B, amount=amount, **options
        ).fingerprint()

    base = fingerprint(metadata={"a": 1, "b": 2})
    assert base == fingerprint(metadata={"b": 2, "a": 1}), "key order does not matter"
    assert base != fingerprint(1001, metadata={"a": 1, "b": 2})
    assert base != fingerprint(metadata={"a": 1})
    assert fingerprint(asset="BRL") != fingerprint()


def test_fingerprint_reads_effective_time_in_utc() -> None:
    from datetime import timedelta, timezone

    utc = datetime(2024, 1, 1, 12, tzinfo=UTC)
    brasilia = utc.astimezone(timezone(timedelta(hours=-3)))
    assert (
        _request(effective_at=utc).fingerprint() != _request(effective_at=utc.replace(hour=13)).fingerprint()
    )
    same = new_id()
    a = TransferRequest.simple(same, debit_account_id=A, credit_account_id=B, amount=1, effective_at=utc)
    b = TransferRequest.simple(same, debit_account_id=A, credit_account_id=B, amount=1, effective_at=brasilia)
    assert a.fingerprint() == b.fingerprint()


def test_a_reversal_needs_an_id_of_its_own() -> None:
    original = new_id()
    with pytest.raises(ValidationError):
        ReversalRequest(original, original)
    request = ReversalRequest(new_id(), original, description="refund")
    assert request.fingerprint() != ReversalRequest(request.id, original).fingerprint()
