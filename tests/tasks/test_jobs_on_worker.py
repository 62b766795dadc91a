"""Each job kind through the API, run by a real worker process on the real broker."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from adapters.tasks.celery_app import EXPIRE_HOLDS
from razao.container import Container
from tests.e2e.conftest import Api
from tests.tasks.conftest import RABBITMQ_URL, Workers, wait_for_job
from tests.tasks.helpers import accounts_with_interest, accrual_days


def start(api: Api, kind: str, body: object = None, request_id: str | None = None) -> str:
    headers = {"X-Request-ID": request_id} if request_id else {}
    response = api.post(f"/v1/jobs/{kind}", body if body is not None else {}, as_="admin", headers=headers)
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["state"] == "queued" and response.headers["location"] == f"/v1/jobs/{job['id']}"
    job_id: str = job["id"]
    return job_id


def test_expire_holds_job_expires_due_holds_and_logs_the_request_id(api: Api, workers: Workers) -> None:
    worker = workers.start()
    source, wallet = api.funding_pair()
    held = api.transfer(source, wallet, 700, pending=True, timeout_seconds=1).json()
    time.sleep(1.1)

    job = wait_for_job(api, start(api, "expire-holds", request_id="req-expire-1"))

    assert job["state"] == "succeeded", job
    assert job["result"] == {"expired": 1} and job["request_id"] == "req-expire-1"
    assert api.get(f"/v1/transfers/{held['id']}").json()["status"] == "expired"
    assert api.balances(wallet)["pending_credits"] == 0
    logged = [line for line in worker.output().splitlines() if job["id"] in line]
    assert logged and all('"request_id": "req-expire-1"' in line for line in logged), worker.output()


@pytest.mark.parametrize("execution_mode", ["app", "db"], indirect=True)
def test_interest_accrual_job_accrues_each_day_once(
    api: Api, container: Container, workers: Workers, admin_engine: Engine
) -> None:
    workers.start()
    first_day = datetime.now(UTC).date() - timedelta(days=10)
    wallets, bank = accounts_with_interest(
        api, container, 12, deposit=1_000_000, rate_bps=1000, since=first_day
    )
    params = {"start": first_day.isoformat(), "end": (first_day + timedelta(days=9)).isoformat()}

    first = wait_for_job(api, start(api, "interest-accrual", params))
    again = wait_for_job(api, start(api, "interest-accrual", params))

    assert first["state"] == "succeeded", first
    assert first["progress"] == {"processed": 12, "total": 12}
    assert first["result"]["accounts"] == 12 and first["result"]["days"] == 120
    assert again["state"] == "succeeded" and again["result"]["days"] == 0 and again["result"]["postings"] == 0
    days = accrual_days(admin_engine, [w["id"] for w in wallets])
    assert all(sorted(d) == [first_day + timedelta(days=i) for i in range(10)] for d in days.values())
    paid = first["result"]["amount"]
    assert paid > 0 and api.balances(bank)["posted_debits"] == paid


def test_ledger_verification_job_finds_planted_corruption(
    api: Api, workers: Workers, admin_engine: Engine
) -> None:
    worker = workers.start()
    source, wallet = api.funding_pair()
    assert api.transfer(source, wallet, 1234).status_code == 201

    clean = wait_for_job(api, start(api, "ledger-verification"))
    with admin_engine.begin() as conn:  # a superuser, with every trigger switched off
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE accounts SET posted_credits = posted_credits + 1 WHERE id = :id"), wallet)
    corrupt = wait_for_job(api, start(api, "ledger-verification"))

    assert clean["state"] == "succeeded", clean
    assert clean["result"]["ok"] is True and clean["result"]["discrepancy_count"] == 0
    assert corrupt["state"] == "succeeded", corrupt
    assert corrupt["result"]["ok"] is False and corrupt["result"]["discrepancy_count"] >= 1
    assert any(d["subject_id"].startswith(wallet["id"]) for d in corrupt["result"]["discrepancies"])
    assert '"event": "ledger_discrepancies"' in worker.output()
    metrics = api.client.get("/metrics").text
    assert 'razao_jobs{kind="ledger-verification",state="succeeded"} 2.0' in metrics
    assert 'razao_job_run_seconds_count{kind="ledger-verification",state="succeeded"} 2.0' in metrics
    assert f"razao_ledger_discrepancies {float(corrupt['result']['discrepancy_count'])}" in metrics


@pytest.mark.parametrize("broker_url", [RABBITMQ_URL], ids=["rabbitmq"])
def test_jobs_also_run_over_rabbitmq(api: Api, workers: Workers) -> None:
    workers.start()
    job = wait_for_job(api, start(api, "ledger-verification"))
    assert job["state"] == "succeeded" and job["result"]["ok"] is True, job


def test_beat_s_expire_holds_task_runs_on_the_worker(
    api: Api, container: Container, workers: Workers
) -> None:
    workers.start()
    source, wallet = api.funding_pair()
    held = [api.transfer(source, wallet, 100, pending=True, timeout_seconds=1).json() for _ in range(3)]
    time.sleep(1.1)

    result = container.celery().send_task(EXPIRE_HOLDS).get(timeout=30)

    assert result == {"expired": 3}
    assert {api.get(f"/v1/transfers/{h['id']}").json()["status"] for h in held} == {"expired"}
