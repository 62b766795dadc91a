from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.period_out import PeriodOut
from ...models.problem import Problem
from ...models.reopen_in import ReopenIn
from ...types import Response


def _get_kwargs(
    period_id: UUID,
    *,
    body: ReopenIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/periods/{period_id}/reopen".format(
            period_id=quote(str(period_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PeriodOut | Problem | None:
    if response.status_code == 200:
        response_200 = PeriodOut.from_dict(response.json())

        return response_200

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
) -> Response[PeriodOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    period_id: UUID,
    *,
    client: AuthenticatedClient,
    body: ReopenIn,
) -> Response[PeriodOut | Problem]:
    """Reopen a closed period

     Reopens a close, the latest active one of its scope (else `409 invalid_state`): its days accept
    postings again. Who, when and `reason` are recorded, the snapshot stays; records `period.reopened`.
    Needs the `admin` scope.

    Args:
        period_id (UUID):
        body (ReopenIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PeriodOut | Problem]
    """

    kwargs = _get_kwargs(
        period_id=period_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    period_id: UUID,
    *,
    client: AuthenticatedClient,
    body: ReopenIn,
) -> PeriodOut | Problem | None:
    """Reopen a closed period

     Reopens a close, the latest active one of its scope (else `409 invalid_state`): its days accept
    postings again. Who, when and `reason` are recorded, the snapshot stays; records `period.reopened`.
    Needs the `admin` scope.

    Args:
        period_id (UUID):
        body (ReopenIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PeriodOut | Problem
    """

    return sync_detailed(
        period_id=period_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    period_id: UUID,
    *,
    client: AuthenticatedClient,
    body: ReopenIn,
) -> Response[PeriodOut | Problem]:
    """Reopen a closed period

     Reopens a close, the latest active one of its scope (else `409 invalid_state`): its days accept
    postings again. Who, when and `reason` are recorded, the snapshot stays; records `period.reopened`.
    Needs the `admin` scope.

    Args:
        period_id (UUID):
        body (ReopenIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PeriodOut | Problem]
    """

    kwargs = _get_kwargs(
        period_id=period_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    period_id: UUID,
    *,
    client: AuthenticatedClient,
    body: ReopenIn,
) -> PeriodOut | Problem | None:
    """Reopen a closed period

     Reopens a close, the latest active one of its scope (else `409 invalid_state`): its days accept
    postings again. Who, when and `reason` are recorded, the snapshot stays; records `period.reopened`.
    Needs the `admin` scope.

    Args:
        period_id (UUID):
        body (ReopenIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PeriodOut | Problem
    """

    return (
        await asyncio_detailed(
            period_id=period_id,
            client=client,
            body=body,
        )
    ).parsed
