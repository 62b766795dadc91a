"""The jobs API without a worker: validation, scopes, and a broker that cannot be reached.

Running jobs on a real worker is tested in tests/tasks. Here the broker URL points at a closed port, so
nothing is ever queued on the shared Redis."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from razao.container import Container
from tests.e2e.conftest import UNREACHABLE_BROKER, Api, container_on, problem_code


@pytest.fixture
def container(database: Any) -> Iterator[Container]:
    with container_on(database, broker_url=UNREACHABLE_BROKER, result_backend=None) as container:
        yield container


TODAY = datetime.now(UTC).date()
YESTERDAY = TODAY - timedelta(days=1)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/jobs/interest-accrual", {"start": "2026-01-01"}, "end"),
        ("/v1/jobs/interest-accrual", {"start": "2026-02-01", "end": "2026-01-01"}, "end"),
        ("/v1/jobs/interest-accrual", {"start": str(YESTERDAY), "end": str(TODAY)}, "end"),  # not ended
        ("/v1/jobs/interest-accrual", {"start": "2026-01-01", "end": "2026-01-31", "rate": 1}, "rate"),
        ("/v1/jobs/interest-accrual", {}, "start"),
        ("/v1/jobs/interest-accrual", {}, "end"),
        (
            "/v1/jobs/interest-accrual",
            {"start": "2026-01-01", "end": "2026-01-31", "post_open_periods": "yes"},
            "post_open_periods",
        ),
        (
            "/v1/jobs/interest-accrual",
            {"start": "2026-01-01", "end": "2026-01-31", "post_open_periods": 1},
            "post_open_periods",
        ),
        ("/v1/jobs/expire-holds", {"start": "2026-01-01"}, "start"),
        ("/v1/jobs/expire-holds", {"end": "2026-01-01"}, "end"),
    ],
)
def test_job_requests_are_validated(
    api: Api, admin_engine: Engine, path: str, body: dict[str, Any], field: str
) -> None:
    jobs = text("SELECT count(*) FROM razao.jobs")
    with admin_engine.connect() as conn:
        before = conn.execute(jobs).scalar_one()
    response = api.post(path, body, as_="admin")

    assert response.status_code == 422, response.text
    assert problem_code(response) == "validation_error"
    assert field in {e["field"] for e in response.json()["errors"]}
    with admin_engine.connect() as conn:  # refused: no job recorded
        assert conn.execute(jobs).scalar_one() == before


def test_jobs_need_the_admin_scope(api: Api) -> None:
    assert problem_code(api.post("/v1/jobs/expire-holds", {}, as_="write")) == "forbidden"
    assert problem_code(api.post("/v1/jobs/expire-holds", {}, as_=None)) == "unauthenticated"
    assert problem_code(api.get("/v1/jobs/00000000-0000-0000-0000-000000000000", as_="read")) == "forbidden"


def test_an_unknown_job_is_404(api: Api) -> None:
    response = api.get("/v1/jobs/00000000-0000-0000-0000-000000000000", as_="admin")
    assert response.status_code == 404 and problem_code(response) == "not_found"


def test_a_job_the_broker_cannot_take_is_503_and_recorded_as_failed(api: Api, admin_engine: Engine) -> None:
    response = api.post("/v1/jobs/ledger-verification", as_="admin", headers={"X-Request-ID": "req-503"})

    assert response.status_code == 503 and problem_code(response) == "service_unavailable"
    with admin_engine.connect() as conn:
        job_id = conn.execute(text("SELECT id FROM razao.jobs WHERE request_id = 'req-503'")).scalar_one()
    job = api.get(f"/v1/jobs/{job_id}", as_="admin").json()
    assert job["state"] == "failed" and job["errors"][0]["code"] == "service_unavailable"


def test_an_unknown_job_kind_is_not_an_operation(api: Api) -> None:
    response = api.post("/v1/jobs/compact-ledger", {}, as_="admin")

    assert response.status_code == 405, response.text
    assert response.json()["code"] == "method_not_allowed"
