"""The verification kernel (`razao_kernel.verify_journal_page`, `verify_transfer_page`) against the reference
page loops of `domain.verification`.

Hypothesis builds ledgers (sound ones, and ones with every kind of discrepancy: stored balances, last seq,
gaps and repeats in the sequence, running balances, assets, minimum balances, holds of transfers in every
status, unbalanced transfers, pending transfers without holds, transfers without entries), with amounts up
to and past ±10**38 and i128, as ints or decimal text, cuts their rows into pages at random (an account's
rows across pages), and may start them inside a paused account (`resume`, `earlier_holds`). The same pages
go to a `LedgerVerifier` running the reference (kernel mode `reference`) and to one running the kernel
(mode `auto`, the kernel installed at the pinned version); their positions, pauses and full reports must
be equal. Page by page, the kernel's own answer (called directly) must equal the reference's, and it may
give up (None) only on a page holding a number outside i128.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import kernel
from domain.verification import (
    AccountProgress,
    Discrepancy,
    JournalRow,
    LedgerVerifier,
    TransferRow,
    VerificationReport,
    _Journal,
    _journal_page,
    _transfer_page,
    _Transfers,
)

try:
    import razao_kernel as _installed
except ImportError:  # no kernel on this machine: nothing to compare
    _installed = None

#: The kernel module at the version the code pins (None: not installed, or another version).
NATIVE: ModuleType | None = kernel.choose("auto", _installed).module
pytestmark = pytest.mark.skipif(
    NATIVE is None or not hasattr(NATIVE, "verify_journal_page"),
    reason="razao_kernel is not installed at the pinned version",
)

I128 = 2**127
BIG = 10**38
EXAMPLES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def _auto_after() -> Iterator[None]:
    yield
    kernel.configure("auto")


def _native() -> ModuleType:
    assert NATIVE is not None
    return NATIVE


# --- strategies ----------------------------------------------------------------------------------------

amounts = st.one_of(
    st.integers(1, 10_000),
    st.integers(1, BIG - 1),
    st.sampled_from([BIG - 1, BIG, I128 - 1, I128, -I128, -I128 - 1, 10**39, 0, -1]),
    st.integers(-BIG, BIG),
)
#: A little off now and then: most values are right, some are wrong by a little or by a lot.
offsets = st.one_of(st.just(0), st.just(0), st.just(0), st.sampled_from([1, -1, BIG, -I128]))


@dataclass
class Account:
    id: str
    asset: str
    normal_side: str
    min_balance: int | None
    stored: list[int]
    last_seq: int
    entries: list[tuple[int, str, str, int, str, int, str | None]] = field(default_factory=list)
    #: After each entry: (seq, posted debits, posted credits) up to it (what a pause carries).
    progress: list[tuple[int, int, int]] = field(default_factory=list)


@st.composite
def ledgers(draw: st.DrawFn) -> list[Account]:
    accounts = []
    for n in range(draw(st.integers(0, 5))):
        credit = draw(st.booleans())
        asset = draw(st.sampled_from(["BRL", "USD"]))
        account = Account(str(UUID(int=n + 1)), asset, "credit" if credit else "debit", None, [], 0)
        seq = pd = pc = qd = qc = 0
        for _ in range(draw(st.integers(0, 6))):
            seq += draw(st.sampled_from([1, 1, 1, 1, 0, 2]))  # repeats and gaps now and then
            layer = draw(st.sampled_from(["posted", "posted", "pending"]))
            side = draw(st.sampled_from(["debit", "credit"]))
            amount = draw(amounts)
            if layer == "pending":
                status: str | None = draw(st.sampled_from(["pending", "posted", "voided", "expired"]))
            else:
                status = draw(st.sampled_from([None, "posted"]))
            if layer == "posted":
                pd, pc = (pd + amount, pc) if side == "debit" else (pd, pc + amount)
            elif status == "pending":
                qd, qc = (qd + amount, qc) if side == "debit" else (qd, qc + amount)
            posted = pc - pd if credit else pd - pc
            entry_asset = asset if draw(st.integers(0, 9)) else "EUR"
            after = posted + draw(offsets)
            account.entries.append((seq, layer, side, amount, entry_asset, after, status))
            account.progress.append((seq, pd, pc))
        account.stored = [value + draw(offsets) for value in (pd, pc, qd, qc)]
        account.last_seq = seq + draw(st.sampled_from([0, 0, 0, 1, -1]))
        account.min_balance = draw(st.one_of(st.none(), st.sampled_from([0, -100, 50, -BIG]), amounts))
        accounts.append(account)
    return accounts


def _amount(draw: st.DrawFn, value: int) -> int | str:
    """As a scan hands it over: an int, or its decimal digits (PostgreSQL's text of a NUMERIC)."""
    return str(value) if draw(st.booleans()) else value


@st.composite
def journal_rows(draw: st.DrawFn, accounts: list[Account], skip: int = 0) -> list[JournalRow]:
    """The rows of `accounts` (the first from its entry `skip` on), the account's columns on its first row
    (or on all of its rows, which is as valid)."""
    rows: list[JournalRow] = []
    for n, a in enumerate(accounts):
        every = draw(st.booleans())
        columns = [
            a.id,
            a.asset,
            a.normal_side,
            None if a.min_balance is None else _amount(draw, a.min_balance),
            *(_amount(draw, value) for value in a.stored),
            _amount(draw, a.last_seq),
        ]
        head = columns if draw(st.booleans()) else tuple(columns)  # a SQL array, or a tuple
        entries = a.entries[skip:] if n == 0 else a.entries
        if not entries:
            rows.append((head, None, None, None, None, None, None, None))
        for i, (seq, layer, side, amount, asset, after, status) in enumerate(entries):
            line = (seq, layer, side, _amount(draw, amount), asset, _amount(draw, after), status)
            rows.append((head if i == 0 or every else None, *line))
    return rows


@st.composite
def pages(draw: st.DrawFn, rows: list[Any]) -> list[list[Any]]:
    cuts = sorted(draw(st.lists(st.integers(0, len(rows)), max_size=4)))
    bounds = [0, *cuts, len(rows)]
    return [rows[a:b] for a, b in itertools.pairwise(bounds)]


@st.composite
def transfer_rows(draw: st.DrawFn) -> list[TransferRow]:
    rows: list[TransferRow] = []
    for n in range(draw(st.integers(0, 8))):
        transfer = str(UUID(int=1000 + n))
        status = draw(st.sampled_from(["pending", "posted", "voided", "expired"]))
        groups = draw(
            st.lists(
                st.tuples(st.sampled_from(["pending", "posted"]), st.sampled_from(["BRL", "USD"])), max_size=3
            )
        )
        if not groups:
            rows.append((transfer, status, None, None, 0, 0))
        for layer, asset in sorted(set(groups)):
            debits = draw(amounts)
            credits = debits + draw(offsets)
            rows.append((transfer, status, layer, asset, _amount(draw, debits), _amount(draw, credits)))
    return rows


# --- running both --------------------------------------------------------------------------------------


@dataclass
class Run:
    positions: tuple[Any, ...]
    paused: AccountProgress | None
    report: VerificationReport
    holds_asked: int


def _verify(
    mode: str,
    journal: list[list[Any]],
    transfers: list[list[Any]],
    *,
    max_listed: int,
    resume: AccountProgress | None = None,
    holds: tuple[int, int] = (0, 0),
    pause: bool = False,
) -> Run:
    kernel.configure(mode)
    assert (kernel.native() is None) == (mode == "reference")
    asked = []

    def earlier_holds() -> tuple[int, int]:
        asked.append(1)
        return holds

    verifier = LedgerVerifier(max_listed, resume, earlier_holds if resume is not None else None)
    for page in journal:
        verifier.journal_page(page)
    for page in transfers:
        verifier.transfer_page(page)
    positions = (
        verifier.journal_rows,
        verifier.accounts_seen,
        verifier.last_account_id,
        verifier.ended_on_entry,
        verifier.last_transfer_id,
    )
    paused = verifier.pause() if pause else None
    return Run(positions, paused, verifier.report(), len(asked))


def _both(journal: list[list[Any]], transfers: list[list[Any]], **options: Any) -> Run:
    reference = _verify("reference", journal, transfers, **options)
    native = _verify("auto", journal, transfers, **options)
    assert native == reference
    assert reference.holds_asked <= 1
    return reference


@given(ledgers().flatmap(lambda a: journal_rows(a).flatmap(pages)), st.data())
@EXAMPLES
def test_the_kernel_reports_every_ledger_as_the_reference(
    journal: list[list[Any]], data: st.DataObject
) -> None:
    transfers = data.draw(transfer_rows().flatmap(pages))
    max_listed = data.draw(st.sampled_from([1000, 0, 1, 3]))
    _both(journal, transfers, max_listed=max_listed, pause=data.draw(st.booleans()))


@given(ledgers(), st.data())
@EXAMPLES
def test_a_resumed_account_is_finished_as_the_reference_finishes_it(
    accounts: list[Account], data: st.DataObject
) -> None:
    first = accounts[0] if accounts else None
    skip = data.draw(st.integers(0, len(first.entries))) if first is not None else 0
    seq, pd, pc = first.progress[skip - 1] if first is not None and skip else (0, 0, 0)
    resumed = UUID(first.id) if first is not None and data.draw(st.booleans()) else UUID(int=99)
    progress = AccountProgress(resumed, seq, pd, pc)
    journal = data.draw(journal_rows(accounts, skip).flatmap(pages))
    holds = data.draw(st.tuples(amounts, amounts))
    run = _both(journal, [], max_listed=1000, resume=progress, holds=holds, pause=data.draw(st.booleans()))
    if first is not None and resumed == UUID(first.id) and run.paused is None:
        assert run.holds_asked == 1  # the resumed account was finished here, with its earlier holds


def _in_i128(value: Any) -> bool:
    """Not a number, or one whose sums with a few others stay inside i128."""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    return not isinstance(value, int) or -(2**100) <= value <= 2**100


@given(ledgers().flatmap(journal_rows), st.sampled_from([1000, 0, 2]))
@EXAMPLES
def test_each_journal_page_gives_the_reference_state_and_findings(rows: list[JournalRow], room: int) -> None:
    state = _Journal()
    found: list[Discrepancy] = []

    def report(kind: str, subject: object, expected: object, value: object) -> None:
        found.append(Discrepancy(kind, str(subject), str(expected), str(value)))

    _journal_page(state, rows, report, _no_holds)
    answer = _native().verify_journal_page(_Journal().pack(), rows, room, _no_holds)
    if answer is None:
        assert not all(map(_in_i128, _values(rows))), "the kernel gave up on a page it takes"
        return
    native_state, listed, count = answer
    assert native_state == state.pack()
    assert count == len(found)
    assert [Discrepancy(*d) for d in listed] == found[:room]


def _values(rows: list[Any]) -> Iterator[Any]:
    for row in rows:
        for value in row:
            if isinstance(value, list | tuple):
                yield from value
            else:
                yield value


@given(transfer_rows(), st.sampled_from([1000, 0, 2]))
@EXAMPLES
def test_each_transfer_page_gives_the_reference_state_and_findings(
    rows: list[TransferRow], room: int
) -> None:
    state = _Transfers()
    found: list[Discrepancy] = []

    def report(kind: str, subject: object, expected: object, value: object) -> None:
        found.append(Discrepancy(kind, str(subject), str(expected), str(value)))

    _transfer_page(state, rows, report)
    answer = _native().verify_transfer_page(_Transfers().pack(), rows, room)
    if answer is None:
        assert not all(_in_i128(v) for row in rows for v in row), "the kernel gave up on a page it takes"
        return
    native_state, listed, count = answer
    assert native_state == state.pack()
    assert count == len(found)
    assert [Discrepancy(*d) for d in listed] == found[:room]


def _no_holds() -> tuple[int, int]:
    raise AssertionError("no account here is resumed")


# --- what the kernel leaves to the reference ----------------------------------------------------------

HEAD: list[Any] = [str(UUID(int=1)), "BRL", "credit", 0, 0, 5, 0, 0, 1]


def _entry(amount: Any, after: Any, layer: Any = "posted", side: Any = "credit") -> JournalRow:
    return (HEAD, 1, layer, side, amount, "BRL", after, None)


@pytest.mark.parametrize(
    "row",
    [
        _entry(2**127, 2**127),  # past i128
        _entry("5", "5.0"),  # not the digits PostgreSQL writes: `int()` refuses it
        _entry(" 5", 5),  # `int()` takes it, the kernel does not parse it
        _entry(5, 5, layer="frozen"),
        _entry(5, 5, side="sideways"),
        ([UUID(int=1), *HEAD[1:]], None, None, None, None, None, None, None),  # an id that is not text
        (HEAD[:8], None, None, None, None, None, None, None),  # an account's columns cut short
    ],
)
def test_the_kernel_leaves_what_it_does_not_take_to_the_reference(row: JournalRow) -> None:
    assert _native().verify_journal_page(_Journal().pack(), [row], 1000, _no_holds) is None
    verdicts: list[object] = []
    for mode in ("reference", "auto"):
        kernel.configure(mode)
        verifier = LedgerVerifier()
        try:
            verifier.journal_page([row])
            verdicts.append(verifier.report())
        except ValueError as error:
            verdicts.append(type(error))
    assert verdicts[0] == verdicts[1]


def test_a_sum_past_i128_is_reported_exactly() -> None:
    """Two amounts that fit i128 whose sum does not: the page falls back, the report is exact."""
    head = [*HEAD[:5], str(2 * (I128 - 1)), *HEAD[6:]]
    rows: list[JournalRow] = [
        (head, 1, "posted", "credit", str(I128 - 1), "BRL", str(I128 - 1), None),
        (None, 2, "posted", "credit", str(I128 - 1), "BRL", "0", None),
    ]
    assert _native().verify_journal_page(_Journal().pack(), rows, 1000, _no_holds) is None
    for mode in ("reference", "auto"):
        kernel.configure(mode)
        verifier = LedgerVerifier()
        verifier.journal_page(rows)
        report = verifier.report()
        assert [(d.kind, d.expected, d.found) for d in report.discrepancies] == [
            ("balance_after_mismatch", str(2 * (I128 - 1)), "0"),
            ("last_seq_mismatch", "2", "1"),
        ]


def test_the_kernel_reads_and_gives_back_the_state_it_is_given() -> None:
    state = _Journal(
        account=str(UUID(int=7)),
        asset="BRL",
        credit=True,
        min_balance=-5,
        stored_pd=1,
        stored_pc=2,
        stored_qd=3,
        stored_qc=4,
        stored_last_seq=9,
        pd=10**30,
        pc=-(10**30),
        qd=7,
        qc=8,
        last_seq=3,
        resumed=True,
        resume=(str(UUID(int=8)), 4, 5, 6),
        accounts=11,
        seen=12,
        entries=13,
        rows=14,
        on_entry=True,
        last_account=str(UUID(int=7)),
    )
    answer = _native().verify_journal_page(state.pack(), [], 1000, _no_holds)
    assert answer is not None and answer[0] == state.pack() and answer[1:] == ([], 0)
