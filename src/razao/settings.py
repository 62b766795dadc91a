"""Settings from `RAZAO_*` environment variables (pydantic-settings); the README lists them."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAZAO_", extra="ignore", env_parse_none_str="none")

    #: The application's login role: reads and writes the ledger, cannot change the schema.
    database_url: str = "postgresql+psycopg://razao_app@127.0.0.1:5432/razao"
    #: A superuser connection used only to create the database and run migrations.
    admin_database_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/razao"
    db_pool_size: int = 10
    db_max_overflow: int = 10
    #: The database URLs lead to a pooler in transaction mode (PgBouncer, docs/pooling.md): any
    #: transaction may land on any server connection, so nothing is prepared by name and no session
    #: setting is sent at connect (the role's own settings, set by the migrations, apply).
    db_transaction_pooler: bool = False

    #: Read replicas (docs/replicas.md): PostgreSQL hot standbys for the read-only use cases, as
    #: comma-separated URLs of the application's role (empty: every read goes to the primary).
    replica_urls: str = ""
    #: Read-your-writes: how long a read that sends a consistency token back waits for a replica to
    #: replay that far before it goes to the primary.
    replica_wait_ms: float = Field(default=500.0, ge=0, le=10_000)
    #: A replica further behind than this is skipped until it catches up (lag: 0 when it replayed all
    #: the primary had written, else the time since it last had, or since the newest transaction it
    #: replayed committed, whichever is shorter; docs/replicas.md).
    replica_max_lag_seconds: float = Field(default=5.0, gt=0)
    #: How often each process reads its replicas' replay position and lag (and retries one found down).
    replica_check_seconds: float = Field(default=1.0, gt=0, le=60)

    #: Where the write path and the data-heavy reads run: `app` (this process), `db` (PL/Python
    #: functions inside PostgreSQL), or `auto` (db where the database has plpython3u and Razão's
    #: functions, app otherwise). Hosted PostgreSQL without plpython3u runs everything in `app`.
    execution_mode: Literal["app", "db", "auto"] = "auto"
    #: Who runs the hot pure functions (domain.kernel), in this process and, through each connection's
    #: `razao.kernel` setting, in PostgreSQL: `auto` (the Rust kernel when installed at the version the
    #: code pins, else the Python reference), `reference` (never the kernel) or `required` (the kernel,
    #: or refuse to run).
    kernel: Literal["auto", "reference", "required"] = "auto"

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    #: API worker processes of `razao serve` (uvicorn); one per core unless set. Each has its own
    #: connection pools and API key cache; `/metrics` adds up their counters.
    api_workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    #: Seconds an authenticated API key stays cached in a process (the revocation delay).
    api_key_cache_seconds: float = 10.0
    #: Largest request body in bytes (413 beyond); a statement upload has `statement_max_bytes` instead.
    max_body_bytes: int = 2 * 1024 * 1024
    #: Largest bank statement file an upload (`POST /v1/statements`) or `razao statements import` may
    #: send, in bytes; a larger one is refused (413) before anything is imported.
    statement_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)

    #: Group commit of concurrent single transfers in one API process (docs/operations.md): a request
    #: waits up to `group_max_wait_ms` for others (0 turns grouping off), a group takes at most
    #: `group_max_size` requests and is one transaction, and `group_concurrency` groups may be booked at
    #: once (each holds a database connection meanwhile).
    group_max_wait_ms: float = 2.0
    group_max_size: int = 256
    group_concurrency: int = 4

    log_level: str = "INFO"
    #: `json` for machines (production), `console` for people at a terminal.
    log_format: Literal["json", "console"] = "json"

    #: The Celery broker: Redis by default; RabbitMQ works too (`amqp://guest:guest@127.0.0.1:5672//`).
    broker_url: str = "redis://127.0.0.1:6379/0"
    #: Where task results are kept (job records in PostgreSQL are the source of truth; this is for Flower).
    result_backend: str | None = "redis://127.0.0.1:6379/1"
    #: The queue the API sends jobs to and the worker consumes (tests use one per test).
    task_queue: str = "razao"
    #: Seconds an unacknowledged task stays reserved before the broker redelivers it (Redis); must
    #: exceed the longest task, since tasks are acknowledged only when they finish.
    broker_visibility_timeout: int = 3600
    #: Accounts per chunk of a batch job (each chunk is one transaction and one progress step). A chunk
    #: locks its accounts for its transaction: about 0.2 s for 500 accounts of interest accrual here
    #: (docs/benchmarks.md); 500 spreads the fixed per-chunk statements over enough accounts (200: 20% slower).
    job_chunk_size: int = 500
    #: Hour (UTC) of the daily ledger verification scheduled by beat; `None` schedules none.
    verification_hour_utc: int | None = 3
    #: The sealed journal (docs/audit/seals.md): beat seals every committed row this often (None: not
    #: scheduled; the `journal-sealing` job still can), in blocks of at most this many rows.
    seal_interval_seconds: float | None = Field(default=10.0, gt=0)
    seal_block_rows: int = Field(default=4096, ge=1, le=16_384)

    #: The events feed (docs/events.md): days an event is kept before beat's hourly retention task deletes
    #: it (at least 1); how often a long-polling `GET /v1/events?wait=` reads again while it waits, and the
    #: longest wait this deployment grants (at most 30 s; lower it behind a proxy with a shorter timeout).
    event_retention_days: int = Field(default=7, ge=1)
    event_poll_seconds: float = Field(default=0.25, gt=0, le=5)
    event_max_wait_seconds: float = Field(default=30.0, ge=0, le=30)
    #: The broker stream (docs/events.md#broker-stream), off unless set: `razao stream` publishes every
    #: event to this RabbitMQ (`amqp://guest:guest@127.0.0.1:5672//`), to a durable topic exchange
    #: (routing key: the event's type) named `event_stream_exchange`, which also names its cursor.
    event_stream_url: str | None = None
    event_stream_exchange: str = Field(default="razao.events", min_length=1, max_length=255)

    #: Webhooks (docs/webhooks.md). The Fernet key(s) that encrypt the endpoints' signing secrets
    #: (comma-separated: the first encrypts, all decrypt); production must set it. When unset, a
    #: development key is read from (or created in) `webhook_dev_key_file` if that is set (`make run`),
    #: else creating an endpoint answers 503.
    webhook_secret_key: str | None = Field(default=None, repr=False)
    webhook_dev_key_file: str | None = None
    #: Targets that are not global addresses but may receive webhooks anyway: host names and CIDRs,
    #: comma-separated (`127.0.0.1,10.1.0.0/16,hooks.internal`). Empty: only global addresses.
    webhook_allowed_hosts: str = ""
    #: Per attempt: connect/read/write timeout (s), largest request body, most of an answer read.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    webhook_max_response_bytes: int = Field(default=64 * 1024, ge=1)
    #: A delivery gives up once its next try would be this long after its first attempt.
    webhook_give_up_hours: float = Field(default=24.0, gt=0)
    #: Consecutive failures of an endpoint that open its circuit.
    webhook_breaker_threshold: int = Field(default=5, ge=1)
    #: Beat's fan-out period (None: not scheduled), and the longest one delivery task works on its endpoint.
    webhook_dispatch_seconds: float | None = Field(default=5.0, gt=0)
    webhook_task_budget_seconds: float = Field(default=20.0, gt=0)
    #: The shortest wait before retrying a delivery (the backoff's first step; it doubles, up to 1 h).
    webhook_backoff_min_seconds: float = Field(default=60.0, ge=1, le=3600)
    #: Days finished deliveries (succeeded, or failed for good) and their attempts are kept (at least 1);
    #: beat deletes older ones hourly. Unfinished ones are never deleted.
    webhook_retention_days: int = Field(default=7, ge=1)

    #: Flower, the task monitor, served under /flower. Basic auth is always on; the defaults are for a
    #: developer's machine only. Bound to 127.0.0.1 so its unauthenticated /metrics stays on the host.
    flower_host: str = "127.0.0.1"
    flower_port: int = 5555
    flower_user: str = "razao"
    flower_password: str = "local-only"

    #: How long a job run holds its job record after each write to it (docs/processes.md): much longer
    #: than a chunk takes; a run whose holder died is taken over this long after its last progress.
    job_lease_seconds: float = Field(default=120.0, ge=1, le=3600)

    #: The operator console under /console (docs/console.md): minutes a session lasts after sign-in (it
    #: is never extended); the session cookie's `Secure` flag (`none`: set when the request came over
    #: https, as seen by the app: behind a TLS-terminating proxy set it to true); failed sign-ins allowed
    #: per client address per minute in each process (0: no limit).
    console_session_minutes: float = Field(default=480.0, gt=0, le=10_080)
    console_secure_cookie: bool | None = None
    console_sign_in_limit: int = Field(default=10, ge=0)
