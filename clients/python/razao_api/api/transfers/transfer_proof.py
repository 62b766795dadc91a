from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.transfer_proof_out import TransferProofOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    transfer_id: UUID,
    *,
    razao_consistency_token: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(razao_consistency_token, Unset):
        headers["Razao-Consistency-Token"] = razao_consistency_token

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/transfers/{transfer_id}/proof".format(
            transfer_id=quote(str(transfer_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | TransferProofOut | None:
    if response.status_code == 200:
        response_200 = TransferProofOut.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

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
) -> Response[Problem | TransferProofOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    transfer_id: UUID,
    *,
    client: AuthenticatedClient,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[Problem | TransferProofOut]:
    """Prove a transfer's lines are in the sealed journal

     For each journal line of the transfer, its inclusion proof: the line's canonical text, its index and
    Merkle audit path in its block, and the block's header, which an outside party checks with SHA-256
    alone (docs/audit/seals.md). A line not sealed yet says `sealed: false`; when none is, 409
    `not_sealed_yet` with `Retry-After`.

    Args:
        transfer_id (UUID):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TransferProofOut]
    """

    kwargs = _get_kwargs(
        transfer_id=transfer_id,
        razao_consistency_token=razao_consistency_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    transfer_id: UUID,
    *,
    client: AuthenticatedClient,
    razao_consistency_token: str | Unset = UNSET,
) -> Problem | TransferProofOut | None:
    """Prove a transfer's lines are in the sealed journal

     For each journal line of the transfer, its inclusion proof: the line's canonical text, its index and
    Merkle audit path in its block, and the block's header, which an outside party checks with SHA-256
    alone (docs/audit/seals.md). A line not sealed yet says `sealed: false`; when none is, 409
    `not_sealed_yet` with `Retry-After`.

    Args:
        transfer_id (UUID):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TransferProofOut
    """

    return sync_detailed(
        transfer_id=transfer_id,
        client=client,
        razao_consistency_token=razao_consistency_token,
    ).parsed


async def asyncio_detailed(
    transfer_id: UUID,
    *,
    client: AuthenticatedClient,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[Problem | TransferProofOut]:
    """Prove a transfer's lines are in the sealed journal

     For each journal line of the transfer, its inclusion proof: the line's canonical text, its index and
    Merkle audit path in its block, and the block's header, which an outside party checks with SHA-256
    alone (docs/audit/seals.md). A line not sealed yet says `sealed: false`; when none is, 409
    `not_sealed_yet` with `Retry-After`.

    Args:
        transfer_id (UUID):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TransferProofOut]
    """

    kwargs = _get_kwargs(
        transfer_id=transfer_id,
        razao_consistency_token=razao_consistency_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    transfer_id: UUID,
    *,
    client: AuthenticatedClient,
    razao_consistency_token: str | Unset = UNSET,
) -> Problem | TransferProofOut | None:
    """Prove a transfer's lines are in the sealed journal

     For each journal line of the transfer, its inclusion proof: the line's canonical text, its index and
    Merkle audit path in its block, and the block's header, which an outside party checks with SHA-256
    alone (docs/audit/seals.md). A line not sealed yet says `sealed: false`; when none is, 409
    `not_sealed_yet` with `Retry-After`.

    Args:
        transfer_id (UUID):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TransferProofOut
    """

    return (
        await asyncio_detailed(
            transfer_id=transfer_id,
            client=client,
            razao_consistency_token=razao_consistency_token,
        )
    ).parsed
