from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.category_out import CategoryOut
from ...models.category_patch import CategoryPatch
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    category_id: UUID,
    *,
    body: CategoryPatch,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/categories/{category_id}".format(
            category_id=quote(str(category_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CategoryOut | Problem | None:
    if response.status_code == 200:
        response_200 = CategoryOut.from_dict(response.json())

        return response_200

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
) -> Response[CategoryOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    category_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CategoryPatch,
) -> Response[CategoryOut | Problem]:
    """Change or move a category

     Needs the `admin` scope. Only the fields present change; `parent_id` or `parent_code` moves it
    (`null`: a root). Nesting a category in itself or in one of its descendants is refused
    (`category_cycle`, 409).

    Args:
        category_id (UUID):
        body (CategoryPatch): Only the fields present change. `parent_id` or `parent_code` moves
            the category (`null`: make it
            a root); a move into itself or one of its descendants is refused (`category_cycle`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CategoryOut | Problem]
    """

    kwargs = _get_kwargs(
        category_id=category_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    category_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CategoryPatch,
) -> CategoryOut | Problem | None:
    """Change or move a category

     Needs the `admin` scope. Only the fields present change; `parent_id` or `parent_code` moves it
    (`null`: a root). Nesting a category in itself or in one of its descendants is refused
    (`category_cycle`, 409).

    Args:
        category_id (UUID):
        body (CategoryPatch): Only the fields present change. `parent_id` or `parent_code` moves
            the category (`null`: make it
            a root); a move into itself or one of its descendants is refused (`category_cycle`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CategoryOut | Problem
    """

    return sync_detailed(
        category_id=category_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    category_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CategoryPatch,
) -> Response[CategoryOut | Problem]:
    """Change or move a category

     Needs the `admin` scope. Only the fields present change; `parent_id` or `parent_code` moves it
    (`null`: a root). Nesting a category in itself or in one of its descendants is refused
    (`category_cycle`, 409).

    Args:
        category_id (UUID):
        body (CategoryPatch): Only the fields present change. `parent_id` or `parent_code` moves
            the category (`null`: make it
            a root); a move into itself or one of its descendants is refused (`category_cycle`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CategoryOut | Problem]
    """

    kwargs = _get_kwargs(
        category_id=category_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    category_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CategoryPatch,
) -> CategoryOut | Problem | None:
    """Change or move a category

     Needs the `admin` scope. Only the fields present change; `parent_id` or `parent_code` moves it
    (`null`: a root). Nesting a category in itself or in one of its descendants is refused
    (`category_cycle`, 409).

    Args:
        category_id (UUID):
        body (CategoryPatch): Only the fields present change. `parent_id` or `parent_code` moves
            the category (`null`: make it
            a root); a move into itself or one of its descendants is refused (`category_cycle`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CategoryOut | Problem
    """

    return (
        await asyncio_detailed(
            category_id=category_id,
            client=client,
            body=body,
        )
    ).parsed
