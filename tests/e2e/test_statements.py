"""Bank statements through the HTTP API: upload (multipart), idempotency, skipped lines, listing and
paging, CSV mappings, the mirror account's checks, refusals that import nothing, and the size limit."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import structlog

from razao.container import Container
from tests.e2e.conftest import Api, container_on, make_api, problem_code, unique

SAMPLES = Path(__file__).parents[2] / "docs" / "audit" / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def upload(
    api: Api, account: dict[str, Any], format: str, data: bytes, *, name: str = "statement", **fields: str
) -> Any:
    form = {"account_id": account["id"], "format": format, **fields}
    return api.post("/v1/statements", data=form, files={"file": (name, data, "application/octet-stream")})


def lines_of(api: Api, statement_id: str, **params: Any) -> Any:
    response = api.get(f"/v1/statements/{statement_id}/lines", params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def bank(api: Api) -> dict[str, Any]:
    """The ledger account that mirrors the bank account: an asset, debit-normal, in BRL."""
    return api.open_account("BRL", "debit", min_balance=None)


def test_a_camt053_statement_is_imported_with_its_lines_and_balances(api: Api, bank: dict[str, Any]) -> None:
    response = upload(api, bank, "camt053", sample("camt053.xml"), name="camt053.xml")
    assert response.status_code == 201, response.text
    statement = response.json()
    assert response.headers["location"] == f"/v1/statements/{statement['id']}"
    assert statement["format"] == "camt053"
    assert statement["statement_ref"] == "2025-03-31-0001"
    assert statement["asset_code"] == "BRL"
    assert (statement["opening_balance"], statement["closing_balance"]) == (1523000, 2295075)
    assert statement["closing_date"] == "2025-03-31"
    assert (statement["line_count"], statement["lines_skipped"]) == (10, 0)
    assert statement["source_name"] == "camt053.xml"
    page = lines_of(api, statement["id"])
    fee = page["items"][6]
    assert fee == {
        "statement_id": statement["id"],
        "line_no": 7,
        "external_id": "BNK-20250331-000107",
        "value_date": "2025-03-31",
        "booking_date": "2025-03-31",
        "amount": 4590,
        "direction": "debit",
        "currency": "BRL",
        "reference": None,
        "description": "Tarifa pacote de servicos 03/2025",
        "counterparty": None,
    }
    assert page["items"][0]["counterparty"] == "Padaria Estrela Ltda"
    assert page["items"][0]["reference"] == "INV-2025-0311"
    net = sum(i["amount"] if i["direction"] == "credit" else -i["amount"] for i in page["items"])
    assert statement["opening_balance"] + net == statement["closing_balance"]
    assert api.get(f"/v1/statements/{statement['id']}").json() == statement


def test_the_same_file_twice_is_the_same_statement(api: Api, bank: dict[str, Any]) -> None:
    first = upload(api, bank, "camt053", sample("camt053.xml"))
    again = upload(api, bank, "camt053", sample("camt053.xml"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    listed = api.get("/v1/statements", params={"account_id": bank["id"]}).json()
    assert [s["id"] for s in listed["items"]] == [first.json()["id"]]


def test_lines_another_file_imported_are_skipped_and_counted(api: Api, bank: dict[str, Any]) -> None:
    camt = upload(api, bank, "camt053", sample("camt053.xml"))
    assert camt.status_code == 201
    mapping = json.loads(sample("csv-mapping.json"))
    mapping["name"] = unique("bank").replace(":", "-")
    assert api.post("/v1/statements/csv-mappings", mapping).status_code == 201
    csv = upload(api, bank, "csv", sample("statement.csv"), mapping=mapping["name"])
    assert csv.status_code == 201, csv.text
    # the CSV export repeats the camt.053's lines 1, 3, 7 and 10 (same bank ids)
    assert (csv.json()["line_count"], csv.json()["lines_skipped"]) == (0, 4)
    assert lines_of(api, csv.json()["id"])["items"] == []


def test_mt940_and_ofx_are_imported(api: Api) -> None:
    for format, name, closing, count in (
        ("mt940", "mt940.sta", 1846000, 5),
        ("ofx", "statement.ofx", 1570950, 4),
    ):
        account = api.open_account("BRL", "debit", min_balance=None)
        response = upload(api, account, format, sample(name))
        assert response.status_code == 201, response.text
        assert (response.json()["closing_balance"], response.json()["line_count"]) == (closing, count)
        fee = next(i for i in lines_of(api, response.json()["id"])["items"] if i["amount"] == 4590)
        assert fee["direction"] == "debit"


def test_lists_are_paged(api: Api, bank: dict[str, Any]) -> None:
    statement = upload(api, bank, "camt053", sample("camt053.xml")).json()
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = lines_of(api, statement["id"], **params)
        seen += [i["line_no"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(range(1, 11))
    other = api.open_account("BRL", "debit", min_balance=None)
    second = upload(api, other, "mt940", sample("mt940.sta")).json()
    first_page = api.get("/v1/statements", params={"limit": 1}).json()
    assert [s["id"] for s in first_page["items"]] == [second["id"]]
    rest = api.get("/v1/statements", params={"limit": 1, "cursor": first_page["next_cursor"]}).json()
    assert [s["id"] for s in rest["items"]] == [statement["id"]]
    broken = api.get("/v1/statements", params={"cursor": "bm90LWEtY3Vyc29y"})
    assert (broken.status_code, problem_code(broken)) == (422, "validation_error")


def test_the_mirror_account_must_exist_be_open_and_in_the_files_currency(api: Api) -> None:
    missing = {"id": "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90"}
    response = upload(api, missing, "camt053", sample("camt053.xml"))
    assert (response.status_code, problem_code(response)) == (404, "account_not_found")
    usd = api.open_account("USD", "debit", min_balance=None)
    response = upload(api, usd, "camt053", sample("camt053.xml"))
    assert (response.status_code, problem_code(response)) == (422, "asset_mismatch")
    closed = api.open_account("BRL", "debit", min_balance=None)
    assert api.post(f"/v1/accounts/{closed['id']}/close", {}).status_code in (200, 204)
    response = upload(api, closed, "camt053", sample("camt053.xml"))
    assert (response.status_code, problem_code(response)) == (409, "account_inactive")
    assert api.get("/v1/statements").json()["items"] == []


@pytest.mark.parametrize(
    ("format", "data", "field"),
    [
        ("camt053", sample("mt940.sta"), "file"),
        ("mt940", sample("camt053.xml"), "file"),
        ("camt053", sample("camt053.xml").replace(b">45.90<", b">45.905<"), "lines[7].amount"),
        (
            "camt053",
            sample("camt053.xml").replace(b"2025-04-01</Dt></ValDt>", b"2025-04-31</Dt></ValDt>"),
            None,
        ),
        ("mt940", sample("mt940.sta").replace(b"D45,90", b"D4x5,90"), "lines[4]"),
        ("ofx", sample("statement.ofx").replace(b"<TRNAMT>-45.90", b"<TRNAMT>-45.9.0"), "lines[3].amount"),
        ("camt053", b"", "file"),
    ],
)
def test_a_broken_file_is_refused_naming_where_and_imports_nothing(
    api: Api, bank: dict[str, Any], format: str, data: bytes, field: str | None
) -> None:
    response = upload(api, bank, format, data)
    assert (response.status_code, problem_code(response)) == (422, "invalid_statement"), response.text
    if field is not None:
        assert response.json()["errors"][0]["field"] == field
    assert api.get("/v1/statements").json()["items"] == []


def test_the_form_is_checked(api: Api, bank: dict[str, Any]) -> None:
    response = api.post("/v1/statements", data={"format": "xls"}, files={"file": ("x", b"1", "text/plain")})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"account_id", "format"}
    response = upload(api, bank, "csv", sample("statement.csv"))
    assert [e["field"] for e in response.json()["errors"]] == ["mapping"]
    response = upload(api, bank, "csv", sample("statement.csv"), mapping="nobody")
    assert (response.status_code, problem_code(response)) == (422, "invalid_statement")
    response = api.post("/v1/statements", {"account_id": bank["id"]})
    assert response.status_code == 422
    response = upload(api, bank, "camt053", sample("camt053.xml"), **{})
    assert response.status_code == 201
    read_only = api.post(
        "/v1/statements",
        as_="read",
        data={"account_id": bank["id"], "format": "camt053"},
        files={"file": ("x", b"<x/>", "text/xml")},
    )
    assert (read_only.status_code, problem_code(read_only)) == (403, "forbidden")


def test_csv_mappings_are_saved_listed_and_refused_when_wrong(api: Api) -> None:
    mapping = json.loads(sample("csv-mapping.json"))
    mapping["name"] = unique("m").replace(":", "-")
    created = api.post("/v1/statements/csv-mappings", mapping)
    assert created.status_code == 201, created.text
    assert api.post("/v1/statements/csv-mappings", mapping).status_code == 200
    other = {**mapping, "mapping": {**mapping["mapping"], "delimiter": ","}}
    assert problem_code(api.post("/v1/statements/csv-mappings", other)) == "invalid_statement"
    got = api.get(f"/v1/statements/csv-mappings/{mapping['name']}")
    assert got.json()["mapping"]["columns"]["amount"] == "Valor"
    names = [m["name"] for m in api.get("/v1/statements/csv-mappings").json()["items"]]
    assert mapping["name"] in names
    wrong = {"name": "x", "mapping": {"columns": {"amount": "Valor"}}}
    response = api.post("/v1/statements/csv-mappings", wrong)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "mapping.columns.value_date"


@pytest.fixture
def small_limit(database: Any) -> Iterator[Container]:
    with container_on(database, statement_max_bytes=4096) as container:
        yield container


def test_a_file_over_the_limit_is_413_and_imports_nothing(small_limit: Container) -> None:
    services = small_limit.services()
    from adapters.http.app import create_app

    with make_api(create_app(services), services, small_limit.admin_uow) as api:
        bank = api.open_account("BRL", "debit", min_balance=None)
        response = upload(api, bank, "camt053", sample("camt053.xml"))
        assert (response.status_code, problem_code(response)) == (413, "payload_too_large")
        assert upload(api, bank, "mt940", sample("mt940.sta")).status_code == 201
        assert len(api.get("/v1/statements").json()["items"]) == 1


@contextmanager
def logging_restored() -> Iterator[None]:
    """The CLI configures logging onto the runner's captured stream, closed after `invoke`: put back
    what the app's requests log through."""
    config, root = structlog.get_config(), logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        structlog.configure(**config)
        root.handlers[:] = handlers
        root.setLevel(level)


