"""Hostile input: the API answers garbage with a clear 4xx problem, never a 5xx, and changes nothing.

Two halves, each run once per execution mode (`app`, `db`) on a fresh database with a small seeded
ledger (accounts, a posted and a pending transfer, an interest policy, a custom asset):

- schemathesis, driven from the app's own OpenAPI document, generates valid and invalid requests for
  every operation, once with an admin key and once without credentials. Every answer must be
  documented (status, content type, body schema), never 5xx; invalid data must be refused with a 4xx;
  without credentials every `/v1` answer is a 401 problem. Refused requests must change nothing.
- the events feed's parameters: injections, unknown and empty types, crafted cursors (another listing, a
  transaction id beyond 64 bits or not a number, a negative or BIGINT-overflowing number), bad ids, page
  sizes and waits (negative, NaN, infinite, over 30 s): each a 422 naming its field;
- an explicit list (`hostile_payloads.py`): bodies over the size limit, batches over 1000 items, bulk
  requests over 10,000 items, bulk items of the wrong type or shape (the whole request is refused with
  a 422 naming `transfers[i]...`; NUL characters too) or breaking the ledger's rules only (that item
  alone is refused: huge or deep metadata), deep and huge metadata, amounts out of range or of the wrong
  type, unknown fields, wrong content types, malformed JSON, injection strings in every string field
  and in path and query parameters. Each must answer 4xx `application/problem+json` with the expected
  `code`, and leave every table exactly as it was (contents compared by digest, and the ledger
  checker's journal baseline).

Summary: suite `hostile-input`, one record per mode; operations = requests sent, violations = checks
that failed (each also fails its test).
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import pytest
import redis
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Ok
from schemathesis.errors import FailureGroup
from schemathesis.generation.meta import negated_parameters
from schemathesis.specs.openapi.checks import negative_data_rejection
from sqlalchemy import Engine, create_engine, text

from adapters.db.checker import Acknowledged, check_ledger, journal_baseline
from adapters.http.app import create_app
from adapters.webhooks.secrets import new_key
from razao.container import Container, build_container, dispose_engines
from razao.settings import Settings
from tests.conftest import TestDatabase
from tests.e2e.conftest import Api, make_api, new_id, unique
from tests.outbox import settle_events
from tests.suites import hostile_payloads
from tests.suites.hostile_payloads import (
    BAD_AMOUNTS,
    BAD_BULK_ITEMS,
    BAD_METADATA,
    HOSTILE_SEARCHES,
    INJECTIONS,
    MALFORMED_JSON,
    NOT_JSON_TYPES,
    OVER_BATCH,
    OVER_BULK,
    RAW_NUMBERS,
    REFUSED_BULK_ITEMS,
    SHORT,
    raw_with_number,
)
from tests.suites.schemathesis_checks import POSITIVE_STATUSES
from tests.suites.summary import SuiteRecord, recording, scaled

MODES = ("app", "db")
SAMPLES = Path(__file__).parents[2] / "docs" / "audit" / "samples"
#: Coverage cases sent per operation, in the default and the long run (the short run takes each
#: operation's first ones, and every operation has at least 8).
COVERAGE_SHORT, COVERAGE_LONG = 15, 100_000
PROBLEM = "application/problem+json"
#: The broker jobs are sent to (each test uses a queue of its own, deleted afterwards; no worker runs).
REDIS_URL = os.environ.get("RAZAO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: Every table a request could change (api_keys aside: requests only read it).
TABLES = (
    "assets",
    "accounts",
    "transfers",
    "entries",
    "razao.jobs",
    "razao.interest_policies",
    "razao.interest_accruals",
    "razao.interest_carry",
    "events",
    "balance_monitors",
    "bank_statements",
    "statement_lines",
    "statement_csv_mappings",
    "recon_rules",
    "recon_runs",
    "recon_matches",
    "recon_match_lines",
    "recon_match_entries",
    "recon_results",
    "seal_blocks",
)
#: Every check schemathesis has (`schemathesis run --checks all`, with the repository's own:
#: `schemathesis_checks`), `negative_data_rejection` aside: it runs on the cases whose negation
#: reached the server (`_negative`).
#: `ignored_auth` aside too: it takes the configured key for a generated one outside the CLI; the test
#: without credentials checks the same (every /v1 answer is 401).
CHECKS = [
    check
    for check in REGISTERED_CHECKS.get_all()
    if check.__name__ not in ("negative_data_rejection", "ignored_auth")
]


# --- fixtures -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=MODES)
def run(request: pytest.FixtureRequest) -> Iterator[SuiteRecord]:
    """The summary record of this mode, filled in by every test that runs in it."""
    with recording("hostile-input", request.param) as entry:
        yield entry


def snapshot(engine: Engine) -> dict[str, tuple[int, str | None]]:
    """Row count and a digest of the full contents of every table."""
    selects = ", ".join(
        f"(SELECT count(*) FROM {t}), (SELECT md5(string_agg(r::text, '|' ORDER BY r::text)) FROM {t} r)"
        for t in TABLES
    )
    with engine.connect() as conn:
        row = conn.execute(text(f"SELECT {selects}")).one()
    return {t: (row[2 * i], row[2 * i + 1]) for i, t in enumerate(TABLES)}


@dataclass
class Target:
    """The app in one execution mode on a seeded database, with its keys and the seeded ids."""

    mode: str
    app: FastAPI
    api: Api
    container: Container
    superuser: Engine
    entry: SuiteRecord
    ids: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    #: The state after the last request (`settle`).
    last: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    #: The ledger checker's digest of the journal once seeded, and what the seeding was told.
    baseline: dict[str, str] = field(default_factory=dict)
    acknowledged: list[Acknowledged] = field(default_factory=list)
    #: Requests this test sent.
    requests: int = 0

    def state(self) -> dict[str, tuple[int, str | None]]:
        return snapshot(self.superuser)

    def accept(self, what: str, added: dict[str, int], touched: frozenset[str] = frozenset()) -> None:
        """After an accepted write: exactly `added` rows more in those tables, and no other table
        changed but the `touched` ones (whose rows it may update: balances of accounts)."""
        now = self.state()
        for table in TABLES:
            (before, digest), (after, new_digest) = self.last[table], now[table]
            may_change = table in added or table in touched
            if after - before != added.get(table, 0) or (not may_change and digest != new_digest):
                self.fail(
                    f"{what}: {table} went from {before} to {after} rows (expected +{added.get(table, 0)})"
                )
        self.last = now

    def settle(self, what: str, status: int) -> None:
        """After a request: a refused one (4xx) must have left every table as it was."""
        now = self.state()
        if status >= 400 and now != self.last:
            changed = sorted(t for t in TABLES if now[t] != self.last[t])
            self.fail(f"{what} changed {', '.join(changed)}")
        self.last = now

    def sent(self) -> None:
        self.entry.operations += 1
        self.requests += 1

    def fail(self, message: str) -> None:
        self.entry.violations += 1
        self.failures.append(message)

    def check_ledger(self) -> None:
        """The ledger checker: the books hold, and nothing journaled since the seeding changed."""
        report = check_ledger(self.superuser, acknowledged=self.acknowledged, baseline=self.baseline)
        for violation in report.violations:
            self.fail(f"ledger checker: {violation.check} {violation.subject}: {violation.detail}")

    def assert_no_failures(self, what: str) -> None:
        """Run the ledger checker, note the requests sent under `what`, and fail on any failure."""
        self.check_ledger()
        self.entry.details[what] = self.entry.details.get(what, 0) + self.requests
        if self.failures:
            shown = "\n\n".join(self.failures[:20])
            rest = [f.splitlines()[0] for f in self.failures[20:]]  # one line each
            more = f"\n\n... and {len(rest)} more:\n" + "\n".join(rest) if rest else ""
            pytest.fail(
                f"{what} [{self.mode}]: {len(self.failures)} failures\n\n{shown}{more}", pytrace=False
            )


def _seed(api: Api) -> tuple[dict[str, str], Acknowledged]:
    """A small ledger for the hostile requests to aim at, and what the posted transfer was told."""
    source, wallet = api.funding_pair()
    spare = api.open_account("BRL", "credit")
    posted = api.transfer(source, wallet, 10_000)
    assert posted.status_code == 201, posted.text
    pending = api.transfer(source, wallet, 2_500, pending=True, timeout_seconds=3600)
    assert pending.status_code == 201, pending.text
    asset = api.post("/v1/assets", {"code": "PTS" + uuid.uuid4().hex[:6].upper(), "scale": 0}, as_="admin")
    assert asset.status_code == 201, asset.text
    policy = api.client.put(
        f"/v1/accounts/{wallet['id']}/interest-policy",
        json={
            "rate_bps": 1000,
            "day_count": "ACT/365F",
            "counterpart_account_id": source["id"],
            "effective_from": "2025-01-01",
        },
        headers=api.headers("admin"),
    )
    assert policy.status_code == 200, policy.text
    # a bank statement to reconcile, and a rule set
    bank = api.open_account("BRL", "debit", min_balance=None)
    sample = (SAMPLES / "mt940.sta").read_bytes()
    statement = api.post(
        "/v1/statements",
        data={"account_id": bank["id"], "format": "mt940"},
        files={"file": ("mt940.sta", sample, "application/octet-stream")},
    )
    assert statement.status_code == 201, statement.text
    rules = api.post("/v1/reconciliation/rules", {"name": "seeded", "rule": {}})
    assert rules.status_code == 201, rules.text
    ids = {
        "statement": statement.json()["id"],
        "rules": rules.json()["id"],
        "source": source["id"],
        "wallet": wallet["id"],
        "spare": spare["id"],
        "posted": posted.json()["id"],
        "pending": pending.json()["id"],
        "asset": asset.json()["code"],
    }
    lines = tuple(
        (uuid.UUID(p["account_id"]), p["side"], p["amount"], p["asset"]) for p in posted.json()["posted"]
    )
    return ids, Acknowledged(uuid.UUID(ids["posted"]), "posted", lines)


@pytest.fixture
def target(run: SuiteRecord, database: TestDatabase) -> Iterator[Target]:
    """The API as the composition root builds it, in this mode, over a fresh seeded database."""
    assert run.mode is not None
    queue = f"razao-hostile-{uuid.uuid4().hex[:12]}"
    settings_ = Settings(
        database_url=database.app_url,
        admin_database_url=database.admin_url,
        execution_mode="app" if run.mode == "app" else "db",
        db_pool_size=2,
        db_max_overflow=2,
        broker_url=REDIS_URL,
        task_queue=queue,
        event_max_wait_seconds=0.2,  # a valid `wait` of the events feed must not stall the fuzzing
        webhook_secret_key=new_key(),  # as a deployment has: webhooks are served, not 503
    )
    container = build_container(settings_)
    services = container.services()
    app = create_app(services)
    superuser = create_engine(database.admin_url, pool_size=1, max_overflow=0)
    try:
        with make_api(app, services, container.admin_uow) as api:
            target = Target(run.mode, app, api, container, superuser, run)
            target.ids, told = _seed(api)
            target.acknowledged = [told]
            target.baseline = journal_baseline(superuser)
            target.last = target.state()
            yield target
    finally:
        superuser.dispose()
        dispose_engines(container)
        broker = redis.Redis.from_url(REDIS_URL)
        broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        broker.close()


# --- schemathesis ---------------------------------------------------------------------------------------


def _seeded_path(target: Target, operation: Any) -> dict[str, str]:
    """Path parameters naming the seeded ledger's objects (random ones mostly answer 404)."""
    known = {
        "account_id": target.ids["wallet"],
        "transfer_id": target.ids["pending"],
        "statement_id": target.ids["statement"],
        "line_no": "2",
        "rules_id": target.ids["rules"],
    }
    names = [p.name for p in operation.path_parameters]
    return {n: known[n] for n in names if n in known}


