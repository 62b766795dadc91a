"""Group balances and categories on PostgreSQL, read in both execution modes over the same database.

The books are written in this process (`InAppWritePath`, categories through their use cases); each
balance is then read through the app's read path (`InAppReadPath`: SQL from this process) and through
the database's (`InDatabaseReadPath`: `razao.group_balance`, `razao.category_balance`), which must agree
with what the scenario booked. Then the database's own guarantees: the trigger `categories_tree` refuses
a cycle or an unknown parent written by raw SQL (RZ121, RZ122, translated by the unit of work), and two
moves at once cannot make a cycle between them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from adapters.db.code_bundle import app_code_version
from adapters.db.in_database import InDatabaseReadPath
from adapters.db.unit_of_work import SqlUnitOfWork
from adapters.system import RandomIds
from application import categories as uc
from application.categories import CreateCategory, UpdateCategory
from application.groups import GroupTotals
from application.read_path import InAppReadPath, ReadPath
from application.write_path import InAppWritePath
from domain.accounts import Account
from domain.categories import Category, CategoryCycle
from domain.errors import ValidationError
from domain.time_basis import Basis
from domain.transfers import TransferRequest
from tests.integration.conftest import ManualClock, OpenFn

Uow = Callable[[], SqlUnitOfWork]


@pytest.fixture(params=["app", "db"])
def read(request: pytest.FixtureRequest, app_engine: Engine, uow_factory: Uow) -> ReadPath:
    if request.param == "app":
        return InAppReadPath(uow_factory)
    return InDatabaseReadPath(app_engine, app_code_version())


class Books:
    """Wallets under `customers:`, a bank, categories, a hold and a backdated payment."""

    def __init__(self, open_: OpenFn, write: InAppWritePath, uow: Uow, clock: ManualClock) -> None:
        self.uow, self.clock = uow, clock
        self.bank = open_("bank", normal_side="debit", min_balance=None)
        self.alice = open_("customers:br:alice", normal_side="credit")
        self.savings = open_("customers:br:alice:savings", normal_side="credit")
        self.bob = open_("customers:br:bob", normal_side="credit")
        self.carla = open_("customers:ar:carla", normal_side="credit", asset="USD")
        self.write = write

        def pay(source: Account, target: Account, amount: int, **options: Any) -> None:
            request = TransferRequest.simple(
                RandomIds().new_id(),
                debit_account_id=source.id,
                credit_account_id=target.id,
                amount=amount,
                **options,
            )
            write.post_transfers([request])
            clock.advance(seconds=1)

        usd = open_("usd-bank", normal_side="debit", min_balance=None, asset="USD")
        pay(self.bank, self.alice, 10_000)
        pay(self.bank, self.savings, 5_000)
        pay(self.bank, self.bob, 2_000)
        pay(usd, self.carla, 700)
        pay(self.bob, self.alice, 500, pending=True)
        self.before_backdating = clock.advance(hours=2)
        clock.advance(hours=1)
        # Booked now, worth an hour and a half ago: between the two, booked and effective differ.
        pay(self.bank, self.bob, 300, effective_at=clock.now() - timedelta(hours=1, minutes=30))

        self.deposits = self.category("deposits")
        self.br = self.category("deposits:br", self.deposits)
        self.vip = self.category("deposits:vip", self.deposits)
        self.gold = self.category("deposits:vip:gold", self.vip)
        for category, account in (
            (self.br, self.alice),
            (self.br, self.bob),
            (self.vip, self.alice),
            (self.gold, self.alice),
            (self.gold, self.savings),
            (self.deposits, self.bob),
            (self.gold, self.carla),
        ):
            uc.add_account(category.id, account.id, uow())

    def category(self, code: str, parent: Category | None = None) -> Category:
        command = CreateCategory(code, code.title(), parent_id=None if parent is None else parent.id)
        return uc.create_category(command, self.uow(), self.clock, RandomIds()).category


@pytest.fixture
def books(open_: OpenFn, write_path: InAppWritePath, uow_factory: Uow, clock: ManualClock) -> Books:
    return Books(open_, write_path, uow_factory, clock)


def brl(accounts: int, posted: int, pending_debits: int = 0, pending_credits: int = 0) -> GroupTotals:
    available = posted - pending_debits
    return GroupTotals("BRL", accounts, posted, pending_debits, pending_credits, available)


def test_a_prefix_adds_up_its_accounts_and_its_children(books: Books, read: ReadPath) -> None:
    found = read.group_balance("customers:br:")
    assert found.totals == (brl(3, 17_300, pending_debits=500, pending_credits=500),)
    assert [(c.segment, c.code) for c in found.children] == [
        ("alice", "customers:br:alice"),
        ("bob", "customers:br:bob"),
    ]
    # alice's own wallet and the savings under it: one child
    assert found.children[0].totals == (GroupTotals("BRL", 2, 15_000, 0, 500, 15_000),)
    assert found.children[1].totals == (GroupTotals("BRL", 1, 2_300, 500, 0, 1_800),)

    everything = read.group_balance("")
    assert [(t.asset, t.accounts, t.posted) for t in everything.totals] == [
        ("BRL", 4, 17_300 * 2),
        ("USD", 2, 700 * 2),
    ]
    assert [c.segment for c in everything.children] == ["bank", "customers", "usd-bank"]
    customers = read.group_balance("customers:", limit=1)
    assert [c.segment for c in customers.children] == ["ar"] and customers.next_cursor == "ar"
    rest = read.group_balance("customers:", after="ar", limit=1)
    assert [c.segment for c in rest.children] == ["br"] and rest.next_cursor is None
    assert read.group_balance("nobody:").totals == ()


def test_as_of_an_instant_booked_and_effective_differ_by_the_backdated_payment(
    books: Books, read: ReadPath
) -> None:
    at = books.before_backdating + timedelta(minutes=30)
    booked = read.group_balance("customers:br:", as_of=at)
    effective = read.group_balance("customers:br:", as_of=at, basis=Basis.EFFECTIVE)
    assert booked.totals == (GroupTotals("BRL", 3, 17_000),)
    assert effective.totals == (GroupTotals("BRL", 3, 17_300),)
    assert (booked.as_of, booked.basis, effective.basis) == (at, Basis.BOOKED, Basis.EFFECTIVE)
    assert booked.children[1].totals == (GroupTotals("BRL", 1, 2_000),)
    assert effective.children[1].totals == (GroupTotals("BRL", 1, 2_300),)
    # The bank is debit-normal: its balance by value date reads from its debits.
    bank = read.group_balance("", as_of=at, basis=Basis.EFFECTIVE).children[0]
    assert (bank.segment, bank.totals) == ("bank", (GroupTotals("BRL", 1, 17_300),))
    now = read.group_balance("customers:br:", as_of=books.clock.now(), basis=Basis.EFFECTIVE)
    assert now.totals[0].posted == 17_300


def test_a_category_counts_each_account_once(books: Books, read: ReadPath) -> None:
    found = read.category_balance(books.deposits.id)
    assert found.descendants
    assert found.totals == (
        brl(3, 17_300, pending_debits=500, pending_credits=500),
        GroupTotals("USD", 1, 700, 0, 0, 700),
    )
    assert [(c.category.code, c.totals) for c in found.children] == [
        ("deposits:br", (brl(2, 12_300, pending_debits=500, pending_credits=500),)),
        (
            "deposits:vip",
            (GroupTotals("BRL", 2, 15_000, 0, 500, 15_000), GroupTotals("USD", 1, 700, 0, 0, 700)),
        ),
    ]
    own = read.category_balance(books.deposits.id, descendants=False)
    assert own.totals == (GroupTotals("BRL", 1, 2_300, 500, 0, 1_800),)
    assert [c.totals for c in own.children][1] == (GroupTotals("BRL", 1, 10_000, 0, 500, 10_000),)
    at = books.before_backdating + timedelta(minutes=30)
    assert read.category_balance(books.br.id, as_of=at).totals == (GroupTotals("BRL", 2, 12_000),)
    effective = read.category_balance(books.br.id, as_of=at, basis=Basis.EFFECTIVE)
    assert effective.totals == (GroupTotals("BRL", 2, 12_300),)
    assert read.category_balance(books.gold.id).category.code == "deposits:vip:gold"


def test_an_unknown_category_or_a_bad_prefix_is_refused(books: Books, read: ReadPath) -> None:
    from domain.errors import NotFound

    with pytest.raises(NotFound):
        read.category_balance(UUID(int=12))
    with pytest.raises(ValidationError, match="prefix"):
        read.group_balance("customers")


def _raw(uow: Uow, sql: str, **parameters: object) -> None:
    with uow() as u:
        u.categories._tx.execute(text(sql), parameters)  # type: ignore[attr-defined]
        u.commit()


def test_the_trigger_refuses_a_cycle_written_by_raw_sql(
    books: Books, uow_factory: Uow, admin_engine: Engine
) -> None:
    move = "UPDATE categories SET parent_id = :parent WHERE id = :id"
    with pytest.raises(CategoryCycle, match="would make a cycle"):
        _raw(uow_factory, move, parent=books.gold.id, id=books.deposits.id)
    with pytest.raises(CategoryCycle):
        _raw(uow_factory, move, parent=books.deposits.id, id=books.deposits.id)
    with pytest.raises(ValidationError, match="parent_id"):
        _raw(uow_factory, move, parent=UUID(int=99), id=books.br.id)
    with admin_engine.begin() as c, pytest.raises(DBAPIError) as refused:
        c.execute(text(move), {"parent": books.vip.id, "id": books.deposits.id})
    assert getattr(refused.value.orig, "sqlstate", None) == "RZ121"
    with uow_factory() as u:
        assert u.categories.get(books.deposits.id).parent_id is None  # type: ignore[union-attr]


def test_a_move_into_a_descendant_is_refused_by_the_use_case(books: Books, uow_factory: Uow) -> None:
    with pytest.raises(CategoryCycle):
        uc.update_category(books.vip.id, UpdateCategory(move=True, parent_id=books.gold.id), uow_factory())
    moved = uc.update_category(
        books.gold.id, UpdateCategory(move=True, parent_code="deposits:br"), uow_factory()
    )
    assert moved.parent_id == books.br.id


def test_two_moves_at_once_cannot_make_a_cycle(books: Books, uow_factory: Uow) -> None:
    """The first move holds the lock; the second (`br` under `vip`) waits for it, then reads the tree
    the first committed (`vip` under `br`) and is refused, instead of both passing their checks."""
    answers: list[object] = []
    first = uow_factory()
    with first:
        first.categories.serialize()
        vip = first.categories.get(books.vip.id)
        assert vip is not None

        def second() -> None:
            try:
                update = UpdateCategory(move=True, parent_id=books.vip.id)
                answers.append(uc.update_category(books.br.id, update, uow_factory()))
            except Exception as error:
                answers.append(error)

        waiting = threading.Thread(target=second)
        waiting.start()
        time.sleep(0.5)
        assert answers == [], "the second move must wait for the first one's lock"
        vip.parent_id = books.br.id
        first.categories.save(vip)
        first.commit()
    waiting.join(10)
    assert len(answers) == 1 and isinstance(answers[0], CategoryCycle), answers
    with uow_factory() as u:
        assert u.categories.get(books.br.id).parent_id == books.deposits.id  # type: ignore[union-attr]


def test_categories_and_memberships_as_stored(books: Books, uow_factory: Uow, open_: OpenFn) -> None:
    listed = uc.list_categories(uow_factory(), limit=2)
    assert [c.code for c in listed.items] == [
        "deposits",
        "deposits:br",
    ] and listed.next_cursor == "deposits:br"
    members = uc.list_accounts(books.gold.id, uow_factory(), limit=2)
    assert len(members.items) == 2 and members.next_cursor == members.items[-1].id
    assert uc.add_account(books.br.id, books.alice.id, uow_factory()) is False
    assert uc.remove_account(books.br.id, books.alice.id, uow_factory()) is True
    assert uc.remove_account(books.br.id, books.alice.id, uow_factory()) is False
    again = uc.create_category(
        CreateCategory("deposits", "Deposits"), uow_factory(), books.clock, RandomIds()
    )
    assert again.replayed and again.category.id == books.deposits.id
