from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.account_page import AccountPage
from ...models.account_status import AccountStatus
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    code_prefix: None | str | Unset = UNSET,
    asset: None | str | Unset = UNSET,
    status: AccountStatus | None | Unset = UNSET,
    metadata: list[str] | None | Unset = UNSET,
    metadata_has: list[str] | None | Unset = UNSET,
    category: None | str | Unset = UNSET,
    category_descendants: bool | Unset = False,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(razao_consistency_token, Unset):
        headers["Razao-Consistency-Token"] = razao_consistency_token

    params: dict[str, Any] = {}

    json_code_prefix: None | str | Unset
    if isinstance(code_prefix, Unset):
        json_code_prefix = UNSET
    else:
        json_code_prefix = code_prefix
    params["code_prefix"] = json_code_prefix

    json_asset: None | str | Unset
    if isinstance(asset, Unset):
        json_asset = UNSET
    else:
        json_asset = asset
    params["asset"] = json_asset

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, AccountStatus):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

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

    json_category: None | str | Unset
    if isinstance(category, Unset):
        json_category = UNSET
    else:
        json_category = category
    params["category"] = json_category

    params["category_descendants"] = category_descendants

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
        "url": "/v1/accounts",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AccountPage | Problem | None:
    if response.status_code == 200:
        response_200 = AccountPage.from_dict(response.json())

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
) -> Response[AccountPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    code_prefix: None | str | Unset = UNSET,
    asset: None | str | Unset = UNSET,
    status: AccountStatus | None | Unset = UNSET,
    metadata: list[str] | None | Unset = UNSET,
    metadata_has: list[str] | None | Unset = UNSET,
    category: None | str | Unset = UNSET,
    category_descendants: bool | Unset = False,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[AccountPage | Problem]:
    """List and search accounts

     In code order. Every filter given must hold: code prefix, asset, status, metadata
    (`metadata=key:value`, `metadata_has=key`), category (members, with `category_descendants=true`
    those of the categories below it too). Each is answered from an index (docs/search.md). A cursor
    continues only the search it was made for.

    Args:
        code_prefix (None | str | Unset):
        asset (None | str | Unset):
        status (AccountStatus | None | Unset): Only accounts in this status.
        metadata (list[str] | None | Unset): `key:value` (repeatable, all must hold): the
            metadata's top-level `key` holds the JSON string `value` (the key is everything before the
            first colon; `tier:3` does not match the number 3). At most 16 metadata conditions in all.
        metadata_has (list[str] | None | Unset): `key` (repeatable): the metadata has this top-
            level key, whatever its value.
        category (None | str | Unset): A category's id or code: only its member accounts.
        category_descendants (bool | Unset): With `category`: also the members of every category
            nested below it. Default: False.
        cursor (None | str | Unset):
        limit (int | Unset): Page size. Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AccountPage | Problem]
    """

    kwargs = _get_kwargs(
        code_prefix=code_prefix,
        asset=asset,
        status=status,
        metadata=metadata,
        metadata_has=metadata_has,
        category=category,
        category_descendants=category_descendants,
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
    code_prefix: None | str | Unset = UNSET,
    asset: None | str | Unset = UNSET,
    status: AccountStatus | None | Unset = UNSET,
    metadata: list[str] | None | Unset = UNSET,
    metadata_has: list[str] | None | Unset = UNSET,
    category: None | str | Unset = UNSET,
    category_descendants: bool | Unset = False,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> AccountPage | Problem | None:
    """List and search accounts

     In code order. Every filter given must hold: code prefix, asset, status, metadata
    (`metadata=key:value`, `metadata_has=key`), category (members, with `category_descendants=true`
    those of the categories below it too). Each is answered from an index (docs/search.md). A cursor
    continues only the search it was made for.

    Args:
        code_prefix (None | str | Unset):
        asset (None | str | Unset):
        status (AccountStatus | None | Unset): Only accounts in this status.
        metadata (list[str] | None | Unset): `key:value` (repeatable, all must hold): the
            metadata's top-level `key` holds the JSON string `value` (the key is everything before the
            first colon; `tier:3` does not match the number 3). At most 16 metadata conditions in all.
        metadata_has (list[str] | None | Unset): `key` (repeatable): the metadata has this top-
            level key, whatever its value.
        category (None | str | Unset): A category's id or code: only its member accounts.
        category_descendants (bool | Unset): With `category`: also the members of every category
            nested below it. Default: False.
        cursor (None | str | Unset):
        limit (int | Unset): Page size. Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AccountPage | Problem
    """

    return sync_detailed(
        client=client,
        code_prefix=code_prefix,
        asset=asset,
        status=status,
        metadata=metadata,
        metadata_has=metadata_has,
        category=category,
        category_descendants=category_descendants,
        cursor=cursor,
        limit=limit,
        razao_consistency_token=razao_consistency_token,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    code_prefix: None | str | Unset = UNSET,
    asset: None | str | Unset = UNSET,
    status: AccountStatus | None | Unset = UNSET,
    metadata: list[str] | None | Unset = UNSET,
    metadata_has: list[str] | None | Unset = UNSET,
    category: None | str | Unset = UNSET,
    category_descendants: bool | Unset = False,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> Response[AccountPage | Problem]:
    """List and search accounts

     In code order. Every filter given must hold: code prefix, asset, status, metadata
    (`metadata=key:value`, `metadata_has=key`), category (members, with `category_descendants=true`
    those of the categories below it too). Each is answered from an index (docs/search.md). A cursor
    continues only the search it was made for.

    Args:
        code_prefix (None | str | Unset):
        asset (None | str | Unset):
        status (AccountStatus | None | Unset): Only accounts in this status.
        metadata (list[str] | None | Unset): `key:value` (repeatable, all must hold): the
            metadata's top-level `key` holds the JSON string `value` (the key is everything before the
            first colon; `tier:3` does not match the number 3). At most 16 metadata conditions in all.
        metadata_has (list[str] | None | Unset): `key` (repeatable): the metadata has this top-
            level key, whatever its value.
        category (None | str | Unset): A category's id or code: only its member accounts.
        category_descendants (bool | Unset): With `category`: also the members of every category
            nested below it. Default: False.
        cursor (None | str | Unset):
        limit (int | Unset): Page size. Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AccountPage | Problem]
    """

    kwargs = _get_kwargs(
        code_prefix=code_prefix,
        asset=asset,
        status=status,
        metadata=metadata,
        metadata_has=metadata_has,
        category=category,
        category_descendants=category_descendants,
        cursor=cursor,
        limit=limit,
        razao_consistency_token=razao_consistency_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    code_prefix: None | str | Unset = UNSET,
    asset: None | str | Unset = UNSET,
    status: AccountStatus | None | Unset = UNSET,
    metadata: list[str] | None | Unset = UNSET,
    metadata_has: list[str] | None | Unset = UNSET,
    category: None | str | Unset = UNSET,
    category_descendants: bool | Unset = False,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 100,
    razao_consistency_token: str | Unset = UNSET,
) -> AccountPage | Problem | None:
    """List and search accounts

     In code order. Every filter given must hold: code prefix, asset, status, metadata
    (`metadata=key:value`, `metadata_has=key`), category (members, with `category_descendants=true`
    those of the categories below it too). Each is answered from an index (docs/search.md). A cursor
    continues only the search it was made for.

    Args:
        code_prefix (None | str | Unset):
        asset (None | str | Unset):
        status (AccountStatus | None | Unset): Only accounts in this status.
        metadata (list[str] | None | Unset): `key:value` (repeatable, all must hold): the
            metadata's top-level `key` holds the JSON string `value` (the key is everything before the
            first colon; `tier:3` does not match the number 3). At most 16 metadata conditions in all.
        metadata_has (list[str] | None | Unset): `key` (repeatable): the metadata has this top-
            level key, whatever its value.
        category (None | str | Unset): A category's id or code: only its member accounts.
        category_descendants (bool | Unset): With `category`: also the members of every category
            nested below it. Default: False.
        cursor (None | str | Unset):
        limit (int | Unset): Page size. Default: 100.
        razao_consistency_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AccountPage | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            code_prefix=code_prefix,
            asset=asset,
            status=status,
            metadata=metadata,
            metadata_has=metadata_has,
            category=category,
            category_descendants=category_descendants,
            cursor=cursor,
            limit=limit,
            razao_consistency_token=razao_consistency_token,
        )
    ).parsed
