from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.transfer_in import TransferIn
from ...models.transfer_out import TransferOut
from ...types import Response


def _get_kwargs(
    *,
    body: TransferIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/transfers",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | TransferOut | None:
    if response.status_code == 201:
        response_201 = TransferOut.from_dict(response.json())

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
) -> Response[Problem | TransferOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: TransferIn,
) -> Response[Problem | TransferOut]:
    """Book a transfer

     The `id` is the idempotency key: the same request again returns the original result. Concurrent
    requests are booked together in groups (one transaction each), each answered as if it had run alone.

    Args:
        body (TransferIn): Either `postings`, or `debit_account_id` + `credit_account_id` +
            `amount` (the two-posting form).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TransferOut]
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
    body: TransferIn,
) -> Problem | TransferOut | None:
    """Book a transfer

     The `id` is the idempotency key: the same request again returns the original result. Concurrent
    requests are booked together in groups (one transaction each), each answered as if it had run alone.

    Args:
        body (TransferIn): Either `postings`, or `debit_account_id` + `credit_account_id` +
            `amount` (the two-posting form).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TransferOut
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: TransferIn,
) -> Response[Problem | TransferOut]:
    """Book a transfer

     The `id` is the idempotency key: the same request again returns the original result. Concurrent
    requests are booked together in groups (one transaction each), each answered as if it had run alone.

    Args:
        body (TransferIn): Either `postings`, or `debit_account_id` + `credit_account_id` +
            `amount` (the two-posting form).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TransferOut]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: TransferIn,
) -> Problem | TransferOut | None:
    """Book a transfer

     The `id` is the idempotency key: the same request again returns the original result. Concurrent
    requests are booked together in groups (one transaction each), each answered as if it had run alone.

    Args:
        body (TransferIn): Either `postings`, or `debit_account_id` + `credit_account_id` +
            `amount` (the two-posting form).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TransferOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
