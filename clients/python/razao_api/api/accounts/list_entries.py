import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.basis import Basis
from ...models.entry_page import EntryPage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    account_id: UUID,
    *,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    basis: Basis | Unset = UNSET,
    razao_consistency_token: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(razao_consistency_token, Unset):
        headers["Razao-Consistency-Token"] = razao_consistency_token

    params: dict[str, Any] = {}

    json_from_: None | str | Unset
    if isinstance(from_, Unset):
        json_from_ = UNSET
    elif isinstance(from_, datetime.datetime):
        json_from_ = from_.isoformat()
    else:
        json_from_ = from_
    params["from"] = json_from_

    json_to: None | str | Unset
    if isinstance(to, Unset):
        json_to = UNSET
    elif isinstance(to, datetime.datetime):
        json_to = to.isoformat()
    else:
        json_to = to
    params["to"] = json_to

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params["limit"] = limit

    json_basis: str | Unset = UNSET
    if not isinstance(basis, Unset):
        json_basis = basis.value

    params["basis"] = json_basis

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/accounts/{account_id}/entries".format(
            account_id=quote(str(account_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EntryPage | Problem | None:
    if response.status_code == 200:
        response_200 = EntryPage.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 406:
        response_406 = Problem.from_dict(response.json())

        return response_406

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[EntryPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    account_id: UUID,
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    basis: Basis | Unset = UNSET,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[EntryPage | Problem]:
    """Statement: posted entries with running balance

     `from` inclusive, `to` exclusive. `basis=booked` (default): in booking order, the window on booking
    time. `basis=effective`: in value-date order, the window on value dates, and each `balance_after`
    the running posted balance in that order. With `Accept: text/csv`, `application/x-ndjson` or
    `application/jsonl`: the whole window as CSV or JSON Lines (docs/export.md).

    Args:
        account_id (UUID):
        from_ (datetime.datetime | None | Unset):
        to (datetime.datetime | None | Unset):
        cursor (None | str | Unset):
        limit (int | Unset): Page size. Default: 100.
        basis (Basis | Unset):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EntryPage | Problem]
    """

    kwargs = _get_kwargs(
        account_id=account_id,
        from_=from_,
        to=to,
        cursor=cursor,
        limit=limit,
        basis=basis,
        razao_consistency_token=razao_consistency_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    account_id: UUID,
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    basis: Basis | Unset = UNSET,
    razao_consistency_token: str | Unset = UNSET,
) -> EntryPage | Problem | None:
    """Statement: posted entries with running balance

     `from` inclusive, `to` exclusive. `basis=booked` (default): in booking order, the window on booking
    time. `basis=effective`: in value-date order, the window on value dates, and each `balance_after`
    the running posted balance in that order. With `Accept: text/csv`, `application/x-ndjson` or
    `application/jsonl`: the whole window as CSV or JSON Lines (docs/export.md).

    Args:
        account_id (UUID):
        from_ (datetime.datetime | None | Unset):
        to (datetime.datetime | None | Unset):
        cursor (None | str | Unset):
        limit (int | Unset): Page size. Default: 100.
        basis (Basis | Unset):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EntryPage | Problem
    """

    return sync_detailed(
        account_id=account_id,
        client=client,
        from_=from_,
        to=to,
        cursor=cursor,
        limit=limit,
        basis=basis,
        razao_consistency_token=razao_consistency_token,
    ).parsed


async def asyncio_detailed(
    account_id: UUID,
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    basis: Basis | Unset = UNSET,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[EntryPage | Problem]:
    """Statement: posted entries with running balance

     `from` inclusive, `to` exclusive. `basis=booked` (default): in booking order, the window on booking
    time. `basis=effective`: in value-date order, the window on value dates, and each `balance_after`
    the running posted balance in that order. With `Accept: text/csv`, `application/x-ndjson` or
    `application/jsonl`: the whole window as CSV or JSON Lines (docs/export.md).

    Args:
        account_id (UUID):
        from_ (datetime.datetime | None | Unset):
        to (datetime.datetime | None | Unset):
        cursor (None | str | Unset):
        limit (int | Unset): Page size. Default: 100.
        basis (Basis | Unset):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EntryPage | Problem]
    """

    kwargs = _get_kwargs(
        account_id=account_id,
        from_=from_,
        to=to,
        cursor=cursor,
        limit=limit,
        basis=basis,
        razao_consistency_token=razao_consistency_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    account_id: UUID,
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    basis: Basis | Unset = UNSET,
    razao_consistency_token: str | Unset = UNSET,
) -> EntryPage | Problem | None:
    """Statement: posted entries with running balance

     `from` inclusive, `to` exclusive. `basis=booked` (default): in booking order, the window on booking
    time. `basis=effective`: in value-date order, the window on value dates, and each `balance_after`
    the running posted balance in that order. With `Accept: text/csv`, `application/x-ndjson` or
    `application/jsonl`: the whole window as CSV or JSON Lines (docs/export.md).

    Args:
        account_id (UUID):
        from_ (datetime.datetime | None | Unset):
        to (datetime.datetime | None | Unset):
        cursor (None | str | Unset):
        limit (int | Unset): Page size. Default: 100.
        basis (Basis | Unset):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EntryPage | Problem
    """

    return (
        await asyncio_detailed(
            account_id=account_id,
            client=client,
            from_=from_,
            to=to,
            cursor=cursor,
            limit=limit,
            basis=basis,
            razao_consistency_token=razao_consistency_token,
        )
    ).parsed
