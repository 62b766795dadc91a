"""`Razao`: the generated client (razao_api) with retries, typed problems and cursor iteration.

    from razao_client import Razao
    from razao_api.api.accounts import list_accounts, open_account
    from razao_api.models import AccountIn

    with Razao("http://127.0.0.1:8000", token=key) as razao:
        bank = razao.call(open_account, body=AccountIn(code="assets:bank", name="Bank", asset="BRL", ...))
        for account in razao.items(list_accounts, code_prefix="customers:"):
            ...

`call` runs any generated endpoint module (its `sync_detailed`) and returns the parsed answer, or raises
the `ProblemError` of an error answer. `pages` and `items` follow `next_cursor` through a paged list.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
from razao_api.client import AuthenticatedClient

from razao_client.problems import problem_error
from razao_client.retries import RetryingTransport, RetryPolicy


class Razao:
    """A client of one Razão API. `transport` replaces httpx's own under the retries (tests use
    `httpx.MockTransport`); `retry=NO_RETRIES` turns retries off."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy = RetryPolicy(),
        transport: httpx.BaseTransport | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.transport = RetryingTransport(transport, retry)
        self.api = AuthenticatedClient(
            base_url=base_url.rstrip("/"),
            token=token,
            timeout=httpx.Timeout(timeout),
            headers=headers or {},
            httpx_args={"transport": self.transport},
        )

    def call(self, endpoint: ModuleType, *path: Any, **arguments: Any) -> Any:
        """Run a generated endpoint (e.g. `razao_api.api.transfers.create_transfer`) with its path
        arguments, then its keyword arguments: its parsed answer on 2xx, a `ProblemError` (by status,
        with the problem's `code`) otherwise."""
        response = endpoint.sync_detailed(*path, client=self.api, **arguments)
        if response.status_code >= 400:
            raise problem_error(int(response.status_code), response.content)
        return response.parsed

    def pages(self, endpoint: ModuleType, *path: Any, **arguments: Any) -> Iterator[Any]:
        """Every page of a paged list, following `next_cursor` from the first page (or `cursor=`)."""
        while True:
            page = self.call(endpoint, *path, **arguments)
            yield page
            cursor = getattr(page, "next_cursor", None)
            if not cursor:
                return
            arguments = {**arguments, "cursor": cursor}

    def items(self, endpoint: ModuleType, *path: Any, **arguments: Any) -> Iterator[Any]:
        """Every item of a paged list, page after page."""
        for page in self.pages(endpoint, *path, **arguments):
            yield from page.items

    def close(self) -> None:
        self.api.get_httpx_client().close()

    def __enter__(self) -> Razao:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
