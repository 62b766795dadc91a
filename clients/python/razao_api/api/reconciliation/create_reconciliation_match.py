from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.recon_match_in_type_0 import ReconMatchInType0
from ...models.recon_match_in_type_1 import ReconMatchInType1
from ...models.recon_match_out import ReconMatchOut
from ...types import Response


def _get_kwargs(
    *,
    body: ReconMatchInType0 | ReconMatchInType1,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/reconciliation/matches",
    }

    if isinstance(body, ReconMatchInType0):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ReconMatchOut | None:
    if response.status_code == 201:
        response_201 = ReconMatchOut.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

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
) -> Response[Problem | ReconMatchOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: ReconMatchInType0 | ReconMatchInType1,
) -> Response[Problem | ReconMatchOut]:
    """Match by hand

     Links statement lines to ledger entries (by entry, or every posted entry of the statement's account
    in the given transfers): one line to one or several entries, or several lines to one entry. A line
    or entry another active match holds is `409 invalid_state`. The journal is not changed. Records who
    (the API key) and when. Needs `ledger:write`.

    Args:
        body (ReconMatchInType0 | ReconMatchInType1):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReconMatchOut]
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
    body: ReconMatchInType0 | ReconMatchInType1,
) -> Problem | ReconMatchOut | None:
    """Match by hand

     Links statement lines to ledger entries (by entry, or every posted entry of the statement's account
    in the given transfers): one line to one or several entries, or several lines to one entry. A line
    or entry another active match holds is `409 invalid_state`. The journal is not changed. Records who
    (the API key) and when. Needs `ledger:write`.

    Args:
        body (ReconMatchInType0 | ReconMatchInType1):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReconMatchOut
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: ReconMatchInType0 | ReconMatchInType1,
) -> Response[Problem | ReconMatchOut]:
    """Match by hand

     Links statement lines to ledger entries (by entry, or every posted entry of the statement's account
    in the given transfers): one line to one or several entries, or several lines to one entry. A line
    or entry another active match holds is `409 invalid_state`. The journal is not changed. Records who
    (the API key) and when. Needs `ledger:write`.

    Args:
        body (ReconMatchInType0 | ReconMatchInType1):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReconMatchOut]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: ReconMatchInType0 | ReconMatchInType1,
) -> Problem | ReconMatchOut | None:
    """Match by hand

     Links statement lines to ledger entries (by entry, or every posted entry of the statement's account
    in the given transfers): one line to one or several entries, or several lines to one entry. A line
    or entry another active match holds is `409 invalid_state`. The journal is not changed. Records who
    (the API key) and when. Needs `ledger:write`.

    Args:
        body (ReconMatchInType0 | ReconMatchInType1):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReconMatchOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
