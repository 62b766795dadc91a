"""Property tests: whatever valid or invalid operations clients send, the books stay consistent."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from application import accounts as account_uc
from application import transfers as uc
from application.accounts import OpenAccount
from application.reports import trial_balance
from domain.accounts import Account, Layer, Side
from domain.assets import Asset
from domain.errors import DomainError
from domain.transfers import Posting, ReversalRequest, TransferRequest, TransferStatus
from tests.fakes import FakeClock, InMemoryStore, SequentialIds

# --- amounts ------------------------------------------------------------------------------------


@given(scale=st.integers(0, 18), units=st.integers(-(10**28) + 1, 10**28 - 1))
def test_parse_of_format_gives_back_the_same_minor_units(scale: int, units: int) -> None:
    asset = Asset("PROP", scale)
    text = asset.format(units)
    assert asset.parse(text) == units
    assert text.count(".") == (1 if scale else 0)
    assert len(text.partition(".")[2]) == scale


# --- the books ------------------------------------------------------------------------------------

ACCOUNT = st.tuples(
    st.sampled_from(["BRL", "BRL", "USD"]),
    st.sampled_from([Side.CREDIT, Side.DEBIT]),
    st.sampled_from([0, -5_000, None]),
)
AMOUNT = st.integers(1, 20_000)
INDEX = st.integers(0, 5)

TRANSFER = st.tuples(
    st.just("transfer"), INDEX, INDEX, AMOUNT, st.booleans(), st.sampled_from([None, 60, 3600])
)
OPERATION = st.one_of(
    TRANSFER,
    TRANSFER,
    TRANSFER,
    st.tuples(st.just("split"), INDEX, INDEX, INDEX, AMOUNT, AMOUNT),
    st.tuples(st.just("batch"), st.lists(st.tuples(INDEX, INDEX, AMOUNT), min_size=1, max_size=4)),
    st.tuples(st.just("post"), INDEX, st.one_of(st.none(), AMOUNT)),
    st.tuples(st.just("void"), INDEX),
    st.tuples(st.just("reverse"), INDEX),
    st.tuples(st.just("replay"), INDEX),
    st.tuples(st.just("tick"), st.integers(0, 7200)),
    st.tuples(st.just("freeze"), INDEX),
    st.tuples(st.just("unfreeze"), INDEX),
)


@dataclass
class World:
    store: InMemoryStore
    clock: FakeClock
    ids: SequentialIds
    accounts: list[Account]
    requests: list[TransferRequest]

    def account(self, index: int) -> Account:
        return self.accounts[index % len(self.accounts)]

    def request(self, index: int) -> TransferRequest | None:
        return self.requests[index % len(self.requests)] if self.requests else None

    def simple(self, source: int, target: int, amount: int, **options: Any) -> TransferRequest:
        return TransferRequest.simple(
            self.ids.new_id(),
            debit_account_id=self.account(source).id,
            credit_account_id=self.account(target).id,
            amount=amount,
            **options,
        )


#: Every world starts with an unbounded debit-normal account per asset, where money comes from.
BANKS = [("BRL", Side.DEBIT, None), ("USD", Side.DEBIT, None)]


def build_world(specs: list[tuple[str, Side, int | None]]) -> World:
    store, clock, ids = InMemoryStore(), FakeClock(), SequentialIds()
    accounts = [
        account_uc.open_account(
            OpenAccount(f"acc-{i}", f"Account {i}", asset, side, min_balance),
            store.unit_of_work(),
            clock,
            ids,
        ).account
        for i, (asset, side, min_balance) in enumerate(BANKS + specs)
    ]
    return World(store, clock, ids, accounts, [])


def run(world: World, operation: tuple[Any, ...]) -> None:
    uow = world.store.unit_of_work
    kind, *args = operation
    if kind == "transfer":
        source, target, amount, pending, timeout = args
        request = world.simple(
            source, target, amount, pending=pending, timeout_seconds=timeout if pending else None
        )
        world.requests.append(request)
        uc.post_transfers([request], uow(), world.clock)
    elif kind == "split":
        source, first, second, one, two = args
        accounts = [world.account(i) for i in (source, first, second)]
        request = TransferRequest(
            world.ids.new_id(),
            (
                Posting(accounts[0].id, Side.DEBIT, one + two),
                Posting(accounts[1].id, Side.CREDIT, one),
                Posting(accounts[2].id, Side.CREDIT, two),
            ),
        )
        world.requests.append(request)
        uc.post_transfers([request], uow(), world.clock)
    elif kind == "batch":
        batch = [world.simple(*line) for line in args[0]]
        world.requests.extend(batch)
        uc.post_transfers(batch, uow(), world.clock)
    elif kind in ("replay", "post", "void", "reverse"):
        earlier = world.request(args[0])
        if earlier is None:
            return
        if kind == "replay":
            uc.post_transfers([earlier], uow(), world.clock)
        elif kind == "post":
            uc.post_pending(earlier.id, args[1], uow(), world.clock)
        elif kind == "void":
            uc.void_pending(earlier.id, uow(), world.clock)
        else:
            uc.reverse_transfer(ReversalRequest(world.ids.new_id(), earlier.id), uow(), world.clock)
    elif kind == "tick":
        world.clock.advance(args[0])
        uc.expire_due(uow(), world.clock)
    elif kind == "freeze":
        account_uc.freeze_account(world.account(args[0]).id, uow(), world.clock)
    elif kind == "unfreeze":
        account_uc.unfreeze_account(world.account(args[0]).id, uow(), world.clock)


def state(store: InMemoryStore) -> Any:
    """Everything the books hold, as values (accounts and transfers compare by id only)."""
    accounts = {i: (a.status, a.balances, a.last_seq) for i, a in store.accounts.items()}
    transfers = {i: (t.status, t.resolved_at, t.posted, t.reversed_by_id) for i, t in store.transfers.items()}
    return accounts, transfers, list(store.entries)


def check_books(store: InMemoryStore) -> None:
    """Double entry holds per asset, and every account agrees with its own journal."""
    assert all(t.balanced for t in trial_balance(store.unit_of_work()))
    journal: dict[str, dict[Side, int]] = defaultdict(lambda: {Side.DEBIT: 0, Side.CREDIT: 0})
    for entry in store.entries:
        if entry.layer is Layer.POSTED:
            journal[entry.asset][entry.side] += entry.amount
    for asset, totals in journal.items():
        assert totals[Side.DEBIT] == totals[Side.CREDIT], asset
    for account in store.accounts.values():
        check_account(store, account)


def check_account(store: InMemoryStore, account: Account) -> None:
    entries = store.entries_of(account.id)
    assert [e.seq for e in entries] == list(range(1, account.last_seq + 1))
    assert {e.asset for e in entries} <= {account.asset.code}
    sums: dict[tuple[Layer, Side], int] = defaultdict(int)
    for e in entries:
        # A hold's entry counts while its transfer is pending; releasing it writes no entry.
        if e.layer is Layer.POSTED or store.transfers[e.transfer_id].status is TransferStatus.PENDING:
            sums[(e.layer, e.side)] += e.amount
    b = account.balances
    assert (b.posted_debits, b.posted_credits, b.pending_debits, b.pending_credits) == (
        sums[(Layer.POSTED, Side.DEBIT)],
        sums[(Layer.POSTED, Side.CREDIT)],
        sums[(Layer.PENDING, Side.DEBIT)],
        sums[(Layer.PENDING, Side.CREDIT)],
    )
    if entries:
        assert entries[-1].balance_after == account.posted_balance
    if account.min_balance is not None:
        assert account.available_balance >= account.min_balance


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=st.lists(ACCOUNT, min_size=1, max_size=4),
    operations=st.lists(OPERATION, min_size=10, max_size=40),
)
def test_any_sequence_of_operations_keeps_the_books_balanced(
    specs: list[tuple[str, Side, int | None]], operations: list[tuple[Any, ...]]
) -> None:
    world = build_world(specs)
    for operation in operations:
        before = state(world.store)
        try:
            run(world, operation)
        except DomainError as error:
            event(f"{operation[0]} refused: {error.code}")
            assert state(world.store) == before, f"a refused {operation[0]} changed the books"
        else:
            event(f"{operation[0]} done")
        check_books(world.store)
