"""The Rust kernel books a batch exactly as the reference does (`razao_kernel.apply_batch`).

`domain.ledger.post_transfers` and `post_each` hand the arithmetic of a whole batch (`_apply` for each
transfer: running sums, no sum below zero, each account's minimum, the entries' `seq` and
`balance_after`) to the kernel when it is installed. Hypothesis generates accounts (credit- or
debit-normal, minimum None, zero, an overdraft or a reserve, frozen or closed, balances up to and past
NUMERIC(38) and past the kernel's 128-bit integers, even negative sums that no valid history makes) and
batches of requests over them (simple and multi-posting, holds, unknown accounts, other assets,
unbalanced postings, replays and conflicting replays, ids given twice), and books the same batch on two
copies of the accounts, once with `kernel.configure("reference")` and once with the kernel. Both give the
same outcomes (transfers field by field, entries, replays), the same errors (type, code, message,
context) and leave the same balances and entry counters; and the kernel really decides every batch whose
numbers fit in it.

Skipped where the kernel is not installed (the reference then runs everywhere).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from domain import kernel, ledger
from domain.accounts import Account, AccountStatus, Balances, Layer, Side
from domain.assets import MAX_AMOUNT
from domain.errors import DomainError, InsufficientFunds, InvalidState
from domain.ledger import Outcome
from domain.transfers import Posting, Transfer, TransferRequest
from tests.conftest import kernel_mode
from tests.unit.builders import AT, BRL, USD

NAMESPACE = uuid.UUID("0c4d2b7e-6a15-4f38-9e02-5b7d1c3a9f64")
I128 = 2**127
NUMERIC_38 = 10**38 - 1


@pytest.fixture
def native() -> Iterator[ModuleType]:
    """The kernel (skip without it); afterwards, the run's kernel mode again."""
    kernel.configure("required")
    try:
        module = kernel.native()
    except kernel.KernelUnavailable as missing:
        kernel.configure(kernel_mode())
        pytest.skip(str(missing))
    assert module is not None
    yield module
    kernel.configure(kernel_mode())


# --- the accounts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    asset: str
    side: Side
    min_balance: int | None
    status: AccountStatus
    sums: tuple[int, int, int, int]
    last_seq: int


def account_id(index: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"account:{index}")


def build(specs: Sequence[Spec]) -> dict[uuid.UUID, Account]:
    """A fresh set of accounts from `specs` (each booking gets its own copy)."""
    accounts = {}
    for index, spec in enumerate(specs):
        acc = Account(
            id=account_id(index),
            code=f"acct-{index}",
            name=f"Account {index}",
            asset=BRL if spec.asset == "BRL" else USD,
            normal_side=spec.side,
            min_balance=spec.min_balance,
            status=spec.status,
            metadata={},
            created_at=AT,
            balances=Balances(*spec.sums),
            last_seq=spec.last_seq,
        )
        accounts[acc.id] = acc
    return accounts


#: The numbers of an account, by regime: most are ordinary; some sit near NUMERIC(38)'s bound or the
#: kernel's (i128), a few past it (only the reference can book those), and a few hold negative sums that no
#: valid history makes (the reference still says what happens to them).
_ordinary = st.integers(0, 10**6)
_large = st.integers(0, NUMERIC_38)
_edge = st.sampled_from([0, NUMERIC_38, NUMERIC_38 - MAX_AMOUNT, I128 - 1, I128 - MAX_AMOUNT, I128, 10**40])
_negative = st.sampled_from([0, 0, -1, -50])
_REGIMES = {"ordinary": _ordinary, "large": _large, "edge": _edge, "negative": _negative}
_minimum = st.one_of(
    st.none(),
    st.just(0),
    st.integers(-(10**6), -1),
    st.integers(1, 10**6),
    st.sampled_from([-NUMERIC_38, NUMERIC_38, -I128 - 1, I128]),
)


