"""The webhooks' SQL store (revision 0011_webhooks) and its unit of work, in both execution modes.

`SqlWebhookUnitOfWork` is a transaction with two repositories: `webhooks` (`SqlWebhookStore`, this
module) and `events` (the feed's `SqlEventLog`), so that the fan-out reads the feed and writes the
deliveries and the cursor in one transaction (`application.webhooks.fan_out`).

Claims. `lock_gate` locks the endpoint's row (`FOR NO KEY UPDATE`: claims of one endpoint are
serialized, so counting what is in flight and claiming more is atomic); `claimable` then reads the head
of the endpoint's unfinished deliveries in position order on the partial index. An ordered endpoint's
head is locked with a plain `FOR UPDATE` (skipping it would break the order: the claim waits for the
short transaction holding it); an unordered endpoint's due deliveries with `FOR UPDATE SKIP LOCKED`
(a delivery being recorded or re-sent is passed over, not waited for). Time comparisons use the
application's clock (a parameter), never the database's `now()`, so the tests drive time.

Counters. Delivery workers are Celery processes whose in-memory counters the API's `/metrics` cannot
see, and counting the history at scrape time would read ever more rows and go DOWN once retention
deletes them. So `count_attempt` raises the endpoint's own counters (attempts by outcome, the latency
histogram) in the transaction that records the attempt, on the endpoint row `failures_of` has already
locked; `webhook_stats` reads them: the endpoints table (small: one row per endpoint), plus the oldest
unfinished delivery, the first entry of the partial index `ix_webhook_deliveries_created_at_unfinished`,
and the count of unfinished ones (that index only: never the finished history). Tested with EXPLAIN in
tests/integration/test_webhooks.py.

Retention (`prune`) calls `razao.prune_webhook_deliveries` (SECURITY DEFINER: razao_app cannot DELETE
deliveries itself); it deletes only finished deliveries, with their attempts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, text

from adapters.db.events import SqlEventLog
from adapters.db.tx import Tx
from adapters.db.unit_of_work import TxScope
from application import webhook_policy as policy
from application.feed import Position, StoredEvent
from application.webhooks import Attempt, Claimed, Delivery, Endpoint, FanOutTarget, Gate

_ENDPOINT_COLUMNS = (
    "id, url, description, event_types, account_code_prefix, enabled, ordered, max_in_flight, created_at,"
    " updated_at, consecutive_failures, circuit_open_until, previous_secret_expires_at"
)
_DELIVERY_COLUMNS = (
    "id, endpoint_id, event_id, event_type, event_txid::text AS event_txid, event_n, event_occurred_at, state,"
    " attempts, next_attempt_at, lease_until, last_status, last_error, created_at, first_attempt_at,"
    " delivered_at"
)
#: Buckets (seconds) of the event-to-delivery latency histogram; the endpoints' `latency_bucket_counts`
#: has one more slot (above them all). Changing them needs a migration of that column.
LATENCY_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400)

_ADD = text(
    "INSERT INTO webhook_endpoints (id, url, description, event_types, account_code_prefix, enabled, ordered,"
    " max_in_flight, secret_ciphertext, cursor_txid, cursor_n, created_at, updated_at)"
    " VALUES (:id, :url, :description, :event_types, :prefix, :enabled, :ordered, :max_in_flight, :secret,"
    " pg_snapshot_xmin(pg_current_snapshot()), 0, :created_at, :updated_at)"
)
_GET = text(f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = :id")
_LOCK = text(f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = :id FOR NO KEY UPDATE")
_LIST = text(
    f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id > CAST(:after AS uuid) ORDER BY id LIMIT :limit"
)
_SAVE = text(
    "UPDATE webhook_endpoints SET url = :url, description = :description, event_types = :event_types,"
    " account_code_prefix = :prefix, enabled = :enabled, ordered = :ordered, max_in_flight = :max_in_flight,"
    " updated_at = :updated_at WHERE id = :id"
)
_DELETE = text("DELETE FROM webhook_endpoints WHERE id = :id")
_SET_SECRET = text(
    "UPDATE webhook_endpoints SET secret_ciphertext = :secret, previous_secret_ciphertext = :previous,"
    " previous_secret_expires_at = :until, updated_at = :at WHERE id = :id"
)
_SECRET_OF = text("SELECT secret_ciphertext FROM webhook_endpoints WHERE id = :id")

_TARGETS = text(
    "SELECT id, cursor_txid::text AS cursor_txid, cursor_n, event_types, account_code_prefix, updated_at"
    " FROM webhook_endpoints WHERE enabled ORDER BY id"
)
_CODES = text("SELECT id, code FROM accounts WHERE id = ANY(CAST(:ids AS uuid[]))")
_MOVE_CURSOR = text(
    "UPDATE webhook_endpoints SET cursor_txid = CAST(:txid AS xid8), cursor_n = :n"
    " WHERE id = :id AND cursor_txid = CAST(:old_txid AS xid8) AND cursor_n = :old_n"
    " AND updated_at = :settings_at AND enabled"
)
_ADD_DELIVERIES = text(
    "INSERT INTO webhook_deliveries (endpoint_id, event_id, event_txid, event_n, event_type, event_occurred_at,"
    " next_attempt_at, created_at)"
    " SELECT :endpoint_id, r.event_id, CAST(r.txid AS xid8), r.n, r.type, r.occurred_at, :at, :at"
    " FROM unnest(CAST(:event_ids AS uuid[]), CAST(:txids AS text[]), CAST(:ns AS bigint[]),"
    "   CAST(:types AS text[]), CAST(:occurred AS timestamptz[])) AS r(event_id, txid, n, type, occurred_at)"
    " ORDER BY CAST(r.txid AS xid8), r.n"
    " ON CONFLICT (endpoint_id, event_id) DO NOTHING"
)
_DUE = text(
    "SELECT e.id FROM webhook_endpoints e"
    " WHERE e.enabled AND (e.circuit_open_until IS NULL OR e.circuit_open_until <= :now)"
    " AND (EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.state = 'pending'"
    "     AND d.next_attempt_at <= :now)"
    "   OR EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.state = 'delivering'"
    "     AND (d.lease_until IS NULL OR d.lease_until <= :now)))"
    " ORDER BY e.id"
)

_GATE = text(
    "SELECT id, url, enabled, ordered, max_in_flight, circuit_open_until, consecutive_failures,"
    " secret_ciphertext, previous_secret_ciphertext, previous_secret_expires_at"
    " FROM webhook_endpoints WHERE id = :id FOR NO KEY UPDATE"
)
_IN_FLIGHT = text(
    "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = :id AND state = 'delivering'"
    " AND lease_until > :now"
)
#: The head of an ordered endpoint's line: waited for, never skipped.
_HEAD = text(
    "SELECT id, state, next_attempt_at, lease_until FROM webhook_deliveries"
    " WHERE endpoint_id = :id AND state IN ('pending', 'delivering')"
    " ORDER BY event_txid, event_n LIMIT 1 FOR UPDATE"
)
#: An unordered endpoint's due deliveries, oldest due first, each kind through its own partial index:
#: in-flight ones whose lease lapsed (their worker died), then pending ones whose next try has come.
_LAPSED_UNORDERED = text(
    "SELECT id FROM webhook_deliveries"
    " WHERE endpoint_id = :id AND state = 'delivering' AND (lease_until IS NULL OR lease_until <= :now)"
    " ORDER BY lease_until NULLS FIRST LIMIT :limit FOR UPDATE SKIP LOCKED"
)
_DUE_UNORDERED = text(
    "SELECT id FROM webhook_deliveries"
    " WHERE endpoint_id = :id AND state = 'pending' AND next_attempt_at <= :now"
    " ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED"
)
_MARK = text(
    "UPDATE webhook_deliveries SET state = 'delivering', lease_until = :lease_until, attempts = attempts + 1,"
    " first_attempt_at = coalesce(first_attempt_at, :now)"
    f" WHERE id = ANY(CAST(:ids AS uuid[])) RETURNING {_DELIVERY_COLUMNS}"
)
_EVENTS_OF = text(
    "SELECT e.id, e.txid::text AS txid, e.n, e.type, e.occurred_at, e.account_ids, e.transfer_id, e.job_id,"
    " e.data FROM events e WHERE e.id = ANY(CAST(:ids AS uuid[]))"
    " AND (e.txid, e.n) IN (SELECT CAST(t AS xid8), n FROM unnest(CAST(:txids AS text[]),"
    " CAST(:ns AS bigint[])) AS p(t, n))"
)
_BREAKER_OF = text(
    "SELECT consecutive_failures, circuit_open_until FROM webhook_endpoints WHERE id = :id FOR NO KEY UPDATE"
)
_ATTEMPT = text(
    "INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, duration_ms, status_code, error,"
    " outcome, next_try_at) VALUES (:delivery_id, :attempt, :attempted_at, :duration_ms, :status_code,"
    " :error, :outcome, :next_try_at)"
)
_SETTLE = text(
    "UPDATE webhook_deliveries SET state = :state, next_attempt_at = coalesce(:next_at, next_attempt_at),"
    " lease_until = NULL, last_status = :status, last_error = :error,"
    " delivered_at = CASE WHEN :state = 'succeeded' THEN :at ELSE delivered_at END,"
    " finished_at = CASE WHEN :state IN ('succeeded', 'failed') THEN :at END"
    " WHERE id = :id AND state = 'delivering' AND attempts = :attempt AND lease_until = :claimed_until"
)
_COUNT = text(
    "UPDATE webhook_endpoints SET delivered_total = delivered_total + :delivered,"
    " failed_total = failed_total + :failed, retried_total = retried_total + :retried,"
    " latency_bucket_counts[CAST(:slot AS integer)] = latency_bucket_counts[CAST(:slot AS integer)] + :observed,"
    " latency_sum_ms = latency_sum_ms + :latency_ms"
    " WHERE id = :id"
)
_PRUNE = text(
    "SELECT razao.prune_webhook_deliveries(CAST(:before AS timestamptz), CAST(:max_rows AS integer))"
)
_BREAKER = text(
    "UPDATE webhook_endpoints SET consecutive_failures = :failures, circuit_open_until = :open_until"
    " WHERE id = :id"
)
_DELIVERIES = {
    (state, after): text(
        f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = :id"
        + (" AND state = :state" if state else "")
        + (" AND (created_at, id) > (:after_at, CAST(:after_id AS uuid))" if after else "")
        + " ORDER BY created_at, id LIMIT :limit"
    )
    for state in (False, True)
    for after in (False, True)
}
_DELIVERY = text(
    f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = :endpoint AND id = :id"
)
_ATTEMPTS = text(
    "SELECT delivery_id, attempt, attempted_at, duration_ms, status_code, error, outcome, next_try_at"
    " FROM webhook_attempts WHERE delivery_id = :id ORDER BY id"
)
_RESEND = (
    "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = :now, first_attempt_at = NULL,"
    " attempts = 0, lease_until = NULL, delivered_at = NULL, finished_at = NULL"
)
_RESEND_ONE = text(_RESEND + " WHERE id = :id AND state IN ('failed', 'succeeded')")
_RESEND_FAILED = text(
    _RESEND + " WHERE endpoint_id = :endpoint AND state = 'failed'"
    " AND (CAST(:since AS timestamptz) IS NULL OR created_at >= CAST(:since AS timestamptz))"
)


def _endpoint(row: Any) -> Endpoint:
    return Endpoint(
        id=row["id"],
        url=row["url"],
        description=row["description"],
        event_types=None if row["event_types"] is None else frozenset(row["event_types"]),
        account_code_prefix=row["account_code_prefix"],
        enabled=row["enabled"],
        ordered=row["ordered"],
        max_in_flight=row["max_in_flight"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        consecutive_failures=row["consecutive_failures"],
        circuit_open_until=row["circuit_open_until"],
        previous_secret_expires_at=row["previous_secret_expires_at"],
    )


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row["id"],
        endpoint_id=row["endpoint_id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        position=Position(int(row["event_txid"]), row["event_n"]),
        occurred_at=row["event_occurred_at"],
        state=row["state"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        lease_until=row["lease_until"],
        last_status=row["last_status"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        first_attempt_at=row["first_attempt_at"],
        delivered_at=row["delivered_at"],
    )


def _types(endpoint: Endpoint) -> list[str] | None:
    return None if endpoint.event_types is None else sorted(endpoint.event_types)


def _settings(endpoint: Endpoint) -> dict[str, Any]:
    """The parameters of an endpoint's settings, as `_ADD` and `_SAVE` name them."""
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": _types(endpoint),
        "prefix": endpoint.account_code_prefix,
        "enabled": endpoint.enabled,
        "ordered": endpoint.ordered,
        "max_in_flight": endpoint.max_in_flight,
        "updated_at": endpoint.updated_at,
    }


