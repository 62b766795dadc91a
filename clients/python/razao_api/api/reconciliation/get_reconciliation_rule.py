from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.recon_rule_set_out import ReconRuleSetOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    rules_id: UUID,
    *,
    razao_consistency_token: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(razao_consistency_token, Unset):
        headers["Razao-Consistency-Token"] = razao_consistency_token

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/reconciliation/rules/{rules_id}".format(
            rules_id=quote(str(rules_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ReconRuleSetOut | None:
    if response.status_code == 200:
        response_200 = ReconRuleSetOut.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | ReconRuleSetOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    rules_id: UUID,
    *,
    client: AuthenticatedClient,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[Problem | ReconRuleSetOut]:
    """Get a reconciliation rule set

    Args:
        rules_id (UUID):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReconRuleSetOut]
    """

    kwargs = _get_kwargs(
        rules_id=rules_id,
        razao_consistency_token=razao_consistency_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    rules_id: UUID,
    *,
    client: AuthenticatedClient,
    razao_consistency_token: str | Unset = UNSET,
) -> Problem | ReconRuleSetOut | None:
    """Get a reconciliation rule set

    Args:
        rules_id (UUID):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReconRuleSetOut
    """

    return sync_detailed(
        rules_id=rules_id,
        client=client,
        razao_consistency_token=razao_consistency_token,
    ).parsed


async def asyncio_detailed(
    rules_id: UUID,
    *,
    client: AuthenticatedClient,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[Problem | ReconRuleSetOut]:
    """Get a reconciliation rule set

    Args:
        rules_id (UUID):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReconRuleSetOut]
    """

    kwargs = _get_kwargs(
        rules_id=rules_id,
        razao_consistency_token=razao_consistency_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    rules_id: UUID,
    *,
    client: AuthenticatedClient,
    razao_consistency_token: str | Unset = UNSET,
) -> Problem | ReconRuleSetOut | None:
    """Get a reconciliation rule set

    Args:
        rules_id (UUID):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReconRuleSetOut
    """

    return (
        await asyncio_detailed(
            rules_id=rules_id,
            client=client,
            razao_consistency_token=razao_consistency_token,
        )
    ).parsed
