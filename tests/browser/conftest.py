"""Fixtures of the browser tests: the real app served by uvicorn on a free port, over a fresh database,
and Playwright driving Debian's Chromium (`/usr/bin/chromium`, installed by scripts/setup.sh).

The registry's own browser download is not used. Without Chromium the tests are skipped, saying so;
setup.sh installs it, so they run in CI. The server runs in a thread of the test process (no process to
stop) and is shut down when the test ends.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from adapters.http.app import create_app
from adapters.http.services import Services
from application.api_keys import create_api_key
from razao.container import Container
from tests.e2e.conftest import UNREACHABLE_BROKER, container_on

CHROMIUM = os.environ.get("RAZAO_CHROMIUM", "/usr/bin/chromium")
_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here talks to the real PostgreSQL and needs Chromium."""
    for item in items:
        if _HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.integration)
            if not os.access(CHROMIUM, os.X_OK):
                item.add_marker(
                    pytest.mark.skip(
                        reason=f"Chromium is not installed at {CHROMIUM} (scripts/setup.sh installs it)"
                    )
                )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    """The app at `url`, its services and container, and a key per scope."""

    url: str
    services: Services
    container: Container
    tokens: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def served(database: Any) -> Iterator[Served]:
    with container_on(
        database, execution_mode="app", broker_url=UNREACHABLE_BROKER, result_backend=None
    ) as c:
        services = c.services()
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(services), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
            )
        )
        thread = threading.Thread(target=server.run, name="console-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.started, "the console's server did not start"
        result = Served(f"http://127.0.0.1:{port}", services, c)
        for name, scopes in {"admin": ["admin"], "write": ["ledger:write"], "read": ["ledger:read"]}.items():
            _, result.tokens[name] = create_api_key(name, scopes, c.admin_uow(), services.clock, services.ids)
        try:
            yield result
        finally:
            server.should_exit = True
            thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """The browser, for one module: Playwright's synchronous API runs an event loop in this thread while
    it is open, which `asyncio.run` elsewhere in the same worker would meet (module scope closes it as soon
    as the worker moves on to another module's tests)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()
