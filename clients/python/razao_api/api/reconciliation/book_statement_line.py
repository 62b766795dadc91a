from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.recon_book_in import ReconBookIn
from ...models.recon_booked_out import ReconBookedOut
from ...types import Response


def _get_kwargs(
    statement_id: UUID,
    line_no: int,
    *,
    body: ReconBookIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/reconciliation/statements/{statement_id}/lines/{line_no}/book".format(
            statement_id=quote(str(statement_id), safe=""),
            line_no=quote(str(line_no), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ReconBookedOut | None:
    if response.status_code == 201:
        response_201 = ReconBookedOut.from_dict(response.json())

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
) -> Response[Problem | ReconBookedOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    statement_id: UUID,
    line_no: int,
    *,
    client: AuthenticatedClient,
    body: ReconBookIn,
) -> Response[Problem | ReconBookedOut]:
    """Book the transfer a line shows

     For an unmatched line the ledger has no transfer for (a bank fee, interest): books it through the
    normal write path, between the statement's account (moving as the bank says) and `account_id`, dated
    the line's value date, with `statement_id` and `statement_line` in its metadata, then matches the
    line to it. The transfer's id comes from the line: calling again books nothing twice. A matched line
    is `409 invalid_state`. Needs `ledger:write`.

    Args:
        statement_id (UUID):
        line_no (int):
        body (ReconBookIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReconBookedOut]
    """

    kwargs = _get_kwargs(
        statement_id=statement_id,
        line_no=line_no,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    statement_id: UUID,
    line_no: int,
    *,
    client: AuthenticatedClient,
    body: ReconBookIn,
) -> Problem | ReconBookedOut | None:
    """Book the transfer a line shows

     For an unmatched line the ledger has no transfer for (a bank fee, interest): books it through the
    normal write path, between the statement's account (moving as the bank says) and `account_id`, dated
    the line's value date, with `statement_id` and `statement_line` in its metadata, then matches the
    line to it. The transfer's id comes from the line: calling again books nothing twice. A matched line
    is `409 invalid_state`. Needs `ledger:write`.

    Args:
        statement_id (UUID):
        line_no (int):
        body (ReconBookIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReconBookedOut
    """

    return sync_detailed(
        statement_id=statement_id,
        line_no=line_no,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    statement_id: UUID,
    line_no: int,
    *,
    client: AuthenticatedClient,
    body: ReconBookIn,
) -> Response[Problem | ReconBookedOut]:
    """Book the transfer a line shows

     For an unmatched line the ledger has no transfer for (a bank fee, interest): books it through the
    normal write path, between the statement's account (moving as the bank says) and `account_id`, dated
    the line's value date, with `statement_id` and `statement_line` in its metadata, then matches the
    line to it. The transfer's id comes from the line: calling again books nothing twice. A matched line
    is `409 invalid_state`. Needs `ledger:write`.

    Args:
        statement_id (UUID):
        line_no (int):
        body (ReconBookIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReconBookedOut]
    """

    kwargs = _get_kwargs(
        statement_id=statement_id,
        line_no=line_no,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    statement_id: UUID,
    line_no: int,
    *,
    client: AuthenticatedClient,
    body: ReconBookIn,
) -> Problem | ReconBookedOut | None:
    """Book the transfer a line shows

     For an unmatched line the ledger has no transfer for (a bank fee, interest): books it through the
    normal write path, between the statement's account (moving as the bank says) and `account_id`, dated
    the line's value date, with `statement_id` and `statement_line` in its metadata, then matches the
    line to it. The transfer's id comes from the line: calling again books nothing twice. A matched line
    is `409 invalid_state`. Needs `ledger:write`.

    Args:
        statement_id (UUID):
        line_no (int):
        body (ReconBookIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReconBookedOut
    """

    return (
        await asyncio_detailed(
            statement_id=statement_id,
            line_no=line_no,
            client=client,
            body=body,
        )
    ).parsed
