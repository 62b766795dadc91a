from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.event_page import EventPage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    after: None | str | Unset = UNSET,
    types: None | str | Unset = UNSET,
    account_id: None | Unset | UUID = UNSET,
    limit: int | Unset = 100,
    wait: float | Unset = 0.0,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_after: None | str | Unset
    if isinstance(after, Unset):
        json_after = UNSET
    else:
        json_after = after
    params["after"] = json_after

    json_types: None | str | Unset
    if isinstance(types, Unset):
        json_types = UNSET
    else:
        json_types = types
    params["types"] = json_types

    json_account_id: None | str | Unset
    if isinstance(account_id, Unset):
        json_account_id = UNSET
    elif isinstance(account_id, UUID):
        json_account_id = str(account_id)
    else:
        json_account_id = account_id
    params["account_id"] = json_account_id

    params["limit"] = limit

    params["wait"] = wait

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/events",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EventPage | Problem | None:
    if response.status_code == 200:
        response_200 = EventPage.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 410:
        response_410 = Problem.from_dict(response.json())

        return response_410

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
) -> Response[EventPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    after: None | str | Unset = UNSET,
    types: None | str | Unset = UNSET,
    account_id: None | Unset | UUID = UNSET,
    limit: int | Unset = 100,
    wait: float | Unset = 0.0,
) -> Response[EventPage | Problem]:
    """The events feed

     Events in the feed's order (oldest first) after `after` (the `next_cursor` or an event's `position`
    from an earlier page; none: from the oldest event kept). The order is commit-safe: following
    `next_cursor` never skips an event nor repeats one. With `wait`, a page that would be empty waits up
    to that many seconds for the next event. A cursor older than the events kept is `410
    cursor_expired`.

    Args:
        after (None | str | Unset): Resume after this position (opaque).
        types (None | str | Unset): Only these event types, comma-separated: `transfer.expired,…`.
        account_id (None | Unset | UUID): Only events concerning this account.
        limit (int | Unset): Page size. Default: 100.
        wait (float | Unset): Seconds to wait for an event when the page is empty. Default: 0.0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EventPage | Problem]
    """

    kwargs = _get_kwargs(
        after=after,
        types=types,
        account_id=account_id,
        limit=limit,
        wait=wait,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    after: None | str | Unset = UNSET,
    types: None | str | Unset = UNSET,
    account_id: None | Unset | UUID = UNSET,
    limit: int | Unset = 100,
    wait: float | Unset = 0.0,
) -> EventPage | Problem | None:
    """The events feed

     Events in the feed's order (oldest first) after `after` (the `next_cursor` or an event's `position`
    from an earlier page; none: from the oldest event kept). The order is commit-safe: following
    `next_cursor` never skips an event nor repeats one. With `wait`, a page that would be empty waits up
    to that many seconds for the next event. A cursor older than the events kept is `410
    cursor_expired`.

    Args:
        after (None | str | Unset): Resume after this position (opaque).
        types (None | str | Unset): Only these event types, comma-separated: `transfer.expired,…`.
        account_id (None | Unset | UUID): Only events concerning this account.
        limit (int | Unset): Page size. Default: 100.
        wait (float | Unset): Seconds to wait for an event when the page is empty. Default: 0.0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EventPage | Problem
    """

    return sync_detailed(
        client=client,
        after=after,
        types=types,
        account_id=account_id,
        limit=limit,
        wait=wait,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    after: None | str | Unset = UNSET,
    types: None | str | Unset = UNSET,
    account_id: None | Unset | UUID = UNSET,
    limit: int | Unset = 100,
    wait: float | Unset = 0.0,
) -> Response[EventPage | Problem]:
    """The events feed

     Events in the feed's order (oldest first) after `after` (the `next_cursor` or an event's `position`
    from an earlier page; none: from the oldest event kept). The order is commit-safe: following
    `next_cursor` never skips an event nor repeats one. With `wait`, a page that would be empty waits up
    to that many seconds for the next event. A cursor older than the events kept is `410
    cursor_expired`.

    Args:
        after (None | str | Unset): Resume after this position (opaque).
        types (None | str | Unset): Only these event types, comma-separated: `transfer.expired,…`.
        account_id (None | Unset | UUID): Only events concerning this account.
        limit (int | Unset): Page size. Default: 100.
        wait (float | Unset): Seconds to wait for an event when the page is empty. Default: 0.0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EventPage | Problem]
    """

    kwargs = _get_kwargs(
        after=after,
        types=types,
        account_id=account_id,
        limit=limit,
        wait=wait,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    after: None | str | Unset = UNSET,
    types: None | str | Unset = UNSET,
    account_id: None | Unset | UUID = UNSET,
    limit: int | Unset = 100,
    wait: float | Unset = 0.0,
) -> EventPage | Problem | None:
    """The events feed

     Events in the feed's order (oldest first) after `after` (the `next_cursor` or an event's `position`
    from an earlier page; none: from the oldest event kept). The order is commit-safe: following
    `next_cursor` never skips an event nor repeats one. With `wait`, a page that would be empty waits up
    to that many seconds for the next event. A cursor older than the events kept is `410
    cursor_expired`.

    Args:
        after (None | str | Unset): Resume after this position (opaque).
        types (None | str | Unset): Only these event types, comma-separated: `transfer.expired,…`.
        account_id (None | Unset | UUID): Only events concerning this account.
        limit (int | Unset): Page size. Default: 100.
        wait (float | Unset): Seconds to wait for an event when the page is empty. Default: 0.0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EventPage | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            after=after,
            types=types,
            account_id=account_id,
            limit=limit,
            wait=wait,
        )
    ).parsed
