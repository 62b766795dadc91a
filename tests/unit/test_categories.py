"""Categories (`domain.categories`): codes and names, nesting, and the cycles a move must never make."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.categories import Category, CategoryCycle, CategoryTree
from domain.errors import ValidationError
from tests.unit.builders import AT, new_id


def category(code: str, parent: Category | None = None) -> Category:
    return Category.create(id=new_id(), code=code, name=code.title(), parent=parent, at=AT)


def tree_of(*categories: Category) -> CategoryTree:
    return CategoryTree({c.id: c.parent_id for c in categories})


def test_a_category_is_a_root_or_nested_in_its_parent() -> None:
    assets = category("assets")
    current = category("assets:current", assets)
    assert assets.parent_id is None and current.parent_id == assets.id
    assert current.description == "" and current.metadata == {}


@pytest.mark.parametrize("code", ["", " x", "-x", "a" * 129, "a b", None])
def test_a_code_is_an_account_style_code(code: object) -> None:
    with pytest.raises(ValidationError) as refused:
        Category.create(id=new_id(), code=code, name="X", at=AT)  # type: ignore[arg-type]
    assert refused.value.issues[0].field == "code"


def test_a_name_is_required_and_metadata_is_a_json_object() -> None:
    with pytest.raises(ValidationError, match="name"):
        Category.create(id=new_id(), code="x", name=" ", at=AT)
    with pytest.raises(ValidationError, match="metadata"):
        Category.create(id=new_id(), code="x", name="X", metadata=[1], at=AT)


def test_the_lineage_walks_up_to_the_root_and_stops_at_a_corrupt_loop() -> None:
    a = category("a")
    b = category("b", a)
    c = category("c", b)
    assert tree_of(a, b, c).lineage(c.id) == [c.id, b.id, a.id]
    looped = CategoryTree({a.id: c.id, b.id: a.id, c.id: b.id})
    assert looped.lineage(a.id) == [a.id, c.id, b.id]
    assert tree_of(a, b, c).descendants(a.id) == {b.id, c.id}
    assert tree_of(a, b, c).descendants(c.id) == set()


def test_moving_under_another_branch_is_allowed() -> None:
    a, x = category("a"), category("x")
    b = category("b", a)
    b.move(x, tree_of(a, b, x))
    assert b.parent_id == x.id
    b.move(None, CategoryTree())
    assert b.parent_id is None


def test_a_category_cannot_be_its_own_parent() -> None:
    a = category("a")
    with pytest.raises(CategoryCycle, match="its own parent") as refused:
        a.move(a, tree_of(a))
    assert refused.value.code == "category_cycle"
    assert a.parent_id is None


def test_a_category_cannot_be_nested_in_one_of_its_descendants() -> None:
    a = category("a")
    b = category("b", a)
    c = category("c", b)
    with pytest.raises(CategoryCycle, match="c is nested in a") as refused:
        a.move(c, tree_of(a, b, c))
    assert refused.value.context == {"category_id": str(a.id), "parent_id": str(c.id)}
    assert a.parent_id is None


def test_the_check_needs_only_the_new_parents_chain() -> None:
    a = category("a")
    b = category("b", a)
    # What the repository reads under the lock: b's chain up to the root.
    chain = CategoryTree({b.id: a.id, a.id: None})
    with pytest.raises(CategoryCycle):
        a.move(b, chain)
    assert CategoryTree({UUID(int=5): None}).is_within(UUID(int=5), UUID(int=5))
