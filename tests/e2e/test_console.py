"""The operator console's pages through the real app, in both execution modes: sign-in and sign-out,
sessions and CSRF, scopes, every page, and the admin actions.

Browser tests (Playwright on Chromium) are in tests/browser; these are page-level (TestClient)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import structlog.testing
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from adapters.http.app import create_app
from razao.container import Container
from tests.e2e.conftest import UNREACHABLE_BROKER, Api, container_on, make_api

_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


@pytest.fixture(params=["app", "db"])
def container(request: pytest.FixtureRequest, database: Any) -> Iterator[Container]:
    with container_on(
        database, execution_mode=request.param, broker_url=UNREACHABLE_BROKER, result_backend=None
    ) as container:
        yield container


@pytest.fixture
def api(container: Container) -> Iterator[Api]:
    services = container.services()
    with make_api(create_app(services), services, container.admin_uow) as client:
        yield client


def csrf_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, html
    return found.group(1)


def browser(api: Api) -> TestClient:
    """A second client of the same app (its own cookie jar): a browser of its own."""
    return TestClient(api.client.app)


def sign_in(client: TestClient, token: str) -> Any:
    form = client.get("/console/sign-in")
    assert form.status_code == 200
    return client.post(
        "/console/sign-in",
        data={"api_key": token, "csrf_token": csrf_of(form.text), "next": "/console/accounts"},
        follow_redirects=False,
    )


def signed_in(api: Api, as_: str = "admin") -> TestClient:
    client = browser(api)
    answer = sign_in(client, api.tokens[as_])
    assert answer.status_code == 303, answer.text
    return client


def act(client: TestClient, page: str, data: dict[str, str] | None = None) -> Any:
    """Open a confirmation page, then submit its form with its CSRF token."""
    confirm = client.get(page)
    assert confirm.status_code == 200, confirm.text
    return client.post(
        page, data={"csrf_token": csrf_of(confirm.text), **(data or {})}, follow_redirects=False
    )


def test_sign_in_sets_a_strict_http_only_cookie_and_stores_only_a_hash(
    api: Api, admin_engine: Engine
) -> None:
    client = browser(api)
    answer = sign_in(client, api.tokens["read"])

    assert answer.status_code == 303 and answer.headers["location"] == "/console/accounts"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("razao_console="))
    assert (
        "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=" in cookie and "expires=" in cookie
    )
    token = cookie.split(";")[0].split("=", 1)[1]
    with admin_engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM console_sessions")).scalars().all()
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64
    page = client.get("/console/accounts")
    assert page.status_code == 200 and api.tokens["read"] not in page.text


def test_a_wrong_key_is_refused_and_sign_in_is_throttled(api: Api) -> None:
    client = browser(api)
    assert sign_in(client, "rz_nope").status_code == 401
    for _ in range(10):
        sign_in(client, "rz_nope")
    assert sign_in(client, api.tokens["read"]).status_code == 429


def test_sign_out_ends_the_session_for_a_copied_cookie_too(api: Api) -> None:
    client = signed_in(api, "read")
    stolen = TestClient(api.client.app, cookies={"razao_console": client.cookies["razao_console"]})
    assert stolen.get("/console/accounts", follow_redirects=False).status_code == 200

    page = client.get("/console/accounts")
    out = client.post("/console/sign-out", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)

    assert out.status_code == 303
    again = stolen.get("/console/accounts", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/console/sign-in")


def test_pages_without_a_session_send_to_sign_in_and_actions_are_refused(api: Api) -> None:
    account = api.open_account()
    client = browser(api)

    page = client.get(f"/console/accounts/{account['id']}", follow_redirects=False)
    assert page.status_code == 303 and "/console/sign-in?next=" in page.headers["location"]
    forged = client.post(f"/console/accounts/{account['id']}/freeze", data={"csrf_token": "x"})
    assert forged.status_code == 401
    assert api.get(f"/v1/accounts/{account['id']}").json()["status"] == "active"


def test_a_form_without_its_csrf_token_is_refused(api: Api) -> None:
    account = api.open_account()
    client = signed_in(api, "write")

    assert client.post(f"/console/accounts/{account['id']}/freeze").status_code == 403
    other = signed_in(api, "write")  # another session's token is not this session's
    token = csrf_of(other.get(f"/console/accounts/{account['id']}/freeze").text)
    assert (
        client.post(f"/console/accounts/{account['id']}/freeze", data={"csrf_token": token}).status_code
        == 403
    )
    assert api.get(f"/v1/accounts/{account['id']}").json()["status"] == "active"


def test_freeze_unfreeze_and_close_need_the_write_scope(api: Api) -> None:
    account = api.open_account()
    reader, writer = signed_in(api, "read"), signed_in(api, "write")

    assert reader.get(f"/console/accounts/{account['id']}/freeze").status_code == 403
    assert "Freeze</a>" not in reader.get(f"/console/accounts/{account['id']}").text

    key_id = str(uuid.UUID(api.tokens["write"].split("_")[1]))
    for action, status in (("freeze", "frozen"), ("unfreeze", "active"), ("close", "closed")):
        with structlog.testing.capture_logs() as logs:
            done = act(writer, f"/console/accounts/{account['id']}/{action}")
        assert done.status_code == 303, done.text
        assert api.get(f"/v1/accounts/{account['id']}").json()["status"] == status
        [logged] = [line for line in logs if line["event"] == "console_action"]
        assert logged["action"] == f"account.{action}" and logged["key_id"] == key_id
        assert logged["account_id"] == account["id"]
    refused = act(writer, f"/console/accounts/{account['id']}/freeze")
    assert refused.status_code == 409 and "text/html" in refused.headers["content-type"]


def test_account_search_and_account_page(api: Api) -> None:
    source, wallet = api.funding_pair()
    tagged = api.open_account(metadata={"team": "blue"})
    for amount in range(1, 31):
        assert api.transfer(source, wallet, amount * 100, description=f"top-up {amount}").status_code == 201
    hold = api.transfer(wallet, source, 250, pending=True)
    assert hold.status_code == 201, hold.text
    client = signed_in(api, "read")

    by_prefix = client.get("/console/accounts", params={"code_prefix": wallet["code"]})
    assert wallet["code"] in by_prefix.text and source["code"] not in by_prefix.text
    by_metadata = client.get("/console/accounts", params={"metadata": "team:blue"})
    assert tagged["code"] in by_metadata.text and wallet["code"] not in by_metadata.text
    assert wallet["code"] in client.get("/console/accounts", params={"status": "active", "asset": "BRL"}).text
    assert client.get("/console/accounts", params={"category": "nope"}).status_code == 422

    page = client.get(f"/console/accounts/{wallet['id']}")
    assert page.status_code == 200
    assert "465.00" in page.text  # posted: 1 + ... + 30 reais
    assert "462.50" in page.text  # available: less the open hold
    assert hold.json()["id"] in page.text and "<svg" in page.text and 'rel="next"' in page.text
    second = client.get(f"/console/accounts/{wallet['id']}", params={"after": 25})
    assert "top-up 26" in second.text and "top-up 3<" not in second.text


def test_transfer_page_links_its_reversal_and_trial_balance(api: Api) -> None:
    source, wallet = api.funding_pair()
    booked = api.transfer(source, wallet, 1234).json()
    reversal = api.post(f"/v1/transfers/{booked['id']}/reverse", {"id": str(uuid.uuid4())}).json()
    client = signed_in(api, "read")

    page = client.get(f"/console/transfers/{booked['id']}")
    assert (
        page.status_code == 200
        and "12.34" in page.text
        and f"/console/transfers/{reversal['id']}" in page.text
    )
    back = client.get(f"/console/transfers/{reversal['id']}")
    assert f"/console/transfers/{booked['id']}" in back.text
    assert client.get(f"/console/transfers/{uuid.uuid4()}").status_code == 404
    trial = client.get("/console/trial-balance")
    assert trial.status_code == 200 and "balanced" in trial.text and "BRL" in trial.text


def test_jobs_and_webhooks_need_admin_and_a_job_start_is_confirmed(api: Api) -> None:
    reader, admin = signed_in(api, "read"), signed_in(api, "admin")
    assert reader.get("/console/jobs").status_code == 403
    assert reader.get("/console/webhooks").status_code == 403
    assert admin.get("/console/jobs").status_code == 200

    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    asked = {"kind": "interest-accrual", "start": yesterday, "end": yesterday, "post_open_periods": "true"}
    confirm = admin.get("/console/jobs/new", params=asked)
    assert confirm.status_code == 200 and "interest-accrual" in confirm.text
    assert "paying the months still open" in confirm.text and 'name="post_open_periods"' in confirm.text
    started = admin.post("/console/jobs", data={"csrf_token": csrf_of(confirm.text), **asked})
    assert started.status_code == 503  # the broker of this test cannot be reached: the job is failed
    jobs = admin.get("/console/jobs")
    assert "interest-accrual" in jobs.text and "failed" in jobs.text
    job_id = re.search(r"/console/jobs/([0-9a-f-]{36})\"", jobs.text)
    assert job_id
    progress = admin.get(f"/console/jobs/{job_id.group(1)}/progress").json()
    assert progress["state"] == "failed" and progress["finished"] is True
    assert admin.get(f"/console/jobs/{job_id.group(1)}").status_code == 200
    recorded = api.get(f"/v1/jobs/{job_id.group(1)}", as_="admin").json()
    assert recorded["params"] == {"start": yesterday, "end": yesterday, "post_open_periods": True}
    assert admin.get("/console/webhooks").status_code == 200


def test_every_answer_carries_the_security_headers(api: Api) -> None:
    client = signed_in(api, "read")
    for path in ("/console/sign-in", "/console/accounts", f"/console/transfers/{uuid.uuid4()}"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
    console_routes = [r for r in api.client.app.routes if getattr(r, "path", "").startswith("/console")]
    assert console_routes and not any(getattr(r, "include_in_schema", False) for r in console_routes)


def test_a_revoked_key_ends_its_sessions(api: Api, container: Container) -> None:
    from application.api_keys import create_api_key, revoke_api_key

    services = container.services()
    key, token = create_api_key("temp", ["ledger:read"], container.admin_uow(), services.clock, services.ids)
    client = browser(api)
    assert sign_in(client, token).status_code == 303
    revoke_api_key(key.id, container.admin_uow(), services.clock)
    assert client.get("/console/accounts", follow_redirects=False).status_code == 303


def test_an_unknown_console_path_is_an_html_page(api: Api) -> None:
    client = signed_in(api, "read")
    missing = client.get("/console/nowhere")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert "Sign out" in missing.text  # the navigation of the signed-in person
    assert client.get("/console/static/console.css").status_code == 200
    assert client.get("/console/static/console.js").headers["content-type"].startswith("text/javascript")


def test_sealing_status_and_a_reconciliation_run(api: Api, container: Container) -> None:
    from pathlib import Path

    from application import reconciliation

    reader, admin = signed_in(api, "read"), signed_in(api, "admin")
    assert reader.get("/console/seals").status_code == 403
    seals = admin.get("/console/seals")
    assert seals.status_code == 200 and 'id="height"' in seals.text

    bank = api.open_account("BRL", "debit", min_balance=None)
    sample = Path(__file__).parents[2] / "docs" / "audit" / "samples" / "camt053.xml"
    uploaded = api.post(
        "/v1/statements",
        data={"account_id": bank["id"], "format": "camt053"},
        files={"file": ("camt053.xml", sample.read_bytes(), "application/octet-stream")},
    )
    assert uploaded.status_code == 201, uploaded.text
    services = container.services()
    run = reconciliation.create_run(
        reconciliation.StartRun(uuid.UUID(uploaded.json()["id"])),
        container.reconciliation_services().uow(),
        services.clock,
        services.ids,
    )

    opened = reader.get("/console/reconciliation", params={"run": str(run.id)}, follow_redirects=False)
    assert (
        opened.status_code == 303 and opened.headers["location"] == f"/console/reconciliation/runs/{run.id}"
    )
    page = reader.get(f"/console/reconciliation/runs/{run.id}")
    assert page.status_code == 200 and "queued" in page.text and bank["code"] in page.text
    assert reader.get(f"/console/reconciliation/runs/{run.id}", params={"side": "ledger"}).status_code == 200
    assert reader.get(f"/console/reconciliation/runs/{uuid.uuid4()}").status_code == 404
    assert reader.get(f"/console/reconciliation/runs/{run.id}", params={"side": "x"}).status_code == 422


def test_a_session_holds_in_another_api_process_until_signed_out(api: Api, container: Container) -> None:
    """Two apps built apart (two API processes) over one database share the sessions."""
    client = signed_in(api, "read")
    with TestClient(create_app(container.services())) as other_process:
        other_process.cookies.set("razao_console", client.cookies["razao_console"], path="/console")
        assert other_process.get("/console/trial-balance", follow_redirects=False).status_code == 200
        page = client.get("/console/accounts")
        client.post("/console/sign-out", data={"csrf_token": csrf_of(page.text)})
        assert other_process.get("/console/trial-balance", follow_redirects=False).status_code == 303


def test_a_key_without_the_read_scope_can_still_sign_out(api: Api) -> None:
    token = api.tokens["write"]  # ledger:write only: no console page, but a session to end
    client = browser(api)
    assert sign_in(client, token).status_code == 303
    refused = client.get("/console/accounts")  # no page for this key, but the navigation's sign-out form
    assert refused.status_code == 403

    out = client.post("/console/sign-out", data={"csrf_token": csrf_of(refused.text)}, follow_redirects=False)

    assert out.status_code == 303 and out.headers["location"] == "/console/sign-in"
    again = client.get("/console/accounts", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/console/sign-in")


def test_sign_out_still_needs_the_session_s_csrf_token(api: Api) -> None:
    client = signed_in(api, "write")

    assert client.post("/console/sign-out", data={"csrf_token": "x"}).status_code == 403
    still = client.get("/console/accounts", follow_redirects=False)
    assert still.status_code == 403  # signed in still (a page it lacks the scope for, not the sign-in)


@pytest.mark.parametrize(
    "after",
    ["a\x00", "a" * 129],
)
def test_an_account_list_position_that_is_no_code_is_a_422_page(api: Api, after: str) -> None:
    client = signed_in(api, "read")

    page = client.get("/console/accounts", params={"after": after})

    assert page.status_code == 422 and "text/html" in page.headers["content-type"]
    assert "after" in page.text


@pytest.mark.parametrize("after", ["99999999999999999999999", str(2**63), "-1", "1e3", "x", "١٢"])
def test_a_statement_position_out_of_range_is_a_422_page(api: Api, after: str) -> None:
    account = api.open_account()
    client = signed_in(api, "read")

    page = client.get(f"/console/accounts/{account['id']}", params={"after": after})

    assert page.status_code == 422 and "text/html" in page.headers["content-type"]
    assert "after" in page.text


def test_the_largest_statement_position_is_a_page(api: Api) -> None:
    account = api.open_account()
    client = signed_in(api, "read")

    assert (
        client.get(f"/console/accounts/{account['id']}", params={"after": str(2**63 - 1)}).status_code == 200
    )
    assert client.get("/console/accounts", params={"after": "z" * 128}).status_code == 200


@pytest.mark.parametrize(
    ("target", "landing"),
    [
        ("/console/transfers/x?a=1", "/console/transfers/x?a=1"),
        ("/console", "/console"),
        ("/console/../v1/accounts", "/console/accounts"),
        ("/console/./x", "/console/accounts"),
        ("/consolefoo", "/console/accounts"),
        ("/console//evil.example", "/console/accounts"),
        ("//evil.example/console", "/console/accounts"),
        ("/console/%2e%2e/v1/accounts", "/console/accounts"),
        ("/console\\..\\v1", "/console/accounts"),
        ("https://evil.example/console", "/console/accounts"),
    ],
)
def test_sign_in_sends_back_only_to_a_console_path(api: Api, target: str, landing: str) -> None:
    client = browser(api)
    form = client.get("/console/sign-in")
    answer = client.post(
        "/console/sign-in",
        data={"api_key": api.tokens["read"], "csrf_token": csrf_of(form.text), "next": target},
        follow_redirects=False,
    )

    assert answer.status_code == 303 and answer.headers["location"] == landing
