from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_reconciliation_results_side import ListReconciliationResultsSide
from ...models.list_reconciliation_results_state_type_0 import (
    ListReconciliationResultsStateType0,
)
from ...models.problem import Problem
from ...models.recon_result_page import ReconResultPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    run_id: UUID,
    *,
    side: ListReconciliationResultsSide | Unset = ListReconciliationResultsSide.BANK,
    state: ListReconciliationResultsStateType0 | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(razao_consistency_token, Unset):
        headers["Razao-Consistency-Token"] = razao_consistency_token

    params: dict[str, Any] = {}

    json_side: str | Unset = UNSET
    if not isinstance(side, Unset):
        json_side = side.value

    params["side"] = json_side

    json_state: None | str | Unset
    if isinstance(state, Unset):
        json_state = UNSET
    elif isinstance(state, ListReconciliationResultsStateType0):
        json_state = state.value
    else:
        json_state = state
    params["state"] = json_state

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/reconciliation/runs/{run_id}/results".format(
            run_id=quote(str(run_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ReconResultPage | None:
    if response.status_code == 200:
        response_200 = ReconResultPage.from_dict(response.json())

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
) -> Response[Problem | ReconResultPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    run_id: UUID,
    *,
    client: AuthenticatedClient,
    side: ListReconciliationResultsSide | Unset = ListReconciliationResultsSide.BANK,
    state: ListReconciliationResultsStateType0 | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[Problem | ReconResultPage]:
    """A run's results

     Statement lines (`side=bank`: matched, ambiguous with their candidates, unmatched) or ledger entries
    (`side=ledger`: those the run matched; `state=unmatched`: the mirror account's entries in the
    statement's range that no result and no active match names, as they stand now), by key. Needs
    `ledger:read`.

    Args:
        run_id (UUID):
        side (ListReconciliationResultsSide | Unset):  Default:
            ListReconciliationResultsSide.BANK.
        state (ListReconciliationResultsStateType0 | None | Unset):
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReconResultPage]
    """

    kwargs = _get_kwargs(
        run_id=run_id,
        side=side,
        state=state,
        cursor=cursor,
        limit=limit,
        razao_consistency_token=razao_consistency_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    run_id: UUID,
    *,
    client: AuthenticatedClient,
    side: ListReconciliationResultsSide | Unset = ListReconciliationResultsSide.BANK,
    state: ListReconciliationResultsStateType0 | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> Problem | ReconResultPage | None:
    """A run's results

     Statement lines (`side=bank`: matched, ambiguous with their candidates, unmatched) or ledger entries
    (`side=ledger`: those the run matched; `state=unmatched`: the mirror account's entries in the
    statement's range that no result and no active match names, as they stand now), by key. Needs
    `ledger:read`.

    Args:
        run_id (UUID):
        side (ListReconciliationResultsSide | Unset):  Default:
            ListReconciliationResultsSide.BANK.
        state (ListReconciliationResultsStateType0 | None | Unset):
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReconResultPage
    """

    return sync_detailed(
        run_id=run_id,
        client=client,
        side=side,
        state=state,
        cursor=cursor,
        limit=limit,
        razao_consistency_token=razao_consistency_token,
    ).parsed


async def asyncio_detailed(
    run_id: UUID,
    *,
    client: AuthenticatedClient,
    side: ListReconciliationResultsSide | Unset = ListReconciliationResultsSide.BANK,
    state: ListReconciliationResultsStateType0 | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[Problem | ReconResultPage]:
    """A run's results

     Statement lines (`side=bank`: matched, ambiguous with their candidates, unmatched) or ledger entries
    (`side=ledger`: those the run matched; `state=unmatched`: the mirror account's entries in the
    statement's range that no result and no active match names, as they stand now), by key. Needs
    `ledger:read`.

    Args:
        run_id (UUID):
        side (ListReconciliationResultsSide | Unset):  Default:
            ListReconciliationResultsSide.BANK.
        state (ListReconciliationResultsStateType0 | None | Unset):
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReconResultPage]
    """

    kwargs = _get_kwargs(
        run_id=run_id,
        side=side,
        state=state,
        cursor=cursor,
        limit=limit,
        razao_consistency_token=razao_consistency_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    run_id: UUID,
    *,
    client: AuthenticatedClient,
    side: ListReconciliationResultsSide | Unset = ListReconciliationResultsSide.BANK,
    state: ListReconciliationResultsStateType0 | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> Problem | ReconResultPage | None:
    """A run's results

     Statement lines (`side=bank`: matched, ambiguous with their candidates, unmatched) or ledger entries
    (`side=ledger`: those the run matched; `state=unmatched`: the mirror account's entries in the
    statement's range that no result and no active match names, as they stand now), by key. Needs
    `ledger:read`.

    Args:
        run_id (UUID):
        side (ListReconciliationResultsSide | Unset):  Default:
            ListReconciliationResultsSide.BANK.
        state (ListReconciliationResultsStateType0 | None | Unset):
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReconResultPage
    """

    return (
        await asyncio_detailed(
            run_id=run_id,
            client=client,
            side=side,
            state=state,
            cursor=cursor,
            limit=limit,
            razao_consistency_token=razao_consistency_token,
        )
    ).parsed
