"""Categories of accounts, as in a chart of accounts: named groups that nest, an account in several.

A category has a code (unique, the key clients know it by: `assets`, `assets:current`), a name, a
description, metadata and an optional parent: the category it nests in. The categories form a forest:
a category may never be nested in itself or in one of its descendants (`category_cycle`), whatever the
order of the moves that would get there. The use case checks a move here, against the parent chain it
read under a lock that serialises moves; the database's trigger `categories_tree` refuses a cycle too
(SQLSTATE RZ121), whoever writes.

Membership is a plain (category, account) pair, kept by the repositories: an account may belong to any
number of categories, and a category's balance counts each of its accounts (and, by default, its
descendants' accounts) once (docs/groups.md).

Standard library only; time is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.errors import DomainError, ValidationError
from domain.values import check_metadata, check_text, check_timestamp

#: The same alphabet as account codes: letters, digits and `:._@/-`, starting with a letter or digit.
_CATEGORY_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._@/-]{0,127}$")
MAX_NAME = 200


class CategoryCycle(DomainError):
    """Nesting a category in itself or in one of its descendants."""

    code = "category_cycle"
    title = "The category would be nested in itself"


def check_code(code: object, field: str = "code") -> str:
    if not isinstance(code, str) or not _CATEGORY_CODE.match(code):
        raise ValidationError.of(
            field, "must be 1 to 128 letters, digits or ':._@/-', starting with a letter or digit"
        )
    return code


@dataclass(eq=False, slots=True)
class Category:
    """A category. Entities compare by id; the parent changes only through `move`."""

    id: UUID
    code: str
    name: str
    description: str
    parent_id: UUID | None
    metadata: dict[str, Any]
    created_at: datetime

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Category) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        code: str,
        name: str,
        description: object = None,
        parent: Category | None = None,
        metadata: object = None,
        at: datetime,
    ) -> Category:
        """A new category, a root or nested in `parent` (which exists: the caller found it). A new
        category has no descendants, so nesting it can never make a cycle."""
        return cls(
            id=id,
            code=check_code(code),
            name=check_text(name, "name", required=True, max_length=MAX_NAME),
            description=check_text(description, "description", required=False),
            parent_id=None if parent is None else parent.id,
            metadata=check_metadata(metadata),
            created_at=check_timestamp(at, "created_at"),
        )

    def same_creation(self, other: Category) -> bool:
        """Whether `other` asks for this very category (an idempotent creation by code)."""
        return (self.code, self.name, self.description, self.parent_id, self.metadata) == (
            other.code,
            other.name,
            other.description,
            other.parent_id,
            other.metadata,
        )

    def rename(self, name: object) -> None:
        self.name = check_text(name, "name", required=True, max_length=MAX_NAME)

    def describe(self, description: object) -> None:
        self.description = check_text(description, "description", required=False)

    def annotate(self, metadata: object) -> None:
        self.metadata = check_metadata(metadata)

    def move(self, parent: Category | None, tree: CategoryTree) -> None:
        """Nest this category in `parent` (None: make it a root). `tree` must hold the parent chain
        of `parent` up to its root, as read under the lock that serialises moves."""
        if parent is not None:
            tree.ensure_can_nest(self, parent)
        self.parent_id = None if parent is None else parent.id


@dataclass(frozen=True, slots=True)
class CategoryTree:
    """Who nests in whom: category id -> parent id (None for a root). It may hold only part of the
    forest: what a move needs is the chain from the new parent up to its root (`lineage`)."""

    parents: Mapping[UUID, UUID | None] = field(default_factory=dict)

    def lineage(self, category_id: UUID) -> list[UUID]:
        """`category_id`, its parent, the parent's parent ... up to a root (or to the first id the
        tree does not hold). Stops at a repeated id, so that even a corrupt tree cannot loop."""
        chain: list[UUID] = []
        seen: set[UUID] = set()
        current: UUID | None = category_id
        while current is not None and current not in seen:
            chain.append(current)
            seen.add(current)
            current = self.parents.get(current)
        return chain

    def is_within(self, category_id: UUID, ancestor_id: UUID) -> bool:
        """Whether `category_id` is `ancestor_id` or nested (at any depth) in it."""
        return ancestor_id in self.lineage(category_id)

    def ensure_can_nest(self, category: Category, parent: Category) -> None:
        """Refuse nesting `category` in `parent` when `parent` is `category` or one of its descendants."""
        if self.is_within(parent.id, category.id):
            raise CategoryCycle(
                f"category {category.code} cannot be nested in {parent.code}: "
                + (
                    "a category cannot be its own parent"
                    if parent.id == category.id
                    else f"{parent.code} is nested in {category.code}"
                ),
                category_id=str(category.id),
                parent_id=str(parent.id),
            )

    def descendants(self, category_id: UUID) -> set[UUID]:
        """Every category nested (at any depth) in `category_id`, among those the tree holds."""
        children: dict[UUID, list[UUID]] = {}
        for child, parent in self.parents.items():
            if parent is not None:
                children.setdefault(parent, []).append(child)
        found: set[UUID] = set()
        pending = list(children.get(category_id, ()))
        while pending:
            current = pending.pop()
            if current in found or current == category_id:
                continue
            found.add(current)
            pending.extend(children.get(current, ()))
        return found
