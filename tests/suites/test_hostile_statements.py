"""Hostile statement files: every upload answers a clear 4xx problem naming what is wrong, never a 5xx,
and imports nothing.

Run once per execution mode (`app`, `db`) on a fresh database with a mirror account. Each hostile upload
(XML bombs and external entities in UTF-8, UTF-16 and UTF-32, files of another format than said, huge
lines and texts, deep nesting, wrong encodings, malformed amounts and dates, camt.053 batch details that
do not add up to their entry, a statement in another currency, a closed or unknown account, a broken
form, a file over `RAZAO_STATEMENT_MAX_BYTES`) must answer its status and problem `code`, name its field
(`file`, `lines[3].amount`, `account_id` ...), and leave the statement tables and the ledger exactly as
they were (contents compared by digest). A good upload afterwards is accepted, so the refusals did not
break the service; a camt.053 whose transaction detail also tells an instructed amount in another
currency and a charge is imported with the entry's own amount and direction.

Summary: suite `hostile-statements`, one record per mode; operations = uploads sent, violations =
checks that failed (each also fails its test).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from adapters.http.app import create_app
from razao.container import build_container, dispose_engines
from razao.settings import Settings
from tests.conftest import TestDatabase
from tests.e2e.conftest import Api, make_api
from tests.suites.summary import SuiteRecord, recording

SAMPLES = Path(__file__).parents[2] / "docs" / "audit" / "samples"
MODES = ("app", "db")
PROBLEM = "application/problem+json"
TABLES = ("bank_statements", "statement_lines", "statement_csv_mappings", "accounts", "transfers", "entries")
#: Small enough to send a file over it quickly; large enough for the samples.
MAX_BYTES = 256 * 1024
CAMT = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def _laughs() -> bytes:
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    return (
        f'<?xml version="1.0"?><!DOCTYPE Document [{entities}]>'
        f'<Document xmlns="{CAMT}"><BkToCstmrStmt><Stmt><Id>&j;</Id></Stmt></BkToCstmrStmt></Document>'
    ).encode()


def _entity(uri: str) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x SYSTEM "{uri}">]>'
        f'<Document xmlns="{CAMT}"><BkToCstmrStmt><Stmt><Id>&x;</Id></Stmt></BkToCstmrStmt></Document>'
    ).encode()


def _wide(data: bytes, encoding: str) -> bytes:
    """`data` in UTF-16 or UTF-32, saying so: its bytes no longer spell `<!DOCTYPE` or `<!ENTITY`."""
    text = data.decode().replace('version="1.0"', f'version="1.0" encoding="{encoding.upper()}"', 1)
    return text.encode(encoding)


def _batch(total: bytes, *details: bytes) -> bytes:
    """The sample with its last entry (BRL 5.40) made a batch of `total` with these transaction details."""
    block = b"<NtryDtls>" + b"".join(b"<TxDtls>" + d + b"</TxDtls>" for d in details) + b"</NtryDtls>"
    return _replaced(
        "camt053.xml", b"<AddtlNtryInf>Rendimento conta remunerada</AddtlNtryInf>", block
    ).replace(b'<Amt Ccy="BRL">5.40</Amt>', b'<Amt Ccy="BRL">' + total + b"</Amt>", 1)


def _replaced(name: str, old: bytes, new: bytes) -> bytes:
    data = sample(name)
    assert old in data, (name, old)
    return data.replace(old, new, 1)


@dataclass(frozen=True)
class Hostile:
    what: str
    format: str
    data: bytes
    status: int
    code: str
    #: The field the problem must name (None: the problem need not name one).
    field: str | None = "file"
    account: str = "bank"
    mapping: str | None = None


HOSTILE = (
    Hostile("billion laughs", "camt053", _laughs(), 422, "invalid_statement"),
    Hostile("external entity (file)", "camt053", _entity("file:///etc/passwd"), 422, "invalid_statement"),
    Hostile(
        "external entity (network)", "camt053", _entity("http://169.254.169.254/"), 422, "invalid_statement"
    ),
    Hostile(
        "external entity in UTF-16",
        "camt053",
        _wide(_entity("file:///etc/hostname"), "utf-16"),
        422,
        "invalid_statement",
    ),
    Hostile(
        "external entity in UTF-16 without a byte order mark",
        "camt053",
        _wide(_entity("file:///etc/hostname"), "utf-16-be"),
        422,
        "invalid_statement",
    ),
    Hostile(
        "external entity in UTF-32",
        "camt053",
        _wide(_entity("file:///etc/hostname"), "utf-32"),
        422,
        "invalid_statement",
    ),
    Hostile("billion laughs in UTF-16", "camt053", _wide(_laughs(), "utf-16"), 422, "invalid_statement"),
    Hostile("billion laughs in UTF-32", "camt053", _wide(_laughs(), "utf-32"), 422, "invalid_statement"),
    Hostile(
        "OFX with a DTD",
        "ofx",
        b'<?xml version="1.0"?><!DOCTYPE OFX SYSTEM "http://x/"><OFX/>',
        422,
        "invalid_statement",
    ),
    Hostile("MT940 said camt.053", "camt053", sample("mt940.sta"), 422, "invalid_statement"),
    Hostile("camt.053 said MT940", "mt940", sample("camt053.xml"), 422, "invalid_statement"),
    Hostile("OFX said camt.053", "camt053", sample("statement.ofx"), 422, "invalid_statement"),
    Hostile("CSV said OFX", "ofx", sample("statement.csv"), 422, "invalid_statement"),
    Hostile("camt.053 said CSV", "csv", sample("camt053.xml"), 422, "invalid_statement", mapping="sample"),
    Hostile(
        "camt.052 said camt.053",
        "camt053",
        f'<Document xmlns="{CAMT.replace("053", "052")}"/>'.encode(),
        422,
        "invalid_statement",
    ),
    Hostile("HTML said camt.053", "camt053", b"<html><body>hello</body></html>", 422, "invalid_statement"),
    Hostile("empty file", "mt940", b"", 422, "invalid_statement"),
    Hostile("binary garbage", "mt940", bytes(range(256)) * 8, 422, "invalid_statement"),
    Hostile(
        "huge MT940 line", "mt940", _replaced("mt940.sta", b"Tarifa", b"T" * 20_000), 422, "invalid_statement"
    ),
    Hostile(
        "huge CSV line",
        "csv",
        sample("statement.csv") + b"x" * 20_000 + b"\n",
        422,
        "invalid_statement",
        mapping="sample",
    ),
    Hostile(
        "huge XML text",
        "camt053",
        _replaced("camt053.xml", b"<Id>2025-03-31-0001</Id>", b"<Id>" + b"x" * 200_000 + b"</Id>"),
        422,
        "invalid_statement",
        field="statement_ref",
    ),
    Hostile(
        "deep XML",
        "camt053",
        f'<Document xmlns="{CAMT}">'.encode() + b"<a>" * 20_000 + b"</a>" * 20_000 + b"</Document>",
        422,
        "invalid_statement",
    ),
    Hostile(
        "Latin-1 CSV said UTF-8",
        "csv",
        _replaced("statement.csv", b"Rendimento", "Rendimentação".encode("latin-1")),
        422,
        "invalid_statement",
        mapping="sample",
    ),
    Hostile("UTF-16 MT940", "mt940", sample("mt940.sta").decode().encode("utf-16"), 422, "invalid_statement"),
    Hostile(
        "bytes that are not UTF-8 in camt.053",
        "camt053",
        _replaced("camt053.xml", b"Padaria", b"Pad\xff\xferia"),
        422,
        "invalid_statement",
    ),
    Hostile(
        "NUL in MT940", "mt940", _replaced("mt940.sta", b"Tarifa", b"Tar\x00ifa"), 422, "invalid_statement"
    ),
    Hostile(
        "amount with 3 decimals",
        "camt053",
        _replaced("camt053.xml", b">45.90<", b">45.905<"),
        422,
        "invalid_statement",
        field="lines[7].amount",
    ),
    Hostile(
        "amount with a comma",
        "camt053",
        _replaced("camt053.xml", b">2750.50<", b">2.750,50<"),
        422,
        "invalid_statement",
        field="lines[2].amount",
    ),
    Hostile(
        "negative amount",
        "camt053",
        _replaced("camt053.xml", b">980.00<", b">-980.00<"),
        422,
        "invalid_statement",
        field="lines[3].amount",
    ),
    Hostile(
        "zero amount",
        "camt053",
        _replaced("camt053.xml", b">980.00<", b">0.00<"),
        422,
        "invalid_statement",
        field="lines[3].amount",
    ),
    Hostile(
        "amount of 40 digits",
        "camt053",
        _replaced("camt053.xml", b">980.00<", b">" + b"9" * 40 + b"<"),
        422,
        "invalid_statement",
        field="lines[3].amount",
    ),
    Hostile(
        "amount NaN",
        "camt053",
        _replaced("camt053.xml", b">980.00<", b">NaN<"),
        422,
        "invalid_statement",
        field="lines[3].amount",
    ),
    Hostile(
        "amount 1E+400",
        "camt053",
        _replaced("camt053.xml", b">980.00<", b">1E+400<"),
        422,
        "invalid_statement",
        field="lines[3].amount",
    ),
    Hostile(
        "day 31 of April",
        "camt053",
        _replaced("camt053.xml", b"2025-04-01</Dt></ValDt>", b"2025-04-31</Dt></ValDt>"),
        422,
        "invalid_statement",
        field="lines[10].value_date",
    ),
    Hostile(
        "MT940 month 13",
        "mt940",
        _replaced("mt940.sta", b"2503310331D980", b"2513310331D980"),
        422,
        "invalid_statement",
        field="lines[3]",
    ),
    Hostile(
        "MT940 amount with a point",
        "mt940",
        _replaced("mt940.sta", b"D980,00", b"D980.00"),
        422,
        "invalid_statement",
        field="lines[3]",
    ),
    Hostile(
        "OFX amount not a number",
        "ofx",
        _replaced("statement.ofx", b"<TRNAMT>-980.00", b"<TRNAMT>-98O.00"),
        422,
        "invalid_statement",
        field="lines[2].amount",
    ),
    Hostile(
        "OFX date 13th month",
        "ofx",
        _replaced(
            "statement.ofx",
            b"<DTPOSTED>20250331120000[-3:BRT]\n<TRNAMT>-980",
            b"<DTPOSTED>20251331\n<TRNAMT>-980",
        ),
        422,
        "invalid_statement",
        field="lines[2]",
    ),
    Hostile(
        "CSV date in another format",
        "csv",
        _replaced("statement.csv", b"31/03/2025;Fornecedor", b"2025-03-31;Fornecedor"),
        422,
        "invalid_statement",
        field="lines[2].value_date",
        mapping="sample",
    ),
    Hostile(
        "CSV amount 1e5",
        "csv",
        _replaced("statement.csv", b"-980,00", b"1e5"),
        422,
        "invalid_statement",
        field="lines[2].amount",
        mapping="sample",
    ),
    Hostile(
        "line id twice",
        "camt053",
        _replaced("camt053.xml", b"BNK-20250331-000102", b"BNK-20250331-000101")
        .replace(b"<TxDtls>", b"<TxDtlsX>")
        .replace(b"</TxDtls>", b"</TxDtlsX>"),
        422,
        "invalid_statement",
        field=None,
    ),
    Hostile(
        "statement in USD",
        "camt053",
        sample("camt053.xml").replace(b'"BRL"', b'"USD"').replace(b">BRL<", b">USD<"),
        422,
        "asset_mismatch",
        field=None,
    ),
    Hostile(
        "a line in USD",
        "camt053",
        _replaced("camt053.xml", b'<Amt Ccy="BRL">45.90</Amt>', b'<Amt Ccy="USD">45.90</Amt>'),
        422,
        "invalid_statement",
        field="lines[7].currency",
    ),
    Hostile(
        "batch details not adding up to their entry",
        "camt053",
        _batch(b"1500.00", b'<Amt Ccy="BRL">1000.00</Amt>', b'<Amt Ccy="BRL">400.00</Amt>'),
        422,
        "invalid_statement",
        field="lines[10].amount",
    ),
    Hostile(
        "a batch detail in USD",
        "camt053",
        _batch(b"5.40", b'<Amt Ccy="BRL">5.00</Amt>', b'<Amt Ccy="USD">0.40</Amt>'),
        422,
        "invalid_statement",
        field="lines[11].currency",
    ),
    Hostile(
        "closed account",
        "camt053",
        sample("camt053.xml"),
        409,
        "account_inactive",
        field=None,
        account="closed",
    ),
    Hostile(
        "unknown account",
        "camt053",
        sample("camt053.xml"),
        404,
        "account_not_found",
        field=None,
        account="nobody",
    ),
    Hostile(
        "account not a UUID",
        "camt053",
        sample("camt053.xml"),
        422,
        "validation_error",
        field="account_id",
        account="not-a-uuid",
    ),
    Hostile("unknown format", "xlsx", sample("statement.csv"), 422, "validation_error", field="format"),
    Hostile(
        "CSV without a mapping", "csv", sample("statement.csv"), 422, "validation_error", field="mapping"
    ),
    Hostile(
        "unknown mapping",
        "csv",
        sample("statement.csv"),
        422,
        "invalid_statement",
        field="mapping",
        mapping="nobody",
    ),
    Hostile(
        "mapping for MT940",
        "mt940",
        sample("mt940.sta"),
        422,
        "validation_error",
        field="mapping",
        mapping="sample",
    ),
    Hostile(
        "over the size limit",
        "camt053",
        sample("camt053.xml") + b"<!--" + b"x" * MAX_BYTES + b"-->",
        413,
        "payload_too_large",
        field=None,
    ),
)


@dataclass
class Target:
    mode: str
    api: Api
    superuser: Engine
    entry: SuiteRecord
    accounts: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def state(self) -> dict[str, tuple[int, str | None]]:
        selects = ", ".join(
            f"(SELECT count(*) FROM {t}), (SELECT md5(string_agg(r::text, '|' ORDER BY r::text)) FROM {t} r)"
            for t in TABLES
        )
        with self.superuser.connect() as conn:
            row = conn.execute(text(f"SELECT {selects}")).one()
        return {t: (row[2 * i], row[2 * i + 1]) for i, t in enumerate(TABLES)}

    def upload(self, h: Hostile) -> Any:
        form = {"account_id": self.accounts.get(h.account, h.account), "format": h.format}
        if h.mapping is not None:
            form["mapping"] = h.mapping
        self.entry.operations += 1
        return self.api.post(
            "/v1/statements", data=form, files={"file": ("statement", h.data, "application/octet-stream")}
        )

    def fail(self, message: str) -> None:
        self.entry.violations += 1
        self.failures.append(message)


@pytest.fixture(scope="module", params=MODES)
def run(request: pytest.FixtureRequest) -> Iterator[SuiteRecord]:
    with recording("hostile-statements", request.param) as entry:
        yield entry


@pytest.fixture
def target(run: SuiteRecord, database: TestDatabase) -> Iterator[Target]:
    assert run.mode is not None
    container = build_container(
        Settings(
            database_url=database.app_url,
            admin_database_url=database.admin_url,
            execution_mode="app" if run.mode == "app" else "db",
            db_pool_size=2,
            statement_max_bytes=MAX_BYTES,
        )
    )
    services = container.services()
    superuser = create_engine(database.admin_url, pool_size=1, max_overflow=0)
    try:
        with make_api(create_app(services), services, container.admin_uow) as api:
            target = Target(run.mode, api, superuser, run)
            bank = api.open_account("BRL", "debit", min_balance=None)
            closed = api.open_account("BRL", "debit", min_balance=None)
            assert api.post(f"/v1/accounts/{closed['id']}/close", {}).status_code == 200
            mapping = {
                "name": "sample",
                "mapping": {
                    "columns": {"value_date": "Data", "amount": "Valor", "external_id": "Identificador"},
                    "date_format": "%d/%m/%Y",
                    "decimal_separator": ",",
                    "thousands_separator": ".",
                    "delimiter": ";",
                    "skip_rows": 1,
                },
            }
            assert api.post("/v1/statements/csv-mappings", mapping).status_code == 201
            target.accounts = {
                "bank": bank["id"],
                "closed": closed["id"],
                "nobody": "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90",
            }
            yield target
    finally:
        superuser.dispose()
        dispose_engines(container)


def test_hostile_statement_files(target: Target) -> None:
    before = target.state()
    for h in HOSTILE:
        response = target.upload(h)
        if response.status_code >= 500:
            target.fail(f"{h.what}: {response.status_code} {response.text[:300]}")
            continue
        body = response.json() if response.headers.get("content-type") == PROBLEM else None
        if (response.status_code, body and body.get("code")) != (h.status, h.code):
            target.fail(
                f"{h.what}: expected {h.status} {h.code}, got {response.status_code} {response.text[:300]}"
            )
        elif h.field is not None and h.field not in [e["field"] for e in body.get("errors") or []]:
            target.fail(f"{h.what}: the problem does not name {h.field}: {response.text[:300]}")
        if target.state() != before:
            target.fail(f"{h.what}: the refused upload changed the tables")
            before = target.state()
    good = target.upload(Hostile("the sample", "camt053", sample("camt053.xml"), 201, ""))
    if good.status_code != 201:
        target.fail(f"a good upload after the hostile ones: {good.status_code} {good.text[:300]}")
    # Entry 1 (BRL 1500.00 credited) also telling an instructed USD 19.99 and a BRL 3.50 charge debited:
    # the line stays BRL 1500.00, a credit (another file: another statement; its lines are known ones).
    extras = (
        b'<AmtDtls><InstdAmt><Amt Ccy="USD">19.99</Amt></InstdAmt></AmtDtls>'
        b'<Chrgs><Rcrd><Amt Ccy="BRL">3.50</Amt><CdtDbtInd>DBIT</CdtDbtInd></Rcrd></Chrgs>'
    )
    detailed = _replaced(
        "camt053.xml",
        b"<Refs><EndToEndId>INV-2025-0311</EndToEndId></Refs>",
        b"<Refs><EndToEndId>INV-2025-0311</EndToEndId></Refs>" + extras,
    ).replace(b"BNK-20250331-000101", b"BNK-20250331-900101")
    response = target.upload(Hostile("instructed amount and charges", "camt053", detailed, 201, ""))
    first = None
    if response.status_code == 201:
        lines = target.api.get(f"/v1/statements/{response.json()['id']}/lines").json()["items"]
        first = next((x for x in lines if x["external_id"] == "BNK-20250331-900101"), None)
    if first is None or (first["amount"], first["direction"], first["currency"]) != (150000, "credit", "BRL"):
        target.fail(f"instructed amount and charges: {response.status_code} {first or response.text[:300]}")
    if target.failures:
        pytest.fail(
            f"[{target.mode}] {len(target.failures)} failures:\n" + "\n".join(target.failures), pytrace=False
        )
