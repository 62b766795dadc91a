from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.import_statement_body_type_0 import ImportStatementBodyType0
from ...models.import_statement_body_type_1 import ImportStatementBodyType1
from ...models.problem import Problem
from ...models.statement_out import StatementOut
from ...types import Response


def _get_kwargs(
    *,
    body: ImportStatementBodyType0 | ImportStatementBodyType1,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/statements",
    }

    headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | StatementOut | None:
    if response.status_code == 200:
        response_200 = StatementOut.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = StatementOut.from_dict(response.json())

        return response_201

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
) -> Response[Problem | StatementOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: ImportStatementBodyType0 | ImportStatementBodyType1,
) -> Response[Problem | StatementOut]:
    """Import a bank statement

     Upload a statement file (`multipart/form-data`: `account_id`, `format`, `mapping` for CSV, `file`)
    into the ledger account that mirrors the bank account. The same file again answers 200 with the
    statement it created; lines whose external id the account already has are skipped and counted
    (`lines_skipped`). A file that cannot be imported is `422 invalid_statement` naming the line and
    field; nothing of it is imported. A file over `RAZAO_STATEMENT_MAX_BYTES` is `413`.

    Args:
        body (ImportStatementBodyType0 | ImportStatementBodyType1):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | StatementOut]
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
    body: ImportStatementBodyType0 | ImportStatementBodyType1,
) -> Problem | StatementOut | None:
    """Import a bank statement

     Upload a statement file (`multipart/form-data`: `account_id`, `format`, `mapping` for CSV, `file`)
    into the ledger account that mirrors the bank account. The same file again answers 200 with the
    statement it created; lines whose external id the account already has are skipped and counted
    (`lines_skipped`). A file that cannot be imported is `422 invalid_statement` naming the line and
    field; nothing of it is imported. A file over `RAZAO_STATEMENT_MAX_BYTES` is `413`.

    Args:
        body (ImportStatementBodyType0 | ImportStatementBodyType1):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | StatementOut
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: ImportStatementBodyType0 | ImportStatementBodyType1,
) -> Response[Problem | StatementOut]:
    """Import a bank statement

     Upload a statement file (`multipart/form-data`: `account_id`, `format`, `mapping` for CSV, `file`)
    into the ledger account that mirrors the bank account. The same file again answers 200 with the
    statement it created; lines whose external id the account already has are skipped and counted
    (`lines_skipped`). A file that cannot be imported is `422 invalid_statement` naming the line and
    field; nothing of it is imported. A file over `RAZAO_STATEMENT_MAX_BYTES` is `413`.

    Args:
        body (ImportStatementBodyType0 | ImportStatementBodyType1):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | StatementOut]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: ImportStatementBodyType0 | ImportStatementBodyType1,
) -> Problem | StatementOut | None:
    """Import a bank statement

     Upload a statement file (`multipart/form-data`: `account_id`, `format`, `mapping` for CSV, `file`)
    into the ledger account that mirrors the bank account. The same file again answers 200 with the
    statement it created; lines whose external id the account already has are skipped and counted
    (`lines_skipped`). A file that cannot be imported is `422 invalid_statement` naming the line and
    field; nothing of it is imported. A file over `RAZAO_STATEMENT_MAX_BYTES` is `413`.

    Args:
        body (ImportStatementBodyType0 | ImportStatementBodyType1):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | StatementOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
