"""Groups of accounts: the balances of a code prefix and of a category; categories and their accounts.

Reads need `ledger:read` and go through the read path (in-app or inside PostgreSQL, by execution mode);
category writes need `admin` and run in this process in both modes (docs/groups.md).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from adapters.http import cursors
from adapters.http.deps import JsonResponse, ServicesDep, blocking, json_response, mark_replayed, replayable
from adapters.http.problems import problem_responses
from adapters.http.routes import ADMIN, READ, READ_ERRORS, WRITE_ERRORS
from adapters.http.schemas.accounts import AccountOut
from adapters.http.schemas.common import Cursor as CursorText
from adapters.http.schemas.common import InstantIn
from adapters.http.schemas.groups import (
    CategoryBalanceOut,
    CategoryIn,
    CategoryOut,
    CategoryPage,
    CategoryPatch,
    GroupBalanceOut,
    MemberPage,
)
from application import categories
from application.pages import DEFAULT_LIMIT, MAX_LIMIT
from application.retry import retrying
from domain.time_basis import Basis

router = APIRouter(tags=["groups"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
Cursor = Annotated[CursorText | None, Query()]
AsOf = Annotated[
    InstantIn | None,
    Query(description="The posted balances as of this instant (pending and available are then null)."),
]
BasisQuery = Annotated[
    Basis,
    Query(
        description="`booked` (default): as the books stood at `as_of`; `effective`: by value date (without "
        "`as_of`: now, by value date)."
    ),
]
_AS_OF_NOTE = (
    " As of an instant, only posted balances are exact: pending and available are null (holds are not kept"
    " by value date). Membership and codes have no history: the group is what it holds now."
)


@router.get(
    "/v1/groups/balance",
    summary="Balances of a code prefix",
    description="Per asset, the accounts whose code starts with `prefix` (whole segments ending with `:`; "
    "empty: the whole ledger): how many, posted, pending and available; and one page of `children`, the "
    "groups one segment further down (`customers:br:alice` holds the account coded so and every account "
    "under `customers:br:alice:`)." + _AS_OF_NOTE,
    dependencies=READ,
    response_model=GroupBalanceOut,
    responses=problem_responses(*READ_ERRORS),
)
async def group_balance(
    services: ServicesDep,
    prefix: Annotated[
        str,
        Query(
            max_length=128,
            pattern=r"^(?:[A-Za-z0-9][A-Za-z0-9:._@/-]*:)?$",  # application.groups: whole code segments
            description="`customers:br:`; empty: the whole ledger.",
        ),
    ] = "",
    as_of: AsOf = None,
    basis: BasisQuery = Basis.BOOKED,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> JsonResponse:
    after = cursors.after_child(prefix, cursor)
    at = as_of if as_of is not None or basis is Basis.BOOKED else services.clock.now()
    found = await blocking(
        lambda: services.read_path.group_balance(prefix, as_of=at, basis=basis, after=after, limit=limit)
    )
    return json_response(GroupBalanceOut.document(found, cursors.child_cursor(prefix, found.next_cursor)))


@router.post(
    "/v1/categories",
    status_code=201,
    summary="Create a category",
    description="Needs the `admin` scope. The code is the idempotency key: the same request again returns the "
    "category. `parent_id` or `parent_code` nests it in an existing category.",
    dependencies=ADMIN,
    responses={**problem_responses(*WRITE_ERRORS, 409), **replayable(201)},
)
def create_category(body: CategoryIn, response: Response, services: ServicesDep) -> CategoryOut:
    command = body.command()
    created = retrying(
        lambda: categories.create_category(command, services.uow(), services.clock, services.ids)
    )
    mark_replayed(response, created.replayed)
    return CategoryOut.of(created.category)


@router.get(
    "/v1/categories",
    summary="List categories",
    description="By code.",
    dependencies=READ,
    response_model=CategoryPage,
    responses=problem_responses(*READ_ERRORS),
)
async def list_categories(
    services: ServicesDep, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> JsonResponse:
    after = cursors.after_category(cursor)
    page = await blocking(
        lambda: categories.list_categories(services.read_uow(), after_code=after, limit=limit)
    )
    return json_response(
        {
            "items": [CategoryOut.document(c) for c in page.items],
            "next_cursor": cursors.category_cursor(page.next_cursor),
        }
    )


@router.get(
    "/v1/categories/{category_id}",
    summary="Get a category",
    dependencies=READ,
    response_model=CategoryOut,
    responses=problem_responses(*READ_ERRORS, 404),
)
async def get_category(category_id: UUID, services: ServicesDep) -> JsonResponse:
    found = await blocking(categories.get_category, category_id, services.read_uow())
    return json_response(CategoryOut.document(found))


@router.patch(
    "/v1/categories/{category_id}",
    summary="Change or move a category",
    description="Needs the `admin` scope. Only the fields present change; `parent_id` or `parent_code` moves "
    "it (`null`: a root). Nesting a category in itself or in one of its descendants is refused "
    "(`category_cycle`, 409).",
    dependencies=ADMIN,
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def update_category(category_id: UUID, body: CategoryPatch, services: ServicesDep) -> CategoryOut:
    command = body.command()
    return CategoryOut.of(retrying(lambda: categories.update_category(category_id, command, services.uow())))


@router.put(
    "/v1/categories/{category_id}/accounts/{account_id}",
    status_code=204,
    summary="Put an account in a category",
    description="Needs the `admin` scope. Idempotent: an account already in the category stays in it.",
    dependencies=ADMIN,
    responses=problem_responses(*WRITE_ERRORS, 404),
)
def add_category_account(category_id: UUID, account_id: UUID, services: ServicesDep) -> Response:
    retrying(lambda: categories.add_account(category_id, account_id, services.uow()))
    return Response(status_code=204)


@router.delete(
    "/v1/categories/{category_id}/accounts/{account_id}",
    status_code=204,
    summary="Take an account out of a category",
    description="Needs the `admin` scope. Idempotent: an account not in the category is not an error.",
    dependencies=ADMIN,
    responses=problem_responses(*WRITE_ERRORS, 404),
)
def remove_category_account(category_id: UUID, account_id: UUID, services: ServicesDep) -> Response:
    retrying(lambda: categories.remove_account(category_id, account_id, services.uow()))
    return Response(status_code=204)


@router.get(
    "/v1/categories/{category_id}/accounts",
    summary="A category's accounts",
    description="The accounts the category itself holds (not its subcategories'), by account id.",
    dependencies=READ,
    response_model=MemberPage,
    responses=problem_responses(*READ_ERRORS, 404),
)
async def list_category_accounts(
    category_id: UUID, services: ServicesDep, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> JsonResponse:
    after = cursors.after_member(cursor)
    page = await blocking(
        lambda: categories.list_accounts(category_id, services.read_uow(), after=after, limit=limit)
    )
    return json_response(
        {
            "items": [AccountOut.document(a) for a in page.items],
            "next_cursor": cursors.member_cursor(page.next_cursor),
        }
    )


@router.get(
    "/v1/categories/{category_id}/balance",
    summary="Balances of a category",
    description="Per asset, over the distinct accounts of the category and (`descendants`, default true) of "
    "every category nested in it: an account in two of them counts once. `children`: each direct "
    "subcategory with its own totals." + _AS_OF_NOTE,
    dependencies=READ,
    response_model=CategoryBalanceOut,
    responses=problem_responses(*READ_ERRORS, 404),
)
async def category_balance(
    category_id: UUID,
    services: ServicesDep,
    as_of: AsOf = None,
    basis: BasisQuery = Basis.BOOKED,
    descendants: Annotated[bool, Query(description="Count the accounts of nested categories.")] = True,
) -> JsonResponse:
    at = as_of if as_of is not None or basis is Basis.BOOKED else services.clock.now()
    found = await blocking(
        lambda: services.read_path.category_balance(
            category_id, as_of=at, basis=basis, descendants=descendants
        )
    )
    return json_response(CategoryBalanceOut.document(found))
