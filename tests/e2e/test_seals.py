"""The sealed journal through the API and the CLI, in both execution modes: a transfer's proof is 409
until it is sealed, then every line proves with the snippet docs/audit/seals.md shows; the status is for
admins; `razao check --seals` exits non-zero once a block was tampered with."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, pool, text

from adapters.http.app import create_app
from adapters.tasks.jobs import seal_all
from razao.container import Container
from tests.e2e.conftest import Api, KeyUow, container_on, make_api, new_id, problem_code

DOCS = Path(__file__).resolve().parents[2] / "docs" / "audit" / "seals.md"


def docs_verify() -> Any:
    """The `verify` function of the docs' snippet, as printed there."""
    text_ = DOCS.read_text(encoding="utf-8")
    section = text_[text_.index("## Checking a proof") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(compile(code.group(1), str(DOCS), "exec"), namespace)
    return namespace["verify"]


@pytest.fixture(params=["app", "db"])
def sealed_api(request: pytest.FixtureRequest, database: Any) -> Iterator[tuple[Api, Container]]:
    with container_on(database, execution_mode=request.param) as container:
        services = container.services()
        app = create_app(services)
        key_uow: KeyUow = container.admin_uow
        with make_api(app, services, key_uow) as api:
            yield api, container


def _seal_everything(container: Container) -> None:
    deadline = time.monotonic() + 20
    path = container.seal_path()
    while path.status().unsealed_rows > 0:
        assert time.monotonic() < deadline
        if seal_all(path)["blocks"] == 0:
            time.sleep(0.05)


def test_a_transfer_proves_once_sealed(sealed_api: tuple[Api, Container]) -> None:
    api, container = sealed_api
    source, wallet = api.funding_pair()
    booked = api.transfer(source, wallet, 1050)
    assert booked.status_code == 201, booked.text
    tid = booked.json()["id"]
    early = api.get(f"/v1/transfers/{tid}/proof")
    assert early.status_code == 409 and problem_code(early) == "not_sealed_yet"
    assert early.headers["Retry-After"] == "10"
    assert problem_code(api.get(f"/v1/transfers/{new_id()}/proof")) == "not_found"
    _seal_everything(container)
    answer = api.get(f"/v1/transfers/{tid}/proof")
    assert answer.status_code == 200, answer.text
    lines = answer.json()["lines"]
    verify = docs_verify()
    assert len(lines) == 2 and all(line["sealed"] and verify(line) for line in lines)
    assert not any(line["position"].startswith("- ") for line in lines)  # the writer's txid, by default
    assert {line["leaf"].split("amount=")[1].split("\n")[0] for line in lines} == {"1050"}
    forged = {**lines[0], "leaf": lines[0]["leaf"].replace("amount=1050", "amount=1051")}
    assert not verify(forged)
    status = api.get("/v1/admin/seals", as_="admin")
    assert status.status_code == 200 and status.json()["height"] >= 1
    assert status.json()["unsealed_rows"] == 0
    assert api.get("/v1/admin/seals", as_="read").status_code == 403
    metrics = api.client.get("/metrics").text
    head = status.json()["head_hash"]
    assert f'hash="{head}"' in metrics and "razao_seal_head_info{" in metrics
    assert "razao_seal_height " in metrics and "razao_unsealed_rows 0.0" in metrics
    assert "razao_seal_lag_seconds 0.0" in metrics


def test_check_seals_fails_on_a_tampered_block(database: Any) -> None:
    with container_on(database, execution_mode="app") as container:
        api_services = container.services()
        with make_api(create_app(api_services), api_services, container.admin_uow) as api:
            source, wallet = api.funding_pair()
            assert api.transfer(source, wallet, 700).status_code == 201
        _seal_everything(container)
    args = [sys.executable, "-m", "razao.cli", "check", "--seals", "--no-progress"]
    args += ["--database-url", database.admin_url]

    def check() -> subprocess.CompletedProcess[str]:  # a process of its own, as an operator runs it
        return subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)

    clean = check()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "seals" in clean.stdout
    engine = create_engine(database.admin_url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE seal_blocks SET merkle_root = sha256(merkle_root) WHERE height = 1"))
    engine.dispose()
    broken = check()
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "SEAL edited_block block 1" in broken.stdout


def test_the_api_factory_serves_the_seal_endpoints(database: Any) -> None:
    """`razao.api.create_app` (what uvicorn runs) wires the sealed journal through its container."""
    from razao.api import create_app as api_factory
    from razao.container import dispose_engines
    from razao.settings import Settings

    app = api_factory(
        Settings(database_url=database.app_url, admin_database_url=database.admin_url, execution_mode="app")
    )
    container = app.state.container
    try:
        with make_api(app, container.services(), container.admin_uow) as api:
            answer = api.get("/v1/admin/seals", as_="admin")
            assert answer.status_code == 200, answer.text
            assert answer.json()["height"] == 0
    finally:
        dispose_engines(container)
