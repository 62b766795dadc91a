"""Exports through the API and the real container, in both execution modes: an account's statement and
the journal of a period as CSV and JSON Lines add up to the statement; the journal's JSON pages; a 406
for a type not offered; and a client that goes away stops the reading."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI

from adapters.http import exports
from adapters.http.app import create_app
from adapters.http.services import Services
from application.read_path import ReadPath
from razao.container import Container
from tests.e2e.conftest import Api, container_on, problem_code

CSV = {"Accept": "text/csv"}
JSONL = {"Accept": "application/x-ndjson"}
TRICKY = ["=SUM(A1:A9)", 'a "quoted", comma', "two\nlines", "+55 11", "café ☕", ""]


class CountingReadPath:
    """The container's read path, counting the journal and statement pages it is asked for."""

    def __init__(self, inner: ReadPath) -> None:
        self._inner = inner
        self.reads = 0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)
        if name not in {"journal", "statement", "value_statement"}:
            return method

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.reads += 1
            return method(*args, **kwargs)

        return counted


@pytest.fixture(params=["app", "db"])
def container(request: pytest.FixtureRequest, database: Any) -> Iterator[Container]:
    with container_on(database, execution_mode=request.param) as container:
        yield container


@pytest.fixture
def app(services: Services) -> FastAPI:
    return create_app(replace(services, read_path=CountingReadPath(services.read_path)))


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exports read 3 lines at a time: a few transfers make many pages."""
    monkeypatch.setattr(exports, "PAGE_ROWS", 3)


def rows_of(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline="")))


def lines_of(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return [json.loads(text) for text in response.text.splitlines()]


def booked(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """A wallet with ten payments in and out, a hold and a capture; descriptions a sheet could misread."""
    source, wallet = api.funding_pair()
    for n in range(8):
        response = api.transfer(source, wallet, 1000 + n, description=TRICKY[n % len(TRICKY)])
        assert response.status_code == 201, response.text
    assert api.transfer(wallet, source, 333, description="-refund").status_code == 201
    held = api.transfer(source, wallet, 250, pending=True, timeout_seconds=3600).json()
    assert api.post(f"/v1/transfers/{held['id']}/post", {"amount": 200}).status_code == 200
    return source, wallet


def window() -> str:
    now = datetime.now(UTC)
    return urlencode(
        {"from": (now - timedelta(hours=1)).isoformat(), "to": (now + timedelta(hours=1)).isoformat()}
    )


def statement_json(api: Api, account: dict[str, Any]) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        query = "?limit=4" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(f"/v1/accounts/{account['id']}/entries{query}").json()
        items += page["items"]
        if (cursor := page["next_cursor"]) is None:
            return items


def test_a_statement_export_adds_up_to_the_statement(api: Api, small_pages: None) -> None:
    _, wallet = booked(api)
    statement = statement_json(api, wallet)
    as_csv = rows_of(api.get(f"/v1/accounts/{wallet['id']}/entries", headers=CSV))
    as_jsonl = lines_of(api.get(f"/v1/accounts/{wallet['id']}/entries", headers=JSONL))

    assert [int(r["seq"]) for r in as_csv] == [e["seq"] for e in statement] == [j["seq"] for j in as_jsonl]
    assert (
        [int(r["amount"]) for r in as_csv]
        == [e["amount"] for e in statement]
        == [j["amount"] for j in as_jsonl]
    )
    signed = sum(int(r["amount"]) * (1 if r["side"] == "credit" else -1) for r in as_csv)
    posted = api.balances(wallet)["posted_credits"] - api.balances(wallet)["posted_debits"]
    assert signed == posted == int(as_csv[-1]["balance_after"]) == as_jsonl[-1]["balance_after"]
    assert as_csv[-1]["balance_after_decimal"] == f"{posted // 100}.{posted % 100:02d}"
    assert {r["account_code"] for r in as_csv} == {wallet["code"]} and {r["layer"] for r in as_csv} == {
        "posted"
    }
    assert [r["description"] for r in as_csv][:3] == ["'=SUM(A1:A9)", 'a "quoted", comma', "two\nlines"]
    assert [j["description"] for j in as_jsonl][:1] == ["=SUM(A1:A9)"]
    assert [r["created_at"] for r in as_csv] == [e["created_at"] for e in statement]


def test_a_statement_export_by_value_date_has_the_same_lines(api: Api) -> None:
    _, wallet = booked(api)
    by_value = rows_of(api.get(f"/v1/accounts/{wallet['id']}/entries?basis=effective", headers=CSV))
    by_booking = rows_of(api.get(f"/v1/accounts/{wallet['id']}/entries", headers=CSV))
    assert sorted(r["seq"] for r in by_value) == sorted(r["seq"] for r in by_booking)
    assert by_value[-1]["balance_after"] == by_booking[-1]["balance_after"]


def test_the_journal_balances_and_holds_the_statement(api: Api, small_pages: None) -> None:
    source, wallet = booked(api)
    query = window()
    journal = rows_of(api.get(f"/v1/journal?{query}", headers=CSV))
    jsonl = lines_of(api.get(f"/v1/journal?{query}", headers={"Accept": "application/jsonl"}))
    pages, cursor = [], None
    while True:
        page = api.get(f"/v1/journal?{query}&limit=5" + (f"&cursor={cursor}" if cursor else "")).json()
        pages += page["items"]
        if (cursor := page["next_cursor"]) is None:
            break

    assert jsonl == pages and [r["transfer_id"] for r in journal] == [p["transfer_id"] for p in pages]
    order = [(r["created_at"], r["transfer_id"], r["layer"], int(r["line"])) for r in journal]
    assert order == sorted(order) and len(set(order)) == len(order)
    posted = [r for r in journal if r["layer"] == "posted"]
    assert sum(int(r["amount"]) for r in posted if r["side"] == "debit") == sum(
        int(r["amount"]) for r in posted if r["side"] == "credit"
    )
    assert {r["layer"] for r in journal} == {"posted", "pending"}
    mine = [r for r in posted if r["account_id"] == wallet["id"]]
    statement = rows_of(api.get(f"/v1/accounts/{wallet['id']}/entries", headers=CSV))
    assert [(r["seq"], r["amount"], r["balance_after"]) for r in mine] == [
        (r["seq"], r["amount"], r["balance_after"]) for r in statement
    ]
    assert {r["account_code"] for r in journal} == {source["code"], wallet["code"]}


def test_a_type_not_offered_is_406(api: Api) -> None:
    _, wallet = booked(api)
    for path in (f"/v1/accounts/{wallet['id']}/entries", f"/v1/journal?{window()}"):
        response = api.get(path, headers={"Accept": "text/html"})
        assert (response.status_code, problem_code(response)) == (406, "not_acceptable")
    assert api.get(f"/v1/accounts/{wallet['id']}/entries", headers={"Accept": "*/*"}).json()["items"]


def test_the_journal_window_is_required_ordered_and_bounded(api: Api) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    cases = {
        "": "from",
        urlencode({"from": start.isoformat()}): "to",
        urlencode({"from": start.isoformat(), "to": start.isoformat()}): "to",
        urlencode({"from": start.isoformat(), "to": (start + timedelta(days=367)).isoformat()}): "to",
        urlencode(
            {"from": start.isoformat(), "to": (start + timedelta(days=1)).isoformat(), "cursor": "x"}
        ): "cursor",
    }
    for query, field in cases.items():
        for headers in ({}, CSV) if field != "cursor" else ({},):  # an export has no cursor
            response = api.get(f"/v1/journal?{query}", headers=headers)
            assert (response.status_code, problem_code(response)) == (422, "validation_error"), query
            assert field in {e["field"] for e in response.json()["errors"]}, (query, response.json())
    assert api.get(f"/v1/journal?{window()}", as_=None).status_code == 401


def _stream_and_leave(app: FastAPI, path: str, token: str, *, asgi_version: str) -> int:
    """Ask for `path` as CSV, and leave once the first chunk of the body has arrived: by a disconnect
    message (ASGI < 2.4) or by a failing send (2.4). Returns the body chunks received."""
    chunks = 0

    async def run() -> None:
        first_chunk = asyncio.Event()
        asked = False

        async def receive() -> dict[str, Any]:
            nonlocal asked
            if not asked:
                asked = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await first_chunk.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal chunks
            if message["type"] == "http.response.start":
                assert message["status"] == 200, message
            elif message["type"] == "http.response.body" and message.get("body"):
                if first_chunk.is_set() and asgi_version == "2.4":
                    raise OSError("the client went away")
                chunks += 1
                first_chunk.set()

        base, _, query = path.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": asgi_version},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": base,
            "raw_path": base.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [
                (b"accept", b"text/csv"),
                (b"authorization", f"Bearer {token}".encode()),
                (b"host", b"t"),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("t", 80),
        }
        with contextlib.suppress(OSError):
            await app(scope, receive, send)
        await asyncio.sleep(0.5)  # were the reading to go on, it would now

    asyncio.run(run())
    return chunks


@pytest.mark.parametrize("asgi_version", ["2.3", "2.4"])
def test_a_client_that_leaves_stops_the_reading(
    api: Api, app: FastAPI, small_pages: None, asgi_version: str
) -> None:
    booked(api)
    counting: CountingReadPath = app.state.services.read_path
    path = f"/v1/journal?{window()}"
    counting.reads = 0
    assert len(rows_of(api.get(path, headers=CSV))) > 20
    whole = counting.reads  # every page of the export (3 lines each)
    assert whole >= 8

    counting.reads = 0
    chunks = _stream_and_leave(app, path, api.tokens["read"], asgi_version=asgi_version)
    assert chunks <= 2 and counting.reads <= 3, (chunks, counting.reads, whole)