def _generated(cases: Iterator[Any], target: Target, operation: Any) -> Iterator[Any]:
    """`cases` until schemathesis's generator fails on this operation's schema (its own error, such as
    `Unsupported type: 'Binary'` under `not` in 4.32), noted in the record's details."""
    while True:
        try:
            case = next(cases)
        except StopIteration:
            return
        except ValueError as error:
            key = f"coverage generation stopped: {operation.label}"
            target.entry.details[key] = str(error)[:200]
            return
        yield case


def _fuzz(target: Target, token: str | None, examples: int, check: Callable[[Any, Any], None]) -> None:
    """Every operation of the OpenAPI document: its coverage cases (boundary values, each constraint
    broken, missing parameters, methods the path does not offer; at most `COVERAGE` of them), then
    generated valid and invalid data, `examples` cases each.

    The key goes in as a configured header, so schemathesis knows every case carries it; extra
    query parameters are not generated (the API ignores unknown query parameters, as HTTP APIs do;
    unknown body fields are refused, and the explicit cases below cover them)."""
    config: dict[str, Any] = {
        "generation": {"allow-extra-parameters": False},
        # a body over RAZAO_MAX_BODY_BYTES is refused with 413 before it is read: a rejection as well
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"]
            },
            # 422 to valid data: only for a declared rule (`refusals_are_declared_rules`), as in
            # the repository's schemathesis.toml
            "positive_data_acceptance": {"expected-statuses": POSITIVE_STATUSES},
        },
    }
    if token:
        config["headers"] = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", target.app, config=schemathesis.Config.from_dict(config)
    )
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"schemathesis cannot read an operation of the document: {result}"
        operation = result.ok()
        seeded = _seeded_path(target, operation)
        coverage = schema.iter_coverage_cases(
            operation,
            generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            generation_config=schema.config.generation_for(operation=operation),
        )
        for case in _generated(islice(coverage, scaled(COVERAGE_SHORT, COVERAGE_LONG)), target, operation):
            response = case.call()
            target.sent()
            check(case, response)
            target.settle(f"{case.operation.label} -> {response.status_code}", response.status_code)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            if seeded:
                strategy = strategy | operation.as_strategy(generation_mode=mode, path_parameters=seeded)

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def exercise(case: Any) -> None:
                response = case.call()
                target.sent()
                check(case, response)
                target.settle(f"{case.operation.label} -> {response.status_code}", response.status_code)

            try:
                exercise()
            except Unsatisfiable:
                # Nothing in this operation can be made invalid (no parameters, no body).
                assert mode == GenerationMode.NEGATIVE, operation.label


def _report(case: Any, response: Any, error: BaseException) -> str:
    return f"{case.operation.label} -> {response.status_code}\n{error}"


