"""Bodies of the group endpoints: categories (chart of accounts) and the balances of groups of accounts."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from adapters.http.schemas.accounts import AccountOut
from adapters.http.schemas.common import Code, Instant, Metadata, Text, text
from application.categories import CreateCategory, UpdateCategory
from application.groups import CategoryBalance, GroupTotals, PrefixBalance
from domain.categories import MAX_NAME, Category
from domain.time_basis import Basis

_CATEGORY_ID = "5e1c7a9b-2f4d-4b8a-9c3e-1d2f3a4b5c6d"
_PARENT_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


#: `parent_id` or `parent_code`, not both (`application.categories`).
ONE_PARENT: dict[str, Any] = {
    "not": {
        "required": ["parent_id", "parent_code"],
        "properties": {"parent_id": {"type": "string"}, "parent_code": {"type": "string"}},
    }
}


class CategoryIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            **ONE_PARENT,
            "examples": [
                {
                    "code": "liabilities:customer-deposits",
                    "name": "Customer deposits",
                    "description": "What we owe our customers",
                    "parent_code": "liabilities",
                    "metadata": {"gl": "2100"},
                }
            ],
        },
    )

    code: Code = Field(description="Unique; also the idempotency key of the creation.")
    name: Annotated[str, text(MAX_NAME, required=True)]
    description: Text = ""
    parent_id: UUID | None = Field(default=None, description="The category it nests in (or `parent_code`).")
    parent_code: Code | None = Field(default=None, description="The code of the category it nests in.")
    metadata: Metadata = Field(default_factory=dict)

    def command(self) -> CreateCategory:
        return CreateCategory(
            code=self.code,
            name=self.name,
            description=self.description,
            parent_id=self.parent_id,
            parent_code=self.parent_code,
            metadata=self.metadata,
        )


class CategoryPatch(BaseModel):
    """Only the fields present change. `parent_id` or `parent_code` moves the category (`null`: make it
    a root); a move into itself or one of its descendants is refused (`category_cycle`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={**ONE_PARENT, "examples": [{"name": "Deposits", "parent_id": _PARENT_ID}]},
    )

    name: Annotated[str, text(MAX_NAME, required=True)] | None = None
    description: Text | None = None
    parent_id: UUID | None = None
    parent_code: Code | None = None
    metadata: Metadata | None = None

    def command(self) -> UpdateCategory:
        given = self.model_fields_set
        return UpdateCategory(
            name=self.name,
            description=self.description,
            metadata=self.metadata,
            move=bool(given & {"parent_id", "parent_code"}),
            parent_id=self.parent_id,
            parent_code=self.parent_code,
        )


class CategoryOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": _CATEGORY_ID,
                    "code": "liabilities:customer-deposits",
                    "name": "Customer deposits",
                    "description": "What we owe our customers",
                    "parent_id": _PARENT_ID,
                    "metadata": {"gl": "2100"},
                    "created_at": "2025-01-31T12:00:00+00:00",
                }
            ]
        }
    )

    id: UUID
    code: str
    name: str
    description: str
    parent_id: UUID | None
    metadata: Metadata
    created_at: Instant

    @classmethod
    def of(cls, category: Category) -> CategoryOut:
        return cls.model_validate(cls.document(category))

    @staticmethod
    def document(c: Category) -> dict[str, Any]:
        return {
            "id": c.id,
            "code": c.code,
            "name": c.name,
            "description": c.description,
            "parent_id": c.parent_id,
            "metadata": c.metadata,
            "created_at": c.created_at,
        }


class CategoryPage(BaseModel):
    items: list[CategoryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")


class MemberPage(BaseModel):
    items: list[AccountOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")


class TotalsOut(BaseModel):
    asset: str
    accounts: int = Field(description="How many accounts of this asset the group holds (each once).")
    posted: int = Field(description="The sum of their posted balances, each read from its own normal side.")
    pending_debits: int | None = Field(description="Held debits (holds); null as of an instant.")
    pending_credits: int | None = Field(description="Held credits; null as of an instant.")
    available: int | None = Field(
        description="The sum of their available balances (posted less pending outflows); null as of an instant."
    )

    @staticmethod
    def document(t: GroupTotals) -> dict[str, Any]:
        return {
            "asset": t.asset,
            "accounts": t.accounts,
            "posted": t.posted,
            "pending_debits": t.pending_debits,
            "pending_credits": t.pending_credits,
            "available": t.available,
        }


_AS_OF = Field(description="The instant asked for; null: the balances now (with pending and available).")
_BASIS = Field(
    description="`booked`: as the books stood at `as_of`; `effective`: by value date. Applies with `as_of`."
)


class PrefixChildOut(BaseModel):
    segment: str = Field(description="The code segment after the prefix.")
    code: str = Field(description="The prefix and the segment: the account coded so, and those under it.")
    totals: list[TotalsOut]


class GroupBalanceOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "prefix": "customers:br:",
                    "as_of": None,
                    "basis": "booked",
                    "totals": [
                        {
                            "asset": "BRL",
                            "accounts": 2,
                            "posted": 15000,
                            "pending_debits": 2500,
                            "pending_credits": 0,
                            "available": 12500,
                        }
                    ],
                    "children": [
                        {
                            "segment": "alice",
                            "code": "customers:br:alice",
                            "totals": [
                                {
                                    "asset": "BRL",
                                    "accounts": 1,
                                    "posted": 10000,
                                    "pending_debits": 2500,
                                    "pending_credits": 0,
                                    "available": 7500,
                                }
                            ],
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    prefix: str
    as_of: Instant | None = _AS_OF
    basis: Basis = _BASIS
    totals: list[TotalsOut] = Field(description="Per asset, over every account under the prefix.")
    children: list[PrefixChildOut] = Field(description="One page of the groups one segment down, by segment.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page of children.")

    @staticmethod
    def document(b: PrefixBalance, next_cursor: str | None) -> dict[str, Any]:
        return {
            "prefix": b.prefix,
            "as_of": b.as_of,
            "basis": b.basis.value,
            "totals": [TotalsOut.document(t) for t in b.totals],
            "children": [
                {"segment": c.segment, "code": c.code, "totals": [TotalsOut.document(t) for t in c.totals]}
                for c in b.children
            ],
            "next_cursor": next_cursor,
        }


class CategoryRef(BaseModel):
    id: UUID
    code: str
    name: str


class CategoryChildOut(BaseModel):
    category: CategoryRef
    totals: list[TotalsOut]


class CategoryBalanceOut(BaseModel):
    category: CategoryRef
    as_of: Instant | None = _AS_OF
    basis: Basis = _BASIS
    descendants: bool = Field(description="Whether the accounts of nested categories count (each once).")
    totals: list[TotalsOut] = Field(description="Per asset, over the category's distinct accounts.")
    children: list[CategoryChildOut] = Field(
        description="Every direct subcategory, by code, with its totals."
    )

    @staticmethod
    def document(b: CategoryBalance) -> dict[str, Any]:
        def ref(c: Category) -> dict[str, Any]:
            return {"id": c.id, "code": c.code, "name": c.name}

        return {
            "category": ref(b.category),
            "as_of": b.as_of,
            "basis": b.basis.value,
            "descendants": b.descendants,
            "totals": [TotalsOut.document(t) for t in b.totals],
            "children": [
                {"category": ref(c.category), "totals": [TotalsOut.document(t) for t in c.totals]}
                for c in b.children
            ],
        }
