"""Fixtures of the end-to-end tests: the real app over the real PostgreSQL, and API keys per scope.

The app is the one the composition root builds (`razao.container.build_container`) on a fresh
database from `tests/conftest.py`; requests go through `fastapi.testclient.TestClient`. `api` wraps
the client with one key per scope and a few helpers that open accounts and book transfers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from adapters.http.app import create_app
from adapters.http.services import Services
from application.api_keys import ApiKeyUnitOfWork, create_api_key
from razao.container import Container, build_container, dispose_engines
from razao.settings import Settings

_HERE = Path(__file__).parent
REPLAYED = "Idempotent-Replayed"
KeyUow = Callable[[], ApiKeyUnitOfWork]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder talks to the real PostgreSQL: mark it `integration`."""
    for item in items:
        if _HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.integration)


def unique(prefix: str) -> str:
    return f"{prefix}:{uuid.uuid4().hex[:12]}"


def new_id() -> str:
    return str(uuid.uuid4())


def problem_code(response: Any) -> str:
    """The problem `code` of an error response (checking that it is a problem document)."""
    assert response.headers["content-type"] == "application/problem+json", response.text
    code: str = response.json()["code"]
    return code


#: A broker nothing listens on: jobs are recorded, and their enqueueing fails fast.
UNREACHABLE_BROKER = "redis://127.0.0.1:9/0"


@contextmanager
def container_on(database: Any, **settings: Any) -> Iterator[Container]:
    """The container of the app on `database` (with these settings), its engines disposed afterwards."""
    container = build_container(
        Settings(
            database_url=database.app_url, admin_database_url=database.admin_url, db_pool_size=4, **settings
        )
    )
    try:
        yield container
    finally:
        dispose_engines(container)


@pytest.fixture
def container(database: Any) -> Iterator[Container]:
    with container_on(database) as container:
        yield container


@pytest.fixture
def services(container: Container) -> Services:
    return container.services()


@pytest.fixture
def key_uow(container: Container) -> KeyUow:
    """API keys are managed with the administrative connection (the application role only reads them)."""
    return container.admin_uow


@dataclass
class Api:
    """The test client with a key per scope; `as_` picks the key ("admin", "write", "read", None)."""

    client: TestClient
    services: Services
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, as_: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[as_]}"} if as_ else {}

    def get(self, path: str, *, as_: str | None = "read", **kwargs: Any) -> Any:
        return self.client.get(path, headers={**self.headers(as_), **kwargs.pop("headers", {})}, **kwargs)

    def post(self, path: str, body: Any = None, *, as_: str | None = "write", **kwargs: Any) -> Any:
        headers = {**self.headers(as_), **kwargs.pop("headers", {})}
        if body is not None:
            kwargs["json"] = body
        return self.client.post(path, headers=headers, **kwargs)

    def open_account(self, asset: str = "BRL", normal_side: str = "credit", **fields: Any) -> dict[str, Any]:
        body = {"code": unique("acc"), "name": "Test account", "asset": asset, "normal_side": normal_side}
        response = self.post("/v1/accounts", {**body, **fields})
        assert response.status_code == 201, response.text
        account: dict[str, Any] = response.json()
        return account

    def funding_pair(self, asset: str = "BRL") -> tuple[dict[str, Any], dict[str, Any]]:
        """A debit-normal source without limit and a credit-normal wallet that may not go negative."""
        source = self.open_account(asset, "debit", min_balance=None)
        wallet = self.open_account(asset, "credit")
        return source, wallet

    def transfer(self, debit: dict[str, Any], credit: dict[str, Any], amount: int, **extra: Any) -> Any:
        body = {
            "id": new_id(),
            "debit_account_id": debit["id"],
            "credit_account_id": credit["id"],
            "amount": amount,
        }
        return self.post("/v1/transfers", {**body, **extra})

    def balances(self, account: dict[str, Any]) -> dict[str, int]:
        response = self.get(f"/v1/accounts/{account['id']}")
        assert response.status_code == 200, response.text
        result: dict[str, int] = response.json()["balances"]
        return result


@contextmanager
def make_api(app: FastAPI, services: Services, key_uow: KeyUow) -> Iterator[Api]:
    """A client of `app` with a fresh key per scope (created in the database of `services`)."""
    with TestClient(app) as client:
        api = Api(client, services)
        for name, scopes in {
            "admin": ["admin"],
            "write": ["ledger:write"],
            "read": ["ledger:read"],
        }.items():
            _, api.tokens[name] = create_api_key(name, scopes, key_uow(), services.clock, services.ids)
        yield api


@pytest.fixture
def app(services: Services) -> FastAPI:
    return create_app(services)


@pytest.fixture
def api(app: FastAPI, services: Services, key_uow: KeyUow) -> Iterator[Api]:
    with make_api(app, services, key_uow) as client:
        yield client
