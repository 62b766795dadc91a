from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.statement_list import StatementList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    account_id: None | Unset | UUID = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(razao_consistency_token, Unset):
        headers["Razao-Consistency-Token"] = razao_consistency_token

    params: dict[str, Any] = {}

    json_account_id: None | str | Unset
    if isinstance(account_id, Unset):
        json_account_id = UNSET
    elif isinstance(account_id, UUID):
        json_account_id = str(account_id)
    else:
        json_account_id = account_id
    params["account_id"] = json_account_id

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/statements",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | StatementList | None:
    if response.status_code == 200:
        response_200 = StatementList.from_dict(response.json())

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
) -> Response[Problem | StatementList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    account_id: None | Unset | UUID = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[Problem | StatementList]:
    """List imported bank statements

     Newest first; of one mirror account with `account_id`.

    Args:
        account_id (None | Unset | UUID):
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | StatementList]
    """

    kwargs = _get_kwargs(
        account_id=account_id,
        cursor=cursor,
        limit=limit,
        razao_consistency_token=razao_consistency_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    account_id: None | Unset | UUID = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> Problem | StatementList | None:
    """List imported bank statements

     Newest first; of one mirror account with `account_id`.

    Args:
        account_id (None | Unset | UUID):
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | StatementList
    """

    return sync_detailed(
        client=client,
        account_id=account_id,
        cursor=cursor,
        limit=limit,
        razao_consistency_token=razao_consistency_token,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    account_id: None | Unset | UUID = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[Problem | StatementList]:
    """List imported bank statements

     Newest first; of one mirror account with `account_id`.

    Args:
        account_id (None | Unset | UUID):
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | StatementList]
    """

    kwargs = _get_kwargs(
        account_id=account_id,
        cursor=cursor,
        limit=limit,
        razao_consistency_token=razao_consistency_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    account_id: None | Unset | UUID = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> Problem | StatementList | None:
    """List imported bank statements

     Newest first; of one mirror account with `account_id`.

    Args:
        account_id (None | Unset | UUID):
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | StatementList
    """

    return (
        await asyncio_detailed(
            client=client,
            account_id=account_id,
            cursor=cursor,
            limit=limit,
            razao_consistency_token=razao_consistency_token,
        )
    ).parsed
