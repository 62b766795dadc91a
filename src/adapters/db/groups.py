"""The group repository: balances of a code-prefix group or of a category, in one statement each.

The statement (`group_sql`) is built from a few parts, one per question:
- the scope `g`: the accounts of the group: a range of the code's btree (`prefix <= code < upper`), or
  the accounts of a category's subtree (a recursive walk of `categories` from the category, its direct
  subcategories numbered, then its memberships: `member`, one hash aggregate per account, holds each
  account once with the least and greatest number of the subcategories it lies under, and whether the
  category holds it itself);
- the values `v`, one row per account of the scope:
  - now: the account's own balances (`posted`, `pending_*`, `available`);
  - as of an instant, booked: the `balance_after` of its last posted entry at or before the instant
    (one backward probe of `ix_entries_balance_as_of` per account);
  - as of an instant, effective: set-based, what `razao.value_net` answers per account: the value days
    before the instant's UTC day (`account_value_days`, joined with the scope: a hash join over the
    days for a large group, index probes for a small one) plus the posted entries of that day up to the
    instant (found through the transfers whose value date is in it, `ix_transfers_effective_at_id`: an
    entry's value date is its transfer's, revision 0015), summed per account in one aggregate (`moved`,
    one LEFT JOIN: stacked joins on a CTE's column made the planner expect millions of rows), times -1
    for a debit-normal account;
  as of an instant, pending and available are NULL;
- the totals: per child and asset (`per`, a hash aggregate of a materialized CTE: its planner estimate of
  groups is a default, not the number of accounts), summed per asset for the whole group; for a
  category (`_category_sql`), the values are summed straight from the accounts into `per`, keyed by the
  one subcategory an account lies under (or by the account itself when it lies under several), the
  asset and the normal side; the category's totals add up every key (without descendants, the keys of
  its own accounts) and each subcategory's its keys plus the accounts under several, looked up again.

The text is stated once, in `plpython/razao_sql.py`, which this module loads from its file and the
in-database store (`PlpyGroups`, with positional parameters) imports; both modes are compared by
tests/integration/test_groups_differential.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import TextClause, select, text

from adapters.db.models import categories
from adapters.db.shared_sql import shared_sql
from adapters.db.tx import Tx
from application.groups import GroupRow, GroupTotals
from application.pages import prefix_upper_bound
from domain.categories import Category
from domain.time_basis import Basis

#: SQL types of the statement's parameters.
TYPES = {
    "prefix": "text",
    "upper": "text",
    "skip": "integer",
    "after": "text",
    "max_children": "integer",
    "at": "timestamptz",
    "root": "uuid",
}


def group_sql(kind: str, values: str, bounded: bool, descendants: bool, p: Callable[[str], str]) -> str:
    """The group statement (`razao_sql.group_sql`, shared with the in-database store)."""
    sql: str = shared_sql().group_sql(kind, values, bounded, descendants, p)
    return sql


def _values(as_of: datetime | None, basis: Basis) -> str:
    return "now" if as_of is None else basis.value


@cache
def _statement(kind: str, values: str, bounded: bool, descendants: bool) -> tuple[TextClause, frozenset[str]]:
    """The statement, and the names of the parameters it takes."""
    used: set[str] = set()

    def spell(name: str) -> str:
        used.add(name)
        return f"CAST(:{name} AS {TYPES[name]})"

    return text(group_sql(kind, values, bounded, descendants, spell)), frozenset(used)


def _run(
    tx: Tx, kind: str, values: str, bounded: bool, descendants: bool, parameters: dict[str, Any]
) -> list[GroupRow]:
    statement, used = _statement(kind, values, bounded, descendants)
    return _rows(tx.execute(statement, {k: v for k, v in parameters.items() if k in used}))


def _int(value: Decimal | int | None) -> int | None:
    return None if value is None else int(value)


def _rows(result: Any) -> list[GroupRow]:
    return [
        GroupRow(
            row.child,
            GroupTotals(
                asset=row.asset_code,
                accounts=int(row.accounts),
                posted=int(row.posted),
                pending_debits=_int(row.pending_debits),
                pending_credits=_int(row.pending_credits),
                available=_int(row.available),
            ),
        )
        for row in result
    ]


def category_from_row(row: Any) -> Category:
    return Category(
        id=row.id,
        code=row.code,
        name=row.name,
        description=row.description,
        parent_id=row.parent_id,
        metadata=row.metadata,
        created_at=row.created_at,
    )


_CATEGORY = select(categories)


class SqlGroupRepository:
    """Implements `application.groups.GroupRepository`."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def prefix_rows(
        self, prefix: str, *, as_of: datetime | None, basis: Basis, after: str | None, limit: int
    ) -> list[GroupRow]:
        upper = prefix_upper_bound(prefix)
        parameters = {
            "prefix": prefix,
            "upper": upper,
            "skip": len(prefix) + 1,
            "after": after,
            "max_children": limit,
            "at": as_of,
        }
        return _run(self._tx, "prefix", _values(as_of, basis), upper is not None, False, parameters)

    def category_rows(
        self, category_id: UUID, *, as_of: datetime | None, basis: Basis, descendants: bool
    ) -> list[GroupRow]:
        parameters = {"root": category_id, "at": as_of}
        return _run(self._tx, "category", _values(as_of, basis), False, descendants, parameters)

    def category(self, category_id: UUID) -> Category | None:
        row = self._tx.execute(_CATEGORY.where(categories.c.id == category_id)).one_or_none()
        return None if row is None else category_from_row(row)

    def subcategories(self, category_id: UUID) -> list[Category]:
        query = _CATEGORY.where(categories.c.parent_id == category_id).order_by(categories.c.code)
        return [category_from_row(row) for row in self._tx.execute(query)]
