"""The ledger's rules on locked accounts: booking, two-phase transfers, reversals and replays."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from domain import ledger
from domain.accounts import Account, Balances, Layer, Side
from domain.errors import (
    AccountInactive,
    AccountNotFound,
    AssetMismatch,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidState,
    NotFound,
    UnbalancedTransfer,
    ValidationError,
)
from domain.transfers import Posting, ReversalRequest, Transfer, TransferRequest, TransferStatus
from tests.unit.builders import AT, USD, Books, account, funding, lines, move, new_id

LATER = AT + timedelta(minutes=5)


@pytest.fixture
def bank() -> Account:
    return funding("bank")


@pytest.fixture
def alice() -> Account:
    return account("alice")


@pytest.fixture
def bob() -> Account:
    return account("bob")


@pytest.fixture
def books(bank: Account, alice: Account, bob: Account) -> Books:
    books = Books(bank, alice, bob)
    books.fund(bank, alice, 10_000)
    return books


def snapshot(books: Books) -> dict[UUID, tuple[Balances, int, str]]:
    return {i: (a.balances, a.last_seq, a.status.value) for i, a in books.accounts.items()}


# --- booking ------------------------------------------------------------------------------------


def test_a_simple_transfer_debits_one_account_and_credits_the_other(
    books: Books, bank: Account, alice: Account, bob: Account
) -> None:
    [outcome] = books.book(
        move(alice, bob, 2_500, description="rent", metadata={"month": "2024-01"}), at=LATER
    )

    assert (alice.posted_balance, bob.posted_balance, bank.posted_balance) == (7_500, 2_500, 10_000)
    transfer = outcome.transfer
    assert transfer.status is TransferStatus.POSTED and not transfer.two_phase
    assert transfer.posted == transfer.postings
    assert {p.asset for p in transfer.postings} == {"BRL"}, "postings record their account's asset"
    assert (transfer.description, transfer.metadata) == ("rent", {"month": "2024-01"})
    assert transfer.created_at == transfer.effective_at == LATER
    assert not outcome.replayed

    debit, credit = outcome.entries
    assert (debit.account_id, debit.side, debit.amount, debit.seq, debit.balance_after) == (
        alice.id,
        Side.DEBIT,
        2_500,
        2,
        7_500,
    )
    assert (credit.account_id, credit.side, credit.seq, credit.balance_after) == (
        bob.id,
        Side.CREDIT,
        1,
        2_500,
    )
    assert {e.layer for e in outcome.entries} == {Layer.POSTED}
    assert [e.line for e in outcome.entries] == [0, 1]


def test_effective_time_may_differ_from_booking_time(books: Books, alice: Account, bob: Account) -> None:
    [outcome] = books.book(move(alice, bob, 1, effective_at=AT - timedelta(days=3)), at=LATER)
    assert outcome.transfer.effective_at == AT - timedelta(days=3)
    assert outcome.transfer.created_at == LATER


def test_a_multi_posting_transfer_splits_one_debit_into_several_credits(
    books: Books, alice: Account, bob: Account
) -> None:
    carol = account("carol")
    books.accounts[carol.id] = carol
    books.book(lines((alice, Side.DEBIT, 3_000), (bob, Side.CREDIT, 1_000), (carol, Side.CREDIT, 2_000)))
    assert (alice.posted_balance, bob.posted_balance, carol.posted_balance) == (7_000, 1_000, 2_000)


def test_an_unbalanced_transfer_is_refused_and_changes_nothing(
    books: Books, alice: Account, bob: Account
) -> None:
    before = snapshot(books)
    with pytest.raises(UnbalancedTransfer) as error:
        books.book(lines((alice, Side.DEBIT, 1_000), (bob, Side.CREDIT, 999)))
    assert error.value.code == "unbalanced_transfer"
    assert error.value.context == {"asset": "BRL", "debits": 1_000, "credits": 999}
    assert snapshot(books) == before


def test_a_posting_asserting_another_asset_is_an_asset_mismatch(
    books: Books, alice: Account, bob: Account
) -> None:
    request = TransferRequest(
        new_id(), (Posting(alice.id, Side.DEBIT, 100, "BRL"), Posting(bob.id, Side.CREDIT, 100, "USD"))
    )
    with pytest.raises(AssetMismatch) as error:
        books.book(request)
    assert error.value.code == "asset_mismatch"
    assert error.value.context["posting"] == 1


def test_moving_between_accounts_of_different_assets_is_an_asset_mismatch(
    books: Books, alice: Account
) -> None:
    joe = account("joe", asset=USD)
    books.accounts[joe.id] = joe
    before = snapshot(books)
    with pytest.raises(AssetMismatch) as error:
        books.book(move(alice, joe, 100))
    assert error.value.context["assets"] == ["BRL", "USD"]
    assert snapshot(books) == before


def test_a_transfer_may_span_assets_when_each_asset_balances(
    books: Books, alice: Account, bob: Account
) -> None:
    usd_bank, joe = funding("usd-bank", asset=USD), account("joe", asset=USD)
    books.accounts.update({usd_bank.id: usd_bank, joe.id: joe})
    books.book(
        lines(
            (alice, Side.DEBIT, 500),
            (bob, Side.CREDIT, 500),
            (usd_bank, Side.DEBIT, 100),
            (joe, Side.CREDIT, 100),
        )
    )
    assert (bob.posted_balance, joe.posted_balance) == (500, 100)


def test_an_asset_that_does_not_balance_within_a_multi_asset_transfer_is_unbalanced(
    books: Books, alice: Account, bob: Account
) -> None:
    usd_bank, joe = funding("usd-bank", asset=USD), account("joe", asset=USD)
    books.accounts.update({usd_bank.id: usd_bank, joe.id: joe})
    with pytest.raises(UnbalancedTransfer) as error:
        books.book(
            lines(
                (alice, Side.DEBIT, 500),
                (bob, Side.CREDIT, 500),
                (usd_bank, Side.DEBIT, 100),
                (joe, Side.CREDIT, 99),
            )
        )
    assert error.value.context["asset"] == "USD"


def test_the_same_account_on_both_sides_is_refused(books: Books, alice: Account) -> None:
    with pytest.raises(ValidationError) as error:
        books.book(move(alice, alice, 100))
    assert error.value.issues[0].field == "postings"


def test_the_same_account_on_both_sides_is_refused_in_a_multi_asset_transfer(
    books: Books, alice: Account
) -> None:
    usd_bank, joe = funding("usd-bank", asset=USD), account("joe", asset=USD)
    books.accounts.update({usd_bank.id: usd_bank, joe.id: joe})
    with pytest.raises(ValidationError):
        books.book(
            lines(
                (alice, Side.DEBIT, 5),
                (alice, Side.CREDIT, 5),
                (usd_bank, Side.DEBIT, 1),
                (joe, Side.CREDIT, 1),
            )
        )


def test_a_posting_to_an_unknown_account_is_account_not_found(books: Books, alice: Account) -> None:
    ghost = account("ghost")  # never added to the books
    with pytest.raises(AccountNotFound) as error:
        books.book(move(alice, ghost, 1))
    assert error.value.context["posting"] == 1


# --- limits ---------------------------------------------------------------------------------------


def test_with_a_zero_minimum_the_whole_balance_can_be_spent_and_no_more(
    books: Books, alice: Account, bob: Account
) -> None:
    before = snapshot(books)
    with pytest.raises(InsufficientFunds) as error:
        books.book(move(alice, bob, 10_001))
    assert error.value.code == "insufficient_funds"
    assert error.value.context == {"account_id": str(alice.id), "available": -1, "min_balance": 0}
    assert snapshot(books) == before
    books.book(move(alice, bob, 10_000))
    assert alice.posted_balance == 0


def test_an_overdraft_allowance_lets_the_balance_go_negative_down_to_it(bank: Account, bob: Account) -> None:
    carol = account("carol", min_balance=-5_000)
    books = Books(bank, carol, bob)
    books.fund(bank, carol, 1_000)
    books.book(move(carol, bob, 6_000))
    assert carol.posted_balance == -5_000
    with pytest.raises(InsufficientFunds):
        books.book(move(carol, bob, 1))


def test_a_positive_minimum_keeps_a_reserve(bank: Account, bob: Account) -> None:
    dave = account("dave", min_balance=500)
    books = Books(bank, dave, bob)
    books.fund(bank, dave, 1_000)
    with pytest.raises(InsufficientFunds):
        books.book(move(dave, bob, 501))
    books.book(move(dave, bob, 500))
    assert dave.posted_balance == 500


def test_without_a_minimum_the_balance_is_unbounded(bank: Account, alice: Account) -> None:
    unbounded = account("unbounded", min_balance=None)
    books = Books(bank, alice, unbounded)
    books.book(move(unbounded, alice, 10**20))
    assert unbounded.posted_balance == -(10**20)
    assert bank.posted_balance == 0, "the funding account is debit-normal and unbounded too"
    books.book(move(alice, bank, 10**20))
    assert bank.posted_balance == -(10**20)


def test_an_account_below_its_minimum_may_still_receive(bank: Account, alice: Account, bob: Account) -> None:
    books = Books(bank, alice, bob)
    books.fund(bank, alice, 100)
    alice.min_balance = 500  # a floor raised after the money arrived
    books.book(move(bank, alice, 1))
    assert alice.posted_balance == 101


def test_a_debit_normal_account_is_limited_on_its_credits(bank: Account, alice: Account) -> None:
    cash = account("cash", normal_side=Side.DEBIT, min_balance=0)
    books = Books(cash, alice, bank)
    books.book(move(cash, alice, 1_000))  # debit raises a debit-normal balance
    assert cash.posted_balance == 1_000
    books.book(move(alice, cash, 1_000))
    assert cash.posted_balance == 0
    with pytest.raises(InsufficientFunds):
        books.book(move(bank, cash, 1))  # a credit lowers it below zero


@pytest.mark.parametrize("side", ["debit", "credit"])
@pytest.mark.parametrize("status", ["freeze", "close"])
def test_frozen_and_closed_accounts_refuse_postings_on_either_side(
    books: Books, bank: Account, bob: Account, side: str, status: str
) -> None:
    getattr(bob, status)()
    request = move(bob, bank, 1) if side == "debit" else move(bank, bob, 1)
    before = snapshot(books)
    with pytest.raises(AccountInactive) as error:
        books.book(request)
    assert error.value.code == "account_inactive"
    assert snapshot(books) == before


# --- holds (two-phase transfers) ----------------------------------------------------------------


def hold(books: Books, source: Account, target: Account, amount: int, **options: Any) -> Transfer:
    [outcome] = books.book(move(source, target, amount, pending=True, **options))
    return outcome.transfer


def test_a_hold_reduces_the_available_balance_but_not_the_posted_one(
    books: Books, alice: Account, bob: Account
) -> None:
    transfer = hold(books, alice, bob, 3_000)
    assert transfer.status is TransferStatus.PENDING and transfer.two_phase and transfer.posted == ()
    assert (alice.posted_balance, alice.available_balance) == (10_000, 7_000)
    assert (bob.posted_balance, bob.available_balance) == (0, 0), "incoming holds are not spendable"
    with pytest.raises(InsufficientFunds):
        books.book(move(alice, bob, 7_001))


def test_a_hold_larger_than_the_available_balance_is_refused(
    books: Books, alice: Account, bob: Account
) -> None:
    hold(books, alice, bob, 6_000)
    with pytest.raises(InsufficientFunds):
        hold(books, alice, bob, 4_001)


def test_posting_a_hold_in_full_moves_the_money(books: Books, alice: Account, bob: Account) -> None:
    transfer = hold(books, alice, bob, 3_000)
    outcome = ledger.post_pending(transfer.id, transfer, books.accounts, LATER)
    assert outcome.transfer.status is TransferStatus.POSTED
    assert outcome.transfer.resolved_at == LATER
    assert outcome.transfer.posted == transfer.postings
    assert {e.layer for e in outcome.entries} == {Layer.POSTED}
    assert (alice.posted_balance, alice.available_balance, bob.posted_balance) == (7_000, 7_000, 3_000)
    assert alice.balances.pending_debits == 0 and bob.balances.pending_credits == 0


def test_posting_part_of_a_hold_releases_the_rest(books: Books, alice: Account, bob: Account) -> None:
    transfer = hold(books, alice, bob, 3_000)
    outcome = ledger.post_pending(transfer.id, transfer, books.accounts, LATER, amount=1_200)
    assert [p.amount for p in outcome.transfer.posted] == [1_200, 1_200]
    assert (alice.posted_balance, alice.available_balance, bob.posted_balance) == (8_800, 8_800, 1_200)


@pytest.mark.parametrize("amount", [0, -1, 3_001, 1.5, True])
def test_a_partial_amount_must_be_within_the_hold(
    books: Books, alice: Account, bob: Account, amount: object
) -> None:
    transfer = hold(books, alice, bob, 3_000)
    with pytest.raises(ValidationError):
        ledger.post_pending(transfer.id, transfer, books.accounts, LATER, amount=amount)  # type: ignore[arg-type]
    assert transfer.status is TransferStatus.PENDING


def test_a_partial_amount_applies_only_to_two_postings(books: Books, alice: Account, bob: Account) -> None:
    carol = account("carol")
    books.accounts[carol.id] = carol
    [outcome] = books.book(
        lines((alice, Side.DEBIT, 300), (bob, Side.CREDIT, 100), (carol, Side.CREDIT, 200), pending=True)
    )
    with pytest.raises(ValidationError):
        ledger.post_pending(outcome.transfer.id, outcome.transfer, books.accounts, LATER, amount=100)


def test_posting_a_posted_hold_again_is_a_replay(books: Books, alice: Account, bob: Account) -> None:
    transfer = hold(books, alice, bob, 3_000)
    ledger.post_pending(transfer.id, transfer, books.accounts, LATER, amount=1_000)
    again = ledger.post_pending(transfer.id, transfer, books.accounts, LATER, amount=1_000)
    assert again.replayed and again.entries == ()
    assert alice.posted_balance == 9_000
    with pytest.raises(InvalidState):
        ledger.post_pending(transfer.id, transfer, books.accounts, LATER, amount=2_000)


def test_voiding_a_hold_releases_it(books: Books, alice: Account, bob: Account) -> None:
    transfer = hold(books, alice, bob, 3_000)
    outcome = ledger.void_pending(transfer.id, transfer, books.accounts, LATER)
    assert outcome.transfer.status is TransferStatus.VOIDED and outcome.entries == ()
    assert (alice.posted_balance, alice.available_balance) == (10_000, 10_000)
    assert ledger.void_pending(transfer.id, transfer, books.accounts, LATER).replayed
    with pytest.raises(InvalidState):
        ledger.post_pending(transfer.id, transfer, books.accounts, LATER)


def test_a_hold_can_be_voided_even_when_its_account_is_frozen(
    books: Books, alice: Account, bob: Account
) -> None:
    transfer = hold(books, alice, bob, 3_000)
    alice.freeze()
    with pytest.raises(AccountInactive):
        ledger.post_pending(transfer.id, transfer, books.accounts, LATER)
    ledger.void_pending(transfer.id, transfer, books.accounts, LATER)
    assert alice.available_balance == 10_000


def test_a_posted_or_voided_hold_cannot_be_voided_or_posted(
    books: Books, alice: Account, bob: Account
) -> None:
    posted = hold(books, alice, bob, 1_000)
    ledger.post_pending(posted.id, posted, books.accounts, LATER)
    with pytest.raises(InvalidState):
        ledger.void_pending(posted.id, posted, books.accounts, LATER)
    [plain] = books.book(move(alice, bob, 1))
    with pytest.raises(InvalidState):
        ledger.post_pending(plain.transfer.id, plain.transfer, books.accounts, LATER)


def test_an_unknown_transfer_is_not_found(books: Books) -> None:
    missing = new_id()
    with pytest.raises(NotFound):
        ledger.post_pending(missing, None, books.accounts, LATER)
    with pytest.raises(NotFound):
        ledger.void_pending(missing, None, books.accounts, LATER)


def test_a_hold_expires_only_once_its_timeout_has_passed(books: Books, alice: Account, bob: Account) -> None:
    transfer = hold(books, alice, bob, 3_000, timeout_seconds=3600)
    assert transfer.timeout_at == AT + timedelta(hours=1)
    with pytest.raises(InvalidState):
        ledger.expire_pending(transfer, books.accounts, AT + timedelta(minutes=59, seconds=59))
    assert alice.available_balance == 7_000
    outcome = ledger.expire_pending(transfer, books.accounts, AT + timedelta(hours=1))
    assert outcome.transfer.status is TransferStatus.EXPIRED
    assert outcome.transfer.resolved_at == AT + timedelta(hours=1)
    assert alice.available_balance == 10_000
    with pytest.raises(InvalidState):
        ledger.expire_pending(transfer, books.accounts, AT + timedelta(hours=2))


def test_a_hold_without_a_timeout_never_expires(books: Books, alice: Account, bob: Account) -> None:
    transfer = hold(books, alice, bob, 3_000)
    with pytest.raises(InvalidState):
        ledger.expire_pending(transfer, books.accounts, AT + timedelta(days=3650))


def test_a_hold_cannot_be_posted_once_it_timed_out(books: Books, alice: Account, bob: Account) -> None:
    transfer = hold(books, alice, bob, 3_000, timeout_seconds=60)
    with pytest.raises(InvalidState):
        ledger.post_pending(transfer.id, transfer, books.accounts, AT + timedelta(seconds=60))
    assert books.transfers[transfer.id].status is TransferStatus.PENDING
    ledger.post_pending(
        transfer.id, transfer, books.accounts, AT + timedelta(seconds=59, microseconds=999_999)
    )
    assert books.transfers[transfer.id].status is TransferStatus.POSTED


# --- reversals ------------------------------------------------------------------------------------


def reverse(
    books: Books, original: Transfer, reversal_id: UUID | None = None, **options: str
) -> ledger.Outcome:
    request = ReversalRequest(reversal_id or new_id(), original.id, **options)  # type: ignore[arg-type]
    outcome = ledger.reverse(
        request,
        existing=books.transfers.get(request.id),
        original=books.transfers.get(original.id),
        accounts=books.accounts,
        at=LATER,
    )
    if not outcome.replayed:
        books.transfers[outcome.transfer.id] = outcome.transfer
    return outcome


def test_a_reversal_books_the_opposite_postings(books: Books, alice: Account, bob: Account) -> None:
    [paid] = books.book(move(alice, bob, 2_500))
    outcome = reverse(books, paid.transfer)
    assert (alice.posted_balance, bob.posted_balance) == (10_000, 0)
    reversal = outcome.transfer
    assert reversal.reverses_id == paid.transfer.id
    assert reversal.description == f"Reversal of {paid.transfer.id}"
    assert [(p.account_id, p.side) for p in reversal.postings] == [
        (alice.id, Side.CREDIT),
        (bob.id, Side.DEBIT),
    ]
    assert books.transfers[paid.transfer.id].reversed_by_id == reversal.id


def test_a_transfer_is_reversed_once_only(books: Books, alice: Account, bob: Account) -> None:
    [paid] = books.book(move(alice, bob, 2_500))
    first = reverse(books, paid.transfer)
    with pytest.raises(InvalidState) as error:
        reverse(books, paid.transfer)
    assert error.value.context["reversed_by"] == str(first.transfer.id)
    assert alice.posted_balance == 10_000


def test_repeating_a_reversal_request_is_a_replay(books: Books, alice: Account, bob: Account) -> None:
    [paid] = books.book(move(alice, bob, 2_500))
    reversal_id = new_id()
    first = reverse(books, paid.transfer, reversal_id, description="refund")
    again = reverse(books, paid.transfer, reversal_id, description="refund")
    assert again.replayed and again.transfer.id == first.transfer.id
    with pytest.raises(IdempotencyConflict):
        reverse(books, paid.transfer, reversal_id, description="another refund")
    assert alice.posted_balance == 10_000


def test_a_pending_or_voided_transfer_cannot_be_reversed(books: Books, alice: Account, bob: Account) -> None:
    pending = hold(books, alice, bob, 1_000)
    with pytest.raises(InvalidState):
        reverse(books, pending)
    ledger.void_pending(pending.id, pending, books.accounts, LATER)
    with pytest.raises(InvalidState):
        reverse(books, pending)


def test_reversing_a_partially_posted_hold_returns_what_was_posted(
    books: Books, alice: Account, bob: Account
) -> None:
    transfer = hold(books, alice, bob, 3_000)
    ledger.post_pending(transfer.id, transfer, books.accounts, LATER, amount=1_000)
    reverse(books, transfer)
    assert (alice.posted_balance, alice.available_balance, bob.posted_balance) == (10_000, 10_000, 0)


def test_a_reversal_needs_funds_on_the_receiving_side(books: Books, alice: Account, bob: Account) -> None:
    carol = account("carol")
    books.accounts[carol.id] = carol
    [paid] = books.book(move(alice, bob, 2_500))
    books.book(move(bob, carol, 2_000))
    with pytest.raises(InsufficientFunds):
        reverse(books, paid.transfer)
    assert books.transfers[paid.transfer.id].reversed_by_id is None


def test_reversing_an_unknown_transfer_is_not_found(books: Books) -> None:
    with pytest.raises(NotFound):
        ledger.reverse(
            ReversalRequest(new_id(), new_id()), existing=None, original=None, accounts={}, at=LATER
        )


# --- replays and batches --------------------------------------------------------------------------


def test_a_replay_returns_the_transfer_as_it_was_created(books: Books, alice: Account, bob: Account) -> None:
    request = move(alice, bob, 3_000, pending=True)
    [created] = books.book(request)
    ledger.post_pending(request.id, books.transfers[request.id], books.accounts, LATER, amount=1_000)

    [replay] = books.book(request, at=LATER + timedelta(hours=1))
    assert replay.replayed and replay.entries == ()
    assert replay.transfer.status is TransferStatus.PENDING
    assert (replay.transfer.posted, replay.transfer.resolved_at) == ((), None)
    assert replay.transfer.created_at == created.transfer.created_at
    assert alice.posted_balance == 9_000, "a replay moves nothing"


def test_a_replay_of_a_reversed_transfer_does_not_show_the_reversal(
    books: Books, alice: Account, bob: Account
) -> None:
    request = move(alice, bob, 100)
    books.book(request)
    reverse(books, books.transfers[request.id])
    [replay] = books.book(request)
    assert replay.transfer.reversed_by_id is None


def test_the_same_id_for_a_different_request_is_an_idempotency_conflict(
    books: Books, alice: Account, bob: Account
) -> None:
    transfer_id = new_id()
    books.book(move(alice, bob, 100, id=transfer_id))
    with pytest.raises(IdempotencyConflict) as error:
        books.book(move(alice, bob, 101, id=transfer_id))
    assert error.value.code == "idempotency_conflict"
    assert alice.posted_balance == 9_900


def test_a_batch_books_in_order_so_later_transfers_may_spend_earlier_credits(
    books: Books, alice: Account, bob: Account
) -> None:
    carol = account("carol")
    books.accounts[carol.id] = carol
    outcomes = books.book(move(alice, bob, 10_000), move(bob, carol, 10_000))
    assert [o.replayed for o in outcomes] == [False, False]
    assert (alice.posted_balance, bob.posted_balance, carol.posted_balance) == (0, 0, 10_000)


def test_a_batch_mixes_replays_and_new_transfers(books: Books, alice: Account, bob: Account) -> None:
    first = move(alice, bob, 100)
    books.book(first)
    outcomes = books.book(first, move(alice, bob, 200))
    assert [o.replayed for o in outcomes] == [True, False]
    assert bob.posted_balance == 300


def test_a_failing_transfer_fails_the_whole_batch(books: Books, alice: Account, bob: Account) -> None:
    with pytest.raises(InsufficientFunds):
        ledger.post_transfers(
            [move(alice, bob, 1_000), move(alice, bob, 2_000), move(alice, bob, 1_000_000)],
            existing={},
            accounts=books.accounts,
            at=LATER,
        )
    # The domain works on the caller's locked copies; the unit of work discards them (see the use
    # case tests for "accounts untouched").


def test_a_batch_needs_one_to_1000_distinct_transfers(alice: Account, bob: Account) -> None:
    with pytest.raises(ValidationError):
        ledger.check_batch([])
    ledger.check_batch([move(alice, bob, 1) for _ in range(ledger.MAX_BATCH)])
    with pytest.raises(ValidationError):
        ledger.check_batch([move(alice, bob, 1) for _ in range(ledger.MAX_BATCH + 1)])
    twice = move(alice, bob, 1)
    with pytest.raises(ValidationError) as error:
        ledger.check_batch([move(alice, bob, 1), twice, twice])
    assert error.value.issues[0].field == "transfers[2].id"


def test_booking_time_must_carry_a_time_zone(books: Books, alice: Account, bob: Account) -> None:
    with pytest.raises(ValidationError):
        books.book(move(alice, bob, 1), at=LATER.replace(tzinfo=None))


# --- each on its own (groups and bulk) ----------------------------------------------------------


def test_post_each_refuses_a_transfer_alone_and_books_the_others(
    books: Books, alice: Account, bob: Account, bank: Account
) -> None:
    requests = [move(alice, bob, 4_000), move(alice, bob, 7_000), move(alice, bob, 6_000)]
    results = ledger.post_each(requests, existing={}, accounts=books.accounts, at=LATER)

    booked, refused, also_booked = results
    assert isinstance(booked, ledger.Outcome) and isinstance(also_booked, ledger.Outcome)
    assert isinstance(refused, InsufficientFunds)  # 7,000 of the 6,000 left after the first
    assert refused.context["available"] == 6_000 - 7_000
    assert (alice.posted_balance, bob.posted_balance, bank.posted_balance) == (0, 10_000, 10_000)
    # The refused transfer took no sequence numbers: the next entry follows the first transfer's.
    assert [e.seq for e in also_booked.entries if e.account_id == alice.id] == [3]


def test_post_each_books_a_repeated_id_once_and_replays_or_refuses_the_repeats(
    books: Books, alice: Account, bob: Account
) -> None:
    first = move(alice, bob, 100)
    other = TransferRequest.simple(first.id, debit_account_id=alice.id, credit_account_id=bob.id, amount=200)
    results = ledger.post_each([first, first, other], existing={}, accounts=books.accounts, at=LATER)

    booked, replay, conflict = results
    assert isinstance(booked, ledger.Outcome) and not booked.replayed
    assert isinstance(replay, ledger.Outcome) and replay.replayed and replay.transfer.id == first.id
    assert replay.entries == ()
    assert isinstance(conflict, IdempotencyConflict)
    assert alice.posted_balance == 10_000 - 100


def test_post_each_keeps_every_rule_per_transfer(books: Books, alice: Account, bob: Account) -> None:
    unknown = TransferRequest.simple(
        new_id(), debit_account_id=alice.id, credit_account_id=new_id(), amount=1
    )
    selfie = TransferRequest.simple(new_id(), debit_account_id=alice.id, credit_account_id=alice.id, amount=1)
    alice_usd = account("alice-usd", asset=USD)
    books.accounts[alice_usd.id] = alice_usd
    mixed = TransferRequest.simple(
        new_id(), debit_account_id=alice.id, credit_account_id=alice_usd.id, amount=1
    )
    results = ledger.post_each(
        [unknown, selfie, mixed, move(alice, bob, 1)], existing={}, accounts=books.accounts, at=LATER
    )
    assert [type(r) for r in results] == [AccountNotFound, ValidationError, AssetMismatch, ledger.Outcome]


def test_post_each_takes_one_to_10000_transfers(books: Books, alice: Account, bob: Account) -> None:
    with pytest.raises(ValidationError):
        ledger.post_each([], existing={}, accounts=books.accounts, at=LATER)
    with pytest.raises(ValidationError):
        ledger.post_each(
            [move(alice, bob, 1)] * (ledger.MAX_EACH + 1), existing={}, accounts=books.accounts, at=LATER
        )
