from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.recon_run_in import ReconRunIn
from ...models.recon_run_out import ReconRunOut
from ...types import Response


def _get_kwargs(
    *,
    body: ReconRunIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/reconciliation/runs",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ReconRunOut | None:
    if response.status_code == 202:
        response_202 = ReconRunOut.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

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
) -> Response[Problem | ReconRunOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: ReconRunIn,
) -> Response[Problem | ReconRunOut]:
    """Reconcile a statement

     Starts a matching run of an imported statement against its mirror account's posted entries, by a
    saved rule set (`rules_id`), a rule given inline (`rule`) or the default rule, as a background job
    (kind `reconciliation`). With `dry_run` it computes and reports but stores no match. Answers 202
    with the run; follow it at `Location`. Needs `ledger:write`.

    Args:
        body (ReconRunIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReconRunOut]
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
    body: ReconRunIn,
) -> Problem | ReconRunOut | None:
    """Reconcile a statement

     Starts a matching run of an imported statement against its mirror account's posted entries, by a
    saved rule set (`rules_id`), a rule given inline (`rule`) or the default rule, as a background job
    (kind `reconciliation`). With `dry_run` it computes and reports but stores no match. Answers 202
    with the run; follow it at `Location`. Needs `ledger:write`.

    Args:
        body (ReconRunIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReconRunOut
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: ReconRunIn,
) -> Response[Problem | ReconRunOut]:
    """Reconcile a statement

     Starts a matching run of an imported statement against its mirror account's posted entries, by a
    saved rule set (`rules_id`), a rule given inline (`rule`) or the default rule, as a background job
    (kind `reconciliation`). With `dry_run` it computes and reports but stores no match. Answers 202
    with the run; follow it at `Location`. Needs `ledger:write`.

    Args:
        body (ReconRunIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReconRunOut]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: ReconRunIn,
) -> Problem | ReconRunOut | None:
    """Reconcile a statement

     Starts a matching run of an imported statement against its mirror account's posted entries, by a
    saved rule set (`rules_id`), a rule given inline (`rule`) or the default rule, as a background job
    (kind `reconciliation`). With `dry_run` it computes and reports but stores no match. Answers 202
    with the run; follow it at `Location`. Needs `ledger:write`.

    Args:
        body (ReconRunIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReconRunOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
