"""Accounts: open, read, list, freeze/unfreeze/close, balance as of an instant, statement, daily history.

The balance, the statement and the history take a time basis (`domain.time_basis`): `booked` (the
default) or `effective` (by value date).

The reads are the hot path: coroutines that run their use case in the thread pool (`blocking`) and
answer with the JSON of the declared `response_model`, built by the schema's `document` (see
`deps.json_response`).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from adapters.http import cursors, exports
from adapters.http.deps import JsonResponse, ServicesDep, blocking, json_response, mark_replayed, replayable
from adapters.http.problems import problem_responses
from adapters.http.routes import READ, READ_ERRORS, WRITE, WRITE_ERRORS
from adapters.http.schemas.accounts import (
    AccountIn,
    AccountOut,
    AccountPage,
    BalanceOut,
    EntryOut,
    EntryPage,
    HistoryOut,
)
from adapters.http.schemas.common import AssetCode, DayIn, InstantIn, QueryText
from adapters.http.schemas.common import Cursor as CursorText
from adapters.http.schemas.search import MetadataHasQuery, MetadataQuery
from application import accounts, search
from application.pages import DEFAULT_LIMIT, MAX_LIMIT
from application.retry import retrying
from domain.accounts import AccountStatus
from domain.time_basis import MAX_HISTORY_DAYS, Basis

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
Cursor = Annotated[CursorText | None, Query()]
BasisQuery = Annotated[
    Basis, Query(description="`booked` (default): by booking time; `effective`: by value date.")
]


@router.post(
    "",
    status_code=201,
    summary="Open an account",
    description="The code is the idempotency key: the same request again returns the account.",
    dependencies=WRITE,
    responses={**problem_responses(*WRITE_ERRORS, 409), **replayable(201)},
)
def open_account(body: AccountIn, response: Response, services: ServicesDep) -> AccountOut:
    command = body.command()
    opened = retrying(lambda: accounts.open_account(command, services.uow(), services.clock, services.ids))
    mark_replayed(response, opened.replayed)
    return AccountOut.of(opened.account)


@router.get(
    "",
    summary="List and search accounts",
    description="In code order. Every filter given must hold: code prefix, asset, status, metadata "
    "(`metadata=key:value`, `metadata_has=key`), category (members, with `category_descendants=true` "
    "those of the categories below it too). Each is answered from an index (docs/search.md). A cursor "
    "continues only the search it was made for.",
    dependencies=READ,
    response_model=AccountPage,
    responses=problem_responses(*READ_ERRORS),
)
async def list_accounts(
    services: ServicesDep,
    code_prefix: QueryText | None = None,
    asset: AssetCode | None = None,
    status: Annotated[AccountStatus | None, Query(description="Only accounts in this status.")] = None,
    metadata: MetadataQuery = None,
    metadata_has: MetadataHasQuery = None,
    category: Annotated[
        QueryText | None, Query(description="A category's id or code: only its member accounts.")
    ] = None,
    category_descendants: Annotated[
        bool, Query(description="With `category`: also the members of every category nested below it.")
    ] = False,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> JsonResponse:
    where = search.account_filter(
        code_prefix=code_prefix,
        asset=asset,
        status=status,
        metadata=metadata or (),
        metadata_has=metadata_has or (),
        category=category,
        category_descendants=category_descendants,
    )
    after_code = cursors.after_code(cursor, where.fingerprint())
    page = await blocking(
        lambda: accounts.list_accounts(services.read_uow(), where, after_code=after_code, limit=limit)
    )
    return json_response(
        {
            "items": [AccountOut.document(a) for a in page.items],
            "next_cursor": cursors.account_cursor(page.next_cursor, where.fingerprint()),
        }
    )


@router.get(
    "/{account_id}",
    summary="Get an account",
    dependencies=READ,
    response_model=AccountOut,
    responses=problem_responses(*READ_ERRORS, 404),
)
async def get_account(account_id: UUID, services: ServicesDep) -> JsonResponse:
    account = await blocking(accounts.get_account, account_id, services.read_uow())
    return json_response(AccountOut.document(account))


@router.post(
    "/{account_id}/freeze",
    summary="Freeze an account",
    description="A frozen account accepts no new postings.",
    dependencies=WRITE,
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def freeze_account(account_id: UUID, services: ServicesDep) -> AccountOut:
    return AccountOut.of(accounts.freeze_account(account_id, services.uow(), services.clock))


@router.post(
    "/{account_id}/unfreeze",
    summary="Unfreeze an account",
    dependencies=WRITE,
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def unfreeze_account(account_id: UUID, services: ServicesDep) -> AccountOut:
    return AccountOut.of(accounts.unfreeze_account(account_id, services.uow(), services.clock))


@router.post(
    "/{account_id}/close",
    summary="Close an account",
    description="Only with a zero posted balance and nothing pending; closing is final.",
    dependencies=WRITE,
    responses=problem_responses(*WRITE_ERRORS, 404, 409),
)
def close_account(account_id: UUID, services: ServicesDep) -> AccountOut:
    return AccountOut.of(accounts.close_account(account_id, services.uow(), services.clock))


@router.get(
    "/{account_id}/balance",
    summary="Posted balance as of an instant",
    description="`basis=booked` (default): as the books stood at `as_of`. `basis=effective`: every posted "
    "entry whose value date is at or before `as_of`, including those booked later (backdated).",
    dependencies=READ,
    response_model=BalanceOut,
    responses=problem_responses(*READ_ERRORS, 404),
)
async def get_balance(
    account_id: UUID,
    services: ServicesDep,
    as_of: Annotated[InstantIn | None, Query(description="Default: now.")] = None,
    basis: BasisQuery = Basis.BOOKED,
) -> JsonResponse:
    at = as_of or services.clock.now()
    balance = await blocking(services.read_path.balance_as_of, account_id, at, basis)
    return json_response(BalanceOut.document(balance))


@router.get(
    "/{account_id}/entries",
    summary="Statement: posted entries with running balance",
    description="`from` inclusive, `to` exclusive. `basis=booked` (default): in booking order, the window "
    "on booking time. `basis=effective`: in value-date order, the window on value dates, and each "
    "`balance_after` the running posted balance in that order. With `Accept: text/csv`, "
    "`application/x-ndjson` or `application/jsonl`: the whole window as CSV or JSON Lines (docs/export.md).",
    dependencies=READ,
    response_model=EntryPage,
    responses={**problem_responses(*READ_ERRORS, 404), **exports.responses()},
)
async def list_entries(
    account_id: UUID,
    services: ServicesDep,
    request: Request,
    start: Annotated[InstantIn | None, Query(alias="from")] = None,
    end: Annotated[InstantIn | None, Query(alias="to")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    basis: BasisQuery = Basis.BOOKED,
) -> Response:
    exported = await exports.statement(request, services, account_id, start=start, end=end, basis=basis)
    if exported is not None:  # an export asked for by `Accept` (or a 406)
        return exported
    if basis is Basis.EFFECTIVE:
        after = cursors.after_value_entry(cursor)
        by_value = await blocking(
            lambda: services.read_path.value_statement(
                account_id, start=start, end=end, after=after, limit=limit
            )
        )
        items, next_cursor = by_value.items, cursors.value_entry_cursor(by_value.next_cursor)
    else:
        after_seq = cursors.after_seq(cursor)
        booked = await blocking(
            lambda: services.read_path.statement(
                account_id, start=start, end=end, after_seq=after_seq, limit=limit
            )
        )
        items, next_cursor = booked.items, cursors.entry_cursor(booked.next_cursor)
    return json_response(
        {
            "items": [EntryOut.document(line) for line in items],
            "next_cursor": next_cursor,
            "basis": basis.value,
        }
    )


@router.get(
    "/{account_id}/history",
    summary="Daily closing balances",
    description=f"The posted balance at the end of every UTC day from `from` to `to` (both included, at most "
    f"{MAX_HISTORY_DAYS} days): as booked by the end of each day (default), or by value date "
    "(`basis=effective`). For charts and reconciliation.",
    dependencies=READ,
    response_model=HistoryOut,
    responses=problem_responses(*READ_ERRORS, 404),
)
async def get_history(
    account_id: UUID,
    services: ServicesDep,
    first: Annotated[DayIn, Query(alias="from", description="First day, `YYYY-MM-DD`.")],
    last: Annotated[DayIn, Query(alias="to", description="Last day, `YYYY-MM-DD` (included).")],
    basis: BasisQuery = Basis.BOOKED,
) -> JsonResponse:
    history = await blocking(services.read_path.history, account_id, first, last, basis)
    return json_response(HistoryOut.document(history))
