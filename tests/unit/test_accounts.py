"""Accounts: opening rules, posted and available balances on both normal sides, status changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from domain.accounts import Account, AccountStatus, Balances, Layer, Side
from domain.errors import AccountInactive, InvalidState, ValidationError
from tests.unit.builders import AT, BRL, account, new_id


def _open(**overrides: Any) -> Account:
    fields: dict[str, Any] = {
        "id": new_id(),
        "code": "customer:alice",
        "name": "Alice",
        "asset": BRL,
        "normal_side": "credit",
        "min_balance": 0,
        "at": AT,
    }
    return Account.open(**{**fields, **overrides})


def status(account: Account) -> AccountStatus:
    return account.status


def test_a_new_account_is_active_and_empty() -> None:
    alice = _open(metadata={"tier": "gold"})
    assert alice.status is AccountStatus.ACTIVE
    assert alice.normal_side is Side.CREDIT
    assert (alice.posted_balance, alice.available_balance, alice.last_seq) == (0, 0, 0)
    assert alice.metadata == {"tier": "gold"}
    assert alice.created_at == AT


@pytest.mark.parametrize("code", ["a", "customer:alice", "ACC-1/2024", "x.y_z@bank", "9" * 128])
def test_account_codes_that_are_accepted(code: str) -> None:
    assert _open(code=code).code == code


@pytest.mark.parametrize("code", ["", ":alice", "-a", "has space", "a" * 129, "ação", 42, None])
def test_account_codes_that_are_refused(code: object) -> None:
    with pytest.raises(ValidationError) as error:
        _open(code=code)
    assert error.value.issues[0].field == "code"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"normal_side": "left"}, "normal_side"),
        ({"min_balance": 1.5}, "min_balance"),
        ({"min_balance": 0.0}, "min_balance"),
        ({"min_balance": True}, "min_balance"),
        ({"min_balance": "0"}, "min_balance"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"metadata": {"rate": 0.5}}, "metadata"),
        ({"metadata": ["not", "an", "object"]}, "metadata"),
        ({"at": datetime(2024, 1, 2, 9, 0)}, "created_at"),
    ],
)
def test_opening_refuses_invalid_attributes(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        _open(**overrides)
    assert error.value.issues[0].field == field


@pytest.mark.parametrize("min_balance", [None, 0, -5000, 100])
def test_minimum_balance_may_be_unbounded_zero_an_overdraft_or_a_floor(min_balance: int | None) -> None:
    assert _open(min_balance=min_balance).min_balance == min_balance


def test_same_opening_compares_what_the_client_asked_for() -> None:
    first = _open(metadata={"a": 1})
    assert first.same_opening(_open(metadata={"a": 1}))
    assert not first.same_opening(_open(metadata={"a": 2}))
    assert not first.same_opening(_open(min_balance=None))
    assert not first.same_opening(_open(normal_side="debit"))


def test_as_opened_is_the_account_as_its_opening_request_saw_it() -> None:
    alice = account("alice")
    alice.move(Layer.POSTED, Side.CREDIT, 1_000)
    alice.next_seq()
    alice.freeze()
    opened = alice.as_opened()
    assert (opened.id, opened.code, opened.created_at) == (alice.id, alice.code, alice.created_at)
    assert (opened.balances, opened.status, opened.last_seq) == (Balances(), AccountStatus.ACTIVE, 0)
    assert alice.posted_balance == 1_000, "the account itself is unchanged"


def test_accounts_compare_by_id() -> None:
    alice = account("alice")
    twin = _open(id=alice.id, code="other")
    assert alice == twin and hash(alice) == hash(twin)
    assert alice != account("alice")


# --- balances ---------------------------------------------------------------------------------


def test_credit_normal_balance_is_credits_minus_debits() -> None:
    b = Balances(posted_debits=300, posted_credits=1000, pending_debits=200, pending_credits=50)
    assert b.posted(Side.CREDIT) == 700
    assert b.pending_outflow(Side.CREDIT) == 200, "pending debits leave a credit-normal account"
    assert b.available(Side.CREDIT) == 500, "incoming holds do not count until posted"


def test_debit_normal_balance_is_debits_minus_credits() -> None:
    b = Balances(posted_debits=1000, posted_credits=300, pending_debits=50, pending_credits=200)
    assert b.posted(Side.DEBIT) == 700
    assert b.pending_outflow(Side.DEBIT) == 200, "pending credits leave a debit-normal account"
    assert b.available(Side.DEBIT) == 500


def test_moving_a_layer_below_zero_is_refused() -> None:
    with pytest.raises(InvalidState):
        Balances(pending_debits=10).moved(Layer.PENDING, Side.DEBIT, -11)
    assert Balances(pending_debits=10).moved(Layer.PENDING, Side.DEBIT, -10) == Balances()


def test_account_balances_read_from_its_normal_side() -> None:
    wallet = account("wallet")
    wallet.move(Layer.POSTED, Side.CREDIT, 1000)
    wallet.move(Layer.PENDING, Side.DEBIT, 300)
    assert (wallet.posted_balance, wallet.available_balance) == (1000, 700)

    cash = account("cash", normal_side=Side.DEBIT)
    cash.move(Layer.POSTED, Side.DEBIT, 1000)
    cash.move(Layer.PENDING, Side.CREDIT, 300)
    assert (cash.posted_balance, cash.available_balance) == (1000, 700)


# --- status -----------------------------------------------------------------------------------


def test_a_frozen_account_refuses_postings_until_unfrozen() -> None:
    alice = account("alice")
    alice.freeze()
    assert alice.status is AccountStatus.FROZEN
    with pytest.raises(AccountInactive) as error:
        alice.ensure_accepts_postings()
    assert error.value.code == "account_inactive"
    alice.unfreeze()
    assert status(alice) is AccountStatus.ACTIVE
    alice.ensure_accepts_postings()


def test_freezing_twice_and_unfreezing_an_active_account_are_harmless() -> None:
    alice = account("alice")
    alice.freeze()
    alice.freeze()
    alice.unfreeze()
    alice.unfreeze()
    assert alice.status is AccountStatus.ACTIVE


def test_an_empty_account_can_be_closed_and_then_refuses_postings() -> None:
    alice = account("alice")
    alice.close()
    assert alice.status is AccountStatus.CLOSED
    with pytest.raises(AccountInactive):
        alice.ensure_accepts_postings()
    alice.close()  # closing again changes nothing
    assert alice.status is AccountStatus.CLOSED


def test_a_frozen_empty_account_can_be_closed() -> None:
    alice = account("alice")
    alice.freeze()
    alice.close()
    assert alice.status is AccountStatus.CLOSED


def test_a_closed_account_cannot_be_frozen_or_unfrozen() -> None:
    alice = account("alice")
    alice.close()
    for action in (alice.freeze, alice.unfreeze):
        with pytest.raises(InvalidState) as error:
            action()
        assert error.value.code == "invalid_state"
    assert alice.status is AccountStatus.CLOSED


@pytest.mark.parametrize(
    ("layer", "side"),
    [
        (Layer.POSTED, Side.CREDIT),
        (Layer.POSTED, Side.DEBIT),
        (Layer.PENDING, Side.DEBIT),
        (Layer.PENDING, Side.CREDIT),
    ],
)
def test_an_account_with_money_or_holds_cannot_be_closed(layer: Layer, side: Side) -> None:
    alice = account("alice", min_balance=None)
    alice.move(layer, side, 1)
    with pytest.raises(InvalidState):
        alice.close()
    assert alice.status is AccountStatus.ACTIVE


def test_an_account_whose_movements_cancel_out_can_be_closed() -> None:
    alice = account("alice")
    alice.move(Layer.POSTED, Side.CREDIT, 500)
    alice.move(Layer.POSTED, Side.DEBIT, 500)
    alice.close()
    assert alice.status is AccountStatus.CLOSED


def test_next_seq_numbers_entries_from_one() -> None:
    alice = account("alice")
    assert [alice.next_seq(), alice.next_seq(), alice.next_seq()] == [1, 2, 3]
    assert alice.last_seq == 3
