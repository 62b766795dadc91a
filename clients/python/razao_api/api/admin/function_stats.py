from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.function_stats_out import FunctionStatsOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    razao_consistency_token: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(razao_consistency_token, Unset):
        headers["Razao-Consistency-Token"] = razao_consistency_token

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/admin/functions",
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> FunctionStatsOut | Problem | None:
    if response.status_code == 200:
        response_200 = FunctionStatsOut.from_dict(response.json())

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
) -> Response[FunctionStatsOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[FunctionStatsOut | Problem]:
    """Database function statistics

     Calls, total and self time (ms) of each of Razão's functions inside PostgreSQL, from
    `pg_stat_user_functions` (`track_functions = 'pl'`), busiest first, and what runs the hot pure
    functions on each side (`kernel`: the Rust kernel at its version, or the Python reference, and why).
    Needs the `admin` scope.

    Args:
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FunctionStatsOut | Problem]
    """

    kwargs = _get_kwargs(
        razao_consistency_token=razao_consistency_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    razao_consistency_token: str | Unset = UNSET,
) -> FunctionStatsOut | Problem | None:
    """Database function statistics

     Calls, total and self time (ms) of each of Razão's functions inside PostgreSQL, from
    `pg_stat_user_functions` (`track_functions = 'pl'`), busiest first, and what runs the hot pure
    functions on each side (`kernel`: the Rust kernel at its version, or the Python reference, and why).
    Needs the `admin` scope.

    Args:
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FunctionStatsOut | Problem
    """

    return sync_detailed(
        client=client,
        razao_consistency_token=razao_consistency_token,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[FunctionStatsOut | Problem]:
    """Database function statistics

     Calls, total and self time (ms) of each of Razão's functions inside PostgreSQL, from
    `pg_stat_user_functions` (`track_functions = 'pl'`), busiest first, and what runs the hot pure
    functions on each side (`kernel`: the Rust kernel at its version, or the Python reference, and why).
    Needs the `admin` scope.

    Args:
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FunctionStatsOut | Problem]
    """

    kwargs = _get_kwargs(
        razao_consistency_token=razao_consistency_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    razao_consistency_token: str | Unset = UNSET,
) -> FunctionStatsOut | Problem | None:
    """Database function statistics

     Calls, total and self time (ms) of each of Razão's functions inside PostgreSQL, from
    `pg_stat_user_functions` (`track_functions = 'pl'`), busiest first, and what runs the hot pure
    functions on each side (`kernel`: the Rust kernel at its version, or the Python reference, and why).
    Needs the `admin` scope.

    Args:
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FunctionStatsOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            razao_consistency_token=razao_consistency_token,
        )
    ).parsed
