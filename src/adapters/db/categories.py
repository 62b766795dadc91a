"""The category repository: categories, their parent chains, and the accounts they hold.

Changes are serialised by `serialize`: `razao.lock_categories()` (revision 0016; SECURITY DEFINER, since
razao_app holds only column privileges on `categories`, which `LOCK TABLE` above ROW EXCLUSIVE does not
accept) takes `LOCK TABLE categories IN SHARE ROW EXCLUSIVE MODE` for the transaction: every other change
of a category, from the API or from raw SQL, waits for it, so the parent chain a move was checked
against is the one it commits over. The trigger `categories_tree` refuses a cycle and an unknown parent
on its own (RZ121, RZ122), which `adapters.db.errors.as_refusal` turns into the domain's errors for a
write that got past the use case's check.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Uuid, bindparam, delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from adapters.db.groups import category_from_row
from adapters.db.mapping import account_from_row
from adapters.db.models import account_categories, accounts, assets, categories
from adapters.db.tx import Tx
from domain.accounts import Account
from domain.categories import Category, CategoryTree

_LOCK_TREE = text("SELECT razao.lock_categories()")
_LINEAGE = text(
    """
    WITH RECURSIVE up(id, parent_id) AS (
        SELECT c.id, c.parent_id FROM public.categories c WHERE c.id = :category_id
      UNION
        SELECT c.id, c.parent_id FROM public.categories c JOIN up ON c.id = up.parent_id
    )
    SELECT id, parent_id FROM up
    """
).bindparams(bindparam("category_id", type_=Uuid))
_MEMBERS = (
    select(accounts, assets.c.scale)
    .join(assets, assets.c.code == accounts.c.asset_code)
    .join(account_categories, account_categories.c.account_id == accounts.c.id)
    .where(account_categories.c.category_id == bindparam("category_id", type_=Uuid))
    .order_by(account_categories.c.account_id)
    .limit(bindparam("max_rows"))
)


class SqlCategoryRepository:
    """Implements `application.categories.CategoryRepository`."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def add(self, category: Category) -> None:
        self._tx.execute(
            insert(categories).values(
                id=category.id,
                code=category.code,
                name=category.name,
                description=category.description,
                parent_id=category.parent_id,
                metadata=category.metadata,
                created_at=category.created_at,
            )
        )

    def _one(self, condition: object) -> Category | None:
        row = self._tx.execute(select(categories).where(condition)).one_or_none()  # type: ignore[arg-type]
        return None if row is None else category_from_row(row)

    def get(self, category_id: UUID) -> Category | None:
        return self._one(categories.c.id == category_id)

    def get_by_code(self, code: str) -> Category | None:
        return self._one(categories.c.code == code)

    def serialize(self) -> None:
        self._tx.execute(_LOCK_TREE)

    def lineage(self, category_id: UUID) -> CategoryTree:
        rows = self._tx.execute(_LINEAGE, {"category_id": category_id})
        return CategoryTree({row.id: row.parent_id for row in rows})

    def save(self, category: Category) -> None:
        self._tx.execute(
            update(categories)
            .where(categories.c.id == category.id)
            .values(
                name=category.name,
                description=category.description,
                parent_id=category.parent_id,
                metadata=category.metadata,
            )
        )

    def query(self, *, after_code: str | None, limit: int) -> list[Category]:
        statement = select(categories).order_by(categories.c.code).limit(limit)
        if after_code is not None:
            statement = statement.where(categories.c.code > after_code)
        return [category_from_row(row) for row in self._tx.execute(statement)]

    def add_member(self, category_id: UUID, account_id: UUID) -> bool:
        statement = (
            pg_insert(account_categories)
            .values(category_id=category_id, account_id=account_id)
            .on_conflict_do_nothing()
            .returning(account_categories.c.account_id)
        )
        return self._tx.execute(statement).first() is not None

    def remove_member(self, category_id: UUID, account_id: UUID) -> bool:
        statement = delete(account_categories).where(
            account_categories.c.category_id == category_id, account_categories.c.account_id == account_id
        )
        return self._tx.execute(statement.returning(account_categories.c.account_id)).first() is not None

    def members(self, category_id: UUID, *, after: UUID | None, limit: int) -> list[Account]:
        statement = _MEMBERS
        if after is not None:
            statement = statement.where(account_categories.c.account_id > after)
        rows = self._tx.execute(statement, {"category_id": category_id, "max_rows": limit})
        return [account_from_row(row) for row in rows]