@st.composite
def specs(draw: st.DrawFn, flawed: bool) -> Spec:
    regime = draw(
        st.sampled_from(["ordinary"] * 6 + ["large", "edge", "negative"] if flawed else ["ordinary"])
    )
    inactive = flawed and draw(st.integers(0, 4)) == 0
    side = draw(st.sampled_from(list(Side)))
    sums = list(draw(st.tuples(*[_REGIMES[regime]] * 4)))
    if not flawed and draw(st.integers(0, 3)):  # funded: its normal side well ahead of what goes out
        normal, other = (1, 0) if side is Side.CREDIT else (0, 1)
        sums[normal] = sums[other] + sums[2 + other] + draw(st.integers(10**6, 10**7))
    return Spec(
        asset=draw(st.sampled_from(["BRL", "BRL", "BRL", "USD"])),
        side=side,
        min_balance=draw(_minimum if flawed else st.one_of(st.none(), st.just(0), st.integers(-100, 100))),
        status=draw(st.sampled_from([AccountStatus.FROZEN, AccountStatus.CLOSED]))
        if inactive
        else AccountStatus.ACTIVE,
        sums=(sums[0], sums[1], sums[2], sums[3]),
        last_seq=draw(st.integers(0, 10**6) if regime != "edge" else st.sampled_from([2**63 - 1, 2**63, 0])),
    )


# --- the requests ---------------------------------------------------------------------------------------

_amount = st.one_of(
    st.integers(1, 1000),
    st.integers(1, 1000),
    st.integers(1, 10**6),
    st.sampled_from([MAX_AMOUNT - 1, MAX_AMOUNT]),
)
FLAWS = ("unknown account", "other asset asserted", "unbalanced", "both sides", "assets mixed")


@st.composite
def requests(draw: st.DrawFn, specs: Sequence[Spec], flawed: bool) -> TransferRequest:
    """A request moving value between accounts of one asset (debits and credits on different accounts,
    balanced), or, in a flawed case, now and then a request with one of `FLAWS`."""
    flaw = draw(st.sampled_from(FLAWS)) if flawed and draw(st.integers(0, 3)) == 0 else None
    shared = sorted(a for a in {spec.asset for spec in specs} if sum(s.asset == a for s in specs) > 1)
    asset = draw(st.sampled_from(shared)) if shared else specs[0].asset
    ours = [i for i, spec in enumerate(specs) if spec.asset == asset]
    if len(ours) < 2 or flaw == "assets mixed":
        ours = list(range(len(specs)))
    ours = draw(st.permutations(ours))
    split = draw(st.integers(1, len(ours) - 1))
    debited, credited = ours[:split], ours[split:]
    if flaw == "both sides":
        credited = [debited[0]]
    if draw(st.integers(0, 2)):  # simple: debit one account, credit another by the same amount
        debits = [(draw(st.sampled_from(debited)), draw(_amount))]
        credits = [(draw(st.sampled_from(credited)), debits[0][1])]
    else:  # several debits and credits
        debits = draw(st.lists(st.tuples(st.sampled_from(debited), _amount), min_size=1, max_size=4))
        credits = draw(
            st.lists(st.tuples(st.sampled_from(credited), st.integers(1, 1000)), min_size=0, max_size=2)
        )
        rest = sum(a for _, a in debits) - sum(a for _, a in credits)
        while rest > 0:
            part = min(rest, MAX_AMOUNT)
            credits.append((draw(st.sampled_from(credited)), part))
            rest -= part
        if rest < 0:
            debits.append((debited[0], -rest))
    if flaw == "unbalanced":
        index, amount = credits[-1]
        credits[-1] = (index, amount + 1 if amount < MAX_AMOUNT else amount - 1)
    postings = [Posting(account_id(i), Side.DEBIT, a) for i, a in debits]
    postings += [Posting(account_id(i), Side.CREDIT, a) for i, a in credits]
    if flaw == "unknown account":
        postings[0] = dataclasses.replace(postings[0], account_id=account_id(len(specs)))
    if flaw == "other asset asserted":
        postings[-1] = dataclasses.replace(postings[-1], asset="USD" if asset == "BRL" else "BRL")
    return TransferRequest(
        uuid.uuid4(),  # replaced by `cases`, which numbers the requests
        tuple(draw(st.permutations(postings))),
        pending=draw(st.booleans()),
        description=draw(st.sampled_from(["", "rent"])),
    )


