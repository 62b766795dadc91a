"""`/metrics`: public, Prometheus text, with HTTP, use-case, job and database-function metrics."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import Api


def samples(api: Api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def test_metrics_count_requests_by_route_template_and_status(api: Api) -> None:
    source, wallet = api.funding_pair()
    for _ in range(3):
        assert api.transfer(source, wallet, 10).status_code == 201
    assert api.get(f"/v1/accounts/{wallet['id']}").status_code == 200
    assert api.get("/v1/accounts/00000000-0000-0000-0000-000000000000").status_code == 404

    found = samples(api)

    posted = (
        "razao_http_requests_total",
        (("method", "POST"), ("route", "/v1/transfers"), ("status", "201")),
    )
    assert found[posted] == 3
    one = ("method", "GET"), ("route", "/v1/accounts/{account_id}")
    assert found[("razao_http_requests_total", (*one, ("status", "200")))] == 1
    assert found[("razao_http_requests_total", (*one, ("status", "404")))] == 1
    latency = ("razao_http_request_duration_seconds_count", posted[1])
    assert found[latency] == 3


def test_metrics_count_use_case_outcomes_by_mode_and_database_functions(api: Api) -> None:
    source, wallet = api.funding_pair()
    assert api.transfer(source, wallet, 10).status_code == 201
    assert api.transfer(wallet, source, 10_000).status_code == 422  # insufficient funds

    found = samples(api)

    mode = api.client.get("/health/ready").json()["execution_mode"]
    # Single transfers are booked by groups (`post_each`): two calls here, one transfer each, and each
    # transfer counted by its own outcome.
    calls = {
        dict(labels)["outcome"]: value
        for (name, labels), value in found.items()
        if name == "razao_use_case_calls_total" and dict(labels)["use_case"] == "post_each"
    }
    items = {
        dict(labels)["outcome"]: value
        for (name, labels), value in found.items()
        if name == "razao_use_case_items_total" and dict(labels)["use_case"] == "post_each"
    }
    assert calls == {"ok": 2}
    assert items == {"ok": 1, "insufficient_funds": 1}
    assert all(
        dict(labels)["mode"] == mode
        for (name, labels), _ in found.items()
        if name == "razao_use_case_calls_total"
    )
    # Test databases are clones, which do not inherit `track_functions`: the series may be empty here.
    text = api.client.get("/metrics").text
    for family in ("razao_db_function_calls", "razao_db_function_time_seconds"):
        assert f"# TYPE {family}_total counter" in text or f"# TYPE {family} counter" in text


def test_metrics_report_jobs_by_kind_and_state(api: Api) -> None:
    found = samples(api)
    assert not [k for k in found if k[0] == "razao_jobs"]  # no job yet: no series, and no error

    assert "# TYPE razao_jobs gauge" in api.client.get("/metrics").text
