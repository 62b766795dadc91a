"""The delivery use case (`application.webhooks.deliver_endpoint`) over in-memory fakes of its ports, without
PostgreSQL: the ordering gate (an ordered endpoint sends nothing past its head until the head is done; an
unordered one does), the circuit breaker (open: nothing claimed; half open: one probe; a success closes
it) and the per-endpoint counters raised with each attempt.

The fake store keeps the rules the SQL store keeps in its statements (claimable = `webhook_policy.is_due`,
a settle applies only to the claim it belongs to); tests/integration/test_webhooks.py runs the same
scenarios against PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self, cast
from uuid import UUID, uuid4

import pytest

from application import webhook_policy as policy
from application import webhooks
from application.feed import Position, StoredEvent
from application.ports import ExecutionUnavailable
from application.webhooks import (
    Attempt,
    AttemptReport,
    Claimed,
    Delivery,
    DeliveryPolicy,
    Gate,
    SendResult,
    WebhookUnitOfWork,
    deliver_endpoint,
)
from tests.fakes import FakeClock

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeWebhookStore:
    """What `claim` and `settle` use of `application.webhooks.WebhookStore`, in memory."""

    gates: dict[UUID, Gate] = field(default_factory=dict)
    deliveries: dict[UUID, Delivery] = field(default_factory=dict)
    events: dict[UUID, StoredEvent] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    counters: dict[tuple[UUID, str], int] = field(default_factory=dict)

    def lock_gate(self, endpoint_id: UUID) -> Gate | None:
        return self.gates.get(endpoint_id)

    def _of(self, endpoint_id: UUID) -> list[Delivery]:
        return sorted(
            (d for d in self.deliveries.values() if d.endpoint_id == endpoint_id), key=lambda d: d.position
        )

    def in_flight(self, endpoint_id: UUID, now: datetime) -> int:
        return sum(
            1
            for d in self._of(endpoint_id)
            if d.state == "delivering" and d.lease_until and d.lease_until > now
        )

    def claimable(self, endpoint_id: UUID, now: datetime, ordered: bool, limit: int) -> list[UUID]:
        unfinished = [d for d in self._of(endpoint_id) if d.state in ("pending", "delivering")]
        if ordered:
            head = unfinished[:1]
            return [d.id for d in head if policy.is_due(d.state, d.next_attempt_at, d.lease_until, now)]
        due = [d for d in unfinished if policy.is_due(d.state, d.next_attempt_at, d.lease_until, now)]
        return [d.id for d in due[:limit]]

    def mark_delivering(self, ids: Sequence[UUID], now: datetime, lease_until: datetime) -> list[Claimed]:
        claimed = []
        for i in ids:
            d = self.deliveries[i]
            d = self.deliveries[i] = replace(
                d,
                state="delivering",
                lease_until=lease_until,
                attempts=d.attempts + 1,
                first_attempt_at=d.first_attempt_at or now,
            )
            claimed.append(Claimed(d, d.attempts, d.first_attempt_at or now, self.events.get(d.event_id)))
        return sorted(claimed, key=lambda c: c.delivery.position)

    def record(
        self, attempt: Attempt, state: str, next_attempt_at: datetime | None, claimed_until: datetime | None
    ) -> bool:
        self.attempts.append(attempt)
        d = self.deliveries[attempt.delivery_id]
        if d.state != "delivering" or d.attempts != attempt.attempt or d.lease_until != claimed_until:
            return False
        self.deliveries[d.id] = replace(
            d,
            state=state,
            next_attempt_at=next_attempt_at or d.next_attempt_at,
            lease_until=None,
            last_status=attempt.status_code,
            last_error=attempt.error,
            delivered_at=attempt.attempted_at if state == "succeeded" else d.delivered_at,
        )
        return True

    def breaker_of(self, endpoint_id: UUID) -> policy.Breaker | None:
        gate = self.gates.get(endpoint_id)
        return None if gate is None else policy.Breaker(gate.consecutive_failures, gate.circuit_open_until)

    def set_breaker(self, endpoint_id: UUID, breaker: policy.Breaker) -> None:
        self.gates[endpoint_id] = replace(
            self.gates[endpoint_id],
            consecutive_failures=breaker.consecutive_failures,
            circuit_open_until=breaker.open_until,
        )

    def count_attempt(self, endpoint_id: UUID, outcome: str, latency: timedelta | None) -> None:
        key = (endpoint_id, outcome)
        self.counters[key] = self.counters.get(key, 0) + 1


@dataclass
class FakeWebhookUnitOfWork:
    webhooks: FakeWebhookStore
    events: Any = None
    committed: int = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def commit(self) -> None:
        self.committed += 1


class PlainBox:
    def seal(self, secret: str) -> str:
        return f"sealed:{secret}"

    def open(self, ciphertext: str) -> str:
        return ciphertext.removeprefix("sealed:")


@dataclass
class ScriptedSender:
    """Answers each send with the next status of `script` (then `then`), and records what it sent."""

    script: list[int | None] = field(default_factory=list)
    then: int | None = 200
    sent: list[UUID] = field(default_factory=list)

    def send(self, url: str, event: StoredEvent, secrets: Sequence[str]) -> SendResult:
        self.sent.append(event.id)
        status = self.script.pop(0) if self.script else self.then
        return SendResult(status, 5, None if status else "connection refused")


class Endpoint:
    """One endpoint of the fake store, with `n` deliveries in position order."""

    def __init__(self, store: FakeWebhookStore, n: int, *, ordered: bool, max_in_flight: int = 1) -> None:
        self.store, self.id = store, uuid4()
        store.gates[self.id] = Gate(
            self.id,
            "https://hooks.example/x",
            True,
            ordered,
            max_in_flight,
            None,
            0,
            "sealed:s3cret",
            None,
            None,
        )
        self.event_ids = []
        for i in range(n):
            event = StoredEvent(uuid4(), Position(100, i + 1), "transfer.posted", START, (), None, None, {})
            store.events[event.id] = event
            delivery = Delivery(
                uuid4(), self.id, event.id, event.type, event.position, START, "pending", 0, START, None,
                None, None, START, None, None,
            )  # fmt: skip
            store.deliveries[delivery.id] = delivery
            self.event_ids.append(event.id)

    def states(self) -> list[str]:
        return [d.state for d in self.store._of(self.id)]

    @property
    def gate(self) -> Gate:
        return self.store.gates[self.id]


def run(
    endpoint: Endpoint, sender: ScriptedSender, clock: FakeClock, threshold: int = 5, parallel: int = 1
) -> list[AttemptReport]:
    store = endpoint.store
    return deliver_endpoint(
        endpoint.id,
        # the fake implements what delivery uses of the store (claim, settle), not the whole port
        lambda: cast(WebhookUnitOfWork, FakeWebhookUnitOfWork(store)),
        PlainBox(),
        sender,
        clock,
        DeliveryPolicy(breaker_threshold=threshold),
        jitter=lambda: 1.0,
        time_left=lambda: len(store.attempts) < 100,  # a bound, in case the use case looped
        parallel=parallel,
    )


def clock_at(when: datetime) -> FakeClock:
    return FakeClock(when)


def test_an_ordered_endpoint_sends_nothing_past_its_head_until_the_head_is_delivered() -> None:
    store = FakeWebhookStore()
    endpoint = Endpoint(store, 3, ordered=True)
    sender = ScriptedSender(script=[503])
    clock = clock_at(START)

    first = run(endpoint, sender, clock)

    assert [r.outcome for r in first] == [policy.Outcome.RETRY]
    assert sender.sent == endpoint.event_ids[:1] and endpoint.states() == ["pending"] * 3
    assert run(endpoint, sender, clock) == []  # the head is not due yet: the line waits behind it
    clock.set(START + timedelta(minutes=1))
    second = run(endpoint, sender, clock)
    assert [r.outcome for r in second] == [policy.Outcome.DELIVERED] * 3
    assert sender.sent == [endpoint.event_ids[0], *endpoint.event_ids]  # in position order
    assert endpoint.states() == ["succeeded"] * 3


def test_an_unordered_endpoint_delivers_the_others_while_one_waits_for_its_retry() -> None:
    store = FakeWebhookStore()
    endpoint = Endpoint(store, 3, ordered=False, max_in_flight=2)
    sender = ScriptedSender(script=[503])

    reports = run(endpoint, sender, clock_at(START))

    assert sorted(r.outcome.value for r in reports) == ["delivered", "delivered", "retry"]
    assert endpoint.states() == ["pending", "succeeded", "succeeded"]
    assert store.counters == {(endpoint.id, "retry"): 1, (endpoint.id, "delivered"): 2}


def test_the_circuit_opens_after_consecutive_failures_and_one_probe_closes_it() -> None:
    store = FakeWebhookStore()
    endpoint = Endpoint(store, 3, ordered=False, max_in_flight=1)
    sender = ScriptedSender(then=None)  # the endpoint is down: no answer
    clock = clock_at(START)

    run(endpoint, sender, clock, threshold=2)
    clock.set(START + timedelta(minutes=1))
    run(endpoint, sender, clock, threshold=2)
    opened = endpoint.gate
    assert opened.consecutive_failures >= 2 and opened.circuit_open_until is not None
    tried = len(sender.sent)

    clock.set(opened.circuit_open_until - timedelta(seconds=1))
    assert run(endpoint, sender, clock, threshold=2) == [] and len(sender.sent) == tried  # open

    sender.then = 200
    clock.set(START + timedelta(hours=2))  # cool-off over, every retry due: half open
    probe_and_rest = run(endpoint, sender, clock, threshold=2)
    assert probe_and_rest[0].outcome is policy.Outcome.DELIVERED
    assert endpoint.gate.consecutive_failures == 0 and endpoint.gate.circuit_open_until is None
    assert endpoint.states() == ["succeeded"] * 3


def test_a_failed_probe_opens_the_circuit_again_for_longer() -> None:
    store = FakeWebhookStore()
    endpoint = Endpoint(store, 2, ordered=False, max_in_flight=2)
    sender = ScriptedSender(then=503)
    clock = clock_at(START)
    store.gates[endpoint.id] = replace(endpoint.gate, consecutive_failures=2, circuit_open_until=START)

    reports = run(endpoint, sender, clock, threshold=2)

    assert len(reports) == 1  # half open: one probe only, although two may be in flight
    assert endpoint.gate.circuit_open_until == START + 2 * policy.COOL_OFF_BASE


def test_an_outage_rests_the_endpoint_once_however_many_deliveries_were_in_flight() -> None:
    store = FakeWebhookStore()
    endpoint = Endpoint(store, 10, ordered=False, max_in_flight=10)
    sender = ScriptedSender(then=None)  # down: every delivery in flight fails

    reports = run(endpoint, sender, clock_at(START), threshold=5, parallel=10)  # all ten in flight at once

    assert len(reports) == 10 and all(r.outcome is policy.Outcome.RETRY for r in reports)
    # The five failures after the circuit opened were in flight already: the rest stays the first one.
    assert endpoint.gate.circuit_open_until == START + policy.COOL_OFF_BASE


@dataclass
class FlakyRecords(FakeWebhookStore):
    """Loses the database once, when the first attempt is recorded."""

    lost: int = 0

    def record(
        self, attempt: Attempt, state: str, next_attempt_at: datetime | None, claimed_until: datetime | None
    ) -> bool:
        if not self.lost:
            self.lost += 1
            raise ExecutionUnavailable("the database restarted")
        return super().record(attempt, state, next_attempt_at, claimed_until)


def test_an_attempt_is_recorded_once_the_database_is_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhooks, "RECORD_PAUSES", (0.0,))
    store = FlakyRecords()
    endpoint = Endpoint(store, 1, ordered=True)
    sender = ScriptedSender()

    reports = run(endpoint, sender, clock_at(START))

    assert store.lost == 1 and [r.outcome for r in reports] == [policy.Outcome.DELIVERED]
    assert sender.sent == endpoint.event_ids and endpoint.states() == ["succeeded"]
    assert len(store.attempts) == 1


def test_no_more_are_claimed_than_are_sent_at_once() -> None:
    """A claimed delivery's lease runs from its claim: claiming more than are sent at once would let
    the last ones' leases lapse while they wait, and another worker would send them again."""
    store = FakeWebhookStore()
    endpoint = Endpoint(store, 6, ordered=False, max_in_flight=6)
    batches: list[int] = []

    def each(send: Any, items: list[Claimed]) -> list[AttemptReport]:
        batches.append(len(items))
        return [send(i) for i in items]

    deliver_endpoint(
        endpoint.id,
        lambda: cast(WebhookUnitOfWork, FakeWebhookUnitOfWork(store)),
        PlainBox(),
        ScriptedSender(),
        clock_at(START),
        DeliveryPolicy(),
        jitter=lambda: 1.0,
        time_left=lambda: len(store.attempts) < 100,
        each=each,
        parallel=4,
    )

    assert batches == [4, 2] and endpoint.states() == ["succeeded"] * 6
