"""Ledger verification: the streaming checker finds each kind of planted problem, and the use cases
run it over the fakes' journal, whole or in parts that add up to the whole."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

import pytest

from application.verification import (
    ACCOUNTS,
    TRANSFERS,
    part_from_dict,
    part_to_dict,
    report_from_dict,
    report_to_dict,
    verify_ledger,
    verify_part,
)
from application.write_path import InAppWritePath
from domain.accounts import Balances, Layer, Side
from domain.errors import ValidationError
from domain.transfers import TransferStatus
from domain.verification import (
    JournalLine,
    LedgerVerifier,
    StoredAccount,
    TransferSums,
    VerificationReport,
    combine,
)
from tests.fakes import InMemoryStore
from tests.unit.builders import MoveFn, OpenFn

A, B, T1, T2 = UUID(int=1), UUID(int=2), UUID(int=11), UUID(int=12)


def _account(balances: Balances, last_seq: int, min_balance: int | None = 0, id: UUID = A) -> StoredAccount:
    return StoredAccount(id, "BRL", Side.CREDIT, min_balance, balances, last_seq)


def _line(seq: int, amount: int, balance_after: int, **fields: object) -> JournalLine:
    values: dict[str, object] = {
        "account_id": A,
        "seq": seq,
        "transfer_id": T1,
        "layer": Layer.POSTED,
        "side": Side.CREDIT,
        "amount": amount,
        "asset": "BRL",
        "balance_after": balance_after,
        "transfer_status": TransferStatus.POSTED,
        **fields,
    }
    return JournalLine(**values)  # type: ignore[arg-type]


def _check(account: StoredAccount, *lines: JournalLine, transfers: tuple[TransferSums, ...] = ()) -> set[str]:
    verifier = LedgerVerifier()
    if not lines:
        verifier.journal_row(account, None)
    for line in lines:
        verifier.journal_row(account, line)
    for row in transfers:
        verifier.transfer_row(row)
    return {d.kind for d in verifier.report().discrepancies}


GOOD = (_line(1, 100, 100), _line(2, 50, 150))


def test_a_sound_account_has_no_discrepancy() -> None:
    assert _check(_account(Balances(posted_credits=150), 2), *GOOD) == set()
    assert _check(_account(Balances(), 0)) == set()


def test_finds_a_stored_balance_that_disagrees() -> None:
    assert _check(_account(Balances(posted_credits=151), 2), *GOOD) == {"balance_mismatch"}
    assert _check(_account(Balances(posted_credits=150, pending_debits=1), 2), *GOOD) == {"balance_mismatch"}


def test_counts_holds_of_pending_transfers_only() -> None:
    held = _line(3, 30, 150, layer=Layer.PENDING, side=Side.DEBIT, transfer_status=TransferStatus.PENDING)
    released = replace(held, transfer_status=TransferStatus.VOIDED)
    assert _check(_account(Balances(posted_credits=150, pending_debits=30), 3), *GOOD, held) == set()
    assert _check(_account(Balances(posted_credits=150, pending_debits=30), 3), *GOOD, released) == {
        "balance_mismatch"
    }


def test_finds_breaks_in_the_sequence_and_running_balance() -> None:
    assert _check(_account(Balances(posted_credits=150), 3), _line(1, 100, 100), _line(3, 50, 150)) == {
        "seq_gap"
    }
    assert _check(_account(Balances(posted_credits=150), 3), *GOOD) == {"last_seq_mismatch"}
    assert _check(_account(Balances(posted_credits=150), 2), _line(1, 100, 100), _line(2, 50, 149)) == {
        "balance_after_mismatch"
    }
    assert _check(
        _account(Balances(posted_credits=150), 2), _line(1, 100, 100), _line(2, 50, 150, asset="USD")
    ) == {"asset_mismatch"}


def test_finds_an_account_below_its_minimum() -> None:
    lines = (_line(1, 100, 100), _line(2, 300, -200, side=Side.DEBIT))
    assert _check(_account(Balances(posted_credits=100, posted_debits=300), 2, 0), *lines) == {
        "below_min_balance"
    }
    assert _check(_account(Balances(posted_credits=100, posted_debits=300), 2, None), *lines) == set()
    assert _check(_account(Balances(posted_credits=100, posted_debits=300), 2, -500), *lines) == set()


def test_finds_unbalanced_and_pending_transfers_without_holds() -> None:
    account = _account(Balances(), 0)
    sound = (
        TransferSums(T1, TransferStatus.POSTED, Layer.POSTED, "BRL", 10, 10),
        TransferSums(T2, TransferStatus.PENDING, Layer.PENDING, "BRL", 5, 5),
    )
    assert _check(account, transfers=sound) == set()
    unbalanced = (TransferSums(T1, TransferStatus.POSTED, Layer.POSTED, "BRL", 10, 9),)
    assert _check(account, transfers=unbalanced) == {"unbalanced_transfer"}
    no_hold = (TransferSums(T2, TransferStatus.PENDING, Layer.POSTED, "BRL", 5, 5),)
    assert _check(account, transfers=no_hold) == {"pending_without_hold"}
    empty = (TransferSums(T1, TransferStatus.POSTED, None, None, 0, 0),)
    assert _check(account, transfers=empty) == {"transfer_without_entries"}


def test_a_paused_account_resumes_as_if_it_had_never_stopped() -> None:
    account = _account(Balances(posted_credits=151), 3)  # stored balance off by one
    lines = (_line(1, 100, 100), _line(2, 50, 150), _line(3, 1, 152))  # the last balance_after is wrong
    first = LedgerVerifier()
    for line in lines[:2]:
        first.journal_row(account, line)
    progress = first.pause()
    assert progress is not None and (progress.account_id, progress.seq) == (A, 2)
    second = LedgerVerifier(resume=progress, earlier_holds=lambda: (0, 0))
    second.journal_row(account, lines[2])
    parts = combine([first.report(), second.report()])

    assert {d.kind for d in parts.discrepancies} == _check(account, *lines) == {"balance_after_mismatch"}
    assert (parts.accounts, parts.entries) == (1, 3)
    assert LedgerVerifier().pause() is None


def test_lists_a_bounded_number_but_counts_all() -> None:
    verifier = LedgerVerifier(max_listed=2)
    for n in range(5):
        verifier.transfer_row(
            TransferSums(UUID(int=100 + n), TransferStatus.POSTED, Layer.POSTED, "BRL", 1, 2)
        )
    report = verifier.report()
    assert (report.discrepancy_count, len(report.discrepancies), report.transfers) == (5, 2, 5)


def test_the_use_case_verifies_the_fake_ledger(store: InMemoryStore, open_: OpenFn, move: MoveFn) -> None:
    bank = open_("bank", normal_side="debit", min_balance=None)
    alice, bob = open_("alice"), open_("bob")
    move(bank, alice, 1000)
    move(alice, bob, 300, pending=True)
    report = verify_ledger(store.unit_of_work())
    assert report.ok and (report.accounts, report.entries, report.transfers) == (3, 4, 2)

    stored = store.accounts[bob.id]
    store.accounts[bob.id] = replace(stored, balances=replace(stored.balances, pending_credits=0))
    report = verify_ledger(store.unit_of_work())
    assert [(d.kind, d.subject_id, d.expected, d.found) for d in report.discrepancies] == [
        ("balance_mismatch", f"{bob.id}.pending_credits", "300", "0")
    ]
    assert report_from_dict(report_to_dict(report)) == report
    assert isinstance(report, VerificationReport)


def test_parts_add_up_to_the_whole_ledger(store: InMemoryStore, open_: OpenFn, move: MoveFn) -> None:
    bank = open_("bank", normal_side="debit", min_balance=None)
    people = [open_(f"p{n}") for n in range(7)]
    for n, person in enumerate(people):
        move(bank, person, 100 + n)
        move(person, bank, 10, pending=n % 2 == 0)
    stored = store.accounts[people[3].id]
    store.accounts[people[3].id] = replace(stored, balances=replace(stored.balances, posted_credits=1))
    whole = verify_ledger(store.unit_of_work())

    parts, after = [], None
    for phase in (ACCOUNTS, TRANSFERS):
        while True:
            part = verify_part(store.unit_of_work(), phase, after, 3)
            parts.append(part)
            after = part.last_id
            if part.complete:
                after = None
                break
    assert combine(p.report for p in parts) == whole and not whole.ok
    assert parts[0].totals == (8, 14) and all(p.totals is None for p in parts[1:])
    assert [p.report.accounts for p in parts if p.phase == ACCOUNTS] == [3, 3, 2]
    assert [p.report.transfers for p in parts if p.phase == TRANSFERS] == [3, 3, 3, 3, 2]
    assert part_from_dict(part_to_dict(parts[0])) == parts[0]


@pytest.mark.parametrize("max_rows", [1, 2, 3, 5, 8])
def test_parts_bounded_by_rows_stop_inside_busy_accounts_and_add_up(
    store: InMemoryStore, open_: OpenFn, move: MoveFn, max_rows: int
) -> None:
    bank = open_("bank", normal_side="debit", min_balance=None)  # 14 entries: the busy account
    people = [open_(f"p{n}") for n in range(7)]
    for n, person in enumerate(people):
        move(bank, person, 100 + n)
        move(person, bank, 10, pending=n % 2 == 0)
    for planted in (bank, people[5]):
        stored = store.accounts[planted.id]
        store.accounts[planted.id] = replace(stored, balances=replace(stored.balances, posted_debits=1))
    whole = verify_ledger(store.unit_of_work())

    parts, after, progress = [], None, None
    while True:
        part = verify_part(store.unit_of_work(), ACCOUNTS, after, 3, progress=progress, max_rows=max_rows)
        assert part.report.entries <= max_rows
        parts.append(part_from_dict(part_to_dict(part)))
        after, progress = part.last_id, part.progress
        if part.complete:
            break
    assert parts[0].totals == (8, 14)
    assert any(p.progress is not None and p.progress.account_id == bank.id for p in parts)
    checked = combine(p.report for p in parts)
    assert (checked.accounts, checked.entries) == (whole.accounts, whole.entries) == (8, 28)
    assert checked.discrepancies == whole.discrepancies and whole.discrepancy_count == 2


def test_a_resumed_account_counts_the_holds_still_open_when_it_is_finished() -> None:
    held = _line(2, 30, 100, layer=Layer.PENDING, side=Side.DEBIT, transfer_status=TransferStatus.PENDING)
    first = LedgerVerifier()
    for line in (_line(1, 100, 100), held):
        first.journal_row(_account(Balances(posted_credits=100, pending_debits=30), 3), line)
    progress = first.pause()
    assert progress is not None

    # Between the parts the hold's transfer is voided: the stored pending sum no longer has it.
    asked: list[int] = []

    def released() -> tuple[int, int]:
        asked.append(1)
        return 0, 0

    second = LedgerVerifier(resume=progress, earlier_holds=released)
    second.journal_row(_account(Balances(posted_credits=150), 3), _line(3, 50, 150))
    assert second.report().ok and asked == [1]

    still_held = LedgerVerifier(resume=progress, earlier_holds=lambda: (30, 0))
    still_held.journal_row(_account(Balances(posted_credits=150), 3), _line(3, 50, 150))
    assert {d.kind for d in still_held.report().discrepancies} == {"balance_mismatch"}
    with pytest.raises(ValueError):
        LedgerVerifier(resume=progress)


def test_a_hold_resolved_between_parts_is_no_discrepancy(
    store: InMemoryStore, open_: OpenFn, move: MoveFn, write: InAppWritePath
) -> None:
    bank = open_("bank", normal_side="debit", min_balance=None)
    alice = open_("alice")
    move(bank, alice, 1000)
    held = move(alice, bank, 300, pending=True).transfer.id
    move(bank, alice, 5)

    parts = [verify_part(store.unit_of_work(), ACCOUNTS, None, 10, max_rows=2)]
    assert parts[0].progress is not None
    write.void_pending(held)
    while not parts[-1].complete:
        part = parts[-1]
        parts.append(
            verify_part(store.unit_of_work(), ACCOUNTS, part.last_id, 10, progress=part.progress, max_rows=2)
        )
    assert combine(p.report for p in parts).ok, combine(p.report for p in parts).discrepancies
    assert verify_ledger(store.unit_of_work()).ok


def test_a_part_resumes_only_the_account_it_stopped_in(
    store: InMemoryStore, open_: OpenFn, move: MoveFn
) -> None:
    a, b = open_("a"), open_("b", normal_side="debit", min_balance=None)
    move(b, a, 5)
    first = verify_part(store.unit_of_work(), ACCOUNTS, None, 10, max_rows=1)
    assert first.progress is not None and not first.complete
    other = b.id if first.progress.account_id == a.id else a.id
    with pytest.raises(ValidationError):
        verify_part(store.unit_of_work(), ACCOUNTS, other, 10, progress=first.progress)
    with pytest.raises(ValidationError):
        verify_part(store.unit_of_work(), TRANSFERS, first.last_id, 10, progress=first.progress)
    with pytest.raises(ValidationError):
        verify_part(store.unit_of_work(), ACCOUNTS, None, 10, max_rows=0)


def test_a_part_past_the_end_is_empty_and_complete(store: InMemoryStore, open_: OpenFn) -> None:
    last = max(open_("a").id, open_("b").id)
    part = verify_part(store.unit_of_work(), ACCOUNTS, last, 10)
    assert (part.report.accounts, part.last_id, part.complete) == (0, None, True)


@pytest.mark.parametrize(
    ("phase", "limit"), [("entries", 10), (ACCOUNTS, 0), (TRANSFERS, 100_001), (ACCOUNTS, True)]
)
def test_a_part_needs_a_phase_and_a_sane_limit(store: InMemoryStore, phase: str, limit: int) -> None:
    with pytest.raises(ValidationError):
        verify_part(store.unit_of_work(), phase, None, limit)
