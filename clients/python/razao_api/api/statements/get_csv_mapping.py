from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.csv_mapping_out import CsvMappingOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    name: str,
    *,
    razao_consistency_token: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(razao_consistency_token, Unset):
        headers["Razao-Consistency-Token"] = razao_consistency_token

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/statements/csv-mappings/{name}".format(
            name=quote(str(name), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CsvMappingOut | Problem | None:
    if response.status_code == 200:
        response_200 = CsvMappingOut.from_dict(response.json())

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
) -> Response[CsvMappingOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[CsvMappingOut | Problem]:
    """Get a saved CSV mapping

    Args:
        name (str):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CsvMappingOut | Problem]
    """

    kwargs = _get_kwargs(
        name=name,
        razao_consistency_token=razao_consistency_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    *,
    client: AuthenticatedClient,
    razao_consistency_token: str | Unset = UNSET,
) -> CsvMappingOut | Problem | None:
    """Get a saved CSV mapping

    Args:
        name (str):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CsvMappingOut | Problem
    """

    return sync_detailed(
        name=name,
        client=client,
        razao_consistency_token=razao_consistency_token,
    ).parsed


async def asyncio_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[CsvMappingOut | Problem]:
    """Get a saved CSV mapping

    Args:
        name (str):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CsvMappingOut | Problem]
    """

    kwargs = _get_kwargs(
        name=name,
        razao_consistency_token=razao_consistency_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    *,
    client: AuthenticatedClient,
    razao_consistency_token: str | Unset = UNSET,
) -> CsvMappingOut | Problem | None:
    """Get a saved CSV mapping

    Args:
        name (str):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CsvMappingOut | Problem
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
            razao_consistency_token=razao_consistency_token,
        )
    ).parsed
