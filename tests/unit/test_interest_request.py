"""`domain.interest.interest_request` against `TransferRequest`: the same request, fingerprint included.

The accrual job builds its requests with `interest_request`, which fills an `InterestRequest` without
running `TransferRequest`'s checks again and writes the fingerprint from a template. These tests hold it
to the general construction on random accounts, policies, periods and amounts: every field equal, the
fingerprint equal (a replay of a posting booked by older code must still be recognised), the amount
rules still enforced (each `Posting` checks its amount), and any request made another way
(`dataclasses.replace`, the constructor) checked in full.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.accounts import Side
from domain.assets import MAX_AMOUNT
from domain.errors import ValidationError
from domain.interest import (
    MAX_RATE_BPS,
    DayCount,
    InterestPolicy,
    InterestRequest,
    Period,
    interest_request,
    periods,
    posting_sides,
)
from domain.transfers import Posting, TransferRequest

ACCOUNT = UUID("11111111-1111-4111-8111-111111111111")
COUNTERPART = UUID("22222222-2222-4222-8222-222222222222")

amounts = st.one_of(
    st.integers(min_value=-MAX_AMOUNT, max_value=MAX_AMOUNT),
    st.sampled_from([1, -1, MAX_AMOUNT, -MAX_AMOUNT, 2**63, -(2**63), 2**127 - 1]),
).filter(lambda n: n != 0)
asset_codes = st.from_regex(r"\A[A-Z][A-Z0-9_]{1,31}\Z")
first_days = st.dates(min_value=date(1, 1, 1), max_value=date(9998, 12, 1))


def _period(
    account: UUID, counterpart: UUID, rate: int, day_count: DayCount, first: date, length: int
) -> Period:
    policy = InterestPolicy(account, first, rate, day_count, counterpart)
    found = periods(account, [policy], ((first + timedelta(days=n), 1000 * n) for n in range(length)))
    return found[0]


def _general(account: UUID, side: Side, asset: str, period: Period, amount: int) -> TransferRequest:
    """The request as `application.interest` made it before: `TransferRequest`'s full checks."""
    policy = period.policy
    account_side, counterpart_side = posting_sides(side, amount)
    first, last = period.first_day.isoformat(), period.last_day.isoformat()
    return TransferRequest(
        period.transfer_id(),
        (
            Posting(account, account_side, abs(amount), asset),
            Posting(policy.counterpart_account_id, counterpart_side, abs(amount), asset),
        ),
        effective_at=datetime.combine(period.last_day + timedelta(days=1), time(0), UTC),
        description=f"Interest {first} to {last}",
        metadata={
            "interest": {
                "account_id": str(account),
                "from": first,
                "to": last,
                "rate_bps": policy.rate_bps,
                "day_count": policy.day_count.value,
            }
        },
    )


def _same(made: TransferRequest, general: TransferRequest) -> None:
    for f in dataclasses.fields(TransferRequest):
        assert getattr(made, f.name) == getattr(general, f.name), f.name
    assert type(made.postings) is tuple
    assert made.fingerprint() == general.fingerprint()


@given(
    account=st.uuids(),
    counterpart=st.uuids(),
    side=st.sampled_from(list(Side)),
    asset=asset_codes,
    rate=st.integers(min_value=0, max_value=MAX_RATE_BPS),
    day_count=st.sampled_from(list(DayCount)),
    first=first_days,
    length=st.integers(min_value=1, max_value=31),
    amount=amounts,
)
def test_the_same_request_as_the_general_construction(
    account: UUID,
    counterpart: UUID,
    side: Side,
    asset: str,
    rate: int,
    day_count: DayCount,
    first: date,
    length: int,
    amount: int,
) -> None:
    if account == counterpart:
        return
    period = _period(account, counterpart, rate, day_count, first, length)
    try:
        general = _general(account, side, asset, period, amount)
    except ValidationError as refused:  # an amount beyond the journal's range: refused the same way
        with pytest.raises(ValidationError) as caught:
            interest_request(account, side, asset, period, amount)
        assert caught.value.code == refused.code and caught.value.detail == refused.detail
        return
    made = interest_request(account, side, asset, period, amount)
    assert isinstance(made, InterestRequest)
    _same(made, general)


@pytest.mark.parametrize("amount", [MAX_AMOUNT + 1, -(MAX_AMOUNT + 1), 2**127])
def test_an_amount_beyond_the_range_is_refused(amount: int) -> None:
    period = _period(ACCOUNT, COUNTERPART, 1050, DayCount.ACT_365F, date(2026, 10, 31), 1)
    with pytest.raises(ValidationError, match="amount"):
        interest_request(ACCOUNT, Side.CREDIT, "BRL", period, amount)


def test_month_end_leap_day_and_year_end_periods() -> None:
    for first, length in ((date(2024, 2, 28), 2), (date(2026, 12, 31), 1), (date(2026, 1, 31), 1)):
        period = _period(ACCOUNT, COUNTERPART, 999_999, DayCount.THIRTY_E_360, first, length)
        _same(
            interest_request(ACCOUNT, Side.DEBIT, "BRL", period, -12345),
            _general(ACCOUNT, Side.DEBIT, "BRL", period, -12345),
        )


def _made() -> InterestRequest:
    period = _period(ACCOUNT, COUNTERPART, 1050, DayCount.ACT_360, date(2026, 10, 31), 1)
    return interest_request(ACCOUNT, Side.CREDIT, "BRL", period, 321)


@pytest.mark.parametrize(
    "changes",
    [
        {"description": 'quotes " and \\ backslashes'},
        {"description": "Interest 2026-10-31 to 2026-10-31 é"},
        {"metadata": {"interest": {"other": 1}}},
        {"metadata": {"note": "x"}},
        {"effective_at": None},
        {"pending": True},
    ],
)
def test_a_request_of_another_shape_is_fingerprinted_in_general(changes: dict[str, Any]) -> None:
    changed = dataclasses.replace(_made(), **changes)
    assert changed.fingerprint() == TransferRequest.fingerprint(changed)
    general = TransferRequest(
        **{f.name: getattr(changed, f.name) for f in dataclasses.fields(TransferRequest)}
    )
    assert changed.fingerprint() == general.fingerprint()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"metadata": {"interest": {"rate": 1.5}}}, "metadata"),
        ({"metadata": {"x": "y" * 9000}}, "metadata"),
        ({"description": "x" * 1001}, "description"),
        ({"timeout_seconds": 60}, "timeout_seconds"),
        ({"postings": _made().postings[:1]}, "postings"),
        ({"id": "not a uuid"}, "id"),
    ],
)
def test_a_request_of_another_shape_is_checked_in_full(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        dataclasses.replace(_made(), **changes)
    assert [issue.field for issue in refused.value.issues] == [field]


def test_its_metadata_is_its_own() -> None:
    made = _made()
    other = _made()
    assert made.metadata == other.metadata and made.metadata is not other.metadata
    assert made.metadata["interest"] is not other.metadata["interest"]
