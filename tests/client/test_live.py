"""The Python client against a live Razão: `razao serve` on a free port, once per execution mode, running the
Python version of the quickstart exactly as docs/client.md shows it, then the retries against the real
idempotency of transfers."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bench.http import Api
from razao_api.api.accounts import get_account, open_account
from razao_api.api.transfers import create_transfer
from razao_api.models import AccountIn, Side, TransferIn
from razao_client import NotFound, Razao, Unauthorized

from application.api_keys import create_api_key
from razao.container import build_container, dispose_engines
from razao.settings import Settings

PAGE = Path(__file__).resolve().parents[2] / "docs" / "client.md"

pytestmark = pytest.mark.integration


@pytest.fixture(params=["app", "db"])
def live(request: pytest.FixtureRequest, database: Any) -> Iterator[tuple[str, str]]:
    """(base URL, admin token) of `razao serve` in one execution mode over a fresh database."""
    container = build_container(
        Settings(database_url=database.app_url, admin_database_url=database.admin_url, db_pool_size=1)
    )
    try:
        _, token = create_api_key(
            "client-tests", ["admin"], container.admin_uow(), container.clock(), container.ids()
        )
    finally:
        dispose_engines(container)
    api = Api(database, request.param, workers=1, pool=None, label="client")
    try:
        assert api.ready == "", api.ready
        yield api.base, token
    finally:
        api.stop()


def quickstart_block() -> str:
    page = PAGE.read_text(encoding="utf-8")
    section = page[page.index("## The quickstart in Python") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, "docs/client.md has no Python quickstart"
    before = page[: page.index("## The quickstart in Python") + match.start(1)]
    return "\n" * before.count("\n") + match.group(1)  # a failure names the page's line


def test_the_documented_quickstart_runs(live: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    base, token = live
    monkeypatch.setenv("RAZAO", base)
    monkeypatch.setenv("KEY", token)
    names: dict[str, Any] = {}
    exec(compile(quickstart_block(), str(PAGE), "exec"), names)  # the page's asserts are the test's
    trial = names["trial"]
    assert trial.to_dict()  # the trial balance came back parsed


def test_a_transfer_resent_by_the_client_is_booked_once(live: tuple[str, str]) -> None:
    base, token = live
    with Razao(base, token=token) as razao:
        bank = razao.call(
            open_account,
            body=AccountIn(
                code="assets:bank", name="Bank", asset="BRL", normal_side=Side.DEBIT, min_balance=None
            ),
        )
        wallet = razao.call(
            open_account,
            body=AccountIn(code="customers:c:wallet", name="C", asset="BRL", normal_side=Side.CREDIT),
        )
        body = TransferIn(id=uuid.uuid4(), debit_account_id=bank.id, credit_account_id=wallet.id, amount=700)
        # the answer of the first attempt is "lost": a 503 from a proxy in front, after the API booked it
        inner = razao.transport.inner
        lost = {"count": 0}

        class LosesTheFirstAnswer:
            def handle_request(self, request: Any) -> Any:
                response = inner.handle_request(request)
                if request.method == "POST" and not lost["count"]:
                    lost["count"] += 1
                    response.read()
                    import httpx

                    return httpx.Response(503, json={"code": "service_unavailable", "status": 503})
                return response

            def close(self) -> None:
                inner.close()

        razao.transport.inner = LosesTheFirstAnswer()  # type: ignore[assignment]
        razao.transport.sleep = lambda _: None
        transfer = razao.call(create_transfer, body=body)
        assert transfer.id == body.id and razao.transport.retries == 1
        assert razao.call(get_account, wallet.id).balances.posted == 700  # booked once

        with pytest.raises(NotFound) as missing:
            razao.call(get_account, uuid.uuid4())
        assert missing.value.code == "account_not_found" and missing.value.request_id
    with Razao(base, token="rz_wrong") as stranger, pytest.raises(Unauthorized) as refused:
        stranger.call(get_account, bank.id)
    assert refused.value.code == "unauthenticated"
    assert os.environ.get("RAZAO_EXECUTION_MODE") in (None, "", "auto", "app", "db")
