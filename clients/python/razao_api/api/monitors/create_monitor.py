from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.monitor_in import MonitorIn
from ...models.monitor_out import MonitorOut
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    account_id: UUID,
    *,
    body: MonitorIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/accounts/{account_id}/monitors".format(
            account_id=quote(str(account_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> MonitorOut | Problem | None:
    if response.status_code == 201:
        response_201 = MonitorOut.from_dict(response.json())

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
) -> Response[MonitorOut | Problem]:
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
    body: MonitorIn,
) -> Response[MonitorOut | Problem]:
    """Create a balance monitor

     A condition on one of the account's balances: `balance.monitor_triggered` is recorded when it
    becomes true, once, and again only after it has been false in between. It is evaluated at once: if
    it already holds, it fires now. A closed account is `409 invalid_state`.

    Args:
        account_id (UUID):
        body (MonitorIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MonitorOut | Problem]
    """

    kwargs = _get_kwargs(
        account_id=account_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    account_id: UUID,
    *,
    client: AuthenticatedClient,
    body: MonitorIn,
) -> MonitorOut | Problem | None:
    """Create a balance monitor

     A condition on one of the account's balances: `balance.monitor_triggered` is recorded when it
    becomes true, once, and again only after it has been false in between. It is evaluated at once: if
    it already holds, it fires now. A closed account is `409 invalid_state`.

    Args:
        account_id (UUID):
        body (MonitorIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MonitorOut | Problem
    """

    return sync_detailed(
        account_id=account_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    account_id: UUID,
    *,
    client: AuthenticatedClient,
    body: MonitorIn,
) -> Response[MonitorOut | Problem]:
    """Create a balance monitor

     A condition on one of the account's balances: `balance.monitor_triggered` is recorded when it
    becomes true, once, and again only after it has been false in between. It is evaluated at once: if
    it already holds, it fires now. A closed account is `409 invalid_state`.

    Args:
        account_id (UUID):
        body (MonitorIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MonitorOut | Problem]
    """

    kwargs = _get_kwargs(
        account_id=account_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    account_id: UUID,
    *,
    client: AuthenticatedClient,
    body: MonitorIn,
) -> MonitorOut | Problem | None:
    """Create a balance monitor

     A condition on one of the account's balances: `balance.monitor_triggered` is recorded when it
    becomes true, once, and again only after it has been false in between. It is evaluated at once: if
    it already holds, it fires now. A closed account is `409 invalid_state`.

    Args:
        account_id (UUID):
        body (MonitorIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MonitorOut | Problem
    """

    return (
        await asyncio_detailed(
            account_id=account_id,
            client=client,
            body=body,
        )
    ).parsed
