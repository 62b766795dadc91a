"""Transfers: book one or a batch, post or void a pending one, reverse, read and list."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from adapters.http import cursors
from adapters.http.deps import JsonResponse, ServicesDep, json_response, mark_replayed, replayable
from adapters.http.middleware import request_id_of
from adapters.http.problems import problem_of, problem_responses
from adapters.http.routes import READ, READ_ERRORS, WRITE, WRITE_ERRORS
from adapters.http.schemas.common import AssetCode, Cursor, InstantIn
from adapters.http.schemas.search import ANCHOR, MetadataHasQuery, MetadataQuery
from adapters.http.schemas.transfers import (
    BatchIn,
    BatchOut,
    BulkIn,
    BulkOut,
    PostPendingIn,
    ReverseIn,
    TransferIn,
    TransferOut,
    TransferPage,
    bulk_item,
    requests_of,
)
from application import search, transfers
from application.pages import DEFAULT_LIMIT, MAX_LIMIT
from application.search import MAX_AMOUNT_BOUND
from domain.errors import DomainError
from domain.ledger import Outcome
from domain.time_basis import Basis
from domain.transfers import TransferRequest, TransferStatus

router = APIRouter(prefix="/v1/transfers", tags=["transfers"])

_BOOKING_ERRORS = problem_responses(*WRITE_ERRORS, 404, 409)


@router.post(
    "",
    status_code=201,
    summary="Book a transfer",
    description="The `id` is the idempotency key: the same request again returns the original result. "
    "Concurrent requests are booked together in groups (one transaction each), each answered as if it "
    "had run alone.",
    dependencies=WRITE,
    response_model=TransferOut,
    responses={**_BOOKING_ERRORS, **replayable(201)},
)
async def create_transfer(body: TransferIn, services: ServicesDep) -> JsonResponse:
    outcome = await services.groups.post(body.request())
    answer = json_response(TransferOut.document(outcome.transfer), 201)
    mark_replayed(answer, outcome.replayed)
    return answer


@router.post(
    "/batch",
    status_code=201,
    summary="Book up to 1000 transfers atomically",
    description="All or nothing. The replay header is set when every transfer was a replay.",
    dependencies=WRITE,
    response_model=BatchOut,
    responses={**_BOOKING_ERRORS, **replayable(201)},
)
def create_batch(body: BatchIn, services: ServicesDep) -> JsonResponse:
    outcomes = services.write_path.post_transfers(requests_of(body.transfers))
    answer = json_response({"transfers": [TransferOut.document(o.transfer) for o in outcomes]}, 201)
    mark_replayed(answer, all(o.replayed for o in outcomes))
    return answer


@router.post(
    "/bulk",
    summary="Book up to 10000 transfers, each on its own",
    description="Not atomic: each transfer is booked or refused on its own, in order, and gets its own "
    "result (the transfer, or a problem with its `code`); a refused one changes nothing. One transaction "
    "for all that book. Use `/batch` when the transfers must all book or none.",
    dependencies=WRITE,
    response_model=BulkOut,
    responses=problem_responses(*WRITE_ERRORS),
)
def create_bulk(body: BulkIn, request: Request, services: ServicesDep) -> JsonResponse:
    request_id = request_id_of(request.scope)
    requests_: list[TransferRequest] = []
    results: list[dict[str, Any] | None] = []
    for item in body.transfers:
        try:
            requests_.append(item.request())
            results.append(None)
        except DomainError as refused:
            results.append(_refused(refused, request_id))
    booked = iter(services.write_path.post_each(requests_) if requests_ else ())
    return json_response({"results": [result or _result(next(booked), request_id) for result in results]})


def _refused(error: DomainError, request_id: str | None) -> dict[str, Any]:
    document = problem_of(error, request_id=request_id)
    return bulk_item(document["status"], problem=document)


def _result(result: Outcome | DomainError, request_id: str | None) -> dict[str, Any]:
    if isinstance(result, DomainError):
        return _refused(result, request_id)
    return bulk_item(201, replayed=result.replayed, transfer=result.transfer)


@router.post(
    "/{transfer_id}/post",
    summary="Post a pending transfer",
    description="In full, or for a smaller `amount` (the rest of the hold is released).",
    dependencies=WRITE,
    responses={**_BOOKING_ERRORS, **replayable(200)},
)
def post_pending(
    transfer_id: UUID, response: Response, services: ServicesDep, body: PostPendingIn | None = None
) -> TransferOut:
    outcome = services.write_path.post_pending(transfer_id, body.amount if body else None)
    mark_replayed(response, outcome.replayed)
    return TransferOut.of(outcome.transfer)


@router.post(
    "/{transfer_id}/void",
    summary="Void a pending transfer",
    dependencies=WRITE,
    responses={**_BOOKING_ERRORS, **replayable(200)},
)
def void_pending(transfer_id: UUID, response: Response, services: ServicesDep) -> TransferOut:
    outcome = services.write_path.void_pending(transfer_id)
    mark_replayed(response, outcome.replayed)
    return TransferOut.of(outcome.transfer)


@router.post(
    "/{transfer_id}/reverse",
    status_code=201,
    summary="Reverse a posted transfer",
    description="Books a new transfer (`id`) with the opposite postings; a transfer is reversed once.",
    dependencies=WRITE,
    responses={**_BOOKING_ERRORS, **replayable(201)},
)
def reverse_transfer(
    transfer_id: UUID, body: ReverseIn, response: Response, services: ServicesDep
) -> TransferOut:
    outcome = services.write_path.reverse(body.request(transfer_id))
    mark_replayed(response, outcome.replayed)
    return TransferOut.of(outcome.transfer)


@router.get(
    "/{transfer_id}",
    summary="Get a transfer",
    dependencies=READ,
    response_model=TransferOut,
    responses=problem_responses(*READ_ERRORS, 404),
)
def get_transfer(transfer_id: UUID, services: ServicesDep) -> JsonResponse:
    return json_response(TransferOut.document(transfers.get_transfer(transfer_id, services.read_uow())))


@router.get(
    "",
    summary="List and search transfers",
    description="Newest first on the `basis`: booking time (`booked`, the default) or value date "
    "(`effective`). Every filter given must hold: account, status, asset, metadata (`metadata=key:value`, "
    "`metadata_has=key`), a time range on the basis (`from` inclusive, `to` exclusive), an amount range "
    "(`amount_min`, `amount_max`, both inclusive: the transfer's posted debits, or held ones while it is "
    "not posted). The amount, the asset and a status by value date are checked transfer by transfer, so "
    f"they need {ANCHOR}. docs/search.md. A cursor continues only the search it was made for.",
    dependencies=READ,
    responses=problem_responses(*READ_ERRORS),
)
def list_transfers(
    services: ServicesDep,
    account_id: Annotated[
        UUID | None, Query(description="Only transfers with a line on this account.")
    ] = None,
    status: TransferStatus | None = None,
    asset: Annotated[AssetCode | None, Query(description="Only transfers with a line in this asset.")] = None,
    metadata: MetadataQuery = None,
    metadata_has: MetadataHasQuery = None,
    basis: Annotated[
        Basis, Query(description="`booked` (default): by booking time; `effective`: by value date.")
    ] = Basis.BOOKED,
    start: Annotated[InstantIn | None, Query(alias="from", description="Inclusive, on the basis.")] = None,
    end: Annotated[InstantIn | None, Query(alias="to", description="Exclusive, on the basis.")] = None,
    amount_min: Annotated[int | None, Query(ge=0, le=MAX_AMOUNT_BOUND)] = None,
    amount_max: Annotated[int | None, Query(ge=0, le=MAX_AMOUNT_BOUND)] = None,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> TransferPage:
    where = search.transfer_filter(
        account_id=account_id,
        status=status,
        asset=asset,
        metadata=metadata or (),
        metadata_has=metadata_has or (),
        basis=basis,
        start=start,
        end=end,
        amount_min=amount_min,
        amount_max=amount_max,
    )
    after = cursors.after_transfer(cursor, where)
    page = transfers.list_transfers(services.read_uow(), where, after=after, limit=limit)
    return TransferPage(
        items=[TransferOut.of(t) for t in page.items],
        next_cursor=cursors.transfer_cursor(page.next_cursor, where),
        basis=where.basis,
    )