def invoke(arguments: list[str], env: dict[str, str]) -> Any:
    from typer.testing import CliRunner

    from razao.cli import app

    with logging_restored():
        return CliRunner().invoke(app, arguments, env=env)


def test_the_cli_imports_a_file_like_the_api(api: Api, database: Any, tmp_path: Path) -> None:
    bank = api.open_account("BRL", "debit", min_balance=None)
    env = {
        "RAZAO_DATABASE_URL": database.app_url,
        "RAZAO_ADMIN_DATABASE_URL": database.admin_url,
        "RAZAO_LOG_FORMAT": "json",
    }
    path = tmp_path / "mt940.sta"
    path.write_bytes(sample("mt940.sta"))
    arguments = [
        "statements",
        "import",
        str(path),
        "--account",
        bank["code"],
        "--format",
        "mt940",
        "--by",
        "ops",
    ]
    first = invoke(arguments, env)
    assert first.exit_code == 0, first.output
    printed = json.loads(first.stdout.strip().splitlines()[-1])
    assert (printed["created"], printed["line_count"], printed["imported_by"]) == (True, 5, "ops")
    again = invoke(arguments, env)
    assert json.loads(again.stdout.strip().splitlines()[-1])["created"] is False
    statement = api.get(f"/v1/statements/{printed['id']}").json()
    assert statement["source_name"] == "mt940.sta"
    other = api.open_account("BRL", "debit", min_balance=None)
    wrong = invoke(["statements", "import", str(path), "--account", other["id"], "--format", "camt053"], env)
    assert wrong.exit_code == 1
    assert "invalid_statement" in wrong.stderr