@dataclass(frozen=True)
class Case:
    specs: tuple[Spec, ...]
    earlier: tuple[TransferRequest, ...]  # booked before (by the reference): `existing` for replays
    batch: tuple[TransferRequest, ...]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """Accounts and a batch over them: half the cases clean (active accounts, ordinary numbers, valid
    requests), half flawed (some accounts inactive or at the bounds, some requests refused)."""
    flawed = draw(st.booleans())
    accounts = tuple(draw(st.lists(specs(flawed), min_size=2, max_size=6)))
    request = requests(accounts, flawed)
    drawn = draw(st.lists(request, min_size=1, max_size=14))
    numbered = [
        dataclasses.replace(r, id=uuid.uuid5(NAMESPACE, f"transfer:{n}")) for n, r in enumerate(drawn)
    ]
    split = draw(st.integers(0, min(2, len(numbered) - 1)))
    earlier, batch = tuple(numbered[:split]), numbered[split:]
    replay: bool = draw(st.booleans())
    if earlier and replay:  # a replay of an earlier request, as it was or changed
        again = earlier[0]
        if draw(st.booleans()):
            again = dataclasses.replace(again, description="changed")
        batch.insert(draw(st.integers(0, len(batch))), again)
    if flawed and draw(st.integers(0, 9)) == 0:  # an id given twice in one batch
        batch.append(dataclasses.replace(batch[0], description="again"))
    return Case(accounts, earlier, tuple(batch))


# --- booking a case, and what it gave ---------------------------------------------------------------------


def transfer_fields(transfer: Transfer) -> tuple[Any, ...]:
    """Every field (a `Transfer` compares by id only)."""
    return dataclasses.astuple(transfer)


def error_fields(error: BaseException) -> tuple[Any, ...]:
    details = (
        (error.code, error.detail, error.context, getattr(error, "issues", ()))
        if isinstance(error, DomainError)
        else ()
    )
    return (type(error).__name__, str(error), *details)


def result_fields(result: Outcome | DomainError) -> tuple[Any, ...]:
    if isinstance(result, DomainError):
        return ("refused", *error_fields(result))
    return ("booked", transfer_fields(result.transfer), result.entries, result.replayed)


def states(accounts: Mapping[uuid.UUID, Account]) -> list[tuple[uuid.UUID, Balances, int]]:
    return [(a.id, a.balances, a.last_seq) for a in accounts.values()]


Booking = Callable[..., Any]


def book(mode: str, case: Case, operation: Booking) -> tuple[Any, list[tuple[uuid.UUID, Balances, int]]]:
    """(what `operation` returned or raised, the accounts after), in kernel mode `mode`."""
    kernel.configure("reference")
    accounts = build(case.specs)
    existing: dict[uuid.UUID, Transfer] = {}
    for request in case.earlier:
        try:
            for outcome in ledger.post_transfers([request], existing=existing, accounts=accounts, at=AT):
                existing[outcome.transfer.id] = outcome.transfer
        except DomainError:
            pass
    kernel.configure(mode)
    try:
        answer: Any = operation(case.batch, existing=existing, accounts=accounts, at=AT)
    except DomainError as refused:
        return ("raised", *error_fields(refused)), states(accounts)
    return [result_fields(r) for r in answer], states(accounts)


def fits(case: Case) -> bool:
    """Whether every number of the case stays far inside the kernel's integers (so that it decides)."""
    limit = 2**120
    return all(
        all(abs(s) < limit for s in spec.sums)
        and (spec.min_balance is None or abs(spec.min_balance) < limit)
        and spec.last_seq < 2**62
        for spec in case.specs
    )