def test_schemathesis_with_an_admin_key(target: Target) -> None:
    """Valid and invalid requests with full rights, under every check schemathesis has: documented
    answers only, no 5xx, invalid data refused, valid data accepted (or refused by a declared rule:
    `tests/suites/schemathesis_checks.py`)."""
    seen: set[tuple[str, str, int]] = set()

    def check(case: Any, response: Any) -> None:
        try:
            checks = CHECKS + ([negative_data_rejection] if _negative(case) else [])
            case.validate_response(response, checks=checks)
        except FailureGroup as error:
            titles = [getattr(e, "title", type(e).__name__) for e in getattr(error, "exceptions", [error])]
            for title in titles:
                key = (case.operation.label, title, response.status_code)
                if key not in seen:
                    seen.add(key)
                    target.fail(_report(case, response, error))
        if response.status_code >= 400 and _content_type(response) != PROBLEM:
            key = (case.operation.label, "not a problem document", response.status_code)
            if key not in seen:
                seen.add(key)
                target.fail(f"{case.operation.label} -> {response.status_code} is not a problem document")

    _fuzz(target, target.api.tokens["admin"], scaled(2, 200), check)
    target.assert_no_failures("schemathesis with an admin key")


def _content_type(response: Any) -> str | None:
    """The Content-Type of a schemathesis response (whose headers are lists)."""
    values = response.headers.get("content-type") or [None]
    value: str | None = values[0]
    return value


def _negative(case: Any) -> bool:
    return (
        case.meta is not None
        and case.meta.generation.mode == GenerationMode.NEGATIVE
        and not _negation_lost_on_the_wire(case)
    )