def test_a_form_with_two_files_is_refused(api: Api, bank: dict[str, Any]) -> None:
    files = [
        ("file", ("a", sample("mt940.sta"), "text/plain")),
        ("file", ("b", sample("mt940.sta"), "text/plain")),
    ]
    response = api.post("/v1/statements", data={"account_id": bank["id"], "format": "mt940"}, files=files)
    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "file")
    assert api.get("/v1/statements").json()["items"] == []


def test_an_upload_without_a_length_is_stopped_at_the_limit_as_it_streams(small_limit: Container) -> None:
    services = small_limit.services()
    from adapters.http.app import create_app

    with make_api(create_app(services), services, small_limit.admin_uow) as api:
        bank = api.open_account("BRL", "debit", min_balance=None)
        boundary = "razao-test-boundary"
        sent: list[int] = []

        def body() -> Iterator[bytes]:
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="account_id"\r\n\r\n{bank["id"]}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="format"\r\n\r\nmt940\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.sta"\r\n\r\n'
            ).encode()
            for _ in range(1000):  # 1 MB in 1 KB chunks, no Content-Length: only counting can stop it
                sent.append(1)
                yield b"x" * 1024
            yield f"\r\n--{boundary}--\r\n".encode()

        response = api.client.post(
            "/v1/statements",
            content=body(),
            headers={**api.headers("write"), "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert (response.status_code, problem_code(response)) == (413, "payload_too_large")
        assert api.get("/v1/statements").json()["items"] == []


def padded(data: bytes, size: int) -> bytes:
    """A camt.053 file of `size` bytes: the same statement, and an XML comment after it."""
    filler = size - len(data) - len(b"<!--  -->\n")
    return data + b"<!-- " + b"x" * filler + b" -->\n"


@pytest.fixture
def larger_statements(database: Any) -> Iterator[Container]:
    """The default request body limit (2 MiB), and statements of up to 4 MiB."""
    with container_on(database, statement_max_bytes=4 * 1024 * 1024) as container:
        yield container


def test_an_upload_has_the_statements_limit_not_the_body_limit(larger_statements: Container) -> None:
    services = larger_statements.services()
    from adapters.http.app import create_app

    assert services.max_body_bytes == 2 * 1024 * 1024
    with make_api(create_app(services), services, larger_statements.admin_uow) as api:
        bank = api.open_account("BRL", "debit", min_balance=None)
        big = upload(api, bank, "camt053", padded(sample("camt053.xml"), 3 * 1024 * 1024))
        assert big.status_code == 201, big.text
        assert big.json()["line_count"] == 10
        other = api.open_account("BRL", "debit", min_balance=None)
        over = upload(api, other, "camt053", padded(sample("camt053.xml"), 4 * 1024 * 1024 + 1))
        assert (over.status_code, problem_code(over)) == (413, "payload_too_large")
        assert api.get("/v1/statements", params={"account_id": other["id"]}).json()["items"] == []
        # every other body keeps the request limit
        mapping = {"name": "big", "mapping": {"columns": {"value_date": "d" * 255, "amount": 0}}}
        mapping["padding"] = "x" * (2 * 1024 * 1024)
        response = api.post("/v1/statements/csv-mappings", mapping)
        assert (response.status_code, problem_code(response)) == (413, "payload_too_large")
