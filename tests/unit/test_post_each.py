"""`post_each` books each request as it would have been booked alone, at its place in the order.

Hypothesis generates a sequence of transfer requests over a few accounts (among them requests that
must be refused: insufficient funds, an unknown account, a frozen account, mixed currencies, a wallet
paying itself, an id sent again with the same request or with another one) and a way of cutting it
into consecutive chunks. Properties:

- use cases on the in-memory fakes: booking the chunks with `application.transfers.post_each` gives
  every request the result that one `post_transfers([request])` call each gives it, and the same
  accounts (balances, entry counters), transfers and journal at the end;
- the domain: a request that `domain.ledger.post_each` refuses leaves every account as it was, and
  taking the refused requests out of a call changes nothing for the others.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from application import accounts as account_cases
from application import codec
from application import transfers as transfer_cases
from application.accounts import OpenAccount
from domain import ledger
from domain.accounts import Account, Side
from domain.errors import DomainError
from domain.ledger import Outcome
from domain.transfers import Posting, TransferRequest
from tests.fakes import FakeClock, InMemoryStore, SequentialIds
from tests.unit.builders import AT, BRL, USD, account

NAMESPACE = uuid.UUID("5a0c2f8e-3b1d-4e6f-9a7c-0d2e4f6a8b10")

# --- the accounts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    code: str
    asset: str
    side: Side
    min_balance: int | None
    funds: int = 0
    frozen: bool = False


#: Index 0 and 1 fund the others; "carol" is frozen after her funding; index len(SPECS) is unknown.
SPECS = (
    Spec("bank", "BRL", Side.DEBIT, None),
    Spec("usd-bank", "USD", Side.DEBIT, None),
    Spec("alice", "BRL", Side.CREDIT, 0, funds=500),
    Spec("bob", "BRL", Side.CREDIT, -300, funds=100),  # an overdraft of 300
    Spec("carol", "BRL", Side.CREDIT, 0, funds=200, frozen=True),
    Spec("dan", "USD", Side.CREDIT, 0, funds=500),
)
UNKNOWN = len(SPECS)

# --- what hypothesis generates --------------------------------------------------------------------


@dataclass(frozen=True)
class Pay:
    """Debit `source`, credit `target` (indices into SPECS; UNKNOWN names no account)."""

    ref: int | None  # an id of a small pool (reused: replays and conflicts), or None for a new id
    source: int
    target: int
    amount: int
    pending: bool = False
    asset: str | None = None  # the currency the request asserts
    description: str = ""


@dataclass(frozen=True)
class Again:
    """Send the `index`-th request (modulo) of the sequence again, exactly as it was."""

    index: int


Op = Pay | Again

POOL = 4
#: Mostly the wallets, now and then a settlement account, the frozen wallet, USD or an unknown one.
_accounts = st.sampled_from([*[2] * 5, *[3] * 5, *[0] * 3, 4, 5, 1, UNKNOWN])


@st.composite
def pays(draw: st.DrawFn) -> Pay:
    source = draw(_accounts)
    # Now and then a wallet paying itself (refused); mostly another account.
    target = draw(st.one_of(*[_accounts.filter(lambda a: a != source)] * 5, _accounts))
    return Pay(
        ref=draw(st.one_of(st.none(), st.integers(0, POOL - 1))),
        source=source,
        target=target,
        amount=draw(st.one_of(*[st.integers(1, 400)] * 2, st.integers(401, 2000))),
        pending=draw(st.sampled_from([False, False, False, True])),
        asset=draw(st.sampled_from([None] * 12 + ["BRL", "USD"])),
        description=draw(st.sampled_from(["", "", "rent"])),
    )


def sequences(min_size: int, max_size: int) -> st.SearchStrategy[list[Op]]:
    """Sequences of `min_size` to `max_size` operations, the first one a new payment."""
    rest = st.lists(
        st.one_of(*[pays()] * 3, st.builds(Again, st.integers(0, 40))),
        min_size=min_size - 1,
        max_size=max_size - 1,
    )
    return st.tuples(pays(), rest).map(lambda first_and_rest: [first_and_rest[0], *first_and_rest[1]])


ops = sequences(5, 30)


def uid(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, name)


def requests_for(ops: Sequence[Op], ids: Sequence[uuid.UUID]) -> list[TransferRequest]:
    """The requests `ops` stand for, over the accounts `ids` (one per SPECS entry, then an unknown id)."""
    requests: list[TransferRequest] = []
    for n, op in enumerate(ops):
        if isinstance(op, Again):
            if requests:
                requests.append(requests[op.index % len(requests)])
            continue
        requests.append(
            TransferRequest(
                uid(f"t{op.ref}") if op.ref is not None else uid(f"n{n}"),
                (
                    Posting(ids[op.source], Side.DEBIT, op.amount, op.asset),
                    Posting(ids[op.target], Side.CREDIT, op.amount, op.asset),
                ),
                pending=op.pending,
                timeout_seconds=3600 if op.pending and op.amount % 2 else None,
                description=op.description,
            )
        )
    return requests


@st.composite
def chunkings(draw: st.DrawFn, count: int) -> list[int]:
    """Where to cut `count` requests into consecutive chunks: the chunks' lengths, in order. A spread
    is drawn first: after each request the sequence is cut with a chance of 1 in (spread + 1), so
    that there are examples of chunks of one, of a few, and of one chunk with everything."""
    spread = draw(st.sampled_from([0, 1, 4, 4, 12, 1000]), label="spread")
    lengths, length = [], 1
    for _ in range(count - 1):
        if draw(st.integers(0, spread)) == 0:
            lengths.append(length)
            length = 0
        length += 1
    return [*lengths, length]


def chunks(requests: Sequence[TransferRequest], lengths: Sequence[int]) -> list[list[TransferRequest]]:
    out, start = [], 0
    for length in lengths:
        out.append(list(requests[start : start + length]))
        start += length
    assert start == len(requests)
    return out


def result(value: Outcome | DomainError) -> dict[str, Any]:
    """A result as comparable data: the whole outcome, or the refusal's code, detail and context."""
    return codec.result_to_dict(value)


