"""The one composition root: a dependency-injector container that builds every adapter.

`create_app()` (razao.api), the Celery app (worker, beat, Flower: `razao worker|beat|flower`), the CLI
and the benchmarks all get their wiring from here. Nothing connects at import time: the engine is a
singleton created on first use, the Celery app reaches the broker only when it sends or consumes, and
the execution mode (in the app or in the database) is resolved, and logged, the first time a use case
needs it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dependency_injector import containers, providers
from prometheus_client import CollectorRegistry

from adapters.db.beat import SqlBeatFirings
from adapters.db.code_bundle import app_code_version, database_code, database_kernel, function_stats
from adapters.db.console_sessions import SqlSessionStore
from adapters.db.engine import make_engine
from adapters.db.event_stats import watermark_lag
from adapters.db.health import database_status
from adapters.db.in_database import InDatabaseBatchPath, InDatabaseReadPath, InDatabaseWritePath
from adapters.db.job_stats import job_stats
from adapters.db.jobs import SqlRecentJobs
from adapters.db.reconciliation import InDatabaseLedgerWindow, SqlLedgerWindow, SqlReconUnitOfWork
from adapters.db.replicas import ReplicaSet, RoutedEngine
from adapters.db.seals import InDatabaseSealPath, SqlSealUnitOfWork
from adapters.db.statements import SqlStatementUnitOfWork
from adapters.db.stream import SqlStreamCursors, stream_stats
from adapters.db.unit_of_work import SqlUnitOfWork
from adapters.db.webhooks import SqlWebhookUnitOfWork, webhook_stats
from adapters.http.console.ports import ConsoleServices
from adapters.http.groups import GroupCommit, GroupSettings
from adapters.http.metrics import HttpMetrics
from adapters.http.schemas.common import dump_json
from adapters.http.schemas.events import EventOut
from adapters.http.services import (
    FunctionStat,
    JobServices,
    Readiness,
    ReconciliationServices,
    Services,
    StatementServices,
    WebhookServices,
)
from adapters.statements import parse as read_statement
from adapters.stream.amqp import AmqpPublisher
from adapters.stream.runner import StreamRunner
from adapters.system import RandomIds, SystemClock
from adapters.tasks.celery_app import CeleryConfig, create_celery
from adapters.tasks.jobs import LEDGER_VERIFICATION, JobRunner, seal_all
from adapters.tasks.queue import CeleryJobQueue
from adapters.tasks.runtime import TaskRuntime
from adapters.tasks.webhooks import WebhookWorker
from adapters.webhooks.guard import UrlGuard
from adapters.webhooks.secrets import FernetSecretBox, new_secret
from adapters.webhooks.sender import HttpSender
from application import feed
from application.batch_path import InAppBatchPath
from application.jobs import create_job
from application.read_path import InAppReadPath
from application.reconciliation import Reconciler, balance_by_value_date
from application.seals import InAppSealPath, seal_status
from application.webhook_policy import AllowList
from application.webhooks import DeliveryPolicy
from application.write_path import InAppWritePath
from domain import kernel
from razao.logging import configure_logging
from razao.metrics import (
    EventsCollector,
    EventStreamCollector,
    FunctionStatsCollector,
    JobsCollector,
    MeteredReadPath,
    MeteredWritePath,
    ReadMetrics,
    ReplicasCollector,
    SealsCollector,
    UseCaseMetrics,
    WebhooksCollector,
    new_registry,
)
from razao.modes import resolve_mode
from razao.settings import Settings


def readiness(engine: Any, mode: providers.Provider[str], replicas: ReplicaSet | None = None) -> Readiness:
    """Database reachable and migrated; in `db` mode, the database runs this process's code version.
    Read replicas are reported (`replicas`, and a `replicas` check), never a reason to be unready."""
    status = database_status(engine)
    checks = {"database": "ok" if status.ok else f"failed: {status.error}"}
    ours, theirs, current_mode = app_code_version(), None, None
    if status.ok:
        try:
            theirs = database_code(engine).version
            current_mode = mode()
        except Exception as error:  # readiness reports, it never raises
            checks["code"] = f"failed: {error}"
    if current_mode == "db":
        checks["code"] = "ok" if theirs == ours else "failed: the database runs another code version"
    sides = kernels(engine, current_mode)
    if any(side.get("kernel") is None and side.get("mode") == "required" for side in sides.values()):
        checks["kernel"] = "failed: kernel mode 'required' and the kernel is not usable"
    ok = all(result == "ok" for result in checks.values())
    reports = [] if replicas is None else replicas.report()
    if reports:
        skipped = [f"{r['name']} {r['reason']}" for r in reports if r["skipped"]]
        checks["replicas"] = "ok" if not skipped else "degraded (the primary serves): " + "; ".join(skipped)
    return Readiness(
        ok=ok,
        checks=checks,
        schema_revision=status.revision,
        execution_mode=current_mode,
        app_code_version=ours,
        database_code_version=theirs,
        kernel=sides,
        replicas=reports,
    )


def kernels(engine: Any, mode: str | None) -> dict[str, dict[str, Any]]:
    """What runs the hot pure functions in this process ("app") and, in db mode, in PostgreSQL for this
    process's connections ("database"); a side that cannot tell says why."""
    sides: dict[str, dict[str, Any]] = {"app": dict(kernel.describe())}
    if mode != "db":
        sides["database"] = {"kernel": None, "reason": f"execution mode {mode}: no domain code runs there"}
    else:
        try:
            sides["database"] = database_kernel(engine)
        except Exception as error:  # reported, never raised
            sides["database"] = {"kernel": None, "reason": f"failed: {error}"}
    return sides


