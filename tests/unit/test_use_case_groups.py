"""Categories and group balances (`application.categories`, `application.groups`) on the in-memory fakes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

import pytest

from application import categories as uc
from application import groups
from application.categories import CreateCategory, UpdateCategory
from application.groups import GroupTotals
from application.read_path import InAppReadPath
from domain.categories import Category, CategoryCycle
from domain.errors import AccountNotFound, IdempotencyConflict, NotFound, ValidationError
from domain.time_basis import Basis
from tests.fakes import FakeClock, FakeUnitOfWork, SequentialIds
from tests.unit.builders import MoveFn, OpenFn

Uow = Callable[[], FakeUnitOfWork]


@pytest.fixture
def create(uow: Uow, clock: FakeClock, ids: SequentialIds) -> Callable[..., Category]:
    def _create(code: str, parent: Category | None = None, **fields: object) -> Category:
        command = CreateCategory(
            code, code.title(), parent_id=None if parent is None else parent.id, **fields
        )  # type: ignore[arg-type]
        return uc.create_category(command, uow(), clock, ids).category

    return _create


def test_a_category_is_created_once_per_code(uow: Uow, clock: FakeClock, ids: SequentialIds) -> None:
    first = uc.create_category(CreateCategory("assets", "Assets"), uow(), clock, ids)
    again = uc.create_category(CreateCategory("assets", "Assets"), uow(), clock, ids)
    assert not first.replayed and again.replayed and again.category.id == first.category.id
    with pytest.raises(IdempotencyConflict):
        uc.create_category(CreateCategory("assets", "Other"), uow(), clock, ids)


def test_a_parent_is_named_by_id_or_code_and_must_exist(
    uow: Uow, clock: FakeClock, ids: SequentialIds, create: Callable[..., Category]
) -> None:
    assets = create("assets")
    by_code = uc.create_category(CreateCategory("cash", "Cash", parent_code="assets"), uow(), clock, ids)
    assert by_code.category.parent_id == assets.id
    with pytest.raises(ValidationError, match="parent_code"):
        uc.create_category(CreateCategory("x", "X", parent_code="nope"), uow(), clock, ids)
    with pytest.raises(ValidationError, match="parent_id"):
        uc.create_category(CreateCategory("x", "X", parent_id=UUID(int=9)), uow(), clock, ids)
    with pytest.raises(ValidationError, match="not both"):
        uc.create_category(
            CreateCategory("x", "X", parent_id=assets.id, parent_code="assets"), uow(), clock, ids
        )


def test_a_change_renames_and_moves_but_never_into_a_descendant(
    uow: Uow, create: Callable[..., Category]
) -> None:
    a = create("a")
    b = create("b", a)
    c = create("c", b)
    x = create("x")
    moved = uc.update_category(b.id, UpdateCategory(name="Bee", move=True, parent_id=x.id), uow())
    assert (moved.name, moved.parent_id) == ("Bee", x.id)
    with pytest.raises(CategoryCycle):
        uc.update_category(x.id, UpdateCategory(move=True, parent_id=c.id), uow())
    with pytest.raises(CategoryCycle):
        uc.update_category(x.id, UpdateCategory(move=True, parent_code="x"), uow())
    assert uc.get_category(x.id, uow()).parent_id is None
    root = uc.update_category(b.id, UpdateCategory(move=True), uow())
    assert root.parent_id is None
    with pytest.raises(NotFound):
        uc.update_category(UUID(int=7), UpdateCategory(name="Z"), uow())


def test_a_move_waits_for_the_lock_of_another_change(uow: Uow, create: Callable[..., Category]) -> None:
    from application.ports import RetryableConflict

    a, b = create("a"), create("b")
    holder = uow()
    with holder:
        holder.categories.serialize()
        with pytest.raises(RetryableConflict):
            uc.update_category(a.id, UpdateCategory(move=True, parent_id=b.id), uow())


def test_categories_are_listed_by_code_a_page_at_a_time(uow: Uow, create: Callable[..., Category]) -> None:
    for code in ("c", "a", "b"):
        create(code)
    first = uc.list_categories(uow(), limit=2)
    assert [c.code for c in first.items] == ["a", "b"] and first.next_cursor == "b"
    assert [c.code for c in uc.list_categories(uow(), after_code="b").items] == ["c"]


def test_membership_is_idempotent_both_ways(uow: Uow, create: Callable[..., Category], open_: OpenFn) -> None:
    cat, alice = create("vip"), open_("alice")
    assert uc.add_account(cat.id, alice.id, uow()) is True
    assert uc.add_account(cat.id, alice.id, uow()) is False
    assert [a.id for a in uc.list_accounts(cat.id, uow()).items] == [alice.id]
    assert uc.remove_account(cat.id, alice.id, uow()) is True
    assert uc.remove_account(cat.id, alice.id, uow()) is False
    assert uc.list_accounts(cat.id, uow()).items == []
    with pytest.raises(AccountNotFound):
        uc.add_account(cat.id, UUID(int=3), uow())
    with pytest.raises(NotFound):
        uc.add_account(UUID(int=3), alice.id, uow())


def _totals(asset: str, accounts: int, posted: int, pd: int = 0, pc: int = 0) -> GroupTotals:
    available = posted - pd
    return GroupTotals(asset, accounts, posted, pd, pc, available)


def test_a_prefix_adds_up_its_accounts_and_its_children_one_segment_down(
    uow: Uow, open_: OpenFn, move: MoveFn
) -> None:
    bank = open_("bank", normal_side="debit", min_balance=None)
    alice = open_("customers:br:alice")
    savings = open_("customers:br:alice:savings")
    bob = open_("customers:br:bob")
    open_("customers:ar:carla", asset="USD")
    move(bank, alice, 1_000)
    move(bank, savings, 500)
    move(bank, bob, 200)
    move(bob, alice, 50, pending=True)

    found = groups.group_balance(uow(), "customers:br:")
    assert found.totals == (_totals("BRL", 3, 1_700, pd=50, pc=50),)
    assert [(c.segment, c.code) for c in found.children] == [
        ("alice", "customers:br:alice"),
        ("bob", "customers:br:bob"),
    ]
    assert found.children[0].totals == (GroupTotals("BRL", 2, 1_500, 0, 50, 1_500),)
    assert found.children[1].totals == (GroupTotals("BRL", 1, 200, 50, 0, 150),)

    everything = groups.group_balance(uow(), "")
    assert [t.asset for t in everything.totals] == ["BRL", "USD"]
    assert everything.totals[0].accounts == 4 and everything.totals[0].posted == 1_700 + 1_700
    assert [c.segment for c in everything.children] == ["bank", "customers"]


def test_children_come_a_page_at_a_time(uow: Uow, open_: OpenFn) -> None:
    for name in ("a", "b", "c"):
        open_(f"g:{name}")
    first = groups.group_balance(uow(), "g:", limit=2)
    assert [c.segment for c in first.children] == ["a", "b"] and first.next_cursor == "b"
    rest = groups.group_balance(uow(), "g:", after="b", limit=2)
    assert [c.segment for c in rest.children] == ["c"] and rest.next_cursor is None
    assert rest.totals == first.totals == (_totals("BRL", 3, 0),)


@pytest.mark.parametrize("prefix", ["customers", "customers:x", ":", " a:", "a b:", "a" * 129 + ":"])
def test_a_prefix_is_whole_segments(uow: Uow, prefix: str) -> None:
    with pytest.raises(ValidationError, match="prefix"):
        groups.group_balance(uow(), prefix)


def test_as_of_answers_posted_only_booked_or_by_value_date(
    uow: Uow, clock: FakeClock, open_: OpenFn, move: MoveFn
) -> None:
    bank = open_("bank", normal_side="debit", min_balance=None)
    alice = open_("w:alice")
    move(bank, alice, 1_000)
    now = clock.advance(7200)
    move(bank, alice, 250, effective_at=now - timedelta(hours=1))
    before = now - timedelta(minutes=30)
    booked = groups.group_balance(uow(), "w:", as_of=before)
    effective = groups.group_balance(uow(), "w:", as_of=before, basis=Basis.EFFECTIVE)
    assert booked.totals == (GroupTotals("BRL", 1, 1_000),)
    assert effective.totals == (GroupTotals("BRL", 1, 1_250),)
    assert (booked.basis, effective.basis) == (Basis.BOOKED, Basis.EFFECTIVE)
    with pytest.raises(ValidationError, match="as_of"):
        groups.group_balance(uow(), "w:", as_of=before.replace(tzinfo=None))


def test_a_category_counts_each_account_once_with_its_descendants(
    uow: Uow, create: Callable[..., Category], open_: OpenFn, move: MoveFn
) -> None:
    bank = open_("bank", normal_side="debit", min_balance=None)
    alice, bob, carol = open_("alice"), open_("bob"), open_("carol")
    for account, amount in ((alice, 100), (bob, 20), (carol, 3)):
        move(bank, account, amount)
    deposits = create("deposits")
    br = create("deposits:br", deposits)
    vip = create("deposits:vip", deposits)
    gold = create("deposits:vip:gold", vip)
    for category, account in (
        (br, alice),
        (br, bob),
        (vip, alice),
        (gold, alice),
        (gold, carol),
        (deposits, bob),
    ):
        uc.add_account(category.id, account.id, uow())

    found = groups.category_balance(uow(), deposits.id)
    assert found.totals == (_totals("BRL", 3, 123),)
    assert [(c.category.code, c.totals) for c in found.children] == [
        ("deposits:br", (_totals("BRL", 2, 120),)),
        ("deposits:vip", (_totals("BRL", 2, 103),)),
    ]
    own = groups.category_balance(uow(), deposits.id, descendants=False)
    assert own.totals == (_totals("BRL", 1, 20),) and not own.descendants
    assert [c.totals for c in own.children] == [(_totals("BRL", 2, 120),), (_totals("BRL", 1, 100),)]
    assert groups.category_balance(uow(), gold.id).children == ()
    with pytest.raises(NotFound):
        groups.category_balance(uow(), UUID(int=4))


def test_the_in_app_read_path_runs_the_group_reads(
    uow: Uow, create: Callable[..., Category], open_: OpenFn
) -> None:
    read = InAppReadPath(uow)
    open_("g:a")
    cat = create("c")
    assert read.group_balance("g:").totals == (_totals("BRL", 1, 0),)
    assert read.category_balance(cat.id).totals == ()


def test_the_answers_travel_as_json_unchanged(
    uow: Uow, create: Callable[..., Category], open_: OpenFn
) -> None:
    open_("g:a")
    cat = create("c", metadata={"gl": "2100"})
    child = create("c:d", cat)
    uc.add_account(child.id, open_("g:b").id, uow())
    prefix = groups.group_balance(uow(), "g:", limit=1)
    assert groups.prefix_balance_from_dict(groups.prefix_balance_to_dict(prefix)) == prefix
    balance = groups.category_balance(uow(), cat.id)
    back = groups.category_balance_from_dict(groups.category_balance_to_dict(balance))
    assert back == balance and back.category.metadata == {"gl": "2100"}