# --- the use cases on the fakes -------------------------------------------------------------------


def _books() -> tuple[InMemoryStore, FakeClock, list[uuid.UUID]]:
    """A store with the accounts of SPECS opened, the wallets funded and "carol" frozen (the same
    ids every time: the id source is sequential). The clock stands still."""
    store, clock, ids = InMemoryStore(), FakeClock(), SequentialIds(namespace=0x9E)
    opened = [
        account_cases.open_account(
            OpenAccount(s.code, s.code.title(), s.asset, s.side, s.min_balance),
            store.unit_of_work(),
            clock,
            ids,
        ).account.id
        for s in SPECS
    ]
    funding_requests = [
        TransferRequest.simple(
            uid("fund:" + s.code),
            debit_account_id=opened[0 if s.asset == "BRL" else 1],
            credit_account_id=opened[n],
            amount=s.funds,
        )
        for n, s in enumerate(SPECS)
        if s.funds
    ]
    transfer_cases.post_transfers(funding_requests, store.unit_of_work(), clock)
    for n, s in enumerate(SPECS):
        if s.frozen:
            account_cases.freeze_account(opened[n], store.unit_of_work(), clock)
    return store, clock, [*opened, uid("account:nobody")]


def one_by_one(store: InMemoryStore, clock: FakeClock, requests: Sequence[TransferRequest]) -> list[Any]:
    results: list[Any] = []
    for request in requests:
        try:
            [outcome] = transfer_cases.post_transfers([request], store.unit_of_work(), clock)
        except DomainError as refused:
            results.append(result(refused))
        else:
            results.append(result(outcome))
    return results


def in_chunks(
    store: InMemoryStore, clock: FakeClock, requests: Sequence[TransferRequest], lengths: Sequence[int]
) -> list[Any]:
    results: list[Any] = []
    for chunk in chunks(requests, lengths):
        answers = transfer_cases.post_each(chunk, store.unit_of_work(), clock)
        assert len(answers) == len(chunk)
        results.extend(result(a) for a in answers)
    return results


