"""Webhooks: endpoints that receive the events, the fan-out of the feed to them, and delivery.

Management (API, admin scope): `create_endpoint` (answers the signing secret once), `update_endpoint`,
`delete_endpoint`, `rotate_secret` (a new secret, answered once; the previous one keeps signing beside
it for an overlap), `resend_delivery` and `resend_failed` (a delivery becomes pending again, with the
same event id). Secrets are stored encrypted (`SecretBox`) and never leave this module but through the
one answer that creates them and the sender that signs with them.

Fan-out (`fan_out`, beat every few seconds): per enabled endpoint, read the feed after the endpoint's
cursor with the feed's own commit-safe reader (`application.feed.EventFeed.read`: only events below
the watermark, in position order, so none is ever skipped), keep those its filters select (types; an
account code prefix, matched against the codes of the event's accounts), insert their deliveries
(idempotent: one per endpoint and event) and move the cursor, in ONE short transaction. The feed is read
before the transaction writes anything: a transaction with an id would hold the watermark back. The
cursor moves by compare-and-set, so two dispatchers never fan out the same page twice.

Delivery (`deliver_endpoint`, a task per endpoint with due work): claim due deliveries in a SHORT
transaction (the endpoint row locked, so claims of one endpoint are serialized; state `delivering` with a
lease), send them OUTSIDE any transaction (an open transaction would hold back everyone's feed), then
record each attempt in another short transaction. A worker killed mid-send leaves a lease that expires:
the delivery becomes claimable again (at least once). Classification, backoff, `Retry-After`, giving up,
the circuit breaker and the ordering gate are `application.webhook_policy`. The task works on one
endpoint only and stops after a time budget, so a dead endpoint cannot starve the others.

Counters and retention: `settle` raises the endpoint's monotonic counters (attempts by outcome, the
latency histogram) in the transaction that records the attempt, so `/metrics` reads them instead of the
history; `prune_deliveries` (beat, hourly) deletes finished deliveries older than the retention setting
with their attempts, never an unfinished one.

Both execution modes manage and deliver webhooks through this module over the SQL store: none of it
changes the books, so nothing here needs to run inside PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from time import sleep
from typing import Protocol
from uuid import UUID

from application import webhook_policy as policy
from application.events import EventType
from application.feed import EventFeed, EventFilter, Position, StoredEvent
from application.pages import check_limit
from application.ports import Clock, ExecutionUnavailable, IdSource, RetryableConflict, Transaction
from application.retention import delete_older
from domain.errors import InvalidState, NotFound, ValidationError

MAX_DESCRIPTION = 1000
MAX_PREFIX = 200
#: Longest rotation overlap: a week.
MAX_OVERLAP = timedelta(days=7)
DEFAULT_OVERLAP = timedelta(hours=24)
#: Finished deliveries deleted per transaction by retention, and the shortest retention.
PRUNE_BATCH = 1000
#: Events fanned out per transaction, and pages per endpoint per dispatch.
FAN_OUT_BATCH = 500
FAN_OUT_PAGES = 20


class DeliveryState:
    PENDING = "pending"
    DELIVERING = "delivering"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ALL = ("pending", "delivering", "succeeded", "failed")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A webhook endpoint as the API shows it (never its secret)."""

    id: UUID
    url: str
    description: str
    #: None: every event type.
    event_types: frozenset[str] | None
    account_code_prefix: str | None
    enabled: bool
    ordered: bool
    max_in_flight: int
    created_at: datetime
    updated_at: datetime
    consecutive_failures: int = 0
    circuit_open_until: datetime | None = None
    previous_secret_expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    id: UUID
    endpoint_id: UUID
    event_id: UUID
    event_type: str
    position: Position
    occurred_at: datetime
    state: str
    attempts: int
    next_attempt_at: datetime
    lease_until: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    first_attempt_at: datetime | None
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Attempt:
    delivery_id: UUID
    attempt: int
    attempted_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    outcome: str
    next_try_at: datetime | None


