"""Accounting periods in the domain: what a close refuses (to the microsecond), how closes and reopenings
are allowed, and the ledger's operations refusing entries dated in a closed period."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from domain import ledger
from domain.errors import InvalidState, PeriodClosed, ValidationError
from domain.periods import (
    MAX_REASON,
    OPEN,
    ClosedPeriods,
    CloseRequest,
    PeriodClose,
    end_of,
    ensure_open,
    may_be_closed,
    plan_close,
    refusal_of_database,
)
from domain.transfers import ReversalRequest, TransferRequest, TransferStatus
from domain.values import canonical_json
from tests.unit.builders import USD, account, funding, new_id

NOW = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)
JAN = date(2025, 1, 31)
FEB = date(2025, 2, 28)


def _close(asset: str | None, through: date, **fields: object) -> PeriodClose:
    return PeriodClose(new_id(), asset, through, NOW, "admin", **fields)  # type: ignore[arg-type]


# --- what a close refuses ---------------------------------------------------------------------------


def test_an_asset_is_closed_through_the_later_of_its_own_close_and_the_ledgers() -> None:
    closed = ClosedPeriods.of([(None, JAN), ("BRL", FEB), ("USD", date(2024, 12, 31)), ("BRL", JAN)])
    assert closed.through("BRL") == FEB
    assert closed.through("USD") == JAN
    assert closed.through("EUR") == JAN
    assert ClosedPeriods.of([("BRL", JAN)]).through("USD") is None
    assert not OPEN and closed


def test_the_closed_day_ends_at_midnight_utc() -> None:
    closed = ClosedPeriods.of([(None, JAN)])
    last = end_of(JAN) - timedelta(microseconds=1)
    with pytest.raises(PeriodClosed) as refused:
        ensure_open(last, "BRL", closed, transfer_id=UUID(int=7))
    assert refused.value.code == "period_closed"
    assert refused.value.context == {
        "asset": "BRL",
        "closed_through": "2025-01-31",
        "effective_at": "2025-01-31T23:59:59.999999+00:00",
        "transfer_id": str(UUID(int=7)),
    }
    ensure_open(end_of(JAN), "BRL", closed)  # the next day is open
    # an offset is the same instant: 2025-02-01 01:00 at +02:00 is still January 31st in UTC
    with pytest.raises(PeriodClosed):
        closed.ensure_open(datetime.fromisoformat("2025-02-01T01:00:00+02:00"), "BRL")


def test_only_a_value_date_before_today_can_be_in_a_closed_period() -> None:
    start_of_today = datetime(2025, 3, 10, tzinfo=UTC)
    assert may_be_closed(start_of_today - timedelta(microseconds=1), NOW)
    assert not may_be_closed(start_of_today, NOW)
    assert not may_be_closed(None, NOW)


def test_the_databases_refusal_reads_as_the_domains() -> None:
    message = (
        "transfer 00000000-0000-4000-8000-000000000001: value date 2025-01-15 12:00:00+00 falls in a "
        "closed period (BRL closed through 2025-01-31)"
    )
    refused = refusal_of_database(message)
    assert refused.code == "period_closed"
    assert refused.context["closed_through"] == "2025-01-31"
    assert refused.context["asset"] == "BRL"
    assert refused.context["transfer_id"] == "00000000-0000-4000-8000-000000000001"
    assert refusal_of_database("something else").detail == "something else"


# --- closing and reopening --------------------------------------------------------------------------


def test_a_close_is_through_a_day_that_has_ended() -> None:
    plan_close(CloseRequest(date(2025, 3, 9)), [], close_id=new_id(), by="k", at=NOW)
    with pytest.raises(ValidationError) as refused:
        plan_close(CloseRequest(date(2025, 3, 10)), [], close_id=new_id(), by="k", at=NOW)
    assert refused.value.issues[0].field == "through"


def test_a_scope_closes_forward_and_the_same_close_again_is_the_same_close() -> None:
    january, new = plan_close(CloseRequest(JAN), [], close_id=new_id(), by="k", at=NOW)
    assert new and january.active and january.asset is None
    again, new = plan_close(
        CloseRequest(JAN, reason="other words"), [january], close_id=new_id(), by="k", at=NOW
    )
    assert again is january and not new
    with pytest.raises(InvalidState):
        plan_close(CloseRequest(date(2025, 1, 15)), [january], close_id=new_id(), by="k", at=NOW)
    # an asset is covered by the ledger-wide close; the ledger's scope ignores an asset's own closes
    with pytest.raises(InvalidState):
        plan_close(CloseRequest(JAN, asset="BRL"), [january], close_id=new_id(), by="k", at=NOW)
    brl_feb, _ = plan_close(CloseRequest(FEB, asset="BRL"), [january], close_id=new_id(), by="k", at=NOW)
    plan_close(CloseRequest(date(2025, 2, 10)), [january, brl_feb], close_id=new_id(), by="k", at=NOW)
    # a reopened close no longer counts
    january.reopened_at, january.reopened_by = NOW, "k"
    plan_close(CloseRequest(date(2025, 1, 15)), [january], close_id=new_id(), by="k", at=NOW)


def test_only_the_latest_active_close_of_a_scope_reopens_with_a_reason() -> None:
    january, february, usd = _close(None, JAN), _close(None, FEB), _close("USD", date(2025, 3, 5))
    active = [january, february, usd]
    with pytest.raises(InvalidState):
        january.reopen(active, by="k", reason="late invoice", at=NOW)
    with pytest.raises(ValidationError):
        february.reopen(active, by="k", reason=" ", at=NOW)
    with pytest.raises(ValidationError):
        february.reopen(active, by="k", reason="x" * (MAX_REASON + 1), at=NOW)
    february.reopen(active, by="key ops (1)", reason="late invoice", at=NOW)
    assert (february.active, february.reopened_by, february.reopen_reason) == (
        False,
        "key ops (1)",
        "late invoice",
    )
    with pytest.raises(InvalidState):
        february.reopen(active, by="k", reason="again", at=NOW)
    january.reopen(active, by="k", reason="now january is the latest", at=NOW)


def test_a_close_request_is_checked() -> None:
    with pytest.raises(ValidationError):
        CloseRequest(NOW)  # type: ignore[arg-type]  # an instant is not a day
    with pytest.raises(ValidationError):
        CloseRequest(JAN, reason="x" * (MAX_REASON + 1))
    assert CloseRequest(JAN, reason=None).reason == ""  # type: ignore[arg-type]


# --- the ledger's operations ------------------------------------------------------------------------


def test_post_each_refuses_a_backdated_request_alone() -> None:
    bank, alice, dollars = funding(), account("alice"), funding("usd", asset=USD)
    other = account("bob", asset=USD)
    accounts = {a.id: a for a in (bank, alice, dollars, other)}
    closed = ClosedPeriods.of([("BRL", JAN)])
    in_january = datetime(2025, 1, 20, tzinfo=UTC)
    requests = [
        TransferRequest.simple(new_id(), debit_account_id=bank.id, credit_account_id=alice.id, amount=100),
        TransferRequest.simple(
            new_id(),
            debit_account_id=bank.id,
            credit_account_id=alice.id,
            amount=200,
            effective_at=in_january,
        ),
        TransferRequest.simple(
            new_id(),
            debit_account_id=dollars.id,
            credit_account_id=other.id,
            amount=300,
            effective_at=in_january,
        ),
    ]
    first, refused, usd = ledger.post_each(requests, existing={}, accounts=accounts, at=NOW, closed=closed)
    assert isinstance(refused, PeriodClosed) and refused.context["transfer_id"] == str(requests[1].id)
    assert isinstance(first, ledger.Outcome) and isinstance(usd, ledger.Outcome)  # USD is open
    assert alice.posted_balance == 100
    with pytest.raises(PeriodClosed):
        ledger.post_transfers(requests, existing={}, accounts=accounts, at=NOW, closed=closed)


def test_a_replay_of_a_transfer_booked_before_the_close_is_answered() -> None:
    bank, alice = funding(), account("alice")
    accounts = {bank.id: bank, alice.id: alice}
    request = TransferRequest.simple(
        new_id(),
        debit_account_id=bank.id,
        credit_account_id=alice.id,
        amount=100,
        effective_at=datetime(2025, 1, 20, tzinfo=UTC),
    )
    booked = ledger.post_transfers([request], existing={}, accounts=accounts, at=NOW)[0]
    closed = ClosedPeriods.of([(None, JAN)])
    existing = {request.id: booked.transfer}
    replay = ledger.post_each([request], existing=existing, accounts=accounts, at=NOW, closed=closed)[0]
    assert isinstance(replay, ledger.Outcome) and replay.replayed


def test_a_capture_takes_effect_at_its_holds_value_date() -> None:
    bank, alice = funding(), account("alice")
    accounts = {bank.id: bank, alice.id: alice}
    hold = TransferRequest.simple(
        new_id(),
        debit_account_id=bank.id,
        credit_account_id=alice.id,
        amount=100,
        pending=True,
        effective_at=datetime(2025, 1, 20, tzinfo=UTC),
    )
    held = ledger.post_transfers(
        [hold], existing={}, accounts=accounts, at=datetime(2025, 1, 20, tzinfo=UTC)
    )[0]
    closed = ClosedPeriods.of([(None, JAN)])
    with pytest.raises(PeriodClosed):
        ledger.post_pending(hold.id, held.transfer, accounts, NOW, closed=closed)
    assert held.transfer.status is TransferStatus.PENDING and alice.posted_balance == 0
    posted = ledger.post_pending(
        hold.id, held.transfer, accounts, NOW, closed=ClosedPeriods.of([(None, date(2024, 12, 31))])
    )
    assert posted.transfer.effective_at == datetime(2025, 1, 20, tzinfo=UTC)


def test_a_reversal_takes_effect_when_asked() -> None:
    bank, alice = funding(), account("alice")
    accounts = {bank.id: bank, alice.id: alice}
    request = TransferRequest.simple(
        new_id(), debit_account_id=bank.id, credit_account_id=alice.id, amount=100
    )
    original = ledger.post_transfers([request], existing={}, accounts=accounts, at=NOW)[0].transfer
    closed = ClosedPeriods.of([(None, JAN)])
    backdated = ReversalRequest(new_id(), original.id, effective_at=datetime(2025, 1, 31, 23, tzinfo=UTC))
    with pytest.raises(PeriodClosed):
        ledger.reverse(backdated, existing=None, original=original, accounts=accounts, at=NOW, closed=closed)
    assert original.reversed_by_id is None
    in_february = ReversalRequest(new_id(), original.id, effective_at=datetime(2025, 2, 1, tzinfo=UTC))
    reversal = ledger.reverse(
        in_february, existing=None, original=original, accounts=accounts, at=NOW, closed=closed
    )
    assert reversal.transfer.effective_at == datetime(2025, 2, 1, tzinfo=UTC)


def test_a_reversals_value_date_is_part_of_its_request() -> None:
    original = new_id()
    plain = ReversalRequest(UUID(int=1), original)
    dated = ReversalRequest(UUID(int=1), original, effective_at=datetime(2025, 2, 1, tzinfo=UTC))
    assert plain.fingerprint() != dated.fingerprint()
    # without a value date, the fingerprint is the one reversals had before they could take one
    before = {"kind": "reversal", "original_id": str(original), "description": "", "metadata": {}}
    assert plain.fingerprint() == hashlib.sha256(canonical_json(before).encode()).hexdigest()
    with pytest.raises(ValidationError):
        ReversalRequest(UUID(int=1), original, effective_at=datetime(2025, 2, 1))  # no time zone
