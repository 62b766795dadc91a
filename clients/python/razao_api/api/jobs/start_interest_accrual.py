from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.accrual_in import AccrualIn
from ...models.job_out import JobOut
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: AccrualIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/jobs/interest-accrual",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> JobOut | Problem | None:
    if response.status_code == 202:
        response_202 = JobOut.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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
) -> Response[JobOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: AccrualIn,
) -> Response[JobOut | Problem]:
    """Start a job: accrue interest

     Accrue interest for the days `start` to `end`, both included (days that have ended; idempotent per
    account and day), and post each period (a month, or a policy) that has ended; `post_open_periods`
    posts the periods still open at `end` too. Answers 202 with the job; follow it at `Location`. Needs
    the `admin` scope.

    Args:
        body (AccrualIn): The days to accrue interest for, both included: days that have ended, at
            most a bit over ten
            years (`application.interest.MAX_DAYS`), `end` not before `start`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JobOut | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: AccrualIn,
) -> JobOut | Problem | None:
    """Start a job: accrue interest

     Accrue interest for the days `start` to `end`, both included (days that have ended; idempotent per
    account and day), and post each period (a month, or a policy) that has ended; `post_open_periods`
    posts the periods still open at `end` too. Answers 202 with the job; follow it at `Location`. Needs
    the `admin` scope.

    Args:
        body (AccrualIn): The days to accrue interest for, both included: days that have ended, at
            most a bit over ten
            years (`application.interest.MAX_DAYS`), `end` not before `start`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JobOut | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: AccrualIn,
) -> Response[JobOut | Problem]:
    """Start a job: accrue interest

     Accrue interest for the days `start` to `end`, both included (days that have ended; idempotent per
    account and day), and post each period (a month, or a policy) that has ended; `post_open_periods`
    posts the periods still open at `end` too. Answers 202 with the job; follow it at `Location`. Needs
    the `admin` scope.

    Args:
        body (AccrualIn): The days to accrue interest for, both included: days that have ended, at
            most a bit over ten
            years (`application.interest.MAX_DAYS`), `end` not before `start`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JobOut | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: AccrualIn,
) -> JobOut | Problem | None:
    """Start a job: accrue interest

     Accrue interest for the days `start` to `end`, both included (days that have ended; idempotent per
    account and day), and post each period (a month, or a policy) that has ended; `post_open_periods`
    posts the periods still open at `end` too. Answers 202 with the job; follow it at `Location`. Needs
    the `admin` scope.

    Args:
        body (AccrualIn): The days to accrue interest for, both included: days that have ended, at
            most a bit over ten
            years (`application.interest.MAX_DAYS`), `end` not before `start`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JobOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