class SqlWebhookStore:
    """Implements `application.webhooks.WebhookStore`."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def _rows(self, statement: Any, **parameters: Any) -> list[Any]:
        return list(self._tx.execute(statement, parameters).mappings().all())

    def add(self, endpoint: Endpoint, secret_ciphertext: str) -> None:
        self._tx.execute(
            _ADD, {**_settings(endpoint), "secret": secret_ciphertext, "created_at": endpoint.created_at}
        )

    def get(self, endpoint_id: UUID) -> Endpoint | None:
        rows = self._rows(_GET, id=endpoint_id)
        return _endpoint(rows[0]) if rows else None

    def lock(self, endpoint_id: UUID) -> Endpoint | None:
        rows = self._rows(_LOCK, id=endpoint_id)
        return _endpoint(rows[0]) if rows else None

    def page(self, after: UUID | None, limit: int) -> list[Endpoint]:
        after_id = str(after or UUID(int=0))
        return [_endpoint(r) for r in self._rows(_LIST, after=after_id, limit=limit)]

    def save(self, endpoint: Endpoint) -> None:
        self._tx.execute(_SAVE, _settings(endpoint))

    def delete(self, endpoint_id: UUID) -> bool:
        return bool(self._tx.execute(_DELETE, {"id": endpoint_id}).rowcount)

    def set_secret(
        self,
        endpoint_id: UUID,
        ciphertext: str,
        previous: str | None,
        previous_expires_at: datetime | None,
        at: datetime,
    ) -> None:
        self._tx.execute(
            _SET_SECRET,
            {
                "id": endpoint_id,
                "secret": ciphertext,
                "previous": previous,
                "until": previous_expires_at,
                "at": at,
            },
        )

    def secret_of(self, endpoint_id: UUID) -> str | None:
        value: str | None = self._tx.execute(_SECRET_OF, {"id": endpoint_id}).scalar()
        return value

    def fan_out_targets(self) -> list[FanOutTarget]:
        return [
            FanOutTarget(
                r["id"],
                Position(int(r["cursor_txid"]), r["cursor_n"]),
                None if r["event_types"] is None else frozenset(r["event_types"]),
                r["account_code_prefix"],
                r["updated_at"],
            )
            for r in self._rows(_TARGETS)
        ]

    def account_codes(self, account_ids: Iterable[UUID]) -> dict[UUID, str]:
        ids = [str(a) for a in account_ids]
        if not ids:
            return {}
        return {r["id"]: r["code"] for r in self._rows(_CODES, ids=ids)}

    def move_cursor(self, endpoint_id: UUID, old: Position, new: Position, settings_at: datetime) -> bool:
        moved = self._tx.execute(
            _MOVE_CURSOR,
            {
                "id": endpoint_id,
                "txid": str(new.txid),
                "n": new.n,
                "old_txid": str(old.txid),
                "old_n": old.n,
                "settings_at": settings_at,
            },
        )
        return bool(moved.rowcount)

    def add_deliveries(self, endpoint_id: UUID, events: Sequence[StoredEvent], at: datetime) -> int:
        if not events:
            return 0
        inserted = self._tx.execute(
            _ADD_DELIVERIES,
            {
                "endpoint_id": endpoint_id,
                "at": at,
                "event_ids": [str(e.id) for e in events],
                "txids": [str(e.position.txid) for e in events],
                "ns": [e.position.n for e in events],
                "types": [e.type for e in events],
                "occurred": [e.occurred_at for e in events],
            },
        )
        return int(inserted.rowcount)

    def due_endpoints(self, now: datetime) -> list[UUID]:
        return [r["id"] for r in self._rows(_DUE, now=now)]

    def lock_gate(self, endpoint_id: UUID) -> Gate | None:
        rows = self._rows(_GATE, id=endpoint_id)
        if not rows:
            return None
        r = rows[0]
        return Gate(
            r["id"],
            r["url"],
            r["enabled"],
            r["ordered"],
            r["max_in_flight"],
            r["circuit_open_until"],
            r["consecutive_failures"],
            r["secret_ciphertext"],
            r["previous_secret_ciphertext"],
            r["previous_secret_expires_at"],
        )

    def in_flight(self, endpoint_id: UUID, now: datetime) -> int:
        return int(self._tx.execute(_IN_FLIGHT, {"id": endpoint_id, "now": now}).scalar_one())

    def claimable(self, endpoint_id: UUID, now: datetime, ordered: bool, limit: int) -> list[UUID]:
        if ordered:
            head = self._rows(_HEAD, id=endpoint_id)
            if head and policy.is_due(
                head[0]["state"], head[0]["next_attempt_at"], head[0]["lease_until"], now
            ):
                return [head[0]["id"]]
            return []
        lapsed = [r["id"] for r in self._rows(_LAPSED_UNORDERED, id=endpoint_id, now=now, limit=limit)]
        if len(lapsed) == limit:
            return lapsed
        left = limit - len(lapsed)
        return lapsed + [r["id"] for r in self._rows(_DUE_UNORDERED, id=endpoint_id, now=now, limit=left)]

    def mark_delivering(self, ids: Sequence[UUID], now: datetime, lease_until: datetime) -> list[Claimed]:
        rows = self._rows(_MARK, ids=[str(i) for i in ids], now=now, lease_until=lease_until)
        deliveries = sorted((_delivery(r) for r in rows), key=lambda d: d.position)
        found = {
            e["id"]: StoredEvent(
                id=e["id"],
                position=Position(int(e["txid"]), e["n"]),
                type=e["type"],
                occurred_at=e["occurred_at"],
                account_ids=tuple(e["account_ids"]),
                transfer_id=e["transfer_id"],
                job_id=e["job_id"],
                data=e["data"],
            )
            for e in self._rows(
                _EVENTS_OF,
                ids=[str(d.event_id) for d in deliveries],
                txids=[str(d.position.txid) for d in deliveries],
                ns=[d.position.n for d in deliveries],
            )
        }
        return [Claimed(d, d.attempts, d.first_attempt_at or now, found.get(d.event_id)) for d in deliveries]

    def record(
        self, attempt: Attempt, state: str, next_attempt_at: datetime | None, claimed_until: datetime | None
    ) -> bool:
        self._tx.execute(
            _ATTEMPT,
            {
                "delivery_id": attempt.delivery_id,
                "attempt": attempt.attempt,
                "attempted_at": attempt.attempted_at,
                "duration_ms": attempt.duration_ms,
                "status_code": attempt.status_code,
                "error": attempt.error,
                "outcome": attempt.outcome,
                "next_try_at": attempt.next_try_at,
            },
        )
        settled = self._tx.execute(
            _SETTLE,
            {
                "id": attempt.delivery_id,
                "state": state,
                "next_at": next_attempt_at,
                "status": attempt.status_code,
                "error": attempt.error,
                "at": attempt.attempted_at,
                "attempt": attempt.attempt,
                "claimed_until": claimed_until,
            },
        )
        return bool(settled.rowcount)

    def set_breaker(self, endpoint_id: UUID, breaker: policy.Breaker) -> None:
        self._tx.execute(
            _BREAKER,
            {"id": endpoint_id, "failures": breaker.consecutive_failures, "open_until": breaker.open_until},
        )

    def count_attempt(self, endpoint_id: UUID, outcome: str, latency: timedelta | None) -> None:
        seconds = None if latency is None else max(0.0, latency.total_seconds())
        slot = len(LATENCY_BUCKETS) + 1
        if seconds is not None:
            slot = next((i + 1 for i, bound in enumerate(LATENCY_BUCKETS) if seconds <= bound), slot)
        self._tx.execute(
            _COUNT,
            {
                "id": endpoint_id,
                "delivered": int(outcome == policy.Outcome.DELIVERED),
                "failed": int(outcome == policy.Outcome.FAILED),
                "retried": int(outcome == policy.Outcome.RETRY),
                "slot": slot,
                "observed": int(seconds is not None),
                "latency_ms": 0 if seconds is None else round(seconds * 1000),
            },
        )

    def prune(self, before: datetime, limit: int) -> int:
        deleted: int = self._tx.execute(_PRUNE, {"before": before, "max_rows": limit}).scalar_one()
        return deleted

    def breaker_of(self, endpoint_id: UUID) -> policy.Breaker | None:
        row = self._tx.execute(_BREAKER_OF, {"id": endpoint_id}).one_or_none()
        return None if row is None else policy.Breaker(int(row.consecutive_failures), row.circuit_open_until)

    def deliveries(
        self, endpoint_id: UUID, state: str | None, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[Delivery]:
        parameters: dict[str, Any] = {"id": endpoint_id, "limit": limit}
        if state is not None:
            parameters["state"] = state
        if after is not None:
            parameters["after_at"], parameters["after_id"] = after[0], str(after[1])
        statement = _DELIVERIES[(state is not None, after is not None)]
        return [_delivery(r) for r in self._rows(statement, **parameters)]

    def delivery(self, endpoint_id: UUID, delivery_id: UUID) -> Delivery | None:
        rows = self._rows(_DELIVERY, endpoint=endpoint_id, id=delivery_id)
        return _delivery(rows[0]) if rows else None

    def attempts(self, delivery_id: UUID) -> list[Attempt]:
        return [
            Attempt(
                r["delivery_id"],
                r["attempt"],
                r["attempted_at"],
                r["duration_ms"],
                r["status_code"],
                r["error"],
                r["outcome"],
                r["next_try_at"],
            )
            for r in self._rows(_ATTEMPTS, id=delivery_id)
        ]

    def resend(self, delivery_id: UUID, now: datetime) -> None:
        self._tx.execute(_RESEND_ONE, {"id": delivery_id, "now": now})

    def resend_failed(self, endpoint_id: UUID, since: datetime | None, now: datetime) -> int:
        return int(
            self._tx.execute(_RESEND_FAILED, {"endpoint": endpoint_id, "since": since, "now": now}).rowcount
        )


class SqlWebhookUnitOfWork(TxScope):
    """Implements `application.webhooks.WebhookUnitOfWork`: one connection and one transaction per
    `with` block (rolled back unless `commit()`); a new one per use case."""

    webhooks: SqlWebhookStore
    events: SqlEventLog

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._tx = tx = Tx()
        self.webhooks = SqlWebhookStore(tx)
        self.events = SqlEventLog(tx)


#: The scrape's two statements: the endpoints' counters (one row each), and the unfinished deliveries
#: through their partial index (the oldest is its first entry).
_COUNTERS = text(
    "SELECT id, delivered_total, failed_total, retried_total, latency_bucket_counts, latency_sum_ms,"
    " coalesce(circuit_open_until > clock_timestamp(), false) AS circuit_open FROM webhook_endpoints ORDER BY id"
)
_BACKLOG = text(
    "SELECT (SELECT extract(epoch FROM clock_timestamp() - created_at) FROM webhook_deliveries"
    "   WHERE state IN ('pending', 'delivering') ORDER BY created_at LIMIT 1) AS oldest_seconds,"
    " (SELECT count(*) FROM webhook_deliveries WHERE state IN ('pending', 'delivering')) AS undelivered"
)


def webhook_stats(engine: Any) -> dict[str, Any]:
    """Per endpoint: attempts by outcome and the event-occurrence-to-delivery latency histogram
    (monotonic counters kept on the endpoint row); the undelivered backlog and its oldest age, and open
    circuits. A deleted endpoint's series end with it."""
    with engine.connect() as connection:
        rows = connection.execute(_COUNTERS).mappings().all()
        backlog = connection.execute(_BACKLOG).mappings().one()
    endpoints = []
    for r in rows:
        counts = [int(c) for c in r["latency_bucket_counts"]]
        cumulative, total = [], 0
        for bound, count in zip(LATENCY_BUCKETS, counts, strict=False):
            total += count
            cumulative.append((bound, total))
        endpoints.append(
            {
                "endpoint_id": str(r["id"]),
                "attempts": {
                    "delivered": int(r["delivered_total"]),
                    "failed": int(r["failed_total"]),
                    "retry": int(r["retried_total"]),
                },
                "latency": {"count": sum(counts), "sum": r["latency_sum_ms"] / 1000, "buckets": cumulative},
            }
        )
    return {
        "endpoints": endpoints,
        "oldest_undelivered_seconds": max(0.0, float(backlog["oldest_seconds"] or 0)),
        "undelivered": int(backlog["undelivered"]),
        "open_circuits": sum(1 for r in rows if r["circuit_open"]),
    }
