import datetime
from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.basis import Basis
from ...models.problem import Problem
from ...models.transfer_page import TransferPage
from ...models.transfer_status import TransferStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    account_id: None | Unset | UUID = UNSET,
    status: None | TransferStatus | Unset = UNSET,
    asset: None | str | Unset = UNSET,
    metadata: list[str] | None | Unset = UNSET,
    metadata_has: list[str] | None | Unset = UNSET,
    basis: Basis | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    amount_min: int | None | Unset = UNSET,
    amount_max: int | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(razao_consistency_token, Unset):
        headers["Razao-Consistency-Token"] = razao_consistency_token

    params: dict[str, Any] = {}

    json_account_id: None | str | Unset
    if isinstance(account_id, Unset):
        json_account_id = UNSET
    elif isinstance(account_id, UUID):
        json_account_id = str(account_id)
    else:
        json_account_id = account_id
    params["account_id"] = json_account_id

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, TransferStatus):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_asset: None | str | Unset
    if isinstance(asset, Unset):
        json_asset = UNSET
    else:
        json_asset = asset
    params["asset"] = json_asset

    json_metadata: list[str] | None | Unset
    if isinstance(metadata, Unset):
        json_metadata = UNSET
    elif isinstance(metadata, list):
        json_metadata = metadata

    else:
        json_metadata = metadata
    params["metadata"] = json_metadata

    json_metadata_has: list[str] | None | Unset
    if isinstance(metadata_has, Unset):
        json_metadata_has = UNSET
    elif isinstance(metadata_has, list):
        json_metadata_has = metadata_has

    else:
        json_metadata_has = metadata_has
    params["metadata_has"] = json_metadata_has

    json_basis: str | Unset = UNSET
    if not isinstance(basis, Unset):
        json_basis = basis.value

    params["basis"] = json_basis

    json_from_: None | str | Unset
    if isinstance(from_, Unset):
        json_from_ = UNSET
    elif isinstance(from_, datetime.datetime):
        json_from_ = from_.isoformat()
    else:
        json_from_ = from_
    params["from"] = json_from_

    json_to: None | str | Unset
    if isinstance(to, Unset):
        json_to = UNSET
    elif isinstance(to, datetime.datetime):
        json_to = to.isoformat()
    else:
        json_to = to
    params["to"] = json_to

    json_amount_min: int | None | Unset
    if isinstance(amount_min, Unset):
        json_amount_min = UNSET
    else:
        json_amount_min = amount_min
    params["amount_min"] = json_amount_min

    json_amount_max: int | None | Unset
    if isinstance(amount_max, Unset):
        json_amount_max = UNSET
    else:
        json_amount_max = amount_max
    params["amount_max"] = json_amount_max

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
        "url": "/v1/transfers",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | TransferPage | None:
    if response.status_code == 200:
        response_200 = TransferPage.from_dict(response.json())

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
) -> Response[Problem | TransferPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    account_id: None | Unset | UUID = UNSET,
    status: None | TransferStatus | Unset = UNSET,
    asset: None | str | Unset = UNSET,
    metadata: list[str] | None | Unset = UNSET,
    metadata_has: list[str] | None | Unset = UNSET,
    basis: Basis | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    amount_min: int | None | Unset = UNSET,
    amount_max: int | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[Problem | TransferPage]:
    """List and search transfers

     Newest first on the `basis`: booking time (`booked`, the default) or value date (`effective`). Every
    filter given must hold: account, status, asset, metadata (`metadata=key:value`, `metadata_has=key`),
    a time range on the basis (`from` inclusive, `to` exclusive), an amount range (`amount_min`,
    `amount_max`, both inclusive: the transfer's posted debits, or held ones while it is not posted).
    The amount, the asset and a status by value date are checked transfer by transfer, so they need
    `account_id`, a metadata filter, or `from` and `to` at most 31 days apart (else
    `filter_needs_index`). docs/search.md. A cursor continues only the search it was made for.

    Args:
        account_id (None | Unset | UUID): Only transfers with a line on this account.
        status (None | TransferStatus | Unset):
        asset (None | str | Unset): Only transfers with a line in this asset.
        metadata (list[str] | None | Unset): `key:value` (repeatable, all must hold): the
            metadata's top-level `key` holds the JSON string `value` (the key is everything before the
            first colon; `tier:3` does not match the number 3). At most 16 metadata conditions in all.
        metadata_has (list[str] | None | Unset): `key` (repeatable): the metadata has this top-
            level key, whatever its value.
        basis (Basis | Unset):
        from_ (datetime.datetime | None | Unset): Inclusive, on the basis.
        to (datetime.datetime | None | Unset): Exclusive, on the basis.
        amount_min (int | None | Unset):
        amount_max (int | None | Unset):
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TransferPage]
    """

    kwargs = _get_kwargs(
        account_id=account_id,
        status=status,
        asset=asset,
        metadata=metadata,
        metadata_has=metadata_has,
        basis=basis,
        from_=from_,
        to=to,
        amount_min=amount_min,
        amount_max=amount_max,
        cursor=cursor,
        limit=limit,
        razao_consistency_token=razao_consistency_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    account_id: None | Unset | UUID = UNSET,
    status: None | TransferStatus | Unset = UNSET,
    asset: None | str | Unset = UNSET,
    metadata: list[str] | None | Unset = UNSET,
    metadata_has: list[str] | None | Unset = UNSET,
    basis: Basis | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    amount_min: int | None | Unset = UNSET,
    amount_max: int | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> Problem | TransferPage | None:
    """List and search transfers

     Newest first on the `basis`: booking time (`booked`, the default) or value date (`effective`). Every
    filter given must hold: account, status, asset, metadata (`metadata=key:value`, `metadata_has=key`),
    a time range on the basis (`from` inclusive, `to` exclusive), an amount range (`amount_min`,
    `amount_max`, both inclusive: the transfer's posted debits, or held ones while it is not posted).
    The amount, the asset and a status by value date are checked transfer by transfer, so they need
    `account_id`, a metadata filter, or `from` and `to` at most 31 days apart (else
    `filter_needs_index`). docs/search.md. A cursor continues only the search it was made for.

    Args:
        account_id (None | Unset | UUID): Only transfers with a line on this account.
        status (None | TransferStatus | Unset):
        asset (None | str | Unset): Only transfers with a line in this asset.
        metadata (list[str] | None | Unset): `key:value` (repeatable, all must hold): the
            metadata's top-level `key` holds the JSON string `value` (the key is everything before the
            first colon; `tier:3` does not match the number 3). At most 16 metadata conditions in all.
        metadata_has (list[str] | None | Unset): `key` (repeatable): the metadata has this top-
            level key, whatever its value.
        basis (Basis | Unset):
        from_ (datetime.datetime | None | Unset): Inclusive, on the basis.
        to (datetime.datetime | None | Unset): Exclusive, on the basis.
        amount_min (int | None | Unset):
        amount_max (int | None | Unset):
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TransferPage
    """

    return sync_detailed(
        client=client,
        account_id=account_id,
        status=status,
        asset=asset,
        metadata=metadata,
        metadata_has=metadata_has,
        basis=basis,
        from_=from_,
        to=to,
        amount_min=amount_min,
        amount_max=amount_max,
        cursor=cursor,
        limit=limit,
        razao_consistency_token=razao_consistency_token,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    account_id: None | Unset | UUID = UNSET,
    status: None | TransferStatus | Unset = UNSET,
    asset: None | str | Unset = UNSET,
    metadata: list[str] | None | Unset = UNSET,
    metadata_has: list[str] | None | Unset = UNSET,
    basis: Basis | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    amount_min: int | None | Unset = UNSET,
    amount_max: int | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[Problem | TransferPage]:
    """List and search transfers

     Newest first on the `basis`: booking time (`booked`, the default) or value date (`effective`). Every
    filter given must hold: account, status, asset, metadata (`metadata=key:value`, `metadata_has=key`),
    a time range on the basis (`from` inclusive, `to` exclusive), an amount range (`amount_min`,
    `amount_max`, both inclusive: the transfer's posted debits, or held ones while it is not posted).
    The amount, the asset and a status by value date are checked transfer by transfer, so they need
    `account_id`, a metadata filter, or `from` and `to` at most 31 days apart (else
    `filter_needs_index`). docs/search.md. A cursor continues only the search it was made for.

    Args:
        account_id (None | Unset | UUID): Only transfers with a line on this account.
        status (None | TransferStatus | Unset):
        asset (None | str | Unset): Only transfers with a line in this asset.
        metadata (list[str] | None | Unset): `key:value` (repeatable, all must hold): the
            metadata's top-level `key` holds the JSON string `value` (the key is everything before the
            first colon; `tier:3` does not match the number 3). At most 16 metadata conditions in all.
        metadata_has (list[str] | None | Unset): `key` (repeatable): the metadata has this top-
            level key, whatever its value.
        basis (Basis | Unset):
        from_ (datetime.datetime | None | Unset): Inclusive, on the basis.
        to (datetime.datetime | None | Unset): Exclusive, on the basis.
        amount_min (int | None | Unset):
        amount_max (int | None | Unset):
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TransferPage]
    """

    kwargs = _get_kwargs(
        account_id=account_id,
        status=status,
        asset=asset,
        metadata=metadata,
        metadata_has=metadata_has,
        basis=basis,
        from_=from_,
        to=to,
        amount_min=amount_min,
        amount_max=amount_max,
        cursor=cursor,
        limit=limit,
        razao_consistency_token=razao_consistency_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    account_id: None | Unset | UUID = UNSET,
    status: None | TransferStatus | Unset = UNSET,
    asset: None | str | Unset = UNSET,
    metadata: list[str] | None | Unset = UNSET,
    metadata_has: list[str] | None | Unset = UNSET,
    basis: Basis | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    amount_min: int | None | Unset = UNSET,
    amount_max: int | None | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> Problem | TransferPage | None:
    """List and search transfers

     Newest first on the `basis`: booking time (`booked`, the default) or value date (`effective`). Every
    filter given must hold: account, status, asset, metadata (`metadata=key:value`, `metadata_has=key`),
    a time range on the basis (`from` inclusive, `to` exclusive), an amount range (`amount_min`,
    `amount_max`, both inclusive: the transfer's posted debits, or held ones while it is not posted).
    The amount, the asset and a status by value date are checked transfer by transfer, so they need
    `account_id`, a metadata filter, or `from` and `to` at most 31 days apart (else
    `filter_needs_index`). docs/search.md. A cursor continues only the search it was made for.

    Args:
        account_id (None | Unset | UUID): Only transfers with a line on this account.
        status (None | TransferStatus | Unset):
        asset (None | str | Unset): Only transfers with a line in this asset.
        metadata (list[str] | None | Unset): `key:value` (repeatable, all must hold): the
            metadata's top-level `key` holds the JSON string `value` (the key is everything before the
            first colon; `tier:3` does not match the number 3). At most 16 metadata conditions in all.
        metadata_has (list[str] | None | Unset): `key` (repeatable): the metadata has this top-
            level key, whatever its value.
        basis (Basis | Unset):
        from_ (datetime.datetime | None | Unset): Inclusive, on the basis.
        to (datetime.datetime | None | Unset): Exclusive, on the basis.
        amount_min (int | None | Unset):
        amount_max (int | None | Unset):
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TransferPage
    """

    return (
        await asyncio_detailed(
            client=client,
            account_id=account_id,
            status=status,
            asset=asset,
            metadata=metadata,
            metadata_has=metadata_has,
            basis=basis,
            from_=from_,
            to=to,
            amount_min=amount_min,
            amount_max=amount_max,
            cursor=cursor,
            limit=limit,
            razao_consistency_token=razao_consistency_token,
        )
    ).parsed