class Spy:
    """Records whether the kernel's path answered (`_post_natively` returned results) in each call."""

    def __init__(self) -> None:
        self.answers: list[bool] = []
        self.inner = ledger._post_natively

    def __call__(self, *args: Any, **kwargs: Any) -> list[Outcome | DomainError] | None:
        answer = self.inner(*args, **kwargs)
        self.answers.append(answer is not None)
        return answer


# --- properties ---------------------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_post_each_gives_every_request_what_the_reference_gives_it(
    native: ModuleType, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy()
    monkeypatch.setattr(ledger, "_post_natively", spy)
    expected = book("reference", case, ledger.post_each)
    assert spy.answers == []
    assert book("required", case, ledger.post_each) == expected
    twice = len({r.id for r in case.batch}) < len(case.batch)
    event("kernel decided" if spy.answers == [True] else "reference decided")
    if fits(case) and not twice:
        assert spy.answers == [True]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_post_transfers_books_or_refuses_the_batch_as_the_reference_does(
    native: ModuleType, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy()
    monkeypatch.setattr(ledger, "_post_natively", spy)
    expected = book("reference", case, ledger.post_transfers)
    got = book("required", case, ledger.post_transfers)
    assert got == expected
    booked = isinstance(expected[0], list)
    event("booked" if booked else f"refused: {expected[0][1]}")
    if fits(case) and booked:
        assert spy.answers == [True]


# --- the kernel's own edges ---------------------------------------------------------------------------------


def test_an_account_refused_for_its_minimum_gets_the_references_error(native: ModuleType) -> None:
    case = Case(
        (
            Spec("BRL", Side.CREDIT, 0, AccountStatus.ACTIVE, (0, 100, 0, 0), 1),
            Spec("BRL", Side.CREDIT, None, AccountStatus.ACTIVE, (0, 0, 0, 0), 0),
        ),
        (),
        tuple(
            TransferRequest.simple(
                uuid.uuid5(NAMESPACE, f"t{n}"),
                debit_account_id=account_id(0),
                credit_account_id=account_id(1),
                amount=amount,
            )
            for n, amount in enumerate([60, 60, 40])
        ),
    )
    results, after = book("required", case, ledger.post_each)
    assert [r[0] for r in results] == ["booked", "refused", "booked"]
    assert results[1][1:3] == (
        "InsufficientFunds",
        "account acct-0 would have an available balance of -20, below its minimum of 0",
    )
    assert [entry.balance_after for entry in results[2][2]] == [0, 100]
    assert after[0][1:] == (Balances(100, 100, 0, 0), 3)
    assert (results, after) == book("reference", case, ledger.post_each)


def test_a_negative_sum_is_refused_with_the_references_error(native: ModuleType) -> None:
    case = Case(
        (
            Spec("BRL", Side.DEBIT, None, AccountStatus.ACTIVE, (0, 0, -10, 0), 0),
            Spec("BRL", Side.CREDIT, None, AccountStatus.ACTIVE, (0, 0, 0, 0), 0),
        ),
        (),
        (
            TransferRequest.simple(
                uuid.uuid5(NAMESPACE, "hold"),
                debit_account_id=account_id(0),
                credit_account_id=account_id(1),
                amount=5,
                pending=True,
            ),
        ),
    )
    results, _ = book("required", case, ledger.post_each)
    assert results[0][1:4] == ("InvalidState", "pending_debits would become negative", InvalidState.code)
    assert book("reference", case, ledger.post_each) == (results, _)


def test_numbers_past_128_bits_are_left_to_the_reference(native: ModuleType) -> None:
    with pytest.raises(OverflowError):  # an input it cannot hold
        native.apply_batch([I128, 0, 0, 0], [True], [None], [0], [1], [1], [1], True)
    assert native.apply_batch([I128 - 1, 0, 0, 0], [False], [None], [0], [0], [1], [1], True) is None
    with pytest.raises(OverflowError):
        native.apply_batch([0, 0, 0, 0], [True], [None], [0], [1], [I128 * 2], [1], True)


def test_malformed_inputs_are_refused(native: ModuleType) -> None:
    with pytest.raises(ValueError, match="slot"):
        native.apply_batch([0, 0, 0, 0], [True], [None], [0], [4], [1], [1], True)
    with pytest.raises(ValueError, match="different slots"):
        native.apply_batch([0, 0, 0], [True], [None], [0], [], [], [], True)
    with pytest.raises(ValueError, match="ends"):
        native.apply_batch([0, 0, 0, 0], [True], [None], [0], [1], [1], [2], True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    specs=st.lists(specs(flawed=True), min_size=1, max_size=4),
    moves=st.lists(
        st.tuples(
            st.integers(0, 3),
            st.sampled_from(list(Layer)),
            st.sampled_from(list(Side)),
            st.one_of(st.integers(-(10**6), 10**6), st.integers(-MAX_AMOUNT, MAX_AMOUNT)),
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_any_moves_of_one_transfer_releases_too_add_up_as_in_apply(
    native: ModuleType, specs: list[Spec], moves: list[tuple[int, Layer, Side, int]]
) -> None:
    """`apply_batch` on one transfer of any moves (negative ones release holds) agrees with `_apply`."""
    reference, ours = build(specs), build(specs)
    by_index = [list(reference.values()), list(ours.values())]
    chosen = [(index % len(specs), layer, side, delta) for index, layer, side, delta in moves]
    try:
        entries = ledger._apply(
            [
                ledger._Move(by_index[0][i], layer, side, delta, line)
                for line, (i, layer, side, delta) in enumerate(chosen)
            ],
            NAMESPACE,
            AT,
        )
        expected: Any = [(e.account_id, e.seq, e.balance_after) for e in entries]
    except (InvalidState, InsufficientFunds) as refused:
        expected = error_fields(refused)
    slots = sorted({i for i, *_ in chosen}, key=[i for i, *_ in chosen].index)
    accounts = [by_index[1][i] for i in slots]
    try:
        answer = native.apply_batch(
            [s for a in accounts for s in a.balances.sums()],
            [a.normal_side is Side.CREDIT for a in accounts],
            [a.min_balance for a in accounts],
            [a.last_seq for a in accounts],
            [4 * slots.index(i) + ledger._SUM[layer, side] for i, layer, side, _ in chosen],
            [delta for *_, delta in chosen],
            [len(chosen)],
            True,
        )
    except OverflowError:
        answer = None
    if answer is None:
        event("left to the reference")
        return
    sums, seqs, move_seqs, balances_after, failures = answer
    if failures:
        kind, where = failures[1], failures[2]
        if kind == native.APPLY_NEGATIVE:
            _, layer, side, _ = chosen[where]
            assert expected == error_fields(ledger._negative(layer, side))
        else:
            with pytest.raises(InsufficientFunds) as limit:
                accounts[where].ensure_within_limit(Balances(*failures[3:7]), Balances(*failures[7:11]))
            assert expected == error_fields(limit.value)
        assert sums == [s for a in accounts for s in a.balances.sums()]  # nothing changed
        return
    got = [
        (accounts[slots.index(i)].id, seq, after)
        for (i, *_, delta), seq, after in zip(chosen, move_seqs, balances_after, strict=True)
        if delta > 0
    ]
    assert got == expected
    assert sums == [s for i in slots for s in by_index[0][i].balances.sums()]
    assert seqs == [by_index[0][i].last_seq for i in slots]


def test_kernel_mode_reference_books_without_the_kernel(
    native: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy()
    monkeypatch.setattr(ledger, "_post_natively", spy)
    case = Case((Spec("BRL", Side.DEBIT, None, AccountStatus.ACTIVE, (0, 0, 0, 0), 0),) * 2, (), ())
    accounts = build(case.specs)
    request = TransferRequest.simple(
        uuid.uuid5(NAMESPACE, "r"), debit_account_id=account_id(0), credit_account_id=account_id(1), amount=1
    )
    kernel.configure("reference")
    ledger.post_each([request], existing={}, accounts=accounts, at=AT)
    assert spy.answers == []
