"""Use cases for categories of accounts (a chart of accounts): create, read, list, change, move, and
the accounts they hold. Administrative writes: they run in this process in both execution modes, like
opening an account. Their balances are reads (`application.groups`).

A category's code is its idempotency key: the same creation again answers the original category; a
different one with a used code is an `idempotency_conflict`. Every change of a category runs under
`CategoryRepository.serialize` (a lock on the categories that serialises their changes), so that the
parent chain a move is checked against (`domain.categories.CategoryTree`) cannot change before it
commits: two concurrent moves cannot make a cycle between them. Membership is idempotent both ways.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from application.pages import Page, check_limit, paginate
from application.ports import AccountRepository, Clock, IdSource, Transaction
from domain.accounts import Account
from domain.categories import Category, CategoryTree, check_code
from domain.errors import AccountNotFound, IdempotencyConflict, NotFound, ValidationError


class CategoryRepository(Protocol):
    def add(self, category: Category) -> None: ...
    def get(self, category_id: UUID) -> Category | None: ...
    def get_by_code(self, code: str) -> Category | None: ...

    def serialize(self) -> None:
        """Hold every other change of the categories until this transaction ends (`LOCK TABLE
        categories IN SHARE ROW EXCLUSIVE MODE` in PostgreSQL): what a move reads stays true."""
        ...

    def lineage(self, category_id: UUID) -> CategoryTree:
        """The parent chain of `category_id` up to its root: each category of it -> its parent."""
        ...

    def save(self, category: Category) -> None:
        """Persist the name, description, metadata and parent of a category read in this transaction."""
        ...

    def query(self, *, after_code: str | None, limit: int) -> list[Category]:
        """Categories in code order, after `after_code`."""
        ...

    def add_member(self, category_id: UUID, account_id: UUID) -> bool:
        """Put the account in the category; False if it was in it already."""
        ...

    def remove_member(self, category_id: UUID, account_id: UUID) -> bool:
        """Take the account out of the category; False if it was not in it."""
        ...

    def members(self, category_id: UUID, *, after: UUID | None, limit: int) -> list[Account]:
        """The category's own accounts (not its descendants'), in account id order, after `after`."""
        ...


class CategoryUnitOfWork(Transaction, Protocol):
    categories: CategoryRepository
    accounts: AccountRepository


@dataclass(frozen=True, slots=True)
class CreateCategory:
    code: str
    name: str
    description: str = ""
    #: The parent, by id or by code (at most one of them); neither: a root.
    parent_id: UUID | None = None
    parent_code: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Created:
    category: Category
    replayed: bool


@dataclass(frozen=True, slots=True)
class UpdateCategory:
    """A partial change: None leaves a field as it is. `move` says whether to change the parent, to
    `parent_id` or `parent_code` (at most one of them; neither: make it a root)."""

    name: str | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None
    move: bool = False
    parent_id: UUID | None = None
    parent_code: str | None = None


def _not_found(category_id: UUID) -> NotFound:
    return NotFound(f"category {category_id} does not exist", category_id=str(category_id))


def _existing(category_id: UUID, uow: CategoryUnitOfWork) -> Category:
    category = uow.categories.get(category_id)
    if category is None:
        raise _not_found(category_id)
    return category


def _parent(parent_id: UUID | None, parent_code: str | None, uow: CategoryUnitOfWork) -> Category | None:
    """The parent a request names (by id or code), or None for a root; an unknown one is refused."""
    if parent_id is not None and parent_code is not None:
        raise ValidationError.of("parent_code", "give parent_id or parent_code, not both")
    if parent_id is not None:
        parent = uow.categories.get(parent_id)
        if parent is None:
            raise ValidationError.of("parent_id", "is not a category")
        return parent
    if parent_code is not None:
        parent = uow.categories.get_by_code(check_code(parent_code, "parent_code"))
        if parent is None:
            raise ValidationError.of("parent_code", "is not a category")
        return parent
    return None


def create_category(cmd: CreateCategory, uow: CategoryUnitOfWork, clock: Clock, ids: IdSource) -> Created:
    """Create a category (a root, or nested in an existing one). Idempotent by code."""
    with uow:
        parent = _parent(cmd.parent_id, cmd.parent_code, uow)
        category = Category.create(
            id=ids.new_id(),
            code=cmd.code,
            name=cmd.name,
            description=cmd.description,
            parent=parent,
            metadata=cmd.metadata,
            at=clock.now(),
        )
        existing = uow.categories.get_by_code(category.code)
        if existing is not None:
            if not existing.same_creation(category):
                raise IdempotencyConflict(
                    f"a category with code {category.code} already exists with other attributes",
                    category_id=str(existing.id),
                )
            return Created(existing, replayed=True)
        uow.categories.add(category)
        uow.commit()
        return Created(category, replayed=False)


def update_category(category_id: UUID, cmd: UpdateCategory, uow: CategoryUnitOfWork) -> Category:
    """Rename, describe, annotate or move a category. A move that would nest it in itself or in one of
    its descendants is refused (`category_cycle`), checked under the lock that serialises changes."""
    with uow:
        uow.categories.serialize()
        category = _existing(category_id, uow)
        if cmd.name is not None:
            category.rename(cmd.name)
        if cmd.description is not None:
            category.describe(cmd.description)
        if cmd.metadata is not None:
            category.annotate(cmd.metadata)
        if cmd.move:
            parent = _parent(cmd.parent_id, cmd.parent_code, uow)
            tree = CategoryTree() if parent is None else uow.categories.lineage(parent.id)
            category.move(parent, tree)
        uow.categories.save(category)
        uow.commit()
        return category


def get_category(category_id: UUID, uow: CategoryUnitOfWork) -> Category:
    with uow:
        return _existing(category_id, uow)


def list_categories(
    uow: CategoryUnitOfWork, *, after_code: str | None = None, limit: int = 100
) -> Page[Category, str]:
    check_limit(limit)
    with uow:
        rows = uow.categories.query(after_code=after_code, limit=limit + 1)
    return paginate(rows, limit, lambda c: c.code)


def add_account(category_id: UUID, account_id: UUID, uow: CategoryUnitOfWork) -> bool:
    """Put an account in a category (True if it was not in it yet). Both must exist."""
    with uow:
        _existing(category_id, uow)
        if uow.accounts.get(account_id) is None:
            raise AccountNotFound(f"account {account_id} does not exist", account_id=str(account_id))
        added = uow.categories.add_member(category_id, account_id)
        uow.commit()
        return added


def remove_account(category_id: UUID, account_id: UUID, uow: CategoryUnitOfWork) -> bool:
    """Take an account out of a category (True if it was in it). The category must exist."""
    with uow:
        _existing(category_id, uow)
        removed = uow.categories.remove_member(category_id, account_id)
        uow.commit()
        return removed


def list_accounts(
    category_id: UUID, uow: CategoryUnitOfWork, *, after: UUID | None = None, limit: int = 100
) -> Page[Account, UUID]:
    """The category's own accounts (not its descendants'), in account id order."""
    check_limit(limit)
    with uow:
        _existing(category_id, uow)
        rows = uow.categories.members(category_id, after=after, limit=limit + 1)
    return paginate(rows, limit, lambda a: a.id)
