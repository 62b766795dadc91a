"""Prometheus metrics the composition root wires: use-case outcomes by execution mode, and collectors
that read the database at scrape time (the ledger's database functions, the job records).

`MeteredWritePath` and `MeteredReadPath` wrap whichever path the container selected (in the app or in
the database) and count each call's outcome: `ok`, `replayed`, the domain error's stable code,
`conflict` (retries exhausted), `unavailable` or `error`. Batch use cases run in the workers; their
runs and durations are read from the job records instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector

from application.accounts import BalanceAsOf, BalanceHistory
from application.groups import CategoryBalance, PrefixBalance
from application.journal import JournalCursor, JournalLine
from application.pages import DEFAULT_LIMIT, Page
from application.ports import ExecutionUnavailable, RetryableConflict, StatementLine
from application.read_path import ReadPath
from application.write_path import WritePath
from domain.errors import DomainError
from domain.ledger import Outcome
from domain.reports import AssetTotals
from domain.time_basis import Basis, ValuePosition
from domain.transfers import ReversalRequest, Transfer, TransferRequest

T = TypeVar("T")
log = structlog.get_logger("razao.metrics")


class UseCaseMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.calls = Counter(
            "razao_use_case_calls",
            "Use-case calls by use case, execution mode and outcome (ok, replayed or an error code).",
            ["use_case", "mode", "outcome"],
            registry=registry,
        )
        self.duration = Histogram(
            "razao_use_case_duration_seconds",
            "Time spent in a use case, by use case and execution mode.",
            ["use_case", "mode"],
            registry=registry,
        )
        self.items = Counter(
            "razao_use_case_items",
            "Transfers decided each on its own inside one call (groups of single transfers, bulk requests),"
            " by outcome (ok, replayed or an error code).",
            ["use_case", "mode", "outcome"],
            registry=registry,
        )
        self.items_per_call = Histogram(
            "razao_use_case_items_per_call",
            "Transfers per call of a use case that takes many (the size of each group commit).",
            ["use_case", "mode"],
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 10_000),
            registry=registry,
        )

    def run(self, use_case: str, mode: str, call: Callable[[], T], outcome: Callable[[T], str]) -> T:
        began = time.perf_counter()
        label = "error"
        try:
            result = call()
            label = outcome(result)
            return result
        except DomainError as error:
            label = error.code
            raise
        except RetryableConflict:
            label = "conflict"
            raise
        except ExecutionUnavailable:
            label = "unavailable"
            raise
        finally:
            self.calls.labels(use_case, mode, label).inc()
            self.duration.labels(use_case, mode).observe(time.perf_counter() - began)


def _ok(_: object) -> str:
    return "ok"


def _outcome(result: Outcome) -> str:
    return "replayed" if result.replayed else "ok"


def _outcomes(results: list[Outcome]) -> str:
    return "replayed" if results and all(o.replayed for o in results) else "ok"


class MeteredWritePath:
    def __init__(self, inner: WritePath, mode: str, metrics: UseCaseMetrics) -> None:
        self._inner, self._mode, self._metrics = inner, mode, metrics

    def post_transfers(self, requests: Sequence[TransferRequest]) -> list[Outcome]:
        return self._metrics.run(
            "post_transfers", self._mode, lambda: self._inner.post_transfers(requests), _outcomes
        )

    def post_each(self, requests: Sequence[TransferRequest]) -> list[Outcome | DomainError]:
        results = self._metrics.run("post_each", self._mode, lambda: self._inner.post_each(requests), _ok)
        self._metrics.items_per_call.labels("post_each", self._mode).observe(len(results))
        for result in results:
            outcome = result.code if isinstance(result, DomainError) else _outcome(result)
            self._metrics.items.labels("post_each", self._mode, outcome).inc()
        return results

    def post_pending(self, transfer_id: UUID, amount: int | None = None) -> Outcome:
        return self._metrics.run(
            "post_pending", self._mode, lambda: self._inner.post_pending(transfer_id, amount), _outcome
        )

    def void_pending(self, transfer_id: UUID) -> Outcome:
        return self._metrics.run(
            "void_pending", self._mode, lambda: self._inner.void_pending(transfer_id), _outcome
        )

    def reverse(self, request: ReversalRequest) -> Outcome:
        return self._metrics.run("reverse", self._mode, lambda: self._inner.reverse(request), _outcome)

    def expire_due(self, limit: int = 500) -> list[Transfer]:
        return self._metrics.run("expire_due", self._mode, lambda: self._inner.expire_due(limit), _ok)


class MeteredReadPath:
    def __init__(self, inner: ReadPath, mode: str, metrics: UseCaseMetrics) -> None:
        self._inner, self._mode, self._metrics = inner, mode, metrics

    def balance_as_of(self, account_id: UUID, at: datetime, basis: Basis = Basis.BOOKED) -> BalanceAsOf:
        return self._metrics.run(
            "balance_as_of", self._mode, lambda: self._inner.balance_as_of(account_id, at, basis), _ok
        )

    def statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        after_seq: int | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[StatementLine, int]:
        return self._metrics.run(
            "statement",
            self._mode,
            lambda: self._inner.statement(account_id, start=start, end=end, after_seq=after_seq, limit=limit),
            _ok,
        )

    def value_statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        after: ValuePosition | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[StatementLine, ValuePosition]:
        return self._metrics.run(
            "value_statement",
            self._mode,
            lambda: self._inner.value_statement(account_id, start=start, end=end, after=after, limit=limit),
            _ok,
        )

    def history(
        self, account_id: UUID, first: date, last: date, basis: Basis = Basis.BOOKED
    ) -> BalanceHistory:
        return self._metrics.run(
            "history", self._mode, lambda: self._inner.history(account_id, first, last, basis), _ok
        )

    def trial_balance(
        self, asset: str | None = None, basis: Basis = Basis.BOOKED, through: date | None = None
    ) -> list[AssetTotals]:
        return self._metrics.run(
            "trial_balance", self._mode, lambda: self._inner.trial_balance(asset, basis, through), _ok
        )

    def journal(
        self,
        start: datetime,
        end: datetime,
        *,
        after: JournalCursor | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[JournalLine, JournalCursor]:
        return self._metrics.run(
            "journal", self._mode, lambda: self._inner.journal(start, end, after=after, limit=limit), _ok
        )

    def group_balance(
        self,
        prefix: str,
        *,
        as_of: datetime | None = None,
        basis: Basis = Basis.BOOKED,
        after: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> PrefixBalance:
        return self._metrics.run(
            "group_balance",
            self._mode,
            lambda: self._inner.group_balance(prefix, as_of=as_of, basis=basis, after=after, limit=limit),
            _ok,
        )

    def category_balance(
        self,
        category_id: UUID,
        *,
        as_of: datetime | None = None,
        basis: Basis = Basis.BOOKED,
        descendants: bool = True,
    ) -> CategoryBalance:
        return self._metrics.run(
            "category_balance",
            self._mode,
            lambda: self._inner.category_balance(
                category_id, as_of=as_of, basis=basis, descendants=descendants
            ),
            _ok,
        )


class FunctionStatsCollector(Collector):
    """`pg_stat_user_functions` for Razão's functions, read at scrape time (a failed read yields none)."""

    def __init__(self, stats: Callable[[], Iterable[Any]]) -> None:
        self._stats = stats

    def collect(self) -> Iterator[CounterMetricFamily]:
        calls = CounterMetricFamily(
            "razao_db_function_calls", "Calls of the ledger's database functions.", labels=["function"]
        )
        total = CounterMetricFamily(
            "razao_db_function_time_seconds",
            "Total time spent in the ledger's database functions (self plus callees).",
            labels=["function"],
        )
        own = CounterMetricFamily(
            "razao_db_function_self_time_seconds",
            "Time spent in the ledger's database functions themselves.",
            labels=["function"],
        )
        try:
            rows = list(self._stats())
        except Exception as error:  # a scrape reports what it can, it never fails
            log.warning("metrics_function_stats_failed", error=str(error))
            rows = []
        for row in rows:
            calls.add_metric([row.name], row.calls)
            total.add_metric([row.name], row.total_time_ms / 1000)
            own.add_metric([row.name], row.self_time_ms / 1000)
        yield from (calls, total, own)