def _as_sent(value: Any) -> Any:
    """A query value as the server receives it: text (booleans as schemathesis writes them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _negation_lost_on_the_wire(case: Any) -> bool:
    """A query value the negative generator made of another type (a boolean where a string is expected)
    reaches the server as text, which the schema may well accept (`metadata_has=false`: "false" is a
    metadata key like any other): such a case is not negative. Schemathesis tells this for a scalar
    parameter, not for the items of an array one."""
    mutated = list(negated_parameters(case.meta))
    if not mutated or any(location != ParameterLocation.QUERY for _, location in mutated):
        return False
    query = case.query or {}
    parameters = case.operation.get_parameter_set(ParameterLocation.QUERY)
    for name, _ in mutated:
        parameter = parameters.get(name)
        if name not in query or parameter is None:
            return False
        value = query[name]
        sent = [_as_sent(v) for v in (value if isinstance(value, list) else [value])]
        if not parameter.get_validator().is_valid(sent):
            return False
    return True


def test_schemathesis_without_credentials(target: Target) -> None:
    """Without a key every /v1 answer is a 401 problem and nothing changes; a method the document does
    not offer at the path is answered before authentication (405, or 204 to OPTIONS, with `Allow`),
    telling no more than the public document."""
    before = target.state()
    seen: set[tuple[str, int]] = set()

    def check(case: Any, response: Any) -> None:
        path = case.operation.path
        if case.method.upper() != case.operation.method.upper():
            allow = (response.headers.get("allow") or [""])[0]
            ok = response.status_code in (204 if case.method.upper() == "OPTIONS" else 405,) and bool(allow)
        elif path.startswith("/v1/"):
            ok = response.status_code == 401 and _content_type(response) == PROBLEM
            if ok:
                ok = response.json().get("code") == "unauthenticated"
        else:
            ok = response.status_code < 500
        key = (case.operation.label, response.status_code)
        if not ok and key not in seen:
            seen.add(key)
            target.fail(
                f"{case.operation.label} without a key -> {response.status_code}: {response.text[:300]}"
            )

    _fuzz(target, None, scaled(1, 50), check)
    if target.state() != before:
        target.fail("requests without credentials changed the ledger")
    target.assert_no_failures("schemathesis without credentials")


# --- the explicit hostile list --------------------------------------------------------------------------

NO_BODY: Any = object()
JSON = {"Content-Type": "application/json"}
T = TypeVar("T")


def some(values: dict[str, T]) -> dict[str, T]:
    """The first `SHORT` values of a table in the short run, all of them in the long one."""
    items = list(values.items())
    return dict(items[: scaled(SHORT, len(items))])


#: What a refusal may answer: a validation problem, or "there is no such thing".
REFUSED = frozenset({"validation_error", "not_found", "account_not_found", "method_not_allowed"})


@dataclass(frozen=True)
class Hostile:
    """One hostile request and the problem codes that may answer it."""

    label: str
    method: str
    path: str
    body: Any = NO_BODY
    content: bytes | Iterator[bytes] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    codes: frozenset[str] = frozenset({"validation_error"})
    as_: str | None = "admin"


def _encode(body: Any) -> bytes:
    """JSON as a hostile client may send it: ASCII escapes, so lone surrogates and NUL survive."""
    return json.dumps(body).encode()


def send(target: Target, h: Hostile) -> Any:
    headers = {**target.api.headers(h.as_), **h.headers}
    content = h.content
    if h.body is not NO_BODY:
        content = _encode(h.body)
        headers.setdefault("Content-Type", "application/json")
    response = target.api.client.request(h.method, h.path, content=content, headers=headers)
    target.sent()
    return response


def refuse(target: Target, h: Hostile) -> Any:
    """Send `h`: it must answer a 4xx problem with one of `h.codes`, and change nothing."""
    response = send(target, h)
    what = f"{h.label}: {h.method} {h.path[:120]} -> {response.status_code}"
    if not 400 <= response.status_code < 500:
        target.fail(f"{what} (expected 4xx): {response.text[:300]}")
    elif response.headers.get("content-type") != PROBLEM:
        target.fail(f"{what} is not a problem document: {response.text[:300]}")
    else:
        problem = response.json()
        if problem.get("code") not in h.codes or problem.get("status") != response.status_code:
            target.fail(f"{what} answered code {problem.get('code')!r}, expected one of {sorted(h.codes)}")
    target.settle(what, 400)
    return response


def read(target: Target, h: Hostile) -> Any:
    """Send a read with a hostile parameter: 2xx or a 4xx problem, never a 5xx, and nothing changes."""
    response = send(target, h)
    what = f"{h.label}: {h.method} {h.path[:120]} -> {response.status_code}"
    if response.status_code >= 500:
        target.fail(f"{what}: {response.text[:300]}")
    elif response.status_code >= 400 and response.headers.get("content-type") != PROBLEM:
        target.fail(f"{what} is not a problem document")
    target.settle(what, 400)
    return response


@dataclass(frozen=True)
class Templates:
    """A valid body for every write, on the seeded ledger: each hostile case breaks one thing."""

    ids: dict[str, str]

    def account(self) -> dict[str, Any]:
        return {"code": unique("hostile"), "name": "Hostile", "asset": "BRL", "normal_side": "credit"}

    def asset(self) -> dict[str, Any]:
        return {"code": "H" + uuid.uuid4().hex[:8].upper(), "scale": 2}

    def transfer(self) -> dict[str, Any]:
        return {
            "id": new_id(),
            "debit_account_id": self.ids["source"],
            "credit_account_id": self.ids["wallet"],
            "amount": 100,
        }

    def postings(self) -> dict[str, Any]:
        return {
            "id": new_id(),
            "postings": [
                {"account_id": self.ids["source"], "side": "debit", "amount": 100},
                {"account_id": self.ids["wallet"], "side": "credit", "amount": 100},
            ],
        }

    def reversal(self) -> dict[str, Any]:
        return {"id": new_id()}

    def policy(self) -> dict[str, Any]:
        return {
            "rate_bps": 500,
            "day_count": "ACT/360",
            "counterpart_account_id": self.ids["source"],
            "effective_from": "2025-06-01",
        }

    def job(self) -> dict[str, Any]:
        return {"start": "2026-01-01", "end": "2026-01-31"}

    def monitor(self) -> dict[str, Any]:
        return {"balance": "posted", "comparison": "above", "threshold": 10**30, "metadata": {"k": "v"}}

    def writes(self) -> list[tuple[str, str, str, Callable[[], dict[str, Any]]]]:
        """(name, method, path, template) of every write that takes a body."""
        ids = self.ids
        return [
            ("account", "POST", "/v1/accounts", self.account),
            ("asset", "POST", "/v1/assets", self.asset),
            ("transfer", "POST", "/v1/transfers", self.transfer),
            ("postings", "POST", "/v1/transfers", self.postings),
            ("batch", "POST", "/v1/transfers/batch", lambda: {"transfers": [self.transfer()]}),
            ("bulk", "POST", "/v1/transfers/bulk", lambda: {"transfers": [self.transfer()]}),
            ("post_pending", "POST", f"/v1/transfers/{ids['pending']}/post", lambda: {"amount": 100}),
            ("reversal", "POST", f"/v1/transfers/{ids['posted']}/reverse", self.reversal),
            ("policy", "PUT", f"/v1/accounts/{ids['wallet']}/interest-policy", self.policy),
            ("job", "POST", "/v1/jobs/interest-accrual", self.job),
            ("monitor", "POST", f"/v1/accounts/{ids['wallet']}/monitors", self.monitor),
        ]


def _set(body: dict[str, Any], path: str | list[str], value: Any) -> dict[str, Any]:
    """A copy of `body` with the value at `path` (`postings.0.amount`, or its parts) set; missing
    objects are added."""
    copy = json.loads(json.dumps(body))
    *parents, last = path.split(".") if isinstance(path, str) else path
    node: Any = copy
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    result: dict[str, Any] = copy
    return result


def test_the_templates_are_valid(target: Target) -> None:
    """The control: each write's template, as is, succeeds; so a refusal below is the hostile part's."""
    for name, method, path, template in Templates(target.ids).writes():
        response = send(target, Hostile(f"template {name}", method, path, template()))
        if response.status_code not in (200, 201, 202):
            target.fail(f"the {name} template answered {response.status_code}: {response.text[:300]}")
        target.settle(f"template {name}", response.status_code)
    target.assert_no_failures("templates")


def test_oversized_bodies_and_batches(target: Target) -> None:
    """Over the byte limit: 413 by declared length and by counting; over 1000 transfers: 422."""
    limit = target.api.services.max_body_bytes
    t = Templates(target.ids)
    padded = {**t.transfer(), "description": "x" * (limit + 1)}
    refuse(
        target,
        Hostile(
            "declared too large", "POST", "/v1/transfers", padded, codes=frozenset({"payload_too_large"})
        ),
    )

    def chunks() -> Iterator[bytes]:
        yield b'{"description": "'
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    for path in ("/v1/transfers", "/v1/transfers/batch", "/v1/accounts", "/v1/assets"):
        refuse(
            target,
            Hostile(
                "streamed too large",
                "POST",
                path,
                content=chunks(),
                headers={"Content-Type": "application/json"},
                codes=frozenset({"payload_too_large"}),
            ),
        )
    batch_path = "/v1/transfers/batch"
    refuse(
        target,
        Hostile("1001 transfers", "POST", batch_path, hostile_payloads.batch_body(OVER_BATCH, t.transfer())),
    )
    over_bytes = hostile_payloads.batch_body(limit // 150 + 10, t.transfer())
    refuse(
        target,
        Hostile(
            "batch over the byte limit",
            "POST",
            batch_path,
            over_bytes,
            codes=frozenset({"payload_too_large"}),
        ),
    )
    bulk_path = "/v1/transfers/bulk"
    over_bulk = refuse(
        target,
        Hostile("10001 transfers", "POST", bulk_path, hostile_payloads.batch_body(OVER_BULK, t.transfer())),
    )
    named(target, "10001 transfers in a bulk", over_bulk, "transfers")
    refuse(
        target,
        Hostile(
            "bulk over the byte limit",
            "POST",
            bulk_path,
            over_bytes,
            codes=frozenset({"payload_too_large"}),
        ),
    )
    refuse(target, Hostile("empty bulk", "POST", bulk_path, {"transfers": []}))
    refuse(target, Hostile("bulk not a list", "POST", bulk_path, {"transfers": t.transfer()}))
    refuse(target, Hostile("empty batch", "POST", batch_path, {"transfers": []}))
    refuse(target, Hostile("batch not a list", "POST", batch_path, {"transfers": t.transfer()}))
    postings = t.postings()
    many = {**postings, "postings": postings["postings"] * 65}
    refuse(target, Hostile("130 postings", "POST", "/v1/transfers", many))
    target.assert_no_failures("oversized bodies and batches")


def named(target: Target, what: str, response: Any, field: str) -> None:
    """A 422 validation problem must name `field` (or a field under it) among its errors."""
    if response.status_code != 422 or response.headers.get("content-type") != PROBLEM:
        return  # `refuse` reported it
    fields = [e.get("field", "") for e in response.json().get("errors") or []]
    if not any(f == field or f.startswith((field + ".", field + "[")) for f in fields):
        target.fail(f"{what}: the problem names {fields}, not {field}")


def test_hostile_bulk_items(target: Target) -> None:
    """A bulk request is refused whole (422 naming the item's field, nothing written) when an item
    breaks the request's schema (or holds a NUL character), wherever it stands among valid ones; an
    item that breaks only the ledger's rules (huge or deep metadata) is refused alone, its neighbours are booked
    and nothing of it is written; duplicated keys take one value (the last), never both."""
    t = Templates(target.ids)
    path = "/v1/transfers/bulk"
    for label, (item, where) in some(BAD_BULK_ITEMS).items():
        for index in (0, 3):
            items: list[Any] = [t.transfer() for _ in range(5)]
            items[index] = item(items[index]) if callable(item) else item
            response = refuse(
                target, Hostile(f"bulk item {index} {label}", "POST", path, {"transfers": items})
            )
            named(target, f"bulk item {index} {label}", response, f"transfers[{index}]{where}")
    for label, item in some(REFUSED_BULK_ITEMS).items():
        items = [t.transfer() for _ in range(4)]
        items[2] = item(items[2])
        bulk_refuses_one(target, f"bulk item {label}", items, 2)
    for label, value in some(INJECTIONS).items():
        items = [t.transfer() for _ in range(3)]
        items[1] = {**items[1], "description": value}
        what = f"bulk item description {label}"
        if label in UNSTORABLE:  # too long for the schema, or text PostgreSQL cannot store
            response = send(target, Hostile(what, "POST", path, {"transfers": items}))
            if response.status_code == 422:
                target.settle(what, 422)
                named(target, what, response, "transfers[1].description")
            else:
                target.settle(what, response.status_code)
                bulk_checked(target, what, response, items, refused={1})
        else:
            response = send(target, Hostile(what, "POST", path, {"transfers": items}))
            bulk_checked(target, what, response, items, refused=set())
            if response.status_code == 200:
                told = response.json()["results"][1]["transfer"] or {}
                if told.get("description") != value:
                    target.fail(f"{what}: answered {str(told.get('description'))[:80]!r}, not what was sent")
    first, second = t.transfer(), t.transfer()
    duplicated = (
        '{"transfers": [' + json.dumps(first) + '], "transfers": [' + json.dumps(second) + "]}"
    ).encode()
    response = send(
        target, Hostile("bulk with duplicated keys", "POST", path, content=duplicated, headers=JSON)
    )
    _one_of_duplicates(target, "bulk with duplicated keys", response, [second], [first])
    inner = json.dumps(first)[:-1] + ', "amount": 200}'
    response = send(
        target,
        Hostile(
            "bulk item with a duplicated key",
            "POST",
            path,
            content=('{"transfers": [' + inner + "]}").encode(),
            headers=JSON,
        ),
    )
    _one_of_duplicates(target, "bulk item with a duplicated key", response, [{**first, "amount": 200}], [])
    target.assert_no_failures("hostile bulk requests")


def _one_of_duplicates(
    target: Target, what: str, response: Any, taken: list[dict[str, Any]], ignored: list[dict[str, Any]]
) -> None:
    """Duplicated keys: a 4xx problem that wrote nothing, or the last value taken and no other."""
    if 400 <= response.status_code < 500:
        if response.headers.get("content-type") != PROBLEM:
            target.fail(f"{what}: {response.status_code} is not a problem document")
        target.settle(what, 400)
        return
    bulk_checked(target, what, response, taken, refused=set())
    for item in ignored:
        got = target.api.client.get(f"/v1/transfers/{item['id']}", headers=target.api.headers("admin"))
        target.sent()
        if got.status_code != 404:
            target.fail(f"{what}: the overridden value booked {item['id']} too")


def bulk_refuses_one(target: Target, what: str, items: list[dict[str, Any]], index: int) -> None:
    response = send(target, Hostile(what, "POST", "/v1/transfers/bulk", {"transfers": items}))
    bulk_checked(target, what, response, items, refused={index})


def bulk_checked(
    target: Target, what: str, response: Any, items: list[dict[str, Any]], refused: set[int]
) -> None:
    """A bulk answer of 200: the `refused` items refused with a 4xx validation problem and not
    written, every other item booked as sent (2 entries each), and nothing else changed."""
    what = f"{what} -> {response.status_code}"
    if response.status_code != 200:
        target.fail(f"{what} (expected 200): {response.text[:300]}")
        target.settle(what, 400)
        return
    results = response.json()["results"]
    if len(results) != len(items):
        target.fail(f"{what}: {len(results)} results for {len(items)} items")
        target.settle(what, 400)
        return
    for index, (item, result) in enumerate(zip(items, results, strict=True)):
        problem = result.get("problem") or {}
        if index in refused:
            if not (
                400 <= result["status"] < 500
                and result["transfer"] is None
                and problem.get("code") == "validation_error"
                and problem.get("status") == result["status"]
            ):
                target.fail(f"{what}: item {index} should be refused, got {str(result)[:300]}")
        elif result["status"] != 201 or (result["transfer"] or {}).get("id") != item["id"]:
            target.fail(f"{what}: item {index} should be booked, got {str(result)[:300]}")
        else:
            lines = tuple(
                (uuid.UUID(p["account_id"]), p["side"], p["amount"], p["asset"])
                for p in result["transfer"]["posted"]
            )
            target.acknowledged.append(Acknowledged(uuid.UUID(item["id"]), "posted", lines))
    booked = len(items) - len(refused)
    target.accept(
        what, {"transfers": booked, "entries": 2 * booked, "events": booked}, touched=frozenset({"accounts"})
    )
    for index in refused:
        got = target.api.client.get(
            f"/v1/transfers/{items[index]['id']}", headers=target.api.headers("admin")
        )
        target.sent()
        if got.status_code != 404:
            target.fail(f"{what}: refused item {index} exists ({got.status_code})")


def test_deep_and_huge_metadata(target: Target) -> None:
    """Metadata nested too deep, too big, with fractions, or not an object: 422 everywhere it goes."""
    t = Templates(target.ids)
    for name, metadata in BAD_METADATA.items():
        for kind, path, body in (
            ("account", "/v1/accounts", t.account()),
            ("transfer", "/v1/transfers", t.transfer()),
            ("batch", "/v1/transfers/batch", {"transfers": [t.transfer()]}),
            ("reversal", f"/v1/transfers/{target.ids['posted']}/reverse", t.reversal()),
        ):
            where = "transfers.0.metadata" if kind == "batch" else "metadata"
            refuse(target, Hostile(f"{kind} metadata {name}", "POST", path, _set(body, where, metadata)))
    target.assert_no_failures("deep and huge metadata")


def test_amounts_out_of_range_or_of_the_wrong_type(target: Target) -> None:
    """Amounts: zero, negative, huge (beyond NUMERIC(38)), fractional, strings, booleans, null, NaN;
    and the other integers of the API out of their range or of another type."""
    t = Templates(target.ids)
    places = [
        ("transfer.amount", "POST", "/v1/transfers", t.transfer, "amount"),
        ("posting.amount", "POST", "/v1/transfers", t.postings, "postings.0.amount"),
        (
            "batch.amount",
            "POST",
            "/v1/transfers/batch",
            lambda: {"transfers": [t.transfer()]},
            "transfers.0.amount",
        ),
        (
            "bulk.amount",
            "POST",
            "/v1/transfers/bulk",
            lambda: {"transfers": [t.transfer()]},
            "transfers.0.amount",
        ),
        (
            "post_pending.amount",
            "POST",
            f"/v1/transfers/{target.ids['pending']}/post",
            lambda: {"amount": 1},
            "amount",
        ),
    ]
    for label, method, path, template, where in places:
        for name, value in BAD_AMOUNTS.items():
            if label == "post_pending.amount" and value is None:
                continue  # no amount: post the whole hold (valid)
            refuse(target, Hostile(f"{label} {name}", method, path, _set(template(), where, value)))
        for name, spelling in RAW_NUMBERS.items():
            if "." in where:
                continue
            raw = raw_with_number(template(), where, spelling)
            refuse(target, Hostile(f"{label} raw {name}", method, path, content=raw, headers=JSON))
    # Other integers the API takes: each has a range, and a JSON integer is the only type accepted.
    out_of_range = {
        "min_balance": [10**38, -(10**38), 10**1000, 1.5, "0", True, [0]],
        "rate_bps": [-1, 10**38, 1.5, "500", True, None],
        "scale": [-1, 19, 10**38, 2.5, "2", False, None],
        "timeout_seconds": [0, -1, 10**38, 60.5, "60", True],
    }
    for name, values in out_of_range.items():
        for value in values:
            if name == "min_balance":
                method, path, body = "POST", "/v1/accounts", {**t.account(), name: value}
            elif name == "rate_bps":
                method, path, body = (
                    "PUT",
                    f"/v1/accounts/{target.ids['wallet']}/interest-policy",
                    {**t.policy(), name: value},
                )
            elif name == "scale":
                method, path, body = "POST", "/v1/assets", {**t.asset(), name: value}
            else:
                method, path, body = "POST", "/v1/transfers", {**t.transfer(), "pending": True, name: value}
            refuse(target, Hostile(f"{name} {value!r:.40}", method, path, body))
    target.assert_no_failures("amounts")


def test_unknown_fields(target: Target) -> None:
    """Every body model forbids fields it does not know, at every level."""
    t = Templates(target.ids)
    for name, method, path, template in t.writes():
        for extra in ("unexpected", "__proto__", "constructor", "debitAccountId", "ID", "id "):
            body = template()
            if extra in body:
                continue
            refuse(target, Hostile(f"{name} + {extra!r}", method, path, {**body, extra: 1}))
    nested = [
        ("posting", "/v1/transfers", _set(t.postings(), "postings.0.unexpected", 1)),
        ("batch item", "/v1/transfers/batch", {"transfers": [{**t.transfer(), "unexpected": 1}]}),
        ("bulk item", "/v1/transfers/bulk", {"transfers": [{**t.transfer(), "unexpected": 1}]}),
    ]
    for name, path, body in nested:
        refuse(target, Hostile(f"{name} + 'unexpected'", "POST", path, body))
    target.assert_no_failures("unknown fields")


def test_wrong_and_missing_content_types(target: Target) -> None:
    """A valid JSON body under another Content-Type, or none: 415."""
    t = Templates(target.ids)
    for name, method, path, template in t.writes():
        raw = _encode(template())
        for content_type in NOT_JSON_TYPES[: scaled(SHORT, len(NOT_JSON_TYPES))]:
            headers = {"Content-Type": content_type} if content_type else {}
            refuse(
                target,
                Hostile(
                    f"{name} as {content_type}",
                    method,
                    path,
                    content=raw,
                    headers=headers,
                    codes=frozenset({"unsupported_media_type"}),
                ),
            )
    target.assert_no_failures("content types")


def _corruptions(body: dict[str, Any]) -> dict[str, bytes]:
    """Ways to break a valid JSON body so that it is no longer one JSON object."""
    text = json.dumps(body)
    return {
        "truncated": text[:-1].encode(),
        "invalid utf-8": text.replace('"', '"\xff', 1).encode("latin-1"),
        "utf-16": text.encode("utf-16"),
        "two documents": (text + text).encode(),
        "trailing comma": (text[:-1] + ",}").encode(),
        "single quotes": text.replace('"', "'").encode(),
        "comment": (text + " // done").encode(),
        "unquoted key": text.replace('"', "", 2).encode(),
    }


def test_malformed_json(target: Target) -> None:
    """Bodies that are not one UTF-8 JSON object: 400 (or 422 for JSON of the wrong shape)."""
    t = Templates(target.ids)
    optional_body = {"post_pending"}  # no body at all means: post the whole hold
    for name, method, path, template in t.writes():
        cases = {**some(_corruptions(template())), **some(MALFORMED_JSON)}
        for label, raw in cases.items():
            if name in optional_body and label in ("null", "empty"):
                continue
            refuse(target, Hostile(f"{name} {label}", method, path, content=raw, headers=JSON))
    # Writes that take no body ignore a JSON one, but not one that is not JSON.
    not_json = (
        "unterminated",
        "invalid_utf8",
        "deep_arrays",
        "trailing_comma",
        "single_quotes",
        "deep_objects",
    )
    for path in (f"/v1/accounts/{target.ids['spare']}/freeze", f"/v1/transfers/{target.ids['pending']}/void"):
        for label in not_json[: scaled(3, len(not_json))]:
            refuse(
                target,
                Hostile(f"no-body write {label}", "POST", path, content=MALFORMED_JSON[label], headers=JSON),
            )
    target.assert_no_failures("malformed JSON")


#: Injections no text field can take: PostgreSQL stores neither NUL nor a lone surrogate, and every text
#: has a length limit. Wherever they go, they are refused.
UNSTORABLE = frozenset({"nul", "lone_surrogate", "very_long"})

#: The client's own text, as (write, field): any other injection there is text like any other, which
#: may be refused, or stored and answered back verbatim; never run, never spliced into SQL.
FREE_TEXT = [
    ("account", "code"),
    ("account", "name"),
    ("account", "metadata.note"),
    ("transfer", "description"),
    ("transfer", "metadata.note"),
    ("postings", "metadata.note"),
    ("batch", "transfers.0.description"),
    ("batch", "transfers.0.metadata.note"),
]

#: Free text of writes that succeed once only (a transfer is reversed once): unstorable values only.
ONCE_ONLY_TEXT = [("reversal", "description"), ("reversal", "metadata.note")]

#: Fields with a format (codes, ids, enums, dates): any hostile string there is refused.
FORMATTED = [
    ("account", "asset"),
    ("account", "normal_side"),
    ("asset", "code"),
    ("transfer", "id"),
    ("transfer", "debit_account_id"),
    ("transfer", "asset"),
    ("transfer", "effective_at"),
    ("postings", "postings.0.side"),
    ("postings", "postings.0.asset"),
    ("postings", "postings.0.account_id"),
    ("batch", "transfers.0.credit_account_id"),
    ("bulk", "transfers.0.id"),
    ("bulk", "transfers.0.debit_account_id"),
    ("bulk", "transfers.0.asset"),
    ("reversal", "id"),
    ("policy", "day_count"),
    ("policy", "counterpart_account_id"),
    ("policy", "effective_from"),
    ("job", "start"),
    ("job", "end"),
]

#: Instants that parse but lie outside what can be stored and answered (the year 0 or 10000 in UTC),
#: and numbers, which are not ISO 8601 (pydantic alone reads them as seconds since 1970).
ODD_INSTANTS: list[Any] = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1700000000", "1e-61", 0]
#: Days that are not `YYYY-MM-DD` dates of the calendar.
ODD_DAYS: list[Any] = [
    "2025-02-30",
    "0000-01-01",
    "10000-01-01",
    "20250101",
    0,
    1700000000,
    "2025-01-01T00:00:00Z",
]


def _writes_by_name(t: Templates) -> dict[str, tuple[str, str, Callable[[], dict[str, Any]]]]:
    return {name: (method, path, template) for name, method, path, template in t.writes()}


def test_injection_in_every_string_field(target: Target) -> None:
    """SQL, Python, templates, NUL, lone surrogates and huge strings in every string of every body."""
    t = Templates(target.ids)
    writes = _writes_by_name(t)
    for name, where in FORMATTED:
        method, path, template = writes[name]
        odd = ODD_INSTANTS if where == "effective_at" else ODD_DAYS if name in ("policy", "job") else []
        values: dict[str, Any] = {**some(INJECTIONS), **{repr(v): v for v in odd}}
        for label, value in values.items():
            refuse(target, Hostile(f"{name}.{where} {label}", method, path, _set(template(), where, value)))
    for name, (method, path, template) in writes.items():
        for label, key in some(INJECTIONS).items():
            refuse(target, Hostile(f"{name} with a {label} key", method, path, {**template(), key: 1}))
    for name, where in FREE_TEXT + ONCE_ONLY_TEXT:
        method, path, template = writes[name]
        for label, value in some(INJECTIONS).items():
            hostile = Hostile(f"{name}.{where} {label}", method, path, _set(template(), where, value))
            if label in UNSTORABLE:
                refuse(target, hostile)
            elif (name, where) in FREE_TEXT:
                verbatim(target, hostile, where.split("."), value)
    for name, where in FREE_TEXT:
        if where.endswith("metadata.note"):
            method, path, template = writes[name]
            for label, key in some(INJECTIONS).items():
                parts = [*where.split(".")[:-1], key]
                hostile = Hostile(f"{name} metadata {label} key", method, path, _set(template(), parts, "v"))
                if label in UNSTORABLE - {"very_long"}:  # a long key is fine while the object is small
                    refuse(target, hostile)
                elif label != "very_long":
                    verbatim(target, hostile, parts, "v")
    wallet = target.ids["wallet"]
    for value in ODD_INSTANTS:
        path = f"/v1/accounts/{wallet}/balance?as_of={quote(str(value))}"
        refuse(target, Hostile(f"as_of {value}", "GET", path))
    target.assert_no_failures("injection in string fields")


def _get(body: Any, parts: list[str]) -> Any:
    for part in parts:
        body = body[int(part)] if isinstance(body, list) else body.get(part)
    return body


def verbatim(target: Target, h: Hostile, where: list[str], value: Any) -> None:
    """A hostile string in free text: refused (4xx, nothing changed), or stored and answered back
    exactly as sent, the write adding its own rows and nothing else."""
    response = send(target, h)
    what = f"{h.label}: {h.method} {h.path} -> {response.status_code}"
    if 400 <= response.status_code < 500:
        if (
            response.headers.get("content-type") != PROBLEM
            or response.json().get("code") != "validation_error"
        ):
            target.fail(f"{what}: not a validation problem: {response.text[:300]}")
        target.settle(what, 400)
        return
    if response.status_code != 201:
        target.fail(f"{what}: {response.text[:300]}")
        target.settle(what, 400)
        return
    body = response.json()
    batch = where[0] == "transfers"
    resource, field = (body["transfers"][0], where[2:]) if batch else (body, where)
    kind = "accounts" if h.path == "/v1/accounts" else "transfers"
    stored = target.api.client.get(f"/v1/{kind}/{resource['id']}", headers=target.api.headers("admin"))
    target.sent()
    for source, document in (("answered", resource), ("stored", stored.json())):
        if _get(document, field) != value:
            target.fail(f"{what}: {source} {str(_get(document, field))[:80]!r}, not what was sent")
    if kind == "accounts":
        target.accept(what, {"accounts": 1, "events": 1})
    else:
        target.accept(what, {"transfers": 1, "entries": 2, "events": 1}, touched=frozenset({"accounts"}))


def _quoted(value: str) -> str:
    """`value` for a URL (at most 8,000 characters of it: the longest URL servers commonly take)."""
    return quote(value[:8000], safe="", errors="surrogatepass")


def test_injection_in_path_and_query_parameters(target: Target) -> None:
    """Injections in ids, kinds, filters, dates, limits and cursors (and cursors crafted to decode)."""
    ids = target.ids
    wallet = ids["wallet"]
    t = Templates(target.ids)
    crafted_cursors = {
        "huge seq": ["entries", 10**100],
        "negative seq": ["entries", -5],
        "bigint seq": ["entries", 2**63],
        "float seq": ["entries", 1.5],
        "account code with NUL": ["accounts", "a\x00b"],
        "account code with a surrogate": ["accounts", "a\ud800"],
        "account number": ["accounts", 5],
        "transfer junk": ["transfers", [1, 2]],
        "transfer far future": ["transfers", ["9999-12-31T23:59:59-14:00", new_id()]],
        "transfer far past": ["transfers", ["0001-01-01T00:00:00+14:00", new_id()]],
        "transfer no zone": ["transfers", ["2025-01-01T00:00:00", new_id()]],
        "wrong listing": ["transfers", 1],
    }
    cursors = {
        **some(INJECTIONS),
        **{name: _cursor(position) for name, position in crafted_cursors.items()},
    }
    for label, value in {**some(INJECTIONS), "space": " ", "dots": ".."}.items():
        v = _quoted(value)
        for method, path in (
            ("GET", f"/v1/accounts/{v}"),
            ("GET", f"/v1/accounts/{v}/balance"),
            ("GET", f"/v1/accounts/{v}/entries"),
            ("GET", f"/v1/accounts/{v}/interest-policy"),
            ("POST", f"/v1/accounts/{v}/freeze"),
            ("GET", f"/v1/transfers/{v}"),
            ("POST", f"/v1/transfers/{v}/void"),
            ("POST", f"/v1/transfers/{v}/post"),
            ("GET", f"/v1/jobs/{v}"),
            ("POST", f"/v1/jobs/{v}"),
        ):
            refuse(target, Hostile(f"path {label}", method, path, codes=REFUSED))
        refuse(
            target,
            Hostile(f"path {label}", "POST", f"/v1/transfers/{v}/reverse", t.reversal(), codes=REFUSED),
        )
        refuse(
            target,
            Hostile(f"path {label}", "PUT", f"/v1/accounts/{v}/interest-policy", t.policy(), codes=REFUSED),
        )
        for query in ("status", "account_id", "limit"):
            refuse(target, Hostile(f"transfers ?{query} {label}", "GET", f"/v1/transfers?{query}={v}"))
        for query in ("from", "to", "limit"):
            refuse(
                target,
                Hostile(f"entries ?{query} {label}", "GET", f"/v1/accounts/{wallet}/entries?{query}={v}"),
            )
        refuse(target, Hostile(f"accounts ?limit {label}", "GET", f"/v1/accounts?limit={v}"))
        for path in (
            f"/v1/accounts?code_prefix={v}",
            f"/v1/accounts?asset={v}",
            f"/v1/trial-balance?asset={v}",
        ):
            read(target, Hostile(f"filter {label}", "GET", path))
    for label, value in cursors.items():
        v = _quoted(value)
        for path in ("/v1/accounts", "/v1/transfers", f"/v1/accounts/{wallet}/entries"):
            response = read(target, Hostile(f"cursor {label}", "GET", f"{path}?cursor={v}"))
            if response.status_code < 400 and label in INJECTIONS:
                target.fail(f"cursor {label} on {path} was accepted")
    for limit in ("0", "-1", "1001", "1e3", "1.5", str(10**40), "true", "null"):
        refuse(target, Hostile(f"limit {limit}", "GET", f"/v1/accounts?limit={limit}"))
    target.assert_no_failures("injection in path and query parameters")


def _cursor(position: Any) -> str:
    raw = json.dumps(position).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_hostile_headers(target: Target) -> None:
    """Bad keys are 401 whatever they hold; a hostile request id is never echoed as sent."""
    t = Templates(target.ids)
    tokens = {label: value for label, value in some(INJECTIONS).items() if _latin1(value)}
    tokens.update(
        {"basic": "Basic dXNlcjpwYXNz", "empty": "", "prefix only": "rz_", "long": "rz_" + "a" * 10_000}
    )
    for label, token in tokens.items():
        auth = token if token.startswith("Basic") else f"Bearer {token}"
        for method, path, body in (("GET", "/v1/accounts", NO_BODY), ("POST", "/v1/transfers", t.transfer())):
            refuse(
                target,
                Hostile(
                    f"authorization {label}",
                    method,
                    path,
                    body,
                    headers={"Authorization": auth},
                    codes=frozenset({"unauthenticated"}),
                    as_=None,
                ),
            )
    for label, value in tokens.items():
        response = send(
            target,
            Hostile(f"request id {label}", "GET", "/health/live", headers={"X-Request-ID": value}, as_=None),
        )
        echoed = response.headers.get("x-request-id", "")
        if (
            response.status_code != 200
            or not echoed.isprintable()
            or len(echoed) > 128
            or (echoed == value and not value.isascii())
        ):
            target.fail(f"request id {label}: answered {response.status_code} with {echoed[:80]!r}")
    target.assert_no_failures("hostile headers")


def _latin1(value: str) -> bool:
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value and "\r" not in value and "\n" not in value


def test_hostile_bodies_without_credentials(target: Target) -> None:
    """Without a key, whatever the body, a /v1 write answers 401 (or 413 when it is over the limit)."""
    t = Templates(target.ids)
    for name, method, path, template in t.writes():
        bodies = {**some(_corruptions(template())), **some(MALFORMED_JSON), "valid": _encode(template())}
        for label, raw in bodies.items():
            refuse(
                target,
                Hostile(
                    f"{name} {label} without a key",
                    method,
                    path,
                    content=raw,
                    headers=JSON,
                    codes=frozenset({"unauthenticated"}),
                    as_=None,
                ),
            )
        refuse(
            target,
            Hostile(
                f"{name} as text without a key",
                method,
                path,
                content=_encode(template()),
                headers={"Content-Type": "text/plain"},
                codes=frozenset({"unauthenticated"}),
                as_=None,
            ),
        )
    target.assert_no_failures("hostile bodies without credentials")


def test_hostile_events_feed_parameters(target: Target) -> None:
    """Every parameter of `GET /v1/events` refuses what it cannot take with a 422 naming it, and a read
    changes nothing (the seeded ledger's events are there to be read)."""
    crafted = {
        "another listing": ["entries", 5],
        "not a pair": ["events", "1"],
        "txid as a number": ["events", [1, 1]],
        "txid not digits": ["events", ["1e3", 1]],
        "txid negative": ["events", ["-1", 1]],
        "txid beyond 64 bits": ["events", [str(2**64), 1]],
        "txid huge": ["events", ["9" * 400, 1]],
        "n negative": ["events", ["1", -1]],
        "n beyond bigint": ["events", ["1", 2**63]],
        "n a float": ["events", ["1", 1.5]],
        "n a bool": ["events", ["1", True]],
        "three parts": ["events", ["1", 1, 1]],
    }
    cases: list[tuple[str, str, str]] = [
        (f"after {label}", f"after={_quoted(_cursor(position))}", "after")
        for label, position in crafted.items()
    ]
    for label, value in some(INJECTIONS).items():
        v = _quoted(value)
        cases += [
            (f"after {label}", f"after={v}", "after"),
            (f"types {label}", f"types={v}", "types"),
            (f"account_id {label}", f"account_id={v}", "account_id"),
            (f"limit {label}", f"limit={v}", "limit"),
            (f"wait {label}", f"wait={v}", "wait"),
        ]
    cases += [
        ("types unknown", "types=transfer.posted,account.deleted", "types"),
        ("types empty", "types=", "types"),
        ("types only commas", "types=,,", "types"),
        ("types upper case", "types=TRANSFER.POSTED", "types"),
        *[(f"limit {v}", f"limit={v}", "limit") for v in ("0", "-1", "1001", "1.5", str(10**40))],
        *[(f"wait {v}", f"wait={v}", "wait") for v in ("-1", "30.001", "nan", "inf", "-inf", "1e400")],
    ]
    for label, query, field_ in cases:
        response = refuse(target, Hostile(label, "GET", f"/v1/events?{query}", as_="read"))
        if response.status_code == 422 and field_ not in {
            e["field"] for e in response.json().get("errors", [])
        }:
            target.fail(f"{label}: the problem does not name {field_}: {response.text[:300]}")
    settle_events(target.superuser)
    seeded = read(target, Hostile("the seeded feed", "GET", "/v1/events?limit=1000", as_="read"))
    if seeded.status_code != 200 or len(seeded.json()["items"]) < 5:
        target.fail(f"the seeded ledger's events are not in the feed: {seeded.text[:300]}")
    target.assert_no_failures("hostile events feed parameters")


def test_hostile_ledger_model_parameters(target: Target) -> None:
    """The time basis, value-date cursors, history ranges, the trial balance's `through`, the journal's
    window and exports (docs/value-dates.md, docs/export.md): each refuses what it cannot take with a 422
    naming the parameter, never a 5xx, and a read changes nothing."""
    wallet = target.ids["wallet"]
    crafted = {
        "booked cursor on a value statement": ["entries", 5],
        "value cursor junk": ["value_entries", ["x", 1]],
        "value cursor no zone": ["value_entries", ["2025-01-01T00:00:00", 1]],
        "value cursor huge seq": ["value_entries", ["2025-01-01T00:00:00+00:00", 10**100]],
    }
    cases: list[tuple[str, str, str]] = [
        (f"cursor {label}", f"/v1/accounts/{wallet}/entries?basis=effective&cursor={_cursor(c)}", "cursor")
        for label, c in crafted.items()
    ]
    for label, value in some(INJECTIONS).items():
        v = _quoted(value)
        cases += [
            (f"balance basis {label}", f"/v1/accounts/{wallet}/balance?basis={v}", "basis"),
            (f"balance as_of {label}", f"/v1/accounts/{wallet}/balance?basis=effective&as_of={v}", "as_of"),
            (f"entries basis {label}", f"/v1/accounts/{wallet}/entries?basis={v}", "basis"),
            (f"entries from {label}", f"/v1/accounts/{wallet}/entries?basis=effective&from={v}", "from"),
            (f"history from {label}", f"/v1/accounts/{wallet}/history?from={v}&to=2025-01-01", "from"),
            (
                f"history basis {label}",
                f"/v1/accounts/{wallet}/history?from=2025-01-01&to=2025-01-02&basis={v}",
                "basis",
            ),
            (f"trial balance through {label}", f"/v1/trial-balance?basis=effective&through={v}", "through"),
            (f"journal from {label}", f"/v1/journal?from={v}&to=2025-01-01T00:00:00Z", "from"),
        ]
    cases += [
        ("history over 366 days", f"/v1/accounts/{wallet}/history?from=2024-01-01&to=2025-01-02", "to"),
        ("history backwards", f"/v1/accounts/{wallet}/history?from=2025-02-01&to=2025-01-01", "to"),
        ("history year 0", f"/v1/accounts/{wallet}/history?from=0000-01-01&to=0000-01-02", "from"),
        ("history far future", f"/v1/accounts/{wallet}/history?from=9999-12-31&to=10000-01-01", "to"),
        ("through with booked basis", "/v1/trial-balance?through=2025-01-01", "through"),
        ("through not a date", "/v1/trial-balance?basis=effective&through=2025-02-30", "through"),
        ("journal without a window", "/v1/journal", "from"),
        ("journal backwards", "/v1/journal?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z", "to"),
        ("journal over its window", "/v1/journal?from=2020-01-01T00:00:00Z&to=2025-01-01T00:00:00Z", "to"),
        (
            "as_of without a zone",
            f"/v1/accounts/{wallet}/balance?basis=effective&as_of=2025-01-01T00:00:00",
            "as_of",
        ),
    ]
    for label, path, field_ in cases:
        response = refuse(target, Hostile(label, "GET", path, as_="read"))
        if response.status_code == 422 and field_ not in {
            e["field"] for e in response.json().get("errors", [])
        }:
            target.fail(f"{label}: the problem does not name {field_}: {response.text[:300]}")
    for accept in ("text/html", "application/xml", "*/*;q=0, text/csv;q=0", "text/csv;q=nan"):
        response = read(
            target,
            Hostile(
                f"export accept {accept}",
                "GET",
                "/v1/journal?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z",
                as_="read",
                headers={"Accept": accept},
            ),
        )
        if response.status_code not in (200, 406):
            target.fail(f"export accept {accept}: {response.status_code} {response.text[:200]}")
    target.assert_no_failures("hostile ledger model parameters")


def test_hostile_search_parameters(target: Target) -> None:
    """Huge, repeated, conflicting and injected search filters (docs/search.md): each is a 4xx problem
    naming the parameter, never a 5xx, and a search changes nothing."""
    for label, path, field_, codes in HOSTILE_SEARCHES:
        response = refuse(target, Hostile(f"search {label}", "GET", path, codes=codes, as_="read"))
        if response.status_code == 422 and not any(
            e["field"].startswith(field_) for e in response.json().get("errors", [])
        ):
            target.fail(f"search {label}: the problem does not name {field_}: {response.text[:300]}")
    target.assert_no_failures("hostile search parameters")
