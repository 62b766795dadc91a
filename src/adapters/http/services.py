"""What the HTTP adapter needs from the composition root, as plain values and ports.

`razao.container` builds a `Services` and hands it to `create_app`; handlers read it from
`request.app.state.services`. The adapter never builds engines or reads settings itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from adapters.http.consistency import ReadRouting
from adapters.http.console.ports import ConsoleServices
from adapters.http.groups import GroupCommit
from adapters.http.metrics import HttpMetrics
from application.api_keys import ApiKeyUnitOfWork
from application.categories import CategoryUnitOfWork
from application.events import EventLog
from application.feed import EventFeed
from application.jobs import JobUnitOfWork
from application.periods import PeriodUnitOfWork
from application.ports import Clock, IdSource
from application.read_path import ReadPath
from application.reconciliation import ReconUnitOfWork
from application.seals import SealPath
from application.statements import StatementReader, StatementUnitOfWork
from application.webhooks import SecretBox, UrlCheck, WebhookUnitOfWork
from application.write_path import WritePath


class Outbox(EventLog, EventFeed, Protocol):
    """The events: recorded by the use cases, read back by the feed."""


class LedgerUnitOfWork(PeriodUnitOfWork, ApiKeyUnitOfWork, CategoryUnitOfWork, Protocol):
    """A unit of work over the ledger's repositories, the accounting periods, the API keys and the
    events (also a `application.feed.FeedUnitOfWork`)."""

    events: Outbox


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether the service can take traffic, with one line per check and the schema revision."""

    ok: bool
    checks: dict[str, str] = field(default_factory=dict)
    schema_revision: str | None = None
    #: `app` or `db`: where the write path and the data-heavy reads run.
    execution_mode: str | None = None
    #: Version (SHA-256) of the domain code this process runs, and of the code deployed in the database.
    app_code_version: str | None = None
    database_code_version: str | None = None
    #: What runs the hot pure functions on each side (`domain.kernel.describe()`): "app" and "database".
    kernel: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Each read replica (docs/replicas.md): name, up, lag, and whether reads skip it and why. A
    #: replica down or behind never makes the service unready: the primary serves its reads.
    replicas: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FunctionStat:
    """Calls and time spent in one of the ledger's database functions since statistics were reset."""

    name: str
    calls: int
    total_time_ms: float
    self_time_ms: float


class JobQueue(Protocol):
    def enqueue(self, job_id: UUID, request_id: str | None = None) -> str:
        """Hand a recorded job to the workers; returns the task id."""
        ...


@dataclass(frozen=True, slots=True)
class JobServices:
    """Background jobs: their records, and the queue the workers take them from."""

    uow: Callable[[], JobUnitOfWork]
    queue: JobQueue


@dataclass(frozen=True, slots=True)
class WebhookServices:
    """Webhook endpoints (`/v1/webhooks`): their store, the secrets' box, secrets, the URL check."""

    uow: Callable[[], WebhookUnitOfWork]
    box: SecretBox
    new_secret: Callable[[], str]
    check_url: UrlCheck


@dataclass(frozen=True, slots=True)
class StatementServices:
    """Bank statements (`/v1/statements`): their store, the files' reader, the largest file an upload may
    send."""

    uow: Callable[[], StatementUnitOfWork]
    read: StatementReader
    #: Bytes; a larger file is refused (413) before anything is imported (`RAZAO_STATEMENT_MAX_BYTES`).
    max_bytes: int = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ReconciliationServices:
    """Reconciliation (`/v1/reconciliation`): its rules, runs and matches' store."""

    uow: Callable[[], ReconUnitOfWork]


@dataclass(frozen=True, slots=True)
class Services:
    uow: Callable[[], LedgerUnitOfWork]
    #: For reads only (autocommit: nothing it does may need to be atomic).
    read_uow: Callable[[], LedgerUnitOfWork]
    clock: Clock
    ids: IdSource
    write_path: WritePath
    #: Single transfers go through it: concurrent ones are booked in groups (`adapters.http.groups`).
    groups: GroupCommit
    read_path: ReadPath
    readiness: Callable[[], Readiness]
    function_stats: Callable[[], list[FunctionStat]]
    #: What runs the hot pure functions in this process and in the database (see `Readiness.kernel`).
    kernels: Callable[[], dict[str, dict[str, Any]]] = dict
    #: Seconds an authenticated API key is cached in this process (revocation delay).
    api_key_cache_seconds: float = 10.0
    #: Largest request body accepted, in bytes.
    max_body_bytes: int = 2 * 1024 * 1024
    #: Prometheus metrics (`/metrics`); None serves no metrics.
    metrics: HttpMetrics | None = None
    #: Background jobs (`/v1/jobs`); None serves no job endpoints.
    jobs: JobServices | None = None
    #: Long polling of the events feed: how often a waiting request reads again, and the longest wait
    #: granted (a request asking for more waits this long).
    event_poll_seconds: float = 0.25
    event_max_wait_seconds: float = 30.0
    #: Webhook endpoints (`/v1/webhooks`); None serves 503 there.
    webhooks: WebhookServices | None = None
    #: Read replicas (docs/replicas.md): routes the reads and makes the writes' consistency tokens;
    #: None (no replica configured): every read goes to the primary and no token is given.
    read_routing: ReadRouting | None = None
    #: The operator console (`/console`, docs/console.md); None serves no console.
    console: ConsoleServices | None = None
    #: Bank statements (`/v1/statements`, docs/audit/reconciliation.md); None serves 503 there.
    statements: StatementServices | None = None
    #: Reconciliation (`/v1/reconciliation`, docs/audit/reconciliation.md); None serves 503 there.
    reconciliation: ReconciliationServices | None = None
    #: The sealed journal: proofs and the sealer's status (docs/audit/seals.md); None serves 503 there.
    seals: SealPath | None = None
