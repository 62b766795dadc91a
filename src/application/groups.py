"""Balances of groups of accounts: by code prefix (hierarchical codes) and by category.

Two ways to group accounts:
- by code: codes are hierarchical, their segments separated by `:` (`customers:br:alice`). The group
  of a prefix (`customers:br:`, or `` for the whole ledger) is every account whose code starts with it,
  and its children are the groups one segment further down: an account `customers:br:alice:savings`
  counts in child `customers:br:alice`, and so does an account coded `customers:br:alice` itself;
- by category (`domain.categories`): the accounts of a category and, by default, of every category
  nested in it, each counted ONCE however many of those categories hold it; its children are its
  direct subcategories, each with the totals of its own subtree.

Totals are per asset: the number of accounts, the posted balance (each account's read from its own
normal side, so that a group of customers' wallets adds up to what is owed to them), the pending
debits and credits (holds) and the available balance. As of an instant, only the posted balances are
exact (holds are not journaled by value date, and the journal keeps no history of holds that were
released): pending and available are then None. As of an instant, `booked` reads the books as they
stood then (each account's last posted entry at or before it), `effective` by value date. Membership
and codes have no history: a group is what it holds now.

The reads run in the app (`application.read_path.InAppReadPath`) and inside PostgreSQL
(`razao.group_balance`, `razao.category_balance`); the answers travel between them as the JSON below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID

from application.pages import check_limit
from domain.categories import Category
from domain.errors import NotFound, ValidationError
from domain.time_basis import Basis
from domain.values import check_timestamp

#: A code prefix: empty (the whole ledger), or whole segments of account codes, ending with `:`.
_PREFIX = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9:._@/-]*:)?$")
MAX_PREFIX = 128
#: The separator of code segments.
SEPARATOR = ":"


@dataclass(frozen=True, slots=True)
class GroupTotals:
    """One asset's sums over a group's accounts. Pending and available are None as of an instant."""

    asset: str
    accounts: int
    posted: int
    pending_debits: int | None = None
    pending_credits: int | None = None
    available: int | None = None


@dataclass(frozen=True, slots=True)
class GroupRow:
    """What the repository answers: one asset's totals of the whole group (`child` None) or of one
    child (a code segment, or a subcategory's id as text)."""

    child: str | None
    totals: GroupTotals


@dataclass(frozen=True, slots=True)
class PrefixChild:
    """The accounts one segment below a prefix: `code` is the prefix and `segment`."""

    segment: str
    code: str
    totals: tuple[GroupTotals, ...]


@dataclass(frozen=True, slots=True)
class PrefixBalance:
    prefix: str
    as_of: datetime | None
    basis: Basis
    totals: tuple[GroupTotals, ...]
    #: One page of children, by segment; `next_cursor` is the last segment when more follow.
    children: tuple[PrefixChild, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class CategoryChild:
    category: Category
    totals: tuple[GroupTotals, ...]


@dataclass(frozen=True, slots=True)
class CategoryBalance:
    category: Category
    as_of: datetime | None
    basis: Basis
    #: Whether the totals count the accounts of nested categories (each account once).
    descendants: bool
    totals: tuple[GroupTotals, ...]
    #: Every direct subcategory, in code order, with its totals (of its subtree when `descendants`).
    children: tuple[CategoryChild, ...]


class GroupRepository(Protocol):
    def prefix_rows(
        self, prefix: str, *, as_of: datetime | None, basis: Basis, after: str | None, limit: int
    ) -> list[GroupRow]:
        """The totals of the accounts whose code starts with `prefix` (child None), and of the first
        `limit` children after segment `after` (child: the segment), in one statement."""
        ...

    def category_rows(
        self, category_id: UUID, *, as_of: datetime | None, basis: Basis, descendants: bool
    ) -> list[GroupRow]:
        """The totals of the category's distinct accounts (child None) and of each direct
        subcategory's (child: its id as text), in one statement; with `descendants`, of their
        subtrees."""
        ...

    def category(self, category_id: UUID) -> Category | None: ...

    def subcategories(self, category_id: UUID) -> list[Category]:
        """The direct subcategories, in code order."""
        ...


class GroupUnitOfWork(Protocol):
    groups: GroupRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def check_prefix(prefix: object) -> str:
    if not isinstance(prefix, str) or len(prefix) > MAX_PREFIX or not _PREFIX.match(prefix):
        raise ValidationError.of(
            "prefix",
            "must be empty (the whole ledger) or whole code segments each ending with ':' "
            f"(such as 'customers:br:'), at most {MAX_PREFIX} characters",
        )
    return prefix


def check_segment(segment: str, field: str = "cursor") -> str:
    if SEPARATOR in segment or len(segment) > MAX_PREFIX:
        raise ValidationError.of(field, "is not a valid cursor")
    return segment


def _check_as_of(as_of: datetime | None) -> None:
    if as_of is not None:
        check_timestamp(as_of, "as_of")


def _by_child(rows: Iterable[GroupRow]) -> dict[str | None, tuple[GroupTotals, ...]]:
    found: dict[str | None, list[GroupTotals]] = {}
    for row in rows:
        found.setdefault(row.child, []).append(row.totals)
    return {child: tuple(sorted(totals, key=lambda t: t.asset)) for child, totals in found.items()}


def group_balance(
    uow: GroupUnitOfWork,
    prefix: str,
    *,
    as_of: datetime | None = None,
    basis: Basis = Basis.BOOKED,
    after: str | None = None,
    limit: int = 100,
) -> PrefixBalance:
    """The totals of the accounts under a code prefix, and one page of its children (by segment)."""
    check_prefix(prefix)
    check_limit(limit)
    _check_as_of(as_of)
    if after is not None:
        check_segment(after)
    with uow:
        rows = uow.groups.prefix_rows(prefix, as_of=as_of, basis=basis, after=after, limit=limit + 1)
    by_child = _by_child(rows)
    segments = sorted(child for child in by_child if child is not None)
    page, more = segments[:limit], len(segments) > limit
    return PrefixBalance(
        prefix=prefix,
        as_of=as_of,
        basis=basis,
        totals=by_child.get(None, ()),
        children=tuple(PrefixChild(s, prefix + s, by_child[s]) for s in page),
        next_cursor=page[-1] if more and page else None,
    )


def category_balance(
    uow: GroupUnitOfWork,
    category_id: UUID,
    *,
    as_of: datetime | None = None,
    basis: Basis = Basis.BOOKED,
    descendants: bool = True,
) -> CategoryBalance:
    """The totals of a category's accounts (with its descendants', each account once, by default),
    and of each of its direct subcategories."""
    _check_as_of(as_of)
    with uow:
        category = uow.groups.category(category_id)
        if category is None:
            raise NotFound(f"category {category_id} does not exist", category_id=str(category_id))
        children = uow.groups.subcategories(category_id)
        rows = uow.groups.category_rows(category_id, as_of=as_of, basis=basis, descendants=descendants)
    by_child = _by_child(rows)
    return CategoryBalance(
        category=category,
        as_of=as_of,
        basis=basis,
        descendants=descendants,
        totals=by_child.get(None, ()),
        children=tuple(CategoryChild(c, by_child.get(str(c.id), ())) for c in children),
    )


# --- the answers as JSON, between PostgreSQL and the app --------------------------------------------


def totals_to_dict(t: GroupTotals) -> dict[str, Any]:
    return {
        "asset": t.asset,
        "accounts": t.accounts,
        "posted": t.posted,
        "pending_debits": t.pending_debits,
        "pending_credits": t.pending_credits,
        "available": t.available,
    }


def _optional(value: Any) -> int | None:
    return None if value is None else int(value)


def totals_from_dict(data: dict[str, Any]) -> GroupTotals:
    return GroupTotals(
        asset=str(data["asset"]),
        accounts=int(data["accounts"]),
        posted=int(data["posted"]),
        pending_debits=_optional(data.get("pending_debits")),
        pending_credits=_optional(data.get("pending_credits")),
        available=_optional(data.get("available")),
    )


def category_to_dict(c: Category) -> dict[str, Any]:
    return {
        "id": str(c.id),
        "code": c.code,
        "name": c.name,
        "description": c.description,
        "parent_id": None if c.parent_id is None else str(c.parent_id),
        "metadata": c.metadata,
        "created_at": c.created_at.isoformat(),
    }


def category_from_dict(data: dict[str, Any]) -> Category:
    parent = data.get("parent_id")
    return Category(
        id=UUID(str(data["id"])),
        code=str(data["code"]),
        name=str(data["name"]),
        description=str(data.get("description") or ""),
        parent_id=None if parent is None else UUID(str(parent)),
        metadata=dict(data.get("metadata") or {}),
        created_at=datetime.fromisoformat(str(data["created_at"])),
    )


def _as_of(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def prefix_balance_to_dict(b: PrefixBalance) -> dict[str, Any]:
    return {
        "prefix": b.prefix,
        "as_of": None if b.as_of is None else b.as_of.isoformat(),
        "basis": b.basis.value,
        "totals": [totals_to_dict(t) for t in b.totals],
        "children": [
            {"segment": c.segment, "code": c.code, "totals": [totals_to_dict(t) for t in c.totals]}
            for c in b.children
        ],
        "next_cursor": b.next_cursor,
    }


def prefix_balance_from_dict(data: dict[str, Any]) -> PrefixBalance:
    return PrefixBalance(
        prefix=str(data["prefix"]),
        as_of=_as_of(data.get("as_of")),
        basis=Basis.parse(data.get("basis")),
        totals=tuple(totals_from_dict(t) for t in data["totals"]),
        children=tuple(
            PrefixChild(str(c["segment"]), str(c["code"]), tuple(totals_from_dict(t) for t in c["totals"]))
            for c in data["children"]
        ),
        next_cursor=None if data.get("next_cursor") is None else str(data["next_cursor"]),
    )


def category_balance_to_dict(b: CategoryBalance) -> dict[str, Any]:
    return {
        "category": category_to_dict(b.category),
        "as_of": None if b.as_of is None else b.as_of.isoformat(),
        "basis": b.basis.value,
        "descendants": b.descendants,
        "totals": [totals_to_dict(t) for t in b.totals],
        "children": [
            {"category": category_to_dict(c.category), "totals": [totals_to_dict(t) for t in c.totals]}
            for c in b.children
        ],
    }


def category_balance_from_dict(data: dict[str, Any]) -> CategoryBalance:
    return CategoryBalance(
        category=category_from_dict(data["category"]),
        as_of=_as_of(data.get("as_of")),
        basis=Basis.parse(data.get("basis")),
        descendants=bool(data["descendants"]),
        totals=tuple(totals_from_dict(t) for t in data["totals"]),
        children=tuple(
            CategoryChild(category_from_dict(c["category"]), tuple(totals_from_dict(t) for t in c["totals"]))
            for c in data["children"]
        ),
    )
