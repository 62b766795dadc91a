"""Accounts: open, read, list, freeze/unfreeze/close, balance as of an instant, statement.

The reads are the hot path: coroutines that run their use case in the thread pool (`blocking`) and
answer with the JSON of the declared `response_model`, built by the schema's `document` (see
`deps.json_response`).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from adapters.http import cursors
from adapters.http.deps import JsonResponse, ServicesDep, blocking, json_response, mark_replayed, replayable
from adapters.http.problems import problem_responses
from adapters.http.routes import READ, READ_ERRORS, WRITE, WRITE_ERRORS
from adapters.http.schemas.accounts import AccountIn, AccountOut, AccountPage, BalanceOut, EntryOut, EntryPage
from adapters.http.schemas.common import AssetCode, InstantIn, QueryText
from application import accounts
from application.pages import DEFAULT_LIMIT, MAX_LIMIT
from application.retry import retrying

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page.")]


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
    summary="List accounts",
    description="By code, optionally filtered by code prefix and asset.",
    dependencies=READ,
    response_model=AccountPage,
    responses=problem_responses(*READ_ERRORS),
)
async def list_accounts(
    services: ServicesDep,
    code_prefix: QueryText | None = None,
    asset: AssetCode | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> JsonResponse:
    after_code = cursors.after_code(cursor)
    page = await blocking(
        lambda: accounts.list_accounts(
            services.read_uow(), code_prefix=code_prefix, asset=asset, after_code=after_code, limit=limit
        )
    )
    return json_response(
        {
            "items": [AccountOut.document(a) for a in page.items],
            "next_cursor": cursors.account_cursor(page.next_cursor),
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
    dependencies=READ,
    response_model=BalanceOut,
    responses=problem_responses(*READ_ERRORS, 404),
)
async def get_balance(
    account_id: UUID,
    services: ServicesDep,
    as_of: Annotated[InstantIn | None, Query(description="Default: now.")] = None,
) -> JsonResponse:
    at = as_of or services.clock.now()
    balance = await blocking(services.read_path.balance_as_of, account_id, at)
    return json_response(BalanceOut.document(balance))


@router.get(
    "/{account_id}/entries",
    summary="Statement: posted entries with running balance",
    description="Oldest first; `from` inclusive, `to` exclusive (booking time).",
    dependencies=READ,
    response_model=EntryPage,
    responses=problem_responses(*READ_ERRORS, 404),
)
async def list_entries(
    account_id: UUID,
    services: ServicesDep,
    start: Annotated[InstantIn | None, Query(alias="from")] = None,
    end: Annotated[InstantIn | None, Query(alias="to")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> JsonResponse:
    after_seq = cursors.after_seq(cursor)
    page = await blocking(
        lambda: services.read_path.statement(
            account_id, start=start, end=end, after_seq=after_seq, limit=limit
        )
    )
    return json_response(
        {
            "items": [EntryOut.document(line) for line in page.items],
            "next_cursor": cursors.entry_cursor(page.next_cursor),
        }
    )
