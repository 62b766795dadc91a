"""Read replicas: hot standbys that serve the read-only use cases, with read-your-writes.

A `ReplicaSet` holds one engine per replica URL and what it last learnt of each replica: up or down, how
far it replayed the primary's WAL (`pg_last_wal_replay_lsn()`), and its lag in seconds and bytes. One
background thread per process refreshes that every `check_seconds`; it starts on first use (never at
import or construction) and stops with `dispose()`.

`RoutedEngine` stands in for the engine of the read side (the read unit of work, the in-database read
path): those adapters only call `.connect()` (and `.execution_options()` once, when they are built), so
they work unchanged. Each `.connect()` picks where the read runs:

- a read outside a request routed by `route_reads` (background work, the CLI), or of a request routed
  to the primary only (a write, the events feed), goes to the primary;
- a read without a consistency token goes to a healthy replica (up, and no further behind than
  `max_lag_seconds`), round robin, else to the primary;
- a read with a token (the WAL position a write answered with, see `write_token`) goes to a healthy
  replica known to have replayed that far; else it waits on the most advanced healthy replica, polling
  its replay position a few milliseconds apart, for at most `wait_ms`; then it goes to the primary.
  The read is answered by the very connection that saw the position reached, so it sees the write.
  At most `max_waiting` reads wait on one replica at once (each holds a connection and a thread); the
  others go to the primary at once;
- the later reads of a request go where its first went (the same replica while it is up, else the
  primary), so a request never sees an older state than it already saw (an export's pages, an account
  then its statement);
- a replica whose connection fails, at connect or while a read waits on it, is marked down (what it had
  replayed is forgotten) and skipped until a check finds it back; that read goes to the primary.

A token is only as good as the commit it follows: with `synchronous_commit = off` a commit returns before
its WAL is flushed, so the flush position read afterwards may not include it. Razão never turns it off;
a deployment that does must not configure replicas (docs/replicas.md).

Where a read went and why is kept in the request's `ReadScope` (a context variable set by the HTTP
adapter through `route_reads`; worker threads of the request inherit it) and counted through `record`.

The consistency token is the primary's `pg_current_wal_flush_lsn()` read after the write committed: a
synchronous commit has flushed its commit record, so the position is at or past it, and it is in the same
"end of record" terms as a standby's replay position (`pg_current_wal_insert_lsn()` is not: on a page
boundary it points past the page header, where no replay position ever stops). Concurrent writers share
one read of it (`_SingleFlight`): a read that started after my commit serves me as well.

Lag: 0 when the replica replayed everything the primary had written when the check began; else the
time since it last was in that state or since the newest transaction it replayed committed
(`pg_last_xact_replay_timestamp()`), whichever is shorter (an idle primary still writes some WAL, after
which a replica that has every transaction is not "behind by the time since the last commit"). A replica
behind the primary whose lag cannot be told (nothing replayed since it started) is skipped. Every
query here is allowed to the least-privileged application role (no `pg_stat_replication`).
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Self

import structlog
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = structlog.get_logger("razao.replicas")

PRIMARY = "primary"
REPLICA = "replica"

#: Why a read went where it went (the `reason` label of `razao_reads_total`).
NO_TOKEN = "no_token"  # replica: the read asked for no position
CAUGHT_UP = "caught_up"  # replica: known to have replayed the token's position
WAITED = "waited"  # replica: reached the token's position while the read waited
WAIT_TIMEOUT = "wait_timeout"  # primary: no healthy replica reached the position in time
NO_HEALTHY_REPLICA = "no_healthy_replica"  # primary: every replica down, too far behind or unchecked
REPLICA_FAILED = "replica_failed"  # primary: the replica chosen could not be connected to
PRIMARY_ONLY = "primary_only"  # primary: a request that reads there only (a write, the events feed)
NO_REQUEST = "no_request"  # primary: a read outside any routed request (background work, CLI)
SAME_REQUEST = "same_request"  # where the request's earlier reads went: its reads never go back in time
BUSY = "replicas_busy"  # primary: every replica that could serve had as many reads waiting as allowed

_LSN = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")
#: How long a token read sleeps between two looks at the replica's replay position.
POLL_SECONDS = 0.003


def parse_lsn(value: str) -> int:
    """A `pg_lsn` text (`16/B374D848`) as an integer; ValueError when it is not one."""
    match = _LSN.match(value.strip())
    if match is None:
        raise ValueError(f"not a WAL position (like 16/B374D848): {value[:40]!r}")
    return (int(match.group(1), 16) << 32) | int(match.group(2), 16)


def format_lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def replica_name(url: str) -> str:
    """How a replica is named in metrics, readiness and logs: host:port/database (no user, no secret)."""
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


@dataclass(frozen=True, slots=True)
class ReplicaState:
    """What the last check (or the last read) learnt of one replica."""

    name: str
    up: bool = False
    #: Replay position (`pg_lsn` as an integer); None before the first successful check.
    replay_lsn: int | None = None
    lag_seconds: float | None = None
    lag_bytes: int | None = None
    checked_at: datetime | None = None
    error: str | None = None

    def skipped(self, max_lag_seconds: float) -> str | None:
        """Why reads skip this replica now (None: it serves them)."""
        if self.checked_at is None:
            return "not checked yet"
        if not self.up:
            return "down"  # why is in the log (`replica_down`), not in the public readiness answer
        if self.lag_seconds is None and self.lag_bytes != 0:
            return "lag unknown (no transaction replayed since it started, or the primary unreachable)"
        if self.lag_seconds is not None and self.lag_seconds > max_lag_seconds:
            return f"lag {self.lag_seconds:.1f} s over the limit of {max_lag_seconds:g} s"
        return None

    def report(self, max_lag_seconds: float) -> dict[str, Any]:
        """As the readiness probe shows it."""
        reason = self.skipped(max_lag_seconds)
        return {
            "name": self.name,
            "up": self.up,
            "lag_seconds": None if self.lag_seconds is None else round(self.lag_seconds, 3),
            "lag_bytes": self.lag_bytes,
            "replay_lsn": None if self.replay_lsn is None else format_lsn(self.replay_lsn),
            "checked_at": None if self.checked_at is None else self.checked_at.isoformat(),
            "skipped": reason is not None,
            "reason": reason,
        }


@dataclass(slots=True)
class ReadScope:
    """The reads of one request: the position they must see (None: any), and where they went."""

    required_lsn: int | None = None
    #: Every read goes to the primary (a write's own reads; the events feed, docs/replicas.md).
    primary_only: bool = False
    sources: set[str] = field(default_factory=set)
    #: The replica the request's reads went to: its later reads go there too (or to the primary), so
    #: that they never see an older state than an earlier read did.
    replica: int | None = None

    @property
    def source(self) -> str | None:
        """`primary` if any read went there, `replica` if all went to replicas, None if none was made."""
        if PRIMARY in self.sources:
            return PRIMARY
        return REPLICA if self.sources else None


_SCOPE: ContextVar[ReadScope | None] = ContextVar("razao_read_scope", default=None)


def _record_nothing(source: str, reason: str) -> None:
    pass


class _SingleFlight:
    """One query at a time for many callers, each served by a query that started after it asked."""

    def __init__(self, query: Callable[[], int]) -> None:
        self._query = query
        self._lock = threading.Condition()
        self._launched = 0
        self._done = 0
        self._running = False
        self._value = 0

    def get(self) -> int:
        with self._lock:
            needed = self._launched + 1
            while True:
                if self._done >= needed:
                    return self._value
                if not self._running:
                    self._launched += 1
                    mine = self._launched
                    self._running = True
                    break
                self._lock.wait()
        try:
            value = self._query()
        except BaseException:
            with self._lock:
                self._running = False
                self._lock.notify_all()
            raise
        with self._lock:
            self._value, self._done, self._running = value, mine, False
            self._lock.notify_all()
        return value


class ReplicaSet:
    """The replicas of one process, their state, the background check, and the routing of reads."""

    def __init__(
        self,
        urls: Sequence[str],
        primary: Engine,
        make: Callable[[str], Engine],
        *,
        wait_ms: float = 500.0,
        max_lag_seconds: float = 5.0,
        check_seconds: float = 1.0,
        max_waiting: int = 4,
        record: Callable[[str, str], None] = _record_nothing,
    ) -> None:
        self.names = [replica_name(url) for url in urls]
        self.engines = [make(url) for url in urls]
        self.primary = primary
        self.wait_seconds = wait_ms / 1000
        self.max_lag_seconds = max_lag_seconds
        self.check_seconds = check_seconds
        self._record = record
        self._states = [ReplicaState(name) for name in self.names]
        self._caught_up_at: list[float | None] = [None] * len(urls)
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._flush_lsn = _SingleFlight(self._read_flush_lsn)
        #: Reads that may wait on a replica at once (each holds a connection and a thread meanwhile);
        #: the others go to the primary at once.
        self._waiters = [threading.BoundedSemaphore(max_waiting) for _ in urls]

    # -- state -------------------------------------------------------------------------------------

    def states(self) -> list[ReplicaState]:
        self._ensure_monitor()
        return list(self._states)

    def report(self) -> list[dict[str, Any]]:
        """Each replica as the readiness probe shows it."""
        return [state.report(self.max_lag_seconds) for state in self.states()]

    def _ensure_monitor(self) -> None:
        if self._thread is not None or self._stop.is_set():
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._monitor, name="razao-replicas", daemon=True)
                self._thread.start()

    def _monitor(self) -> None:
        while True:
            try:
                self.refresh()
            except Exception as error:  # the check reports; it never dies
                log.warning("replica_check_failed", error=str(error))
            if self._stop.wait(self.check_seconds):
                return

    def refresh(self) -> list[ReplicaState]:
        """Check every replica now (the background thread does this every `check_seconds`)."""
        began = time.monotonic()
        primary_lsn: int | None = None
        try:
            with self.primary.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
                primary_lsn = parse_lsn(conn.execute(text("SELECT pg_current_wal_lsn()::text")).scalar_one())
        except Exception as error:  # lag in bytes is unknown this time
            log.warning("replica_check_primary_failed", error=_first_line(error))
        for index, engine in enumerate(self.engines):
            self._states[index] = self._check(index, engine, primary_lsn, began)
        return list(self._states)

    def _check(self, index: int, engine: Engine, primary_lsn: int | None, began: float) -> ReplicaState:
        state = self._states[index]
        now = datetime.now(UTC)
        try:
            with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
                standby, replay, since_commit = conn.execute(
                    text(
                        "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,"
                        " EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8"
                    )
                ).one()
        except Exception as error:
            if state.up or state.checked_at is None:
                log.warning("replica_down", replica=state.name, error=_first_line(error))
            return replace(state, up=False, replay_lsn=None, checked_at=now, error=_first_line(error))
        if not standby or replay is None:
            return replace(
                state, up=False, replay_lsn=None, checked_at=now, error="not a standby (promoted?): not used"
            )
        lsn = parse_lsn(replay)
        lag_bytes = None if primary_lsn is None else max(0, primary_lsn - lsn)
        if lag_bytes == 0:
            self._caught_up_at[index] = began
            lag: float | None = 0.0
        else:
            seen = self._caught_up_at[index]
            options = [
                x for x in (since_commit, None if seen is None else time.monotonic() - seen) if x is not None
            ]
            lag = max(0.0, min(options)) if options else None
        if not state.up and state.checked_at is not None:
            log.info("replica_up", replica=state.name)
        return ReplicaState(state.name, True, lsn, lag, lag_bytes, now, None)

    def _mark_down(self, index: int, error: BaseException) -> None:
        state = self._states[index]
        log.warning("replica_down", replica=state.name, error=_first_line(error))
        # what it had replayed is forgotten: a standby that comes back may start from an earlier position
        self._states[index] = replace(state, up=False, replay_lsn=None, error=_first_line(error))

    def _replayed(self, index: int, lsn: int) -> None:
        state = self._states[index]
        if state.replay_lsn is None or lsn > state.replay_lsn:
            self._states[index] = replace(state, replay_lsn=lsn)

    # -- routing -----------------------------------------------------------------------------------

    def connect(self, primary: Engine, replicas: Sequence[Engine]) -> Connection:
        """A connection for one read: to a replica when the rules allow it, else to the primary."""
        scope = _SCOPE.get()
        if scope is None or scope.primary_only:
            return self._to(PRIMARY, NO_REQUEST if scope is None else PRIMARY_ONLY, scope, primary.connect())
        self._ensure_monitor()
        if PRIMARY in scope.sources:
            return self._to(PRIMARY, SAME_REQUEST, scope, primary.connect())
        if scope.replica is not None:
            index = scope.replica
            conn = self._try(index, replicas) if self._states[index].up else None
            if conn is None:
                return self._to(PRIMARY, REPLICA_FAILED, scope, primary.connect())
            return self._to(REPLICA, SAME_REQUEST, scope, conn, index)
        required = scope.required_lsn
        healthy = [i for i, s in enumerate(self._states) if s.skipped(self.max_lag_seconds) is None]
        if not healthy:
            return self._to(PRIMARY, NO_HEALTHY_REPLICA, scope, primary.connect())
        turn = next(self._turn) % len(healthy)
        order = healthy[turn:] + healthy[:turn]
        if required is None:
            for index in order:
                conn = self._try(index, replicas)
                if conn is not None:
                    return self._to(REPLICA, NO_TOKEN, scope, conn, index)
            return self._to(PRIMARY, REPLICA_FAILED, scope, primary.connect())
        for index in order:
            known = self._states[index].replay_lsn
            if known is not None and known >= required:
                conn = self._try(index, replicas)
                if conn is not None:
                    return self._to(REPLICA, CAUGHT_UP, scope, conn, index)
        best = max(order, key=lambda i: self._states[i].replay_lsn or 0)
        if not self._waiters[best].acquire(blocking=False):
            return self._to(PRIMARY, BUSY, scope, primary.connect())
        try:
            conn = self._try(best, replicas)
            if conn is None:
                return self._to(PRIMARY, REPLICA_FAILED, scope, primary.connect())
            try:
                reached = self._wait_for(best, conn, required)
            except (DBAPIError, ValueError) as error:  # the replica went away while the read waited
                conn.invalidate()
                self._mark_down(best, error)
                return self._to(PRIMARY, REPLICA_FAILED, scope, primary.connect())
        finally:
            self._waiters[best].release()
        if reached:
            return self._to(REPLICA, WAITED, scope, conn, best)
        conn.close()
        return self._to(PRIMARY, WAIT_TIMEOUT, scope, primary.connect())

    def _try(self, index: int, replicas: Sequence[Engine]) -> Connection | None:
        try:
            return replicas[index].connect()
        except OperationalError as error:
            self._mark_down(index, error)
        except PoolTimeout:  # this replica's pool is exhausted: another, or the primary, serves
            pass
        return None

    def _wait_for(self, index: int, conn: Connection, required: int) -> bool:
        """Poll the replica's replay position on `conn` until it reaches `required` or time is up."""
        deadline = time.monotonic() + self.wait_seconds
        try:
            while True:
                replay = conn.execute(text("SELECT pg_last_wal_replay_lsn()::text")).scalar_one()
                if replay is not None:
                    lsn = parse_lsn(replay)
                    self._replayed(index, lsn)
                    if lsn >= required:
                        return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                time.sleep(min(POLL_SECONDS, left))
        finally:
            if conn.in_transaction():
                conn.rollback()  # the unit of work begins its own

    def _to(
        self, source: str, reason: str, scope: ReadScope | None, conn: Connection, replica: int | None = None
    ) -> Connection:
        if scope is not None:
            scope.sources.add(source)
            if replica is not None:
                scope.replica = replica
        self._record(source, reason)
        return conn

    @contextmanager
    def route_reads(self, token: str | None, *, primary_only: bool = False) -> Iterator[ReadScope]:
        """The reads made inside the block (in this context, and the threads that copy it) may go to a
        replica, and see the write whose token is `token` (None: any healthy replica will do);
        `primary_only`: they all go to the primary. Outside such a block every read goes to the
        primary. ValueError: a malformed token (raised before the block runs)."""
        scope = ReadScope(None if token is None else parse_lsn(token), primary_only)
        reset = _SCOPE.set(scope)
        try:
            yield scope
        finally:
            _SCOPE.reset(reset)

    # -- tokens ------------------------------------------------------------------------------------

    def _read_flush_lsn(self) -> int:
        with self.primary.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            return parse_lsn(conn.execute(text("SELECT pg_current_wal_flush_lsn()::text")).scalar_one())

    def write_token(self) -> str:
        """The consistency token of a write that committed before this call (shared among callers)."""
        return format_lsn(self._flush_lsn.get())

    # -- lifecycle ---------------------------------------------------------------------------------

    def dispose(self) -> None:
        """Stop the background check and close the replicas' pooled connections."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=10)
        for engine in self.engines:
            engine.dispose()


class RoutedEngine:
    """The read side's engine: `.connect()` asks the `ReplicaSet` where each read runs."""

    def __init__(
        self, replicas: ReplicaSet, primary: Engine, engines: Sequence[Engine] | None = None
    ) -> None:
        self._set = replicas
        self._primary = primary
        self._engines = list(replicas.engines if engines is None else engines)

    def execution_options(self, **options: Any) -> Self:
        return type(self)(
            self._set,
            self._primary.execution_options(**options),
            [engine.execution_options(**options) for engine in self._engines],
        )

    def connect(self) -> Connection:
        return self._set.connect(self._primary, self._engines)

    @property
    def dialect(self) -> Any:
        return self._primary.dialect


def _first_line(error: BaseException) -> str:
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"
