import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.basis import Basis
from ...models.problem import Problem
from ...models.trial_balance_out import TrialBalanceOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    asset: None | str | Unset = UNSET,
    basis: Basis | Unset = UNSET,
    through: datetime.date | None | Unset = UNSET,
    razao_consistency_token: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(razao_consistency_token, Unset):
        headers["Razao-Consistency-Token"] = razao_consistency_token

    params: dict[str, Any] = {}

    json_asset: None | str | Unset
    if isinstance(asset, Unset):
        json_asset = UNSET
    else:
        json_asset = asset
    params["asset"] = json_asset

    json_basis: str | Unset = UNSET
    if not isinstance(basis, Unset):
        json_basis = basis.value

    params["basis"] = json_basis

    json_through: None | str | Unset
    if isinstance(through, Unset):
        json_through = UNSET
    elif isinstance(through, datetime.date):
        json_through = through.isoformat()
    else:
        json_through = through
    params["through"] = json_through

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/trial-balance",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | TrialBalanceOut | None:
    if response.status_code == 200:
        response_200 = TrialBalanceOut.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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
) -> Response[Problem | TrialBalanceOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    asset: None | str | Unset = UNSET,
    basis: Basis | Unset = UNSET,
    through: datetime.date | None | Unset = UNSET,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[Problem | TrialBalanceOut]:
    """Trial balance per asset

     Debit and credit totals per asset; every asset must balance. `basis=effective` counts the posted
    entries by value date, through the end of the UTC day `through` (default: today); holds are always
    as booked.

    Args:
        asset (None | str | Unset):
        basis (Basis | Unset):
        through (datetime.date | None | Unset): Last value day counted, `YYYY-MM-DD` (effective
            basis; default today, UTC).
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TrialBalanceOut]
    """

    kwargs = _get_kwargs(
        asset=asset,
        basis=basis,
        through=through,
        razao_consistency_token=razao_consistency_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    asset: None | str | Unset = UNSET,
    basis: Basis | Unset = UNSET,
    through: datetime.date | None | Unset = UNSET,
    razao_consistency_token: str | Unset = UNSET,
) -> Problem | TrialBalanceOut | None:
    """Trial balance per asset

     Debit and credit totals per asset; every asset must balance. `basis=effective` counts the posted
    entries by value date, through the end of the UTC day `through` (default: today); holds are always
    as booked.

    Args:
        asset (None | str | Unset):
        basis (Basis | Unset):
        through (datetime.date | None | Unset): Last value day counted, `YYYY-MM-DD` (effective
            basis; default today, UTC).
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TrialBalanceOut
    """

    return sync_detailed(
        client=client,
        asset=asset,
        basis=basis,
        through=through,
        razao_consistency_token=razao_consistency_token,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    asset: None | str | Unset = UNSET,
    basis: Basis | Unset = UNSET,
    through: datetime.date | None | Unset = UNSET,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[Problem | TrialBalanceOut]:
    """Trial balance per asset

     Debit and credit totals per asset; every asset must balance. `basis=effective` counts the posted
    entries by value date, through the end of the UTC day `through` (default: today); holds are always
    as booked.

    Args:
        asset (None | str | Unset):
        basis (Basis | Unset):
        through (datetime.date | None | Unset): Last value day counted, `YYYY-MM-DD` (effective
            basis; default today, UTC).
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TrialBalanceOut]
    """

    kwargs = _get_kwargs(
        asset=asset,
        basis=basis,
        through=through,
        razao_consistency_token=razao_consistency_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    asset: None | str | Unset = UNSET,
    basis: Basis | Unset = UNSET,
    through: datetime.date | None | Unset = UNSET,
    razao_consistency_token: str | Unset = UNSET,
) -> Problem | TrialBalanceOut | None:
    """Trial balance per asset

     Debit and credit totals per asset; every asset must balance. `basis=effective` counts the posted
    entries by value date, through the end of the UTC day `through` (default: today); holds are always
    as booked.

    Args:
        asset (None | str | Unset):
        basis (Basis | Unset):
        through (datetime.date | None | Unset): Last value day counted, `YYYY-MM-DD` (effective
            basis; default today, UTC).
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TrialBalanceOut
    """

    return (
        await asyncio_detailed(
            client=client,
            asset=asset,
            basis=basis,
            through=through,
            razao_consistency_token=razao_consistency_token,
        )
    ).parsed