def state(store: InMemoryStore) -> dict[str, Any]:
    """Everything the store holds of the books, as comparable data."""
    return {
        "accounts": sorted(
            (codec.account_to_dict(a) for a in store.accounts.values()), key=lambda a: a["id"]
        ),
        "transfers": sorted(
            (codec.transfer_to_dict(t) for t in store.transfers.values()), key=lambda t: t["id"]
        ),
        "entries": [codec.entry_to_dict(e) for e in store.entries],
    }


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=ops, data=st.data())
def test_chunks_booked_by_post_each_end_as_one_by_one_calls(ops: list[Op], data: st.DataObject) -> None:
    single, clock_1, ids_1 = _books()
    grouped, clock_2, ids_2 = _books()
    assert ids_1 == ids_2
    requests = requests_for(ops, ids_1)
    lengths = data.draw(chunkings(len(requests)), label="chunk lengths")

    expected = one_by_one(single, clock_1, requests)
    actual = in_chunks(grouped, clock_2, requests, lengths)

    for n, (want, got) in enumerate(zip(expected, actual, strict=True)):
        assert got == want, f"request {n} ({requests[n]}): one by one {want}, in chunks {got}"
        if "error" in want:
            event("refused: " + want["error"]["code"])
        else:
            event("replayed" if want["outcome"]["replayed"] else "booked")
    assert state(grouped) == state(single)


# --- the domain -----------------------------------------------------------------------------------


def _domain_accounts() -> tuple[dict[uuid.UUID, Account], list[uuid.UUID]]:
    """The accounts of SPECS as domain objects, funded (by the domain itself) and "carol" frozen."""
    made = [
        account(s.code, asset=USD if s.asset == "USD" else BRL, normal_side=s.side, min_balance=s.min_balance)
        for s in SPECS
    ]
    accounts = {a.id: a for a in made}
    funded = [
        TransferRequest.simple(
            uid("fund:" + s.code),
            debit_account_id=made[0 if s.asset == "BRL" else 1].id,
            credit_account_id=made[n].id,
            amount=s.funds,
        )
        for n, s in enumerate(SPECS)
        if s.funds
    ]
    ledger.post_transfers(funded, existing={}, accounts=accounts, at=AT)
    for a, s in zip(made, SPECS, strict=True):
        if s.frozen:
            a.freeze()
    return accounts, [*(a.id for a in made), uid("account:nobody")]


def _snapshot(accounts: dict[uuid.UUID, Account]) -> dict[uuid.UUID, tuple[Any, ...]]:
    return {i: (a.balances, a.last_seq, a.status) for i, a in accounts.items()}


@given(ops=ops)
def test_a_refused_request_leaves_every_account_as_it_was(ops: list[Op]) -> None:
    accounts, ids = _domain_accounts()
    booked: dict[uuid.UUID, Any] = {}
    for request in requests_for(ops, ids):
        before = _snapshot(accounts)
        [answer] = ledger.post_each([request], existing=booked, accounts=accounts, at=AT)
        if isinstance(answer, DomainError):
            assert _snapshot(accounts) == before, f"{answer.code} changed the accounts: {request}"
        elif not answer.replayed:
            booked[request.id] = answer.transfer


@given(ops=ops)
def test_taking_the_refused_requests_out_of_a_call_changes_nothing_for_the_others(ops: list[Op]) -> None:
    accounts, ids = _domain_accounts()
    requests = requests_for(ops, ids)
    everything = copy.deepcopy(accounts)
    results = ledger.post_each(requests, existing={}, accounts=everything, at=AT)
    kept = [(r, a) for r, a in zip(requests, results, strict=True) if not isinstance(a, DomainError)]
    if not kept:
        return
    without = copy.deepcopy(accounts)
    again = ledger.post_each([r for r, _ in kept], existing={}, accounts=without, at=AT)
    assert [result(a) for _, a in kept] == [result(a) for a in again]
    assert _snapshot(without) == _snapshot(everything)