def new_registry(*collectors: Collector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        registry.register(collector)
    return registry


class EventsCollector(Collector):
    """The events feed's watermark lag at scrape time (`adapters.db.event_stats`): events committed but
    held back behind a transaction still running, and how long the oldest of them has waited."""

    def __init__(self, lag: Callable[[], dict[str, float]]) -> None:
        self._lag = lag

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            lag = self._lag()
        except Exception as error:  # a scrape reports what it can, it never fails
            log.warning("metrics_event_lag_failed", error=str(error))
            return
        yield GaugeMetricFamily(
            "razao_events_held_back",
            "Events committed but not readable yet: a transaction older than theirs is still running.",
            value=lag["held_back"],
        )
        yield GaugeMetricFamily(
            "razao_events_watermark_lag_seconds",
            "How long the oldest held-back event has waited behind the watermark (0: none waits).",
            value=lag["lag_seconds"],
        )


class SealsCollector(Collector):
    """The sealed journal at scrape time (`application.seals.seal_status`): the head block's height and
    hash (an anchor: a scraper that keeps the series keeps a record of the chain outside the database),
    the rows sealed, how far the sealer is behind, and whether sealing is refused. The status costs a few
    index probes whatever the journal's size (the head's running total; at most 10,000 unsealed rows
    counted), so every scrape may read it."""

    def __init__(self, status: Callable[[], Any]) -> None:
        self._status = status

    def collect(self) -> Iterator[Any]:
        try:
            status = self._status()
        except Exception as error:  # a scrape reports what it can, it never fails
            log.warning("metrics_seals_failed", error=str(error))
            return
        yield GaugeMetricFamily(
            "razao_seal_height", "Height of the sealed journal's head block.", value=status.height
        )
        head = InfoMetricFamily("razao_seal_head", "The sealed journal's head block (its hash, hex).")
        head.add_metric([], {"height": str(status.height), "hash": status.head_hash.hex()})
        yield head
        yield GaugeMetricFamily(
            "razao_sealed_rows", "Journal rows sealed into blocks.", value=status.sealed_rows
        )
        yield GaugeMetricFamily(
            "razao_unsealed_rows",
            "Journal rows past the head block, not sealed yet (counted up to 10,000: at least that many beyond).",
            value=status.unsealed_rows,
        )
        oldest = status.oldest_unsealed_at
        yield GaugeMetricFamily(
            "razao_seal_lag_seconds",
            "How long the oldest unsealed row has waited since it was booked (0: none waits).",
            value=0.0 if oldest is None else max(0.0, time.time() - oldest.timestamp()),
        )
        yield GaugeMetricFamily(
            "razao_seal_refused",
            "1 while sealing is refused: the transaction id counter is not past the sealed head (a logical"
            " restore into a new cluster; docs/audit/runbook-seals.md).",
            value=0 if getattr(status, "refused", None) is None else 1,
        )


class EventStreamCollector(Collector):
    """The broker streams' state at scrape time, from their cursors' rows (`adapters.db.stream`), so that
    the API's `/metrics` shows what the `razao stream` process did: events published (confirmed),
    failed passes, how far behind each stream is, and whether retention passed its cursor. Nothing
    while no stream ever ran."""

    def __init__(self, stats: Callable[[], list[dict[str, Any]]]) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Any]:
        try:
            streams = self._stats()
        except Exception as error:  # a scrape reports what it can, it never fails
            log.warning("metrics_event_stream_failed", error=str(error))
            return
        if not streams:
            return
        published = CounterMetricFamily(
            "razao_event_stream_published",
            "Events the broker confirmed (a page published again after a crash counts again).",
            labels=["stream"],
        )
        failures = CounterMetricFamily(
            "razao_event_stream_failures", "Failed publishing passes (broker or database).", labels=["stream"]
        )
        lag = GaugeMetricFamily(
            "razao_event_stream_lag_seconds",
            "Age of the oldest event not yet published (0: the stream is caught up).",
            labels=["stream"],
        )
        behind = GaugeMetricFamily(
            "razao_event_stream_behind",
            "Readable events not yet published (counted up to 100,000).",
            labels=["stream"],
        )
        expired = GaugeMetricFamily(
            "razao_event_stream_cursor_expired",
            "1 when retention deleted events the stream never published: it stopped (docs/runbooks.md).",
            labels=["stream"],
        )
        for row in streams:
            published.add_metric([row["name"]], row["published"])
            failures.add_metric([row["name"]], row["failures"])
            lag.add_metric([row["name"]], row["lag_seconds"])
            behind.add_metric([row["name"]], row["behind"])
            expired.add_metric([row["name"]], 1 if row["expired"] else 0)
        yield from (published, failures, lag, behind, expired)


