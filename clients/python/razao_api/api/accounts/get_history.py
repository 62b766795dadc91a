import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.basis import Basis
from ...models.history_out import HistoryOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    account_id: UUID,
    *,
    from_: datetime.date,
    to: datetime.date,
    basis: Basis | Unset = UNSET,
    razao_consistency_token: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(razao_consistency_token, Unset):
        headers["Razao-Consistency-Token"] = razao_consistency_token

    params: dict[str, Any] = {}

    json_from_ = from_.isoformat()
    params["from"] = json_from_

    json_to = to.isoformat()
    params["to"] = json_to

    json_basis: str | Unset = UNSET
    if not isinstance(basis, Unset):
        json_basis = basis.value

    params["basis"] = json_basis

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/accounts/{account_id}/history".format(
            account_id=quote(str(account_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> HistoryOut | Problem | None:
    if response.status_code == 200:
        response_200 = HistoryOut.from_dict(response.json())

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
) -> Response[HistoryOut | Problem]:
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
    from_: datetime.date,
    to: datetime.date,
    basis: Basis | Unset = UNSET,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[HistoryOut | Problem]:
    """Daily closing balances

     The posted balance at the end of every UTC day from `from` to `to` (both included, at most 366
    days): as booked by the end of each day (default), or by value date (`basis=effective`). For charts
    and reconciliation.

    Args:
        account_id (UUID):
        from_ (datetime.date): First day, `YYYY-MM-DD`.
        to (datetime.date): Last day, `YYYY-MM-DD` (included).
        basis (Basis | Unset):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HistoryOut | Problem]
    """

    kwargs = _get_kwargs(
        account_id=account_id,
        from_=from_,
        to=to,
        basis=basis,
        razao_consistency_token=razao_consistency_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    account_id: UUID,
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    to: datetime.date,
    basis: Basis | Unset = UNSET,
    razao_consistency_token: str | Unset = UNSET,
) -> HistoryOut | Problem | None:
    """Daily closing balances

     The posted balance at the end of every UTC day from `from` to `to` (both included, at most 366
    days): as booked by the end of each day (default), or by value date (`basis=effective`). For charts
    and reconciliation.

    Args:
        account_id (UUID):
        from_ (datetime.date): First day, `YYYY-MM-DD`.
        to (datetime.date): Last day, `YYYY-MM-DD` (included).
        basis (Basis | Unset):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HistoryOut | Problem
    """

    return sync_detailed(
        account_id=account_id,
        client=client,
        from_=from_,
        to=to,
        basis=basis,
        razao_consistency_token=razao_consistency_token,
    ).parsed


async def asyncio_detailed(
    account_id: UUID,
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    to: datetime.date,
    basis: Basis | Unset = UNSET,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[HistoryOut | Problem]:
    """Daily closing balances

     The posted balance at the end of every UTC day from `from` to `to` (both included, at most 366
    days): as booked by the end of each day (default), or by value date (`basis=effective`). For charts
    and reconciliation.

    Args:
        account_id (UUID):
        from_ (datetime.date): First day, `YYYY-MM-DD`.
        to (datetime.date): Last day, `YYYY-MM-DD` (included).
        basis (Basis | Unset):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HistoryOut | Problem]
    """

    kwargs = _get_kwargs(
        account_id=account_id,
        from_=from_,
        to=to,
        basis=basis,
        razao_consistency_token=razao_consistency_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    account_id: UUID,
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    to: datetime.date,
    basis: Basis | Unset = UNSET,
    razao_consistency_token: str | Unset = UNSET,
) -> HistoryOut | Problem | None:
    """Daily closing balances

     The posted balance at the end of every UTC day from `from` to `to` (both included, at most 366
    days): as booked by the end of each day (default), or by value date (`basis=effective`). For charts
    and reconciliation.

    Args:
        account_id (UUID):
        from_ (datetime.date): First day, `YYYY-MM-DD`.
        to (datetime.date): Last day, `YYYY-MM-DD` (included).
        basis (Basis | Unset):
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HistoryOut | Problem
    """

    return (
        await asyncio_detailed(
            account_id=account_id,
            client=client,
            from_=from_,
            to=to,
            basis=basis,
            razao_consistency_token=razao_consistency_token,
        )
    ).parsed
