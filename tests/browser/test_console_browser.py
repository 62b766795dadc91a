"""The operator console in a real browser (Chromium through Playwright), on the app served by uvicorn.

A person signs in, searches, opens an account, pages its statement, opens a transfer, freezes and
unfreezes the account, and follows a job's progress live; without a session, or with a forged form, the
console refuses. axe-core (axe-playwright-python, offline) finds no serious or critical violation on any
page, in light and dark mode. Screenshots go to docs/console/*.png with RAZAO_SCREENSHOTS=1 (`make
screenshots`; docs/console.md shows them).
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from application import jobs
from tests.browser.conftest import Served

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "console"


def _call(served: Served, method: str, path: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {served.tokens['admin']}"}
    answer = httpx.request(method, served.url + path, json=body, headers=headers, timeout=10)
    assert answer.status_code < 300, answer.text
    return answer.json()


@pytest.fixture
def ledger(served: Served) -> dict[str, Any]:
    """Two accounts with 30 top-ups, a hold and a reversal: enough for every page to show something."""
    open_ = lambda code, side, **extra: _call(  # noqa: E731
        served,
        "POST",
        "/v1/accounts",
        {"code": code, "name": code.split(":")[1].title(), "asset": "BRL", "normal_side": side, **extra},
    )
    bank = open_("assets:bank", "debit", min_balance=None)
    wallet = open_("wallet:alice", "credit", metadata={"team": "blue"})
    open_("wallet:bob", "credit")
    first = None
    for n in range(1, 31):
        booked = _call(
            served,
            "POST",
            "/v1/transfers",
            {
                "id": str(uuid.uuid4()),
                "debit_account_id": bank["id"],
                "credit_account_id": wallet["id"],
                "amount": 1000 * n,
                "description": f"Top-up {n}",
            },
        )
        first = first or booked
    assert first is not None
    _call(served, "POST", f"/v1/transfers/{first['id']}/reverse", {"id": str(uuid.uuid4())})
    _call(
        served,
        "POST",
        "/v1/transfers",
        {
            "id": str(uuid.uuid4()),
            "debit_account_id": wallet["id"],
            "credit_account_id": bank["id"],
            "amount": 2500,
            "pending": True,
            "description": "Card authorisation",
        },
    )
    return {"wallet": wallet, "bank": bank, "first": first}


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 860})
    yield context.new_page()
    context.close()


def sign_in(page: Any, served: Served, as_: str = "admin") -> None:
    page.goto(served.url + "/console")
    page.get_by_label("API key").fill(served.tokens[as_])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/accounts")


def shoot(page: Any, name: str) -> None:
    """A screenshot of the page: into docs/console with RAZAO_SCREENSHOTS=1 (`make screenshots`), else
    taken all the same (it must render) but kept nowhere, so that a test run leaves the tree as it was."""
    if os.environ.get("RAZAO_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    else:
        assert page.screenshot(full_page=True)


def serious(page: Any) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_an_operator_signs_in_searches_pages_and_freezes(
    page: Any, served: Served, ledger: dict[str, Any]
) -> None:
    page.goto(served.url + "/console/accounts")
    assert "/console/sign-in" in page.url
    shoot(page, "sign-in")
    sign_in(page, served)
    assert served.tokens["admin"] not in page.content()

    page.get_by_label("Code prefix (group)").fill("wallet:")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_role("link", name="wallet:alice").is_visible()
    assert page.get_by_role("link", name="assets:bank").count() == 0
    page.get_by_label("Code prefix (group)").fill("")
    page.get_by_label("Metadata (key:value, comma-separated)").fill("team:blue")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_role("link", name="wallet:bob").count() == 0
    shoot(page, "accounts")

    page.get_by_role("link", name="wallet:alice").click()
    assert page.locator("#statement tbody tr").count() == 25
    assert page.get_by_text("Card authorisation").is_visible()
    assert page.locator("svg[role=img]").count() == 1
    shoot(page, "account")
    page.get_by_role("link", name="Next page").click()
    assert "after=25" in page.url and page.get_by_text("Top-up 26").is_visible()

    page.get_by_role("link", name="First page").click()
    page.locator("#statement tbody tr").first.get_by_role("link").click()
    assert "/console/transfers/" in page.url and page.get_by_text("Reversed by", exact=True).is_visible()
    shoot(page, "transfer")
    page.locator("dd a").first.click()  # to the reversal, which links back
    assert page.get_by_text("Reverses", exact=True).is_visible()

    page.goto(served.url + f"/console/accounts/{ledger['wallet']['id']}")
    page.get_by_role("link", name="Freeze").click()
    shoot(page, "confirm")
    page.get_by_role("button", name="Yes, freeze").click()
    assert page.locator("#status").inner_text() == "frozen"
    page.get_by_role("link", name="Unfreeze").click()
    page.get_by_role("button", name="Yes, unfreeze").click()
    assert page.locator("#status").inner_text() == "active"

    page.goto(served.url + "/console/trial-balance")
    assert page.get_by_text("balanced", exact=True).is_visible()
    shoot(page, "trial-balance")

    page.get_by_role("button", name="Sign out").click()
    page.goto(served.url + "/console/accounts")
    assert "/console/sign-in" in page.url


def test_without_a_session_or_with_a_forged_form_nothing_happens(
    page: Any, served: Served, ledger: dict[str, Any]
) -> None:
    wallet = ledger["wallet"]["id"]
    page.goto(served.url + f"/console/accounts/{wallet}/freeze")
    assert "/console/sign-in" in page.url  # no session: to the sign-in page, not the action

    sign_in(page, served, "write")
    page.goto(served.url + f"/console/accounts/{wallet}")
    forged = page.evaluate(
        """async (url) => {
            const answer = await fetch(url, {method: "POST", body: new URLSearchParams({csrf_token: "forged"})});
            return answer.status;
        }""",
        served.url + f"/console/accounts/{wallet}/freeze",
    )
    assert forged == 403
    without = page.evaluate(
        "async (url) => (await fetch(url, {method: 'POST'})).status",
        served.url + f"/console/accounts/{wallet}/freeze",
    )
    assert without == 403
    assert _call(served, "GET", f"/v1/accounts/{wallet}")["status"] == "active"

    # another site's page, opened in this signed-in browser, posting to the console: the console is
    # http://127.0.0.1:<port>, the page http://localhost:<other port>, another site, so the
    # SameSite=Strict cookie is not sent, even with the session's own CSRF token in the form
    page.goto(served.url + f"/console/accounts/{wallet}/freeze")
    token = page.locator("form input[name=csrf_token]").first.input_value()
    assert token
    with other_site(
        f'<form method="post" action="{served.url}/console/accounts/{wallet}/freeze">'
        f'<input type="hidden" name="csrf_token" value="{token}">'
        '<button type="submit">Win a prize</button></form>'
    ) as site:
        page.goto(site)
        assert page.url.startswith("http://localhost:")
        with page.expect_response(f"**/console/accounts/{wallet}/freeze") as posted:
            page.get_by_role("button", name="Win a prize").click()
        assert posted.value.status == 401  # refused: the request came without the session
        page.wait_for_load_state()
        assert "Sign in first" in page.content()
    assert _call(served, "GET", f"/v1/accounts/{wallet}")["status"] == "active"
    # the session was live all along: the same form from the console itself would have frozen it
    page.goto(served.url + f"/console/accounts/{wallet}/freeze")
    assert "/console/sign-in" not in page.url and page.locator("form input[name=csrf_token]").count()


@contextmanager
def other_site(html: str) -> Iterator[str]:
    """Serve `html` at http://localhost:<free port>/ (another site than the console's 127.0.0.1) from a
    thread of this process; the server is shut down on leaving."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, name="other-site", daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_job_page_follows_progress_live(page: Any, served: Served) -> None:
    services = served.services
    assert services.jobs is not None
    job = jobs.create_job("ledger-verification", {}, None, services.jobs.uow(), services.clock, services.ids)
    sign_in(page, served)
    page.goto(served.url + f"/console/jobs/{job.id}")

    def work() -> None:
        jobs.start_job(job.id, services.jobs.uow(), services.clock, total=4)  # type: ignore[union-attr]
        for done in range(1, 5):
            time.sleep(0.4)
            jobs.progress_job(job.id, done, services.jobs.uow())  # type: ignore[union-attr]
        jobs.finish_job(job.id, {"checked": 4}, services.jobs.uow(), services.clock)  # type: ignore[union-attr]

    worker = threading.Thread(target=work)
    worker.start()
    try:  # the page polls its progress every second (expect(): no eval, which the page's CSP forbids)
        expect(page.locator("[data-field=count]")).to_have_text(re.compile(r"^[23] / 4"), timeout=10_000)
        shoot(page, "job")
    finally:
        worker.join()
    expect(page.locator("[data-field=state]")).to_have_text("succeeded", timeout=10_000)
    expect(page.locator("[data-field=count]")).to_have_text("4 / 4")
    page.goto(served.url + "/console/jobs")
    shoot(page, "jobs")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_has_no_serious_accessibility_violation(
    chromium: Any, served: Served, ledger: dict[str, Any], scheme: str
) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 860}, color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(served.url + "/console/sign-in")
        found = {"sign-in": serious(page)}
        sign_in(page, served)
        services = served.services
        assert services.jobs is not None
        job = jobs.create_job("expire-holds", {}, None, services.jobs.uow(), services.clock, services.ids)
        wallet, first = ledger["wallet"]["id"], ledger["first"]["id"]
        for name, path in {
            "accounts": "/console/accounts",
            "account": f"/console/accounts/{wallet}",
            "statement-page-2": f"/console/accounts/{wallet}?after=25",
            "confirm": f"/console/accounts/{wallet}/close",
            "transfer": f"/console/transfers/{first}",
            "trial-balance": "/console/trial-balance",
            "jobs": "/console/jobs",
            "job": f"/console/jobs/{job.id}",
            "job-confirm": "/console/jobs/new?kind=expire-holds",
            "webhooks": "/console/webhooks",
            "reconciliation": "/console/reconciliation",
            "seals": "/console/seals",
            "not-found": f"/console/transfers/{uuid.uuid4()}",
        }.items():
            page.goto(served.url + path)
            found[name] = serious(page)
        if scheme == "dark":
            page.goto(served.url + f"/console/accounts/{wallet}")
            shoot(page, "account-dark")
            page.set_viewport_size({"width": 390, "height": 844})
            page.goto(served.url + f"/console/accounts/{wallet}")
            shoot(page, "account-narrow")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the account page scrolls sideways on a narrow screen ({width}px)"
    finally:
        context.close()
    assert {name: v for name, v in found.items() if v} == {}