class JobsCollector(Collector):
    """Job runs by kind and state, and their run time, from the job records at scrape time; plus the
    discrepancies the latest ledger verification found (0 when the books agree)."""

    def __init__(self, stats: Callable[[], dict[str, Any]]) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Any]:
        jobs = GaugeMetricFamily("razao_jobs", "Job records by kind and state.", labels=["kind", "state"])
        runtime = SummaryMetricFamily(
            "razao_job_run_seconds",
            "Run time (start to finish) of finished jobs, by kind and final state.",
            labels=["kind", "state"],
        )
        try:
            stats = self._stats()
        except Exception as error:  # a scrape reports what it can, it never fails
            log.warning("metrics_job_stats_failed", error=str(error))
            stats = {"jobs": [], "discrepancies": None}
        for row in stats["jobs"]:
            jobs.add_metric([row["kind"], row["state"]], row["count"])
            if row["timed"]:
                runtime.add_metric([row["kind"], row["state"]], row["timed"], row["seconds"])
        yield from (jobs, runtime)
        if stats["discrepancies"] is not None:
            yield GaugeMetricFamily(
                "razao_ledger_discrepancies",
                "Discrepancies found by the latest successful ledger verification.",
                value=stats["discrepancies"],
            )


class WebhooksCollector(Collector):
    """Webhook delivery, from the database (`adapters.db.webhooks.webhook_stats`): the delivery workers
    are Celery processes whose own counters this endpoint cannot see, so each endpoint's row keeps
    monotonic counters raised with every attempt recorded (retention deleting the history leaves them
    be). Per endpoint (label `endpoint_id`; a deleted endpoint's series end): attempts by outcome
    (delivered, retry, failed) and the latency from an event's occurrence (`occurred_at`, the time of
    the change) to its successful delivery; overall: the undelivered backlog and the age of its oldest
    delivery, and open circuits."""

    def __init__(self, stats: Callable[[], dict[str, Any]]) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Any]:
        try:
            stats = self._stats()
        except Exception as error:  # a scrape reports what it can, it never fails
            log.warning("metrics_webhook_stats_failed", error=str(error))
            return
        attempts = CounterMetricFamily(
            "razao_webhook_attempts",
            "Webhook delivery attempts by endpoint and outcome.",
            labels=["endpoint_id", "outcome"],
        )
        latency = HistogramMetricFamily(
            "razao_webhook_delivery_latency_seconds",
            "From an event's occurrence to its successful delivery, by endpoint.",
            labels=["endpoint_id"],
        )
        for endpoint in stats["endpoints"]:
            for outcome, count in endpoint["attempts"].items():
                attempts.add_metric([endpoint["endpoint_id"], outcome], count)
            seen = endpoint["latency"]
            buckets = [(str(bound), count) for bound, count in seen["buckets"]] + [("+Inf", seen["count"])]
            latency.add_metric([endpoint["endpoint_id"]], buckets, sum_value=seen["sum"])
        yield attempts
        yield GaugeMetricFamily(
            "razao_webhook_undelivered",
            "Webhook deliveries pending or in flight.",
            value=stats["undelivered"],
        )
        yield GaugeMetricFamily(
            "razao_webhook_oldest_undelivered_seconds",
            "Age of the oldest webhook delivery not yet delivered nor given up (0: none).",
            value=stats["oldest_undelivered_seconds"],
        )
        yield GaugeMetricFamily(
            "razao_webhook_open_circuits",
            "Webhook endpoints whose circuit is open.",
            value=stats["open_circuits"],
        )
        yield latency


