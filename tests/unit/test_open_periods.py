"""Open interest periods: a period posts once its month (or policy) has ended, whatever the cadence of
the accrual runs (`domain.interest.plan`, `application.interest.accrue_accounts`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application import interest
from application.accounts import OpenAccount, open_account
from application.batch_path import InAppBatchPath
from application.interest import SetPolicy
from application.write_path import InAppWritePath
from domain.accounts import Account
from domain.interest import Carried, DayCount, InterestPolicy, carry_on, plan
from domain.transfers import TransferRequest
from tests.fakes import FakeClock, InMemoryStore, SequentialIds

ACCOUNT = UUID("00000000-0000-4000-8000-0000000000a1")
PAYER = UUID("00000000-0000-4000-8000-0000000000b2")
TEN = InterestPolicy(ACCOUNT, date(2025, 1, 1), 1000, DayCount.ACT_365F, PAYER)
TWELVE = InterestPolicy(ACCOUNT, date(2025, 3, 16), 1200, DayCount.ACT_360, PAYER)


def _days(first: date, last: date, balance: int = 36_500) -> list[tuple[date, int]]:
    return [(first + timedelta(days=n), balance) for n in range((last - first).days + 1)]


def _spans(found: object) -> list[tuple[date, date]]:
    return [(p.first_day, p.last_day) for p in found]  # type: ignore[attr-defined]


def test_a_month_not_over_stays_open_and_one_that_is_posts() -> None:
    done = plan(ACCOUNT, [TEN], _days(date(2025, 1, 20), date(2025, 2, 10)), Carried())
    assert _spans(done.posted) == [(date(2025, 1, 20), date(2025, 1, 31))]
    assert done.open is not None and (done.open.first_day, done.open.last_day) == (
        date(2025, 2, 1),
        date(2025, 2, 10),
    )


def test_the_open_period_goes_on_with_the_next_day_and_keeps_its_first_day() -> None:
    carried = Carried(Fraction(7, 3), date(2025, 2, 10), date(2025, 2, 1))
    done = plan(ACCOUNT, [TEN], _days(date(2025, 2, 11), date(2025, 2, 28)), carried)
    assert _spans(done.posted) == [(date(2025, 2, 1), date(2025, 2, 28))] and done.open is None
    assert len(done.posted[0].accruals) == 18  # its earlier days' interest is in the carry
    whole = plan(ACCOUNT, [TEN], _days(date(2025, 2, 1), date(2025, 2, 28)), Carried())
    assert done.posted[0].transfer_id() == whole.posted[0].transfer_id()  # the same id as in one run


@pytest.mark.parametrize(
    ("first", "why"),
    [(date(2025, 2, 13), "a gap"), (date(2025, 3, 1), "another month")],
)
def test_an_open_period_that_cannot_go_on_is_posted_as_it_was_left(first: date, why: str) -> None:
    carried = Carried(Fraction(1, 2), date(2025, 2, 10), date(2025, 2, 1))
    done = plan(ACCOUNT, [TEN], _days(first, first + timedelta(days=2)), carried)
    assert _spans(done.posted)[0] == (date(2025, 2, 1), date(2025, 2, 10)), why
    assert done.posted[0].accruals == ()
    assert done.open is not None and done.open.first_day == first and done.open.opened is None


def test_days_filled_in_before_the_last_day_accrued_post_at_once() -> None:
    carried = Carried(Fraction(0), date(2025, 2, 20), None)
    done = plan(ACCOUNT, [TEN], _days(date(2025, 2, 5), date(2025, 2, 6)), carried)
    assert _spans(done.posted) == [(date(2025, 2, 5), date(2025, 2, 6))] and done.open is None


def test_a_change_of_policy_ends_the_period_before_it() -> None:
    done = plan(ACCOUNT, [TEN, TWELVE], _days(date(2025, 3, 10), date(2025, 3, 15)), Carried())
    assert _spans(done.posted) == [(date(2025, 3, 10), date(2025, 3, 15))] and done.open is None
    later = plan(ACCOUNT, [TEN, TWELVE], _days(date(2025, 3, 16), date(2025, 3, 20)), Carried())
    assert later.open is not None and later.open.policy == TWELVE and not later.posted


def test_post_open_posts_the_open_period_even_without_new_days() -> None:
    carried = Carried(Fraction(5, 2), date(2025, 2, 10), date(2025, 2, 1))
    assert plan(ACCOUNT, [TEN], [], carried) == plan(ACCOUNT, [TEN], [], carried, post_open=False)
    assert plan(ACCOUNT, [TEN], [], carried).posted == []
    done = plan(ACCOUNT, [TEN], [], carried, post_open=True)
    assert _spans(done.posted) == [(date(2025, 2, 1), date(2025, 2, 10))] and done.open is None
    more = plan(ACCOUNT, [TEN], _days(date(2025, 2, 11), date(2025, 2, 12)), carried, post_open=True)
    assert _spans(more.posted) == [(date(2025, 2, 1), date(2025, 2, 12))] and more.open is None


def test_with_nothing_to_do_an_account_carries_what_it_carried() -> None:
    carried = Carried(Fraction(5, 2), date(2025, 2, 10), date(2025, 2, 1))
    nothing = plan(ACCOUNT, [TEN], [], carried)
    assert carry_on(nothing, carried, Fraction(0)) == carried


# --- the use case: the same postings whatever the cadence ---------------------------------------


def _books(store: InMemoryStore, clock: FakeClock, rates: list[int]) -> UUID:
    """A saver with 100,000.00 from 2 January 2025 and a policy per rate (the n-th from 1 + 9n days into
    the n-th month), accrued on 1 July 2025."""
    ids = SequentialIds()

    def open_(code: str, **fields: object) -> Account:
        options = {"asset": "BRL", "normal_side": "credit", "min_balance": 0, **fields}
        command = OpenAccount(code, code.title(), **options)  # type: ignore[arg-type]
        return open_account(command, store.unit_of_work(), clock, ids).account

    bank = open_("bank", normal_side="debit", min_balance=None)
    payer = open_("payer", normal_side="debit", min_balance=None)
    saver = open_("saver")
    clock.set(datetime(2025, 1, 2, 9, tzinfo=UTC))
    deposit = TransferRequest.simple(
        ids.new_id(), debit_account_id=bank.id, credit_account_id=saver.id, amount=10**7
    )
    InAppWritePath(store.unit_of_work, clock).post_transfers([deposit])
    for n, rate in enumerate(rates):
        policy = SetPolicy(saver.id, date(2025, 1 + n, 1 + 9 * n), rate, "ACT/365F", payer.id)
        interest.set_policy(policy, store.unit_of_work(), clock)
    clock.set(datetime(2025, 7, 1, tzinfo=UTC))
    return saver.id


def _outcome(store: InMemoryStore, saver: UUID) -> tuple[object, ...]:
    postings = sorted(
        (t.id, t.effective_at, t.description, [(p.side, p.amount) for p in t.postings])
        for t in store.transfers.values()
        if t.description.startswith("Interest")
    )
    rows = sorted((a.day, a.amount, transfer_id) for a, transfer_id in store.interest_accruals.values())
    return tuple(postings), tuple(rows), store.interest_carry[saver], store.accounts[saver].posted_balance


def _runs(store: InMemoryStore, clock: FakeClock, saver: UUID, cuts: list[date]) -> None:
    batch = InAppBatchPath(store.unit_of_work, clock)
    start = date(2025, 1, 1)
    for cut in [*sorted(set(cuts)), date(2025, 4, 10)]:
        if cut >= start:
            batch.accrue_interest([saver], start, cut)
            again = batch.accrue_interest([saver], start, cut)  # a rerun changes nothing
            assert (again.days, again.postings) == (0, ())
            start = cut + timedelta(days=1)


@settings(max_examples=8, deadline=None)
@given(
    cuts=st.lists(st.dates(date(2025, 1, 1), date(2025, 4, 9)), max_size=12),
    rates=st.lists(st.integers(1, 5_000), min_size=1, max_size=3),
)
def test_what_is_posted_does_not_depend_on_how_the_days_are_split_into_runs(
    cuts: list[date], rates: list[int]
) -> None:
    outcomes = []
    for split in ([], cuts, [date(2025, 1, 1) + timedelta(days=n) for n in range(100)]):
        store, clock = InMemoryStore(), FakeClock(datetime(2025, 1, 2, 9, tzinfo=UTC))
        saver = _books(store, clock, rates)
        _runs(store, clock, saver, split)
        outcomes.append(_outcome(store, saver))
    assert outcomes[0] == outcomes[1] == outcomes[2]
    _, rows, carried, _ = outcomes[0]
    assert carried.open_from == date(2025, 4, 1) and carried.through == date(2025, 4, 10)  # type: ignore[attr-defined]
    # every day of a posted period names its posting (1 bp on 100,000.00 is over a cent a day)
    assert all(transfer_id is not None for day, _, transfer_id in rows if day < date(2025, 4, 1))  # type: ignore[misc]
    assert all(transfer_id is None for day, _, transfer_id in rows if day >= date(2025, 4, 1))  # type: ignore[misc]


def test_post_open_settles_an_account_before_it_is_closed(store: InMemoryStore, clock: FakeClock) -> None:
    saver = _books(store, clock, [1000])
    batch = InAppBatchPath(store.unit_of_work, clock)
    first = batch.accrue_interest([saver], date(2025, 1, 1), date(2025, 1, 20))
    assert first.days == 20 and not first.postings
    settled = batch.accrue_interest([saver], date(2025, 1, 21), date(2025, 1, 25), post_open=True)
    assert [(p.first_day, p.last_day) for p in settled.postings] == [(date(2025, 1, 1), date(2025, 1, 25))]
    exact = sum((a.amount for a, _ in store.interest_accruals.values()), Fraction(0))
    carried = store.interest_carry[saver]
    assert settled.postings[0].amount + carried.amount == exact and carried.open_from is None
    assert {t for _, t in store.interest_accruals.values()} == {settled.postings[0].transfer_id}
