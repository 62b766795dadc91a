import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.basis import Basis
from ...models.group_balance_out import GroupBalanceOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    prefix: str | Unset = "",
    as_of: datetime.datetime | None | Unset = UNSET,
    basis: Basis | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(razao_consistency_token, Unset):
        headers["Razao-Consistency-Token"] = razao_consistency_token

    params: dict[str, Any] = {}

    params["prefix"] = prefix

    json_as_of: None | str | Unset
    if isinstance(as_of, Unset):
        json_as_of = UNSET
    elif isinstance(as_of, datetime.datetime):
        json_as_of = as_of.isoformat()
    else:
        json_as_of = as_of
    params["as_of"] = json_as_of

    json_basis: str | Unset = UNSET
    if not isinstance(basis, Unset):
        json_basis = basis.value

    params["basis"] = json_basis

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
        "url": "/v1/groups/balance",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GroupBalanceOut | Problem | None:
    if response.status_code == 200:
        response_200 = GroupBalanceOut.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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
) -> Response[GroupBalanceOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    prefix: str | Unset = "",
    as_of: datetime.datetime | None | Unset = UNSET,
    basis: Basis | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[GroupBalanceOut | Problem]:
    """Balances of a code prefix

     Per asset, the accounts whose code starts with `prefix` (whole segments ending with `:`; empty: the
    whole ledger): how many, posted, pending and available; and one page of `children`, the groups one
    segment further down (`customers:br:alice` holds the account coded so and every account under
    `customers:br:alice:`). As of an instant, only posted balances are exact: pending and available are
    null (holds are not kept by value date). Membership and codes have no history: the group is what it
    holds now.

    Args:
        prefix (str | Unset): `customers:br:`; empty: the whole ledger. Default: ''.
        as_of (datetime.datetime | None | Unset): The posted balances as of this instant (pending
            and available are then null).
        basis (Basis | Unset):
        cursor (None | str | Unset):
        limit (int | Unset): Page size. Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GroupBalanceOut | Problem]
    """

    kwargs = _get_kwargs(
        prefix=prefix,
        as_of=as_of,
        basis=basis,
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
    prefix: str | Unset = "",
    as_of: datetime.datetime | None | Unset = UNSET,
    basis: Basis | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> GroupBalanceOut | Problem | None:
    """Balances of a code prefix

     Per asset, the accounts whose code starts with `prefix` (whole segments ending with `:`; empty: the
    whole ledger): how many, posted, pending and available; and one page of `children`, the groups one
    segment further down (`customers:br:alice` holds the account coded so and every account under
    `customers:br:alice:`). As of an instant, only posted balances are exact: pending and available are
    null (holds are not kept by value date). Membership and codes have no history: the group is what it
    holds now.

    Args:
        prefix (str | Unset): `customers:br:`; empty: the whole ledger. Default: ''.
        as_of (datetime.datetime | None | Unset): The posted balances as of this instant (pending
            and available are then null).
        basis (Basis | Unset):
        cursor (None | str | Unset):
        limit (int | Unset): Page size. Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GroupBalanceOut | Problem
    """

    return sync_detailed(
        client=client,
        prefix=prefix,
        as_of=as_of,
        basis=basis,
        cursor=cursor,
        limit=limit,
        razao_consistency_token=razao_consistency_token,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    prefix: str | Unset = "",
    as_of: datetime.datetime | None | Unset = UNSET,
    basis: Basis | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[GroupBalanceOut | Problem]:
    """Balances of a code prefix

     Per asset, the accounts whose code starts with `prefix` (whole segments ending with `:`; empty: the
    whole ledger): how many, posted, pending and available; and one page of `children`, the groups one
    segment further down (`customers:br:alice` holds the account coded so and every account under
    `customers:br:alice:`). As of an instant, only posted balances are exact: pending and available are
    null (holds are not kept by value date). Membership and codes have no history: the group is what it
    holds now.

    Args:
        prefix (str | Unset): `customers:br:`; empty: the whole ledger. Default: ''.
        as_of (datetime.datetime | None | Unset): The posted balances as of this instant (pending
            and available are then null).
        basis (Basis | Unset):
        cursor (None | str | Unset):
        limit (int | Unset): Page size. Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GroupBalanceOut | Problem]
    """

    kwargs = _get_kwargs(
        prefix=prefix,
        as_of=as_of,
        basis=basis,
        cursor=cursor,
        limit=limit,
        razao_consistency_token=razao_consistency_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    prefix: str | Unset = "",
    as_of: datetime.datetime | None | Unset = UNSET,
    basis: Basis | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> GroupBalanceOut | Problem | None:
    """Balances of a code prefix

     Per asset, the accounts whose code starts with `prefix` (whole segments ending with `:`; empty: the
    whole ledger): how many, posted, pending and available; and one page of `children`, the groups one
    segment further down (`customers:br:alice` holds the account coded so and every account under
    `customers:br:alice:`). As of an instant, only posted balances are exact: pending and available are
    null (holds are not kept by value date). Membership and codes have no history: the group is what it
    holds now.

    Args:
        prefix (str | Unset): `customers:br:`; empty: the whole ledger. Default: ''.
        as_of (datetime.datetime | None | Unset): The posted balances as of this instant (pending
            and available are then null).
        basis (Basis | Unset):
        cursor (None | str | Unset):
        limit (int | Unset): Page size. Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GroupBalanceOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            prefix=prefix,
            as_of=as_of,
            basis=basis,
            cursor=cursor,
            limit=limit,
            razao_consistency_token=razao_consistency_token,
        )
    ).parsed
