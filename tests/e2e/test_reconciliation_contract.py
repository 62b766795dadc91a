"""The reconciliation endpoints against their own OpenAPI document: schemathesis's checks (the hostile
suite's set) on generated valid and invalid requests, with the seeded statement, run and match in the
paths. No 5xx, documented answers only, problem documents for every refusal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.core.result import Ok
from schemathesis.errors import FailureGroup

import tests.suites.schemathesis_checks  # noqa: F401 (registers the repository's own check)
from razao.container import Container
from tests.e2e.conftest import Api, KeyUow, make_api
from tests.e2e.test_reconciliation import _statement

#: The hostile suite's checks, `refusals_are_declared_rules` included: a 422 to schema-valid data (a rule
#: set's regular expression, entries of another account, ...) must be one of the operation's rules
#: (`adapters.http.schemas.rules.RULES`).
SKIPPED = ("negative_data_rejection", "ignored_auth")
CHECKS = [c for c in REGISTERED_CHECKS.get_all() if c.__name__ not in SKIPPED]
PREFIX = "/v1/reconciliation"


@pytest.fixture
def recon_app(container: Container) -> FastAPI:
    from adapters.http.app import create_app

    app = create_app(container.services())
    return app


@pytest.fixture
def recon_api(recon_app: FastAPI, container: Container, key_uow: KeyUow) -> Iterator[Api]:
    with make_api(recon_app, container.services(), key_uow) as client:
        yield client


def test_the_endpoints_answer_as_documented(recon_api: Api, recon_app: FastAPI, database: Any) -> None:
    api = recon_api
    bank = api.open_account(normal_side="debit", min_balance=None)
    statement = _statement(database, bank["id"])
    rules = api.post(f"{PREFIX}/rules", {"name": "seeded"}).json()
    started = api.post(f"{PREFIX}/runs", {"statement_id": statement, "dry_run": True})
    known = {"statement_id": statement, "rules_id": rules["id"], "line_no": 2}
    if started.status_code == 202:
        known["run_id"] = started.json()["id"]
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json",
        recon_app,
        config=schemathesis.Config.from_dict(
            {
                "headers": {"Authorization": f"Bearer {api.tokens['admin']}"},
                "generation": {"allow-extra-parameters": False},
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
                    }
                },
            }
        ),
    )
    failures: dict[tuple[str, str], str] = {}
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        if not operation.path.startswith(PREFIX):
            continue
        seeded = {p.name: known[p.name] for p in operation.path_parameters if p.name in known}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            if seeded:
                strategy = strategy | operation.as_strategy(generation_mode=mode, path_parameters=seeded)

            @settings(
                max_examples=25,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def exercise(case: Any) -> None:
                response = case.call()
                assert response.status_code < 500, f"{case.operation.label} -> {response.status_code}"
                try:
                    case.validate_response(response, checks=CHECKS)
                except FailureGroup as error:
                    for failure in getattr(error, "exceptions", [error]):
                        title = getattr(failure, "title", type(failure).__name__)
                        failures.setdefault(
                            (case.operation.label, title), f"{response.status_code}: {failure}"
                        )

            try:
                exercise()
            except Exception as error:  # Unsatisfiable: nothing to make invalid
                if type(error).__name__ != "Unsatisfiable":
                    raise
    assert not failures, "\n".join(f"{op} {title}: {why[:300]}" for (op, title), why in failures.items())
