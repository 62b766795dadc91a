from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.csv_mapping_in import CsvMappingIn
from ...models.csv_mapping_out import CsvMappingOut
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: CsvMappingIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/statements/csv-mappings",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CsvMappingOut | Problem | None:
    if response.status_code == 200:
        response_200 = CsvMappingOut.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = CsvMappingOut.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

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
    *,
    client: AuthenticatedClient,
    body: CsvMappingIn,
) -> Response[CsvMappingOut | Problem]:
    """Save a CSV mapping

     How to read one bank's CSV export: the column of each field (a header's name or a 0-based index),
    the date format, separators, sign convention, delimiter, encoding and rows to skip. Saving the same
    mapping again answers 200; another mapping under a taken name is `422 invalid_statement`.

    Args:
        body (CsvMappingIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CsvMappingOut | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: CsvMappingIn,
) -> CsvMappingOut | Problem | None:
    """Save a CSV mapping

     How to read one bank's CSV export: the column of each field (a header's name or a 0-based index),
    the date format, separators, sign convention, delimiter, encoding and rows to skip. Saving the same
    mapping again answers 200; another mapping under a taken name is `422 invalid_statement`.

    Args:
        body (CsvMappingIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CsvMappingOut | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CsvMappingIn,
) -> Response[CsvMappingOut | Problem]:
    """Save a CSV mapping

     How to read one bank's CSV export: the column of each field (a header's name or a 0-based index),
    the date format, separators, sign convention, delimiter, encoding and rows to skip. Saving the same
    mapping again answers 200; another mapping under a taken name is `422 invalid_statement`.

    Args:
        body (CsvMappingIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CsvMappingOut | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CsvMappingIn,
) -> CsvMappingOut | Problem | None:
    """Save a CSV mapping

     How to read one bank's CSV export: the column of each field (a header's name or a 0-based index),
    the date format, separators, sign convention, delimiter, encoding and rows to skip. Saving the same
    mapping again answers 200; another mapping under a taken name is `422 invalid_statement`.

    Args:
        body (CsvMappingIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CsvMappingOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