def stream_runner(settings: Settings, feed_uow: Any, engine: providers.Provider[Any]) -> StreamRunner | None:
    """The broker stream's publisher loop (`razao stream`), or None when `RAZAO_EVENT_STREAM_URL` is not
    set: then nothing is built, nothing connects. Its messages carry the feed's own documents
    (`EventOut.document`, encoded as the API encodes its answers)."""
    if settings.event_stream_url is None:
        return None
    publisher = AmqpPublisher(
        settings.event_stream_url, settings.event_stream_exchange, EventOut.document, dump_json
    )
    return StreamRunner(
        settings.event_stream_exchange,
        feed_uow,
        SqlStreamCursors(engine()),
        publisher,
        close=publisher.close,
        poll_seconds=settings.event_poll_seconds,
    )


def replica_set(settings: Settings, engine: Any, registry: CollectorRegistry) -> ReplicaSet | None:
    """The read replicas of `RAZAO_REPLICA_URLS` (docs/replicas.md), each with an engine made like the
    primary's, their metrics registered in `registry`; None when there are none (then the read side is
    the primary's engines, unchanged, and no metric or thread exists)."""
    urls = [url.strip() for url in settings.replica_urls.split(",") if url.strip()]
    if not urls:
        return None
    reads = ReadMetrics(registry)
    replicas = ReplicaSet(
        urls,
        engine,
        lambda url: make_engine(
            url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            kernel=settings.kernel,
            transaction_pooler=settings.db_transaction_pooler,
            # a replica with no free connection is passed over for another, or the primary, at once
            pool_timeout=0.1,
        ),
        wait_ms=settings.replica_wait_ms,
        max_waiting=max(1, settings.db_pool_size // 2),
        max_lag_seconds=settings.replica_max_lag_seconds,
        check_seconds=settings.replica_check_seconds,
        record=reads.record,
    )
    registry.register(ReplicasCollector(replicas.states))
    return replicas


def read_side(replicas: ReplicaSet | None, engine: Any) -> Any:
    """The engine the read-only use cases use: `engine` itself, or one routing to the replicas."""
    return engine if replicas is None else RoutedEngine(replicas, engine)


def stats_of(engine: Any) -> list[FunctionStat]:
    return [FunctionStat(**row) for row in function_stats(engine)]


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    engine = providers.Singleton(
        make_engine,
        settings.provided.database_url,
        pool_size=settings.provided.db_pool_size,
        max_overflow=settings.provided.db_max_overflow,
        kernel=settings.provided.kernel,
        transaction_pooler=settings.provided.db_transaction_pooler,
    )
    #: The in-database mode's engine: no pre-ping, so that each operation is one round trip.
    function_engine = providers.Singleton(
        make_engine,
        settings.provided.database_url,
        pool_size=settings.provided.db_pool_size,
        max_overflow=settings.provided.db_max_overflow,
        kernel=settings.provided.kernel,
        pre_ping=False,
        transaction_pooler=settings.provided.db_transaction_pooler,
    )
    #: Superuser connection for administrative commands (API keys); never used by the API.
    admin_engine = providers.Singleton(make_engine, settings.provided.admin_database_url, pool_size=1)
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(RandomIds)
    uow = providers.Factory(SqlUnitOfWork, engine)
    admin_uow = providers.Factory(SqlUnitOfWork, admin_engine)

    code_version = providers.Callable(app_code_version)
    execution_mode = providers.Singleton(resolve_mode, settings.provided.execution_mode, engine)
    function_stats = providers.Callable(lambda engine: lambda: stats_of(engine), engine)

    #: One Prometheus registry per process: HTTP, use-case, job and database-function metrics.
    metrics_registry = providers.Singleton(
        new_registry,
        providers.Factory(FunctionStatsCollector, function_stats),
        providers.Factory(
            JobsCollector, providers.Callable(lambda engine: lambda: job_stats(engine), engine)
        ),
        providers.Factory(
            EventsCollector, providers.Callable(lambda engine: lambda: watermark_lag(engine), engine)
        ),
        providers.Factory(
            EventStreamCollector, providers.Callable(lambda engine: lambda: stream_stats(engine), engine)
        ),
        providers.Factory(
            WebhooksCollector, providers.Callable(lambda engine: lambda: webhook_stats(engine), engine)
        ),
        # the sealer's state, read in the app whatever the mode (the same statements: razao_seal_store)
        providers.Factory(
            SealsCollector,
            providers.Callable(lambda engine: lambda: seal_status(SqlSealUnitOfWork(engine)), engine),
        ),
    )
    use_case_metrics = providers.Singleton(UseCaseMetrics, metrics_registry)
    http_metrics = providers.Singleton(HttpMetrics, metrics_registry)
    #: Read replicas (docs/replicas.md): None without `RAZAO_REPLICA_URLS`. The read-only use cases
    #: (`read_uow`, `unmetered_read_path`) run on `read_engine`/`read_function_engine`, which route each
    #: read of an API read request to a replica or the primary; everything else stays on the primary.
    replicas = providers.Singleton(replica_set, settings, engine, metrics_registry)
    read_engine = providers.Singleton(read_side, replicas, engine)
    read_function_engine = providers.Singleton(read_side, replicas, function_engine)
    #: Reads run on the same pool in autocommit: no BEGIN and ROLLBACK round trips, and psycopg keeps the
    #: statements it prepared (a rolled-back transaction discards them). Under READ COMMITTED each statement
    #: of a read already saw its own snapshot, so nothing a read answers changes.
    read_uow = providers.Factory(
        SqlUnitOfWork,
        providers.Singleton(lambda e: e.execution_options(isolation_level="AUTOCOMMIT"), read_engine),
    )

    unmetered_write_path = providers.Selector(
        execution_mode,
        app=providers.Singleton(InAppWritePath, uow=uow.provider, clock=clock),
        db=providers.Singleton(InDatabaseWritePath, function_engine, expected_version=code_version),
    )
    unmetered_read_path = providers.Selector(
        execution_mode,
        app=providers.Singleton(InAppReadPath, uow=read_uow.provider),
        db=providers.Singleton(InDatabaseReadPath, read_function_engine, expected_version=code_version),
    )
    write_path = providers.Singleton(MeteredWritePath, unmetered_write_path, execution_mode, use_case_metrics)
    #: The API's single transfers, booked in groups of concurrent requests (one transaction each).
    groups = providers.Singleton(
        GroupCommit,
        write_path.provided.post_each,
        providers.Factory(
            GroupSettings,
            max_wait=providers.Callable(lambda ms: ms / 1000, settings.provided.group_max_wait_ms),
            max_size=settings.provided.group_max_size,
            concurrency=settings.provided.group_concurrency,
        ),
    )
    read_path = providers.Singleton(MeteredReadPath, unmetered_read_path, execution_mode, use_case_metrics)
    #: The background use cases (interest accrual, ledger verification), run by the Celery tasks.
    batch_path = providers.Selector(
        execution_mode,
        app=providers.Singleton(InAppBatchPath, uow=uow.provider, clock=clock),
        db=providers.Singleton(InDatabaseBatchPath, function_engine, expected_version=code_version),
    )

    #: The sealed journal (docs/audit/seals.md): sealing, verification, proofs and status, in the app or
    #: in the database like the batch use cases.
    seal_uow = providers.Factory(SqlSealUnitOfWork, engine)
    seal_path = providers.Selector(
        execution_mode,
        app=providers.Singleton(
            InAppSealPath, uow=seal_uow.provider, clock=clock, max_rows=settings.provided.seal_block_rows
        ),
        db=providers.Singleton(
            InDatabaseSealPath,
            function_engine,
            expected_version=code_version,
            max_rows=settings.provided.seal_block_rows,
        ),
    )

    #: The Celery app (workers, beat, Flower, and the API sending jobs); connects on first use only.
    celery_config = providers.Singleton(
        CeleryConfig,
        broker_url=settings.provided.broker_url,
        result_backend=settings.provided.result_backend,
        queue=settings.provided.task_queue,
        visibility_timeout=settings.provided.broker_visibility_timeout,
        verification_hour_utc=settings.provided.verification_hour_utc,
        webhook_dispatch_seconds=settings.provided.webhook_dispatch_seconds,
        seal_interval_seconds=settings.provided.seal_interval_seconds,
    )
    #: Reconciliation (`application.reconciliation`, docs/audit/reconciliation.md): its tables over SQL in
    #: both modes; the ledger window in the app or through `razao.recon_ledger_window` in the database.
    recon_uow = providers.Factory(SqlReconUnitOfWork, engine)
    recon_ledger = providers.Selector(
        execution_mode,
        app=providers.Singleton(SqlLedgerWindow, engine),
        db=providers.Singleton(InDatabaseLedgerWindow, function_engine, expected_version=code_version),
    )
    reconciler = providers.Singleton(
        Reconciler,
        uow=recon_uow.provider,
        ledger=recon_ledger,
        balance_on=providers.Callable(balance_by_value_date, read_path),
        clock=clock,
    )
    job_runner = providers.Singleton(
        JobRunner,
        uow=uow.provider,
        clock=clock,
        write_path=write_path,
        batch_path=batch_path,
        chunk_size=settings.provided.job_chunk_size,
        lease=providers.Callable(lambda s: timedelta(seconds=s), settings.provided.job_lease_seconds),
        reconcile=reconciler,
        seals=seal_path,
    )
    #: The reconciliation endpoints' own store (`/v1/reconciliation`); `Services.reconciliation`.
    reconciliation_services = providers.Singleton(ReconciliationServices, uow=recon_uow.provider)
    #: Retention of the events feed (beat's hourly task): deletes what is older than the setting.
    prune_events = providers.Callable(
        lambda uow, clock, days: lambda: feed.prune_events(uow, clock, timedelta(days=days)),
        uow.provider,
        clock,
        settings.provided.event_retention_days,
    )
    #: The broker stream (`razao stream`): None unless `RAZAO_EVENT_STREAM_URL` is set.
    event_stream = providers.Singleton(stream_runner, settings, read_uow.provider, engine.provider)
    #: Webhooks (docs/webhooks.md): the SQL store in both execution modes, the secrets' box (key read on
    #: first use), the SSRF allow-list, the HTTP sender and what the delivery tasks run.
    webhook_uow = providers.Factory(SqlWebhookUnitOfWork, engine)
    webhook_allow = providers.Singleton(
        lambda hosts: AllowList.parse(hosts.split(",")), settings.provided.webhook_allowed_hosts
    )
    webhook_box = providers.Singleton(
        FernetSecretBox, settings.provided.webhook_secret_key, settings.provided.webhook_dev_key_file
    )
    webhook_sender = providers.Singleton(
        HttpSender,
        webhook_allow,
        timeout=settings.provided.webhook_timeout_seconds,
        max_body_bytes=settings.provided.webhook_max_body_bytes,
        max_response_bytes=settings.provided.webhook_max_response_bytes,
    )
    webhook_worker = providers.Singleton(
        WebhookWorker,
        uow=webhook_uow.provider,
        box=webhook_box,
        sender=webhook_sender,
        clock=clock,
        rules=providers.Factory(
            DeliveryPolicy,
            give_up_after=providers.Callable(
                lambda h: timedelta(hours=h), settings.provided.webhook_give_up_hours
            ),
            breaker_threshold=settings.provided.webhook_breaker_threshold,
            # a send lasts at most about its timeouts; the lease outlives it
            lease=providers.Callable(
                lambda t: timedelta(seconds=4 * t + 30), settings.provided.webhook_timeout_seconds
            ),
            backoff_base=providers.Callable(
                lambda s: timedelta(seconds=s), settings.provided.webhook_backoff_min_seconds
            ),
        ),
        budget_seconds=settings.provided.webhook_task_budget_seconds,
        retention=providers.Callable(lambda d: timedelta(days=d), settings.provided.webhook_retention_days),
    )
    webhook_services = providers.Singleton(
        WebhookServices,
        uow=webhook_uow.provider,
        box=webhook_box,
        new_secret=providers.Object(new_secret),
        check_url=providers.Singleton(UrlGuard, webhook_allow),
    )
    #: Bank statements (`application.statements`): plain rows written over SQL in both execution modes.
    statement_uow = providers.Factory(SqlStatementUnitOfWork, engine)
    statement_services = providers.Singleton(
        StatementServices,
        uow=statement_uow.provider,
        read=providers.Object(read_statement),
        max_bytes=settings.provided.statement_max_bytes,
    )
    task_runtime = providers.Singleton(
        TaskRuntime,
        write_path=write_path,
        run_job=job_runner,
        prune_events=prune_events,
        webhooks=webhook_worker,
    )
    #: Where beats claim each firing of the schedule (one row per entry and slot): one beat sends it.
    beat_firings = providers.Singleton(SqlBeatFirings, engine)
    celery = providers.Singleton(
        create_celery,
        celery_config,
        task_runtime.provider,
        start_verification=providers.Callable(
            lambda uow, clock, ids: lambda: create_job(LEDGER_VERIFICATION, {}, None, uow(), clock, ids).id,
            uow.provider,
            clock,
            ids,
        ),
        setup_logging=providers.Callable(
            lambda s: lambda: configure_logging(s.log_level, s.log_format), settings
        ),
        beat_firings=beat_firings.provider,
        seal_journal=providers.Callable(lambda path: lambda: seal_all(path()), seal_path.provider),
    )
    job_queue = providers.Singleton(CeleryJobQueue, celery)
    jobs = providers.Singleton(JobServices, uow=uow.provider, queue=job_queue)

    #: The operator console (/console, docs/console.md): sessions in PostgreSQL (every API process sees
    #: a sign-out at once), on the primary; the latest jobs for its jobs page.
    console = providers.Singleton(
        ConsoleServices,
        sessions=providers.Singleton(SqlSessionStore, engine),
        recent_jobs=providers.Singleton(SqlRecentJobs, engine),
        session_minutes=settings.provided.console_session_minutes,
        secure_cookie=settings.provided.console_secure_cookie,
        sign_in_limit=settings.provided.console_sign_in_limit,
    )

    services = providers.Singleton(
        Services,
        uow=uow.provider,
        read_uow=read_uow.provider,
        clock=clock,
        ids=ids,
        write_path=write_path,
        groups=groups,
        read_path=read_path,
        readiness=providers.Callable(
            lambda engine, mode, replicas: lambda: readiness(engine, mode, replicas),
            engine,
            execution_mode.provider,
            replicas,
        ),
        function_stats=function_stats,
        kernels=providers.Callable(
            lambda engine, mode: lambda: kernels(engine, mode()), engine, execution_mode.provider
        ),
        api_key_cache_seconds=settings.provided.api_key_cache_seconds,
        max_body_bytes=settings.provided.max_body_bytes,
        metrics=http_metrics,
        jobs=jobs,
        event_poll_seconds=settings.provided.event_poll_seconds,
        event_max_wait_seconds=settings.provided.event_max_wait_seconds,
        webhooks=webhook_services,
        read_routing=replicas,
        console=console,
        statements=statement_services,
        reconciliation=reconciliation_services,
        seals=seal_path,
    )


def build_container(settings: Settings | None = None) -> Container:
    """The container for `settings` (from the environment by default). Also sets this process's kernel
    mode (`domain.kernel`), which the settings decide like every other wiring choice."""
    settings = settings or Settings()
    kernel.configure(settings.kernel)
    return Container(settings=settings)


def dispose_engines(container: Container) -> None:
    """Close every pooled connection the container opened (at shutdown, and after tests)."""
    replicas = container.replicas()
    if replicas is not None:  # first: its check thread reads the primary too
        replicas.dispose()
    for engine in (container.engine, container.function_engine, container.admin_engine):
        engine().dispose()
