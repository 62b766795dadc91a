"""Prometheus metrics of the API: requests by route template and status, and the `/metrics` endpoint.

`HttpMetrics` registers its collectors in the registry the composition root owns (which also holds the
use-case, job and database-function collectors); `MetricsMiddleware` times every request and labels it
with the route's template (`/v1/accounts/{account_id}`, never the concrete path, so the number of series
stays bounded), or `unmatched`.

Several API worker processes (`razao serve --workers`) share their counters through prometheus_client's
multiprocess mode: `razao serve` sets `PROMETHEUS_MULTIPROC_DIR`, each process writes its counters and
histograms there, and `/metrics`, whichever process answers, adds them up (plus the metrics read from
the database at scrape time, which are the same in every process).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import Metric
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "unmatched"
#: prometheus_client's collector of the multiprocess directory (untyped).
_MULTIPROCESS_COLLECTOR: Any = multiprocess.MultiProcessCollector
#: Set by `razao serve` when it runs several worker processes (prometheus_client's own variable).
MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Counter(
            "razao_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "razao_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
        )
        #: The series of each label set, looked up once (`labels()` takes a lock and checks the labels).
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        series = self._series.get((method, route, status))
        if series is None:
            labels = (method, route, str(status))
            series = self._series[(method, route, status)] = (
                self.requests.labels(*labels),
                self.latency.labels(*labels),
            )
        series[0].inc()
        series[1].observe(seconds)


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class MetricsMiddleware:
    """Outermost middleware: counts and times every HTTP request (500s and 413s included)."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.metrics.observe(scope["method"], _route_template(scope), status, time.perf_counter() - began)


class _AllProcesses:
    """What `/metrics` shows with several worker processes: the counters and histograms of all of them
    (from the multiprocess directory), then the metrics of `registry` that are not among those (the
    ones read from the database at scrape time)."""

    def __init__(self, registry: CollectorRegistry, directory: str) -> None:
        self._registry = registry
        self._directory = directory

    def collect(self) -> Iterator[Metric]:
        shared: list[Metric] = list(_MULTIPROCESS_COLLECTOR(None, self._directory).collect())
        names = {family.name for family in shared}
        yield from shared
        yield from (family for family in self._registry.collect() if family.name not in names)


def exposition(registry: CollectorRegistry) -> bytes:
    """The Prometheus text of `registry`, across worker processes in multiprocess mode."""
    directory = os.environ.get(MULTIPROCESS_DIRECTORY)
    if not directory:
        return generate_latest(registry)
    return generate_latest(_AllProcesses(registry, directory))


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus text format, public like the health probes (documented in docs/operations.md; kept
    out of the OpenAPI document, which describes the JSON API)."""
    registry: Any = request.app.state.metrics_registry
    return Response(exposition(registry), media_type=CONTENT_TYPE_LATEST)