class ReadMetrics:
    """Where the reads went when the service has read replicas (docs/replicas.md): `razao_reads_total`
    by source (`replica`, `primary`) and reason (`no_token`, `caught_up`, `waited`, `wait_timeout`,
    `no_healthy_replica`, `replica_failed`, `primary_only`, `no_request`). One count per database connection a
    read took (a request that reads twice counts twice)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.reads = Counter(
            "razao_reads",
            "Database reads by where they ran (replica or primary) and why they went there.",
            ["source", "reason"],
            registry=registry,
        )
        self._series: dict[tuple[str, str], Any] = {}

    def record(self, source: str, reason: str) -> None:
        series = self._series.get((source, reason))
        if series is None:
            series = self._series[(source, reason)] = self.reads.labels(source, reason)
        series.inc()


class ReplicasCollector(Collector):
    """Each read replica's state as this process last checked it (every `RAZAO_REPLICA_CHECK_SECONDS`):
    up (1) or down (0), lag in seconds and in bytes of WAL (absent while unknown). Nothing without
    replicas."""

    def __init__(self, states: Callable[[], Sequence[Any]]) -> None:
        self._states = states

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            states = list(self._states())
        except Exception as error:  # a scrape reports what it can, it never fails
            log.warning("metrics_replicas_failed", error=str(error))
            return
        if not states:
            return
        up = GaugeMetricFamily(
            "razao_replica_up", "1 when the read replica answered its last check.", labels=["replica"]
        )
        lag = GaugeMetricFamily(
            "razao_replica_lag_seconds",
            "How far behind the primary the read replica is, in seconds (0: it replayed everything).",
            labels=["replica"],
        )
        behind = GaugeMetricFamily(
            "razao_replica_lag_bytes",
            "WAL the primary wrote that the read replica has not replayed.",
            labels=["replica"],
        )
        for state in states:
            up.add_metric([state.name], 1 if state.up else 0)
            if state.lag_seconds is not None:
                lag.add_metric([state.name], state.lag_seconds)
            if state.lag_bytes is not None:
                behind.add_metric([state.name], state.lag_bytes)
        yield from (up, lag, behind)
