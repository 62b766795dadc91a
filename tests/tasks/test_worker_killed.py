"""A worker killed (SIGKILL) during an interest accrual: the task is redelivered to a new worker, which
resumes the job and finishes it without booking anything twice.

On Redis the task comes back after the visibility timeout; on RabbitMQ at once (the dead worker's
connection dropped), while the dead run's job lease still runs: the new worker then leaves the job alone
and retries the task after the lease's end (`job_held_elsewhere`), when it takes the job over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from razao.container import Container
from tests.e2e.conftest import Api
from tests.tasks.conftest import ISOLATED_REDIS_URL, RABBITMQ_URL, Workers, wait_for, wait_for_job
from tests.tasks.helpers import accounts_with_interest, accrual_days

ACCOUNTS = 60
DAYS = 45
#: Redis redelivers an unacknowledged task after the visibility timeout: short here, so the test is.
VISIBILITY_TIMEOUT = "3"
#: The job lease: short too (a dead run's job is taken over this long after its last progress).
LEASE_SECONDS = "4"


@pytest.mark.parametrize("broker_url", [ISOLATED_REDIS_URL, RABBITMQ_URL], ids=["redis", "rabbitmq"])
def test_a_killed_worker_s_accrual_completes_once_on_another_worker(
    api: Api, container: Container, workers: Workers, admin_engine: Engine
) -> None:
    first_day = datetime.now(UTC).date() - timedelta(days=DAYS)
    wallets, bank = accounts_with_interest(
        api, container, ACCOUNTS, deposit=5_000_000, rate_bps=1200, since=first_day
    )
    settings = {
        "RAZAO_BROKER_VISIBILITY_TIMEOUT": VISIBILITY_TIMEOUT,
        "RAZAO_JOB_LEASE_SECONDS": LEASE_SECONDS,
    }
    doomed = workers.start(**settings)
    params = {"start": first_day.isoformat(), "end": (first_day + timedelta(days=DAYS - 1)).isoformat()}
    response = api.post("/v1/jobs/interest-accrual", params, as_="admin")
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]

    def midway() -> bool:
        job = api.get(f"/v1/jobs/{job_id}", as_="admin").json()
        assert job["state"] in ("queued", "running"), job  # still unfinished when we strike
        progress = job["progress"]
        return bool(progress["total"] and 0 < progress["processed"] < progress["total"])

    wait_for(midway, 30, "the job to be midway", interval=0.05)
    doomed.kill()
    interrupted = api.get(f"/v1/jobs/{job_id}", as_="admin").json()
    assert interrupted["state"] == "running" and interrupted["progress"]["processed"] < ACCOUNTS

    rescuer = workers.start(**settings)
    job = wait_for_job(api, job_id, timeout=60)

    assert job["state"] == "succeeded", job
    assert job["progress"] == {"processed": ACCOUNTS, "total": ACCOUNTS}
    resumed = [line for line in rescuer.output().splitlines() if '"event": "job_started"' in line]
    assert resumed and '"resumed": true' in resumed[0], rescuer.output()
    days = accrual_days(admin_engine, [w["id"] for w in wallets])
    expected_days = [first_day + timedelta(days=i) for i in range(DAYS)]
    assert all(sorted(d) == expected_days for d in days.values())  # exactly one accrual per day
    # Same deposit, same rate, same days: every wallet earned the same, and the bank paid exactly that.
    balances = [api.balances(w)["posted_credits"] for w in wallets]
    assert len(set(balances)) == 1 and balances[0] > 5_000_000
    assert api.balances(bank)["posted_debits"] == (balances[0] - 5_000_000) * ACCOUNTS