@dataclass(frozen=True, slots=True)
class FanOutTarget:
    """What the fan-out needs of an enabled endpoint."""

    id: UUID
    cursor: Position
    event_types: frozenset[str] | None
    account_code_prefix: str | None
    #: When its settings last changed: the fan-out moves the cursor only under the settings it read.
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Gate:
    """What the claim needs of an endpoint, read with its row locked."""

    id: UUID
    url: str
    enabled: bool
    ordered: bool
    max_in_flight: int
    circuit_open_until: datetime | None
    consecutive_failures: int
    secret_ciphertext: str
    previous_secret_ciphertext: str | None
    previous_secret_expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery claimed for one attempt: its number, and its event (None: retention deleted it)."""

    delivery: Delivery
    attempt: int
    first_attempt_at: datetime
    event: StoredEvent | None


class WebhookStore(Protocol):
    def add(self, endpoint: Endpoint, secret_ciphertext: str) -> None:
        """Insert `endpoint` with its fan-out cursor at the feed's watermark (it gets the events of
        transactions that had not ended when it was created, and every later one)."""
        ...

    def get(self, endpoint_id: UUID) -> Endpoint | None: ...
    def lock(self, endpoint_id: UUID) -> Endpoint | None: ...
    def page(self, after: UUID | None, limit: int) -> list[Endpoint]:
        """Up to `limit` endpoints in id order, after `after`."""
        ...

    def save(self, endpoint: Endpoint) -> None:
        """Store the settings of an endpoint loaded with `lock`."""
        ...

    def delete(self, endpoint_id: UUID) -> bool: ...
    def set_secret(
        self,
        endpoint_id: UUID,
        ciphertext: str,
        previous: str | None,
        previous_expires_at: datetime | None,
        at: datetime,
    ) -> None: ...

    def secret_of(self, endpoint_id: UUID) -> str | None:
        """The current secret's ciphertext."""
        ...

    # fan-out
    def fan_out_targets(self) -> list[FanOutTarget]: ...
    def account_codes(self, account_ids: Iterable[UUID]) -> dict[UUID, str]: ...
    def move_cursor(self, endpoint_id: UUID, old: Position, new: Position, settings_at: datetime) -> bool:
        """Compare-and-set of the fan-out cursor, under the settings of `settings_at`; False when another
        dispatcher moved it first, or the endpoint's filters changed since they were read (the events
        in between are then chosen again, by the new filters)."""
        ...

    def add_deliveries(self, endpoint_id: UUID, events: Sequence[StoredEvent], at: datetime) -> int:
        """A pending delivery per event (none twice); how many were new."""
        ...

    def due_endpoints(self, now: datetime) -> list[UUID]:
        """Enabled endpoints, circuit not open, with a delivery that could be claimed now."""
        ...

    # delivery
    def lock_gate(self, endpoint_id: UUID) -> Gate | None: ...
    def in_flight(self, endpoint_id: UUID, now: datetime) -> int: ...
    def claimable(self, endpoint_id: UUID, now: datetime, ordered: bool, limit: int) -> list[UUID]:
        """Ordered: the head of the endpoint's unfinished deliveries (position order), if it is due.
        Unordered: up to `limit` due ones in position order, skipping those another claimer locked."""
        ...

    def mark_delivering(self, ids: Sequence[UUID], now: datetime, lease_until: datetime) -> list[Claimed]: ...
    def record(
        self, attempt: Attempt, state: str, next_attempt_at: datetime | None, claimed_until: datetime | None
    ) -> bool:
        """Store the attempt, and the delivery's new state if it is still this claim's: still delivering
        under this attempt's number and the lease this claim set (`claimed_until`: a re-send starts the
        numbers again, the lease tells the claims apart). False: the lease expired and another worker
        claimed it since: the attempt is history only."""
        ...

    def set_breaker(self, endpoint_id: UUID, breaker: policy.Breaker) -> None: ...
    def count_attempt(self, endpoint_id: UUID, outcome: str, latency: timedelta | None) -> None:
        """Raise the endpoint's monotonic counters by one attempt of `outcome` (and its event-to-delivery
        `latency`, for a delivered one); nothing when the endpoint is gone."""
        ...

    def prune(self, before: datetime, limit: int) -> int:
        """Delete at most `limit` deliveries that finished (succeeded or failed) before `before`, with
        their attempts; never an unfinished one. How many."""
        ...

    def breaker_of(self, endpoint_id: UUID) -> policy.Breaker | None:
        """The endpoint's breaker (consecutive failures, open until), its row locked (None: deleted)."""
        ...

    # listing and re-sending
    def deliveries(
        self, endpoint_id: UUID, state: str | None, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[Delivery]: ...
    def delivery(self, endpoint_id: UUID, delivery_id: UUID) -> Delivery | None: ...
    def attempts(self, delivery_id: UUID) -> list[Attempt]: ...
    def resend(self, delivery_id: UUID, now: datetime) -> None: ...
    def resend_failed(self, endpoint_id: UUID, since: datetime | None, now: datetime) -> int: ...


class WebhookUnitOfWork(Transaction, Protocol):
    @property
    def webhooks(self) -> WebhookStore: ...
    @property
    def events(self) -> EventFeed: ...


class SecretBox(Protocol):
    """Encrypts signing secrets for storage (the deployment's key); never logs them."""

    def seal(self, secret: str) -> str: ...
    def open(self, ciphertext: str) -> str: ...


@dataclass(frozen=True, slots=True)
class SendResult:
    """What one attempt got: an HTTP status (None: no answer), `Retry-After`, an error, the time taken;
    `refused`: not sent at all (the target's address is not allowed, the body too large)."""

    status: int | None
    duration_ms: int
    error: str | None = None
    retry_after: str | None = None
    refused: bool = False


class Sender(Protocol):
    def send(self, url: str, event: StoredEvent, secrets: Sequence[str]) -> SendResult:
        """POST the event to `url`, signed with each secret (Standard Webhooks); never raises."""
        ...


#: Checks a URL for create and update: its form and where it resolves to (a `validation_error` on `url`).
UrlCheck = Callable[[str], None]


# --- management ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EndpointSpec:
    """What a client sets on an endpoint; `None` in an update: unchanged (see `EndpointChanges`)."""

    url: str
    description: str = ""
    event_types: Sequence[str] | None = None
    account_code_prefix: str | None = None
    enabled: bool = True
    ordered: bool = True
    max_in_flight: int | None = None


@dataclass(frozen=True, slots=True)
class EndpointChanges:
    """A PATCH: only the fields in `given` change (so `None` can clear a filter)."""

    values: dict[str, object] = field(default_factory=dict)


def parse_event_types(names: Sequence[str] | None) -> frozenset[str] | None:
    if names is None:
        return None
    known = {t.value for t in EventType}
    found = set()
    for name in names:
        if name not in known:
            raise ValidationError.of(
                "event_types", f"{name!r} is not an event type (known: {', '.join(sorted(known))})"
            )
        found.add(name)
    if not found:
        raise ValidationError.of("event_types", "must name at least one event type (or be null: every type)")
    return frozenset(found)


def _check_settings(endpoint: Endpoint) -> Endpoint:
    if len(endpoint.description) > MAX_DESCRIPTION:
        raise ValidationError.of("description", f"must be at most {MAX_DESCRIPTION} characters")
    prefix = endpoint.account_code_prefix
    if prefix is not None and not 1 <= len(prefix) <= MAX_PREFIX:
        raise ValidationError.of("account_code_prefix", f"must be 1 to {MAX_PREFIX} characters (or null)")
    if not 1 <= endpoint.max_in_flight <= 100:
        raise ValidationError.of("max_in_flight", "must be from 1 to 100")
    if endpoint.ordered and endpoint.max_in_flight != 1:
        raise ValidationError.of("max_in_flight", "an ordered endpoint delivers one at a time: must be 1")
    return endpoint


def create_endpoint(
    spec: EndpointSpec,
    uow: WebhookUnitOfWork,
    box: SecretBox,
    new_secret: Callable[[], str],
    clock: Clock,
    ids: IdSource,
    check_url: UrlCheck,
) -> tuple[Endpoint, str]:
    """A new endpoint and its signing secret (in clear: answered once, stored encrypted)."""
    check_url(spec.url)
    now = clock.now()
    endpoint = _check_settings(
        Endpoint(
            id=ids.new_id(),
            url=spec.url,
            description=spec.description,
            event_types=parse_event_types(spec.event_types),
            account_code_prefix=spec.account_code_prefix,
            enabled=spec.enabled,
            ordered=spec.ordered,
            max_in_flight=spec.max_in_flight or (1 if spec.ordered else 10),
            created_at=now,
            updated_at=now,
        )
    )
    secret = new_secret()
    with uow:
        uow.webhooks.add(endpoint, box.seal(secret))
        uow.commit()
    return endpoint, secret


def get_endpoint(endpoint_id: UUID, uow: WebhookUnitOfWork) -> Endpoint:
    with uow:
        found = uow.webhooks.get(endpoint_id)
    if found is None:
        raise NotFound(f"no webhook endpoint {endpoint_id}", endpoint_id=str(endpoint_id))
    return found


def list_endpoints(uow: WebhookUnitOfWork, after: UUID | None, limit: int) -> list[Endpoint]:
    """Up to `limit + 1` endpoints (the extra one says another page exists)."""
    check_limit(limit)
    with uow:
        return uow.webhooks.page(after, limit + 1)


UPDATABLE = (
    "url",
    "description",
    "event_types",
    "account_code_prefix",
    "enabled",
    "ordered",
    "max_in_flight",
)


def update_endpoint(
    endpoint_id: UUID, changes: EndpointChanges, uow: WebhookUnitOfWork, clock: Clock, check_url: UrlCheck
) -> Endpoint:
    values = dict(changes.values)
    unknown = set(values) - set(UPDATABLE)
    if unknown:
        raise ValidationError.of(sorted(unknown)[0], "cannot be changed")
    if "url" in values:
        check_url(str(values["url"]))
    if "event_types" in values:
        types = values["event_types"]
        values["event_types"] = parse_event_types(None if types is None else list(types))  # type: ignore[call-overload]
    for name in ("url", "enabled", "ordered", "description", "max_in_flight"):
        if name in values and values[name] is None:
            raise ValidationError.of(name, "must not be null")
    with uow:
        current = uow.webhooks.lock(endpoint_id)
        if current is None:
            raise NotFound(f"no webhook endpoint {endpoint_id}", endpoint_id=str(endpoint_id))
        if values.get("ordered") is True and "max_in_flight" not in values:
            values["max_in_flight"] = 1
        updated = _check_settings(replace(current, **values, updated_at=clock.now()))  # type: ignore[arg-type]
        uow.webhooks.save(updated)
        uow.commit()
    return updated


def delete_endpoint(endpoint_id: UUID, uow: WebhookUnitOfWork) -> None:
    """Delete an endpoint with its deliveries and their attempts."""
    with uow:
        if not uow.webhooks.delete(endpoint_id):
            raise NotFound(f"no webhook endpoint {endpoint_id}", endpoint_id=str(endpoint_id))
        uow.commit()


def rotate_secret(
    endpoint_id: UUID,
    overlap: timedelta,
    uow: WebhookUnitOfWork,
    box: SecretBox,
    new_secret: Callable[[], str],
    clock: Clock,
) -> tuple[str, datetime | None]:
    """A new signing secret (answered once) and until when the current one keeps signing beside it
    (None: an overlap of 0, the current secret stops at once)."""
    if overlap < timedelta(0) or overlap > MAX_OVERLAP:
        raise ValidationError.of("overlap_seconds", f"must be from 0 to {int(MAX_OVERLAP.total_seconds())}")
    now = clock.now()
    secret = new_secret()
    with uow:
        if uow.webhooks.lock(endpoint_id) is None:
            raise NotFound(f"no webhook endpoint {endpoint_id}", endpoint_id=str(endpoint_id))
        current = uow.webhooks.secret_of(endpoint_id)
        until = now + overlap if overlap > timedelta(0) else None
        uow.webhooks.set_secret(endpoint_id, box.seal(secret), current if until else None, until, now)
        uow.commit()
    return secret, until


def list_deliveries(
    endpoint_id: UUID,
    uow: WebhookUnitOfWork,
    *,
    state: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[Delivery]:
    """Up to `limit + 1` deliveries of an endpoint, oldest first (the extra one: there is more)."""
    check_limit(limit)
    if state is not None and state not in DeliveryState.ALL:
        raise ValidationError.of("state", f"must be one of {', '.join(DeliveryState.ALL)}")
    with uow:
        if uow.webhooks.get(endpoint_id) is None:
            raise NotFound(f"no webhook endpoint {endpoint_id}", endpoint_id=str(endpoint_id))
        return uow.webhooks.deliveries(endpoint_id, state, after, limit + 1)


def get_delivery(
    endpoint_id: UUID, delivery_id: UUID, uow: WebhookUnitOfWork
) -> tuple[Delivery, list[Attempt]]:
    with uow:
        found = uow.webhooks.delivery(endpoint_id, delivery_id)
        if found is None:
            raise NotFound(f"no delivery {delivery_id} of webhook endpoint {endpoint_id}")
        return found, uow.webhooks.attempts(delivery_id)


def resend_delivery(endpoint_id: UUID, delivery_id: UUID, uow: WebhookUnitOfWork, clock: Clock) -> Delivery:
    """Make a finished delivery (failed, or succeeded: a receiver that lost it) pending again, due now,
    with a new give-up window. The event id is the same: receivers de-duplicate on it."""
    now = clock.now()
    with uow:
        found = uow.webhooks.delivery(endpoint_id, delivery_id)
        if found is None:
            raise NotFound(f"no delivery {delivery_id} of webhook endpoint {endpoint_id}")
        if found.state not in (DeliveryState.FAILED, DeliveryState.SUCCEEDED):
            raise InvalidState(
                f"delivery {delivery_id} is {found.state}: only a finished delivery can be re-sent",
                state=found.state,
            )
        uow.webhooks.resend(delivery_id, now)
        again = uow.webhooks.delivery(endpoint_id, delivery_id)
        if again is None:  # retention deleted it meanwhile
            raise NotFound(f"no delivery {delivery_id} of webhook endpoint {endpoint_id}")
        uow.commit()
    return again


def resend_failed(endpoint_id: UUID, since: datetime | None, uow: WebhookUnitOfWork, clock: Clock) -> int:
    """Make every failed delivery of the endpoint (created at or after `since`) pending again; how many."""
    with uow:
        if uow.webhooks.lock(endpoint_id) is None:
            raise NotFound(f"no webhook endpoint {endpoint_id}", endpoint_id=str(endpoint_id))
        count = uow.webhooks.resend_failed(endpoint_id, since, clock.now())
        uow.commit()
    return count


# --- fan-out ---------------------------------------------------------------------------------------


def selects(prefix: str | None, event: StoredEvent, codes: dict[UUID, str]) -> bool:
    """Whether an endpoint's account code prefix selects `event`: one of its accounts' codes starts with
    it (an event concerning no account, such as a job's, is not selected by a prefix)."""
    if prefix is None:
        return True
    return any(codes.get(a, "").startswith(prefix) for a in event.account_ids)


@dataclass(frozen=True, slots=True)
class FanOutSummary:
    #: New deliveries written.
    fanned_out: int
    #: Endpoints with a delivery that can be claimed now: each gets a delivery task.
    due: list[UUID]
    #: Endpoints whose cursor was older than the events kept (retention deleted events they never got).
    expired: list[UUID] = field(default_factory=list)


def fan_out(
    uow: Callable[[], WebhookUnitOfWork],
    clock: Clock,
    *,
    batch: int = FAN_OUT_BATCH,
    pages: int = FAN_OUT_PAGES,
) -> FanOutSummary:
    """Fan the feed out to every enabled endpoint (see the module docstring); then list the endpoints
    with due work."""
    with uow() as tx:
        targets = tx.webhooks.fan_out_targets()
    total, expired = 0, []
    for target in targets:
        where = EventFilter(
            None if target.event_types is None else frozenset(EventType(t) for t in target.event_types)
        )
        cursor = target.cursor
        for _ in range(pages):
            with uow() as tx:
                seen = tx.events.read(where, cursor, batch)  # before any write: no transaction id yet
                if cursor < seen.horizon:
                    expired.append(target.id)
                last = seen.items[-1].position if seen.items else cursor
                resume = last if len(seen.items) == batch else max(last, seen.watermark, seen.horizon)
                if resume == cursor:
                    break
                chosen = seen.items
                if target.account_code_prefix is not None and chosen:
                    codes = tx.webhooks.account_codes({a for e in chosen for a in e.account_ids})
                    chosen = [e for e in chosen if selects(target.account_code_prefix, e, codes)]
                if not tx.webhooks.move_cursor(target.id, cursor, resume, target.updated_at):
                    break  # another dispatcher is fanning this endpoint out, or its filters changed
                total += tx.webhooks.add_deliveries(target.id, chosen, clock.now())
                tx.commit()
            cursor = resume
            if len(seen.items) < batch:
                break
    with uow() as tx:
        due = tx.webhooks.due_endpoints(clock.now())
    return FanOutSummary(total, due, expired)


# --- delivery --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    give_up_after: timedelta = timedelta(hours=24)
    breaker_threshold: int = 5
    #: How long a claim is leased: longer than a send can take (the sender's timeouts).
    lease: timedelta = timedelta(seconds=60)
    #: The shortest wait before a retry (the backoff's first step; `webhook_policy.backoff`).
    backoff_base: timedelta = policy.BACKOFF_BASE


@dataclass(frozen=True, slots=True)
class AttemptReport:
    """One attempt, for logs and metrics (no secret, no body)."""

    endpoint_id: UUID
    delivery_id: UUID
    event_id: UUID
    event_type: str
    attempt: int
    outcome: policy.Outcome
    status: int | None
    error: str | None
    duration_ms: int
    next_try_at: datetime | None
    #: Event occurrence to delivery, for a delivered attempt.
    latency: timedelta | None


def claim(
    endpoint_id: UUID,
    uow: WebhookUnitOfWork,
    box: SecretBox,
    clock: Clock,
    lease: timedelta,
    most: int = 1,
) -> tuple[str, list[str], list[Claimed]]:
    """Claim what endpoint `endpoint_id` may send now, at most `most` (what the caller sends at once:
    each claimed delivery's lease runs while it waits for its turn), in one short transaction: its URL,
    its signing secrets (current first), and the claimed deliveries (none: nothing due, circuit open,
    or disabled). The secrets are opened before anything is claimed: a key that cannot open them
    leaves the deliveries as they were."""
    now = clock.now()
    with uow:
        gate = uow.webhooks.lock_gate(endpoint_id)
        if gate is None or not gate.enabled:
            return "", [], []
        state = policy.circuit(gate.circuit_open_until, now)
        limit = policy.claim_limit(
            gate.ordered, gate.max_in_flight, state, uow.webhooks.in_flight(endpoint_id, now)
        )
        if limit == 0:
            return "", [], []
        ids = uow.webhooks.claimable(endpoint_id, now, gate.ordered, min(limit, max(1, most)))
        if not ids:
            return "", [], []
        secrets = [box.open(gate.secret_ciphertext)]
        if (
            gate.previous_secret_ciphertext is not None
            and gate.previous_secret_expires_at is not None
            and gate.previous_secret_expires_at > now
        ):
            secrets.append(box.open(gate.previous_secret_ciphertext))
        claimed = uow.webhooks.mark_delivering(ids, now, now + lease)
        uow.commit()
    return gate.url, secrets, claimed


def settle(
    claimed: Claimed,
    result: SendResult,
    uow: WebhookUnitOfWork,
    clock: Clock,
    rules: DeliveryPolicy,
    jitter: float,
) -> AttemptReport:
    """Record one attempt and decide what follows (short transaction)."""
    now = clock.now()
    delivery = claimed.delivery
    outcome = policy.classify(result.status, refused=result.refused)
    error = result.error
    next_at: datetime | None = None
    if outcome is policy.Outcome.RETRY:
        next_at = policy.next_try(
            claimed.attempt,
            now,
            claimed.first_attempt_at,
            jitter=jitter,
            give_up_after=rules.give_up_after,
            wait_hint=policy.retry_after(result.retry_after, now),
            base=rules.backoff_base,
        )
        if next_at is None:
            outcome = policy.Outcome.FAILED
            why = error or result.status
            error = f"gave up: the next try would be over {rules.give_up_after} after the first ({why})"
    state = {
        policy.Outcome.DELIVERED: DeliveryState.SUCCEEDED,
        policy.Outcome.RETRY: DeliveryState.PENDING,
        policy.Outcome.FAILED: DeliveryState.FAILED,
    }[outcome]
    attempt = Attempt(
        delivery.id, claimed.attempt, now, result.duration_ms, result.status, error, outcome.value, next_at
    )
    latency = now - delivery.occurred_at if outcome is policy.Outcome.DELIVERED else None
    with uow:
        breaker = uow.webhooks.breaker_of(delivery.endpoint_id)
        uow.webhooks.record(attempt, state, next_at, delivery.lease_until)
        uow.webhooks.count_attempt(delivery.endpoint_id, outcome.value, latency)
        if breaker is not None and not result.refused:
            retryable = result.status is None or policy.classify(result.status) is policy.Outcome.RETRY
            after = (
                policy.after_failure(breaker, now, rules.breaker_threshold)
                if retryable
                else policy.after_success()
            )
            if after != breaker:
                uow.webhooks.set_breaker(delivery.endpoint_id, after)
        uow.commit()
    return AttemptReport(
        delivery.endpoint_id,
        delivery.id,
        delivery.event_id,
        delivery.event_type,
        claimed.attempt,
        outcome,
        result.status,
        error,
        result.duration_ms,
        next_at,
        latency,
    )


def prune_deliveries(
    uow: Callable[[], WebhookUnitOfWork], clock: Clock, keep: timedelta, batch: int = PRUNE_BATCH
) -> int:
    """Delete the deliveries that finished more than `keep` ago, with their attempts, `batch` per
    transaction; how many. Pending and in-flight deliveries stay, whatever their age."""
    return delete_older(uow, clock, keep, lambda tx, before, n: tx.webhooks.prune(before, n), batch)


GONE = SendResult(None, 0, "the event is no longer kept (retention deleted it)", refused=True)
#: Pauses before recording an attempt again when the database was away (a restart, a lost connection):
#: an attempt left unrecorded would hold its delivery (and an ordered endpoint's whole line) until its
#: lease ends, then be sent again.
RECORD_PAUSES = (0.25, 0.5, 1.0, 2.0)


#: Sends a claimed batch: one after the other, or a thread pool's `map`.
Each = Callable[[Callable[[Claimed], AttemptReport], list[Claimed]], list[AttemptReport]]


def _attempt(
    url: str,
    secrets: list[str],
    uow: Callable[[], WebhookUnitOfWork],
    sender: Sender,
    clock: Clock,
    rules: DeliveryPolicy,
    jitter: Callable[[], float],
    item: Claimed,
) -> AttemptReport:
    result = GONE if item.event is None else sender.send(url, item.event, secrets)
    for pause in RECORD_PAUSES:
        try:
            return settle(item, result, uow(), clock, rules, jitter())
        except (RetryableConflict, ExecutionUnavailable):
            sleep(pause)
    return settle(item, result, uow(), clock, rules, jitter())


def deliver_endpoint(
    endpoint_id: UUID,
    uow: Callable[[], WebhookUnitOfWork],
    box: SecretBox,
    sender: Sender,
    clock: Clock,
    rules: DeliveryPolicy,
    *,
    jitter: Callable[[], float],
    time_left: Callable[[], bool],
    each: Each | None = None,
    parallel: int = 1,
) -> list[AttemptReport]:
    """Claim, send and record the deliveries of ONE endpoint until nothing is due or `time_left()` is
    False. `each` sends a claimed batch of at most `parallel` deliveries at once (an unordered endpoint
    may have several in flight: a thread pool's map with `parallel` threads); by default one."""
    reports: list[AttemptReport] = []
    run: Each = each or (lambda send, items: [send(i) for i in items])
    while time_left():
        url, secrets, claimed = claim(endpoint_id, uow(), box, clock, rules.lease, parallel)
        if not claimed:
            return reports

        reports += run(partial(_attempt, url, secrets, uow, sender, clock, rules, jitter), claimed)
    return reports
