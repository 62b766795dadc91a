"""Balance monitors in the domain: each balance kind and comparison, edge-triggered firing, creation on an
account whose condition already holds, and the refusals (each naming its field)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.accounts import Account, Balances, Side
from domain.errors import InvalidState, ValidationError
from domain.monitors import (
    MAX_MONITORS_PER_ACCOUNT,
    MAX_THRESHOLD,
    BalanceKind,
    Comparison,
    Condition,
    Monitor,
    observe,
)
from tests.unit.builders import AT, account, new_id


def with_balances(a: Account, **sums: int) -> Account:
    a.balances = Balances(**sums)
    return a


def monitor_on(a: Account, balance: str, comparison: str, threshold: int) -> Monitor:
    created, _ = Monitor.create(
        id=new_id(), account=a, condition=Condition.of(balance, comparison, threshold), at=AT
    )
    return created


# --- what each balance kind reads ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "expected"),
    [
        # credit-normal: posted = credits - debits; outflow = pending debits; inflow = pending credits
        (Side.CREDIT, {"posted": 70, "available": 60, "pending_outflow": 10, "pending_inflow": 5}),
        # debit-normal: posted = debits - credits; outflow = pending credits; inflow = pending debits
        (Side.DEBIT, {"posted": -70, "available": -75, "pending_outflow": 5, "pending_inflow": 10}),
    ],
)
def test_each_balance_kind_reads_the_balance_the_api_shows_from_the_normal_side(
    side: Side, expected: dict[str, int]
) -> None:
    a = with_balances(
        account("w", normal_side=side, min_balance=None),
        posted_debits=30,
        posted_credits=100,
        pending_debits=10,
        pending_credits=5,
    )
    assert {k.value: k.of(a) for k in BalanceKind} == expected
    assert BalanceKind.POSTED.of(a) == a.posted_balance
    assert BalanceKind.AVAILABLE.of(a) == a.available_balance


@pytest.mark.parametrize(
    ("comparison", "below", "equal", "above"),
    [
        ("below", True, False, False),
        ("at_or_below", True, True, False),
        ("above", False, False, True),
        ("at_or_above", False, True, True),
    ],
)
def test_each_comparison_against_a_value_below_at_and_above_the_threshold(
    comparison: str, below: bool, equal: bool, above: bool
) -> None:
    c = Comparison(comparison)
    assert (c.holds(-1, 0), c.holds(0, 0), c.holds(1, 0)) == (below, equal, above)


# --- edge-triggered --------------------------------------------------------------------------------


def test_a_monitor_fires_once_when_its_condition_becomes_true_and_again_only_after_it_was_false() -> None:
    wallet = with_balances(account("w"), posted_credits=5000)
    m = monitor_on(wallet, "available", "below", 1000)
    assert not m.triggered

    wallet.balances = Balances(posted_credits=5000, posted_debits=4500)  # 500: below
    fired = m.observe(wallet, AT + timedelta(minutes=1))
    assert fired is not None and fired.value == 500 and fired.account is wallet
    assert fired.monitor.triggered and fired.monitor.triggered_at == AT + timedelta(minutes=1)
    assert m.triggered and m.triggered_at == AT + timedelta(minutes=1)

    wallet.balances = Balances(posted_credits=5000, posted_debits=4900)  # 100: still below
    assert m.observe(wallet, AT + timedelta(minutes=2)) is None
    assert m.triggered_at == AT + timedelta(minutes=1)

    wallet.balances = Balances(posted_credits=5000, posted_debits=3000)  # 2000: re-armed, quietly
    assert m.observe(wallet, AT + timedelta(minutes=3)) is None
    assert not m.triggered and m.triggered_at == AT + timedelta(minutes=1)

    wallet.balances = Balances(posted_credits=5000, posted_debits=4999)  # 1: fires again
    again = m.observe(wallet, AT + timedelta(minutes=4))
    assert again is not None and again.value == 1 and m.triggered_at == AT + timedelta(minutes=4)


def test_the_crossing_keeps_the_monitor_as_it_fired_even_if_the_monitor_changes_later() -> None:
    wallet = with_balances(account("w"), posted_credits=10)
    m = monitor_on(wallet, "posted", "above", 100)
    wallet.balances = Balances(posted_credits=200)
    fired = m.observe(wallet, AT)
    wallet.balances = Balances(posted_credits=0)
    m.observe(wallet, AT)
    assert fired is not None and fired.monitor.triggered and not m.triggered


def test_a_monitor_whose_condition_already_holds_fires_at_creation() -> None:
    empty = account("w")
    created, fired = Monitor.create(
        id=new_id(), account=empty, condition=Condition.of("available", "below", 1000), at=AT
    )
    assert fired is not None and fired.value == 0 and fired.monitor.id == created.id
    assert created.triggered and created.triggered_at == AT


def test_a_monitor_whose_condition_does_not_hold_is_created_armed_and_quiet() -> None:
    created, fired = Monitor.create(
        id=new_id(), account=account("w"), condition=Condition.of("posted", "above", 0), at=AT
    )
    assert fired is None and not created.triggered and created.triggered_at is None


def test_observe_evaluates_only_monitors_of_the_given_accounts_and_reports_state_changes() -> None:
    a, b = with_balances(account("a"), posted_credits=50), with_balances(account("b"), posted_credits=50)
    on_a = monitor_on(a, "posted", "above", 100)
    armed_then_reset = monitor_on(a, "posted", "below", 60)  # fired at creation (50 < 60)
    on_b = monitor_on(b, "posted", "above", 100)
    a.balances = Balances(posted_credits=150)
    changed, crossings = observe([on_a, armed_then_reset, on_b], {a.id: a}, AT)
    assert [c.monitor.id for c in crossings] == [on_a.id]
    assert changed == [on_a, armed_then_reset]  # one fired, one re-armed; b's was not evaluated
    assert not armed_then_reset.triggered


@given(
    start=st.integers(-(10**6), 10**6),
    path=st.lists(st.integers(-(10**6), 10**6), max_size=30),
    threshold=st.integers(-(10**6), 10**6),
    comparison=st.sampled_from(list(Comparison)),
)
def test_it_fires_exactly_at_each_false_to_true_edge_of_the_condition(
    start: int, path: list[int], threshold: int, comparison: Comparison
) -> None:
    wallet = account("w", min_balance=None)

    def set_posted(value: int) -> None:
        wallet.balances = Balances(posted_credits=max(value, 0), posted_debits=max(-value, 0))

    set_posted(start)
    m, fired_at_creation = Monitor.create(
        id=new_id(), account=wallet, condition=Condition(BalanceKind.POSTED, comparison, threshold), at=AT
    )
    holds = [comparison.holds(v, threshold) for v in [start, *path]]
    fired = [fired_at_creation is not None]
    for value in path:
        set_posted(value)
        crossing = m.observe(wallet, AT)
        fired.append(crossing is not None)
        if crossing is not None:
            assert crossing.value == value and comparison.holds(value, threshold)
    edges = [h and not before for h, before in zip(holds, [False, *holds], strict=False)]
    assert fired == edges
    assert m.triggered == holds[-1]


# --- refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("balance", "comparison", "threshold", "field"),
    [
        ("overdraft", "below", 0, "balance"),
        (None, "below", 0, "balance"),
        ("posted", "under", 0, "comparison"),
        ("posted", "below", 1.5, "threshold"),
        ("posted", "below", "100", "threshold"),
        ("posted", "below", True, "threshold"),
        ("posted", "below", MAX_THRESHOLD + 1, "threshold"),
        ("posted", "below", -MAX_THRESHOLD - 1, "threshold"),
    ],
)
def test_a_condition_that_cannot_be_read_names_its_field(
    balance: object, comparison: object, threshold: object, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        Condition.of(balance, comparison, threshold)
    assert [i.field for i in refused.value.issues] == [field]


def test_the_threshold_may_be_negative_and_as_large_as_a_balance() -> None:
    assert Condition.of("available", "below", -MAX_THRESHOLD).threshold == -MAX_THRESHOLD
    assert Condition.of("posted", "above", MAX_THRESHOLD).threshold == MAX_THRESHOLD


def test_a_closed_account_takes_no_monitor() -> None:
    closed = account("w")
    closed.close()
    with pytest.raises(InvalidState):
        Monitor.create(id=new_id(), account=closed, condition=Condition.of("posted", "above", 0), at=AT)


def test_a_frozen_account_takes_a_monitor() -> None:
    frozen = account("w")
    frozen.freeze()
    created, _ = Monitor.create(
        id=new_id(), account=frozen, condition=Condition.of("posted", "above", 0), at=AT
    )
    assert created.account_id == frozen.id


def test_an_account_takes_a_bounded_number_of_monitors() -> None:
    with pytest.raises(InvalidState):
        Monitor.create(
            id=new_id(),
            account=account("w"),
            condition=Condition.of("posted", "above", 0),
            existing=MAX_MONITORS_PER_ACCOUNT,
            at=AT,
        )


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"description": "x" * 201}, "description"),
        ({"description": "a\x00b"}, "description"),
        ({"metadata": ["not", "an", "object"]}, "metadata"),
        ({"metadata": {"rate": 1.5}}, "metadata"),
    ],
)
def test_a_description_or_metadata_that_cannot_be_kept_names_its_field(
    options: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        Monitor.create(
            id=new_id(), account=account("w"), condition=Condition.of("posted", "above", 0), at=AT, **options
        )
    assert [i.field for i in refused.value.issues] == [field]


def test_observing_another_accounts_balances_is_a_bug() -> None:
    m = monitor_on(account("a"), "posted", "above", 0)
    with pytest.raises(ValueError):
        m.observe(account("b"), AT)
