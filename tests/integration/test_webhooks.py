"""Webhooks on PostgreSQL with a real receiver: fan-out (commit-safe, filters), claims (SKIP LOCKED, the
ordering gate, lease expiry), the retry policy, the circuit breaker, rotation, re-sends, and signatures
verified by the `standardwebhooks` library.

Time is a hand-driven clock: retries are reached by moving it, never by sleeping. The use cases run
in-process (`adapters.tasks.webhooks.WebhookWorker`, what the Celery tasks run).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import structlog
from sqlalchemy import Engine, text

from adapters.db.webhooks import _BACKLOG, _COUNTERS, SqlWebhookUnitOfWork, webhook_stats
from adapters.system import RandomIds
from adapters.tasks.webhooks import WebhookWorker, drain
from adapters.webhooks.guard import UrlGuard
from adapters.webhooks.secrets import FernetSecretBox, new_key, new_secret
from adapters.webhooks.sender import HttpSender
from application import webhooks
from application.feed import Position
from application.webhook_policy import AllowList
from application.webhooks import DeliveryPolicy, EndpointSpec
from application.write_path import InAppWritePath
from domain.transfers import TransferRequest
from tests.integration.conftest import ManualClock, OpenFn
from tests.outbox import settle_events
from tests.webhook_receiver import WebhookReceiver

ALLOW = AllowList.parse(["127.0.0.1"])


class Hooks:
    """The webhooks of one test database: create endpoints, fan out, deliver, look at deliveries."""

    def __init__(self, engine: Engine, clock: ManualClock, threshold: int = 5) -> None:
        self.engine = engine
        self.clock = clock
        self.box = FernetSecretBox(new_key())
        self.sender = HttpSender(ALLOW, timeout=0.5)
        self.worker = WebhookWorker(
            lambda: SqlWebhookUnitOfWork(engine),
            self.box,
            self.sender,
            clock,
            DeliveryPolicy(breaker_threshold=threshold, lease=timedelta(seconds=30)),
            jitter=lambda: 1.0,
        )

    def uow(self) -> SqlWebhookUnitOfWork:
        return SqlWebhookUnitOfWork(self.engine)

    def create(self, url: str, **spec: Any) -> tuple[webhooks.Endpoint, str]:
        settle_events(self.engine)  # events committed before the endpoint are not its
        return webhooks.create_endpoint(
            EndpointSpec(url=url, **spec),
            self.uow(),
            self.box,
            new_secret,
            self.clock,
            RandomIds(),
            UrlGuard(ALLOW),
        )

    def fan_out(self) -> webhooks.FanOutSummary:
        settle_events(self.engine)
        return self.worker.fan_out()

    def deliver(self, endpoint: webhooks.Endpoint) -> list[webhooks.AttemptReport]:
        return self.worker.deliver(endpoint.id)

    def run(self) -> list[webhooks.AttemptReport]:
        settle_events(self.engine)
        return drain(self.worker)

    def deliveries(self, endpoint: webhooks.Endpoint, state: str | None = None) -> list[webhooks.Delivery]:
        return webhooks.list_deliveries(endpoint.id, self.uow(), state=state, after=None, limit=1000)


@pytest.fixture
def hooks(app_engine: Engine, clock: ManualClock) -> Iterator[Hooks]:
    made = Hooks(app_engine, clock)
    yield made
    made.sender.close()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as started:
        yield started


Pay = Callable[..., Any]


@pytest.fixture
def pay(write_path: InAppWritePath) -> Pay:
    def _pay(debit: Any, credit: Any, amount: int = 100) -> Any:
        request = TransferRequest.simple(
            uuid.uuid4(), debit_account_id=debit.id, credit_account_id=credit.id, amount=amount
        )
        return write_path.post_transfers([request])

    return _pay


def event_ids(hooks: Hooks, endpoint: webhooks.Endpoint) -> list[uuid.UUID]:
    return [d.event_id for d in sorted(hooks.deliveries(endpoint), key=lambda d: d.position)]


def feed_ids(engine: Engine, after_types: tuple[str, ...] | None = None) -> list[uuid.UUID]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, type FROM events ORDER BY txid, n")).all()
    return [r.id for r in rows if after_types is None or r.type in after_types]


@pytest.fixture
def accounts(open_: OpenFn) -> dict[str, Any]:
    return {
        "cash": open_("cash", normal_side="debit", min_balance=None),
        "merchant": open_("merchant:acme", normal_side="credit"),
        "other": open_("other:bob", normal_side="credit"),
    }


# --- fan-out -----------------------------------------------------------------------------------------


def test_fan_out_follows_the_filters_and_starts_when_the_endpoint_is_created(
    hooks: Hooks, receiver: WebhookReceiver, accounts: dict[str, Any], pay: Pay, open_: OpenFn
) -> None:
    everything, _ = hooks.create(receiver.url)
    merchants, _ = hooks.create(
        receiver.url, event_types=["transfer.posted"], account_code_prefix="merchant:"
    )
    pay(accounts["cash"], accounts["merchant"])
    pay(accounts["cash"], accounts["other"])
    open_("merchant:late", normal_side="credit")

    first = hooks.fan_out()
    again = hooks.fan_out()

    assert first.fanned_out == 3 + 1 and again.fanned_out == 0  # idempotent
    # every event since its creation (the accounts opened before it are not), in the feed's order
    assert event_ids(hooks, everything) == feed_ids(hooks.engine)[-3:]
    assert len(event_ids(hooks, merchants)) == 1
    with hooks.engine.connect() as conn:
        code = (
            conn.execute(
                text(
                    "SELECT a.code FROM webhook_deliveries d JOIN events e ON e.id = d.event_id"
                    " JOIN accounts a ON a.id = ANY(e.account_ids) WHERE d.endpoint_id = :id ORDER BY a.code"
                ),
                {"id": merchants.id},
            )
            .scalars()
            .all()
        )
    assert "merchant:acme" in code and "other:bob" not in code


def test_fan_out_is_commit_safe_an_event_held_back_is_never_skipped(
    hooks: Hooks, receiver: WebhookReceiver, accounts: dict[str, Any], pay: Pay, admin_engine: Engine
) -> None:
    endpoint, _ = hooks.create(receiver.url)
    slow = admin_engine.connect()
    try:
        # A writer that started first and commits last: its event sorts first.
        slow.execute(
            text("INSERT INTO events (type, occurred_at, data) VALUES ('job.succeeded', now(), '{}')")
        )
        pay(accounts["cash"], accounts["merchant"])  # committed, but above the watermark
        assert hooks.worker.fan_out().fanned_out == 0  # nothing readable yet: nothing skipped either
        slow.commit()
    finally:
        slow.close()
    hooks.fan_out()

    assert [d.event_type for d in sorted(hooks.deliveries(endpoint), key=lambda d: d.position)] == [
        "job.succeeded",
        "transfer.posted",
    ]


# --- delivery through the real receiver ----------------------------------------------------------------


def test_deliveries_are_signed_and_verify_with_standardwebhooks(
    hooks: Hooks, receiver: WebhookReceiver, accounts: dict[str, Any], pay: Pay
) -> None:
    endpoint, secret = hooks.create(receiver.url)
    receiver.secrets = [secret]
    pay(accounts["cash"], accounts["merchant"], 250)

    with structlog.testing.capture_logs() as logs:
        hooks.run()

    arrived = receiver.unique()
    assert len(arrived) == 1 and all(r.verified for r in receiver.received)
    body = next(iter(arrived.values())).payload
    assert body["type"] == "transfer.posted"
    assert body["data"]["data"]["postings"][0]["amount"] == 250
    assert next(iter(arrived)) == body["data"]["id"]  # webhook-id is the event id
    assert [d.state for d in hooks.deliveries(endpoint)] == ["succeeded"]
    assert secret not in repr(logs) and any(line["event"] == "webhook_attempt" for line in logs)
    (counted,) = webhook_stats(hooks.engine)["endpoints"]
    assert counted["attempts"]["delivered"] == 1 and counted["latency"]["count"] == 1


def test_a_500_is_retried_with_backoff_then_delivered_with_the_same_id(
    hooks: Hooks, receiver: WebhookReceiver, accounts: dict[str, Any], pay: Pay
) -> None:
    endpoint, secret = hooks.create(receiver.url)
    receiver.secrets = [secret]
    receiver.fail_next(2, status=500)
    pay(accounts["cash"], accounts["merchant"])

    hooks.run()
    (waiting,) = hooks.deliveries(endpoint)
    assert waiting.state == "pending" and waiting.last_status == 500
    assert waiting.next_attempt_at == hooks.clock.now() + timedelta(minutes=1)
    hooks.clock.advance(minutes=1)
    hooks.run()
    hooks.clock.advance(minutes=2)
    hooks.run()

    (done,) = hooks.deliveries(endpoint)
    assert done.state == "succeeded" and done.attempts == 3
    assert len({r.webhook_id for r in receiver.received}) == 1 and len(receiver.received) == 3
    _, attempts = webhooks.get_delivery(endpoint.id, done.id, hooks.uow())
    assert [a.outcome for a in attempts] == ["retry", "retry", "delivered"]
    assert [a.status_code for a in attempts] == [500, 500, 200]


def test_429_retry_after_is_honoured(
    hooks: Hooks, receiver: WebhookReceiver, accounts: dict[str, Any], pay: Pay
) -> None:
    endpoint, secret = hooks.create(receiver.url)
    receiver.secrets = [secret]
    receiver.fail_next(1, status=429, retry_after="7")
    pay(accounts["cash"], accounts["merchant"])

    hooks.run()
    (waiting,) = hooks.deliveries(endpoint)
    assert waiting.next_attempt_at == hooks.clock.now() + timedelta(seconds=7)
    hooks.clock.advance(seconds=6)
    assert hooks.run() == []
    hooks.clock.advance(seconds=1)
    assert [r.outcome.value for r in hooks.run()] == ["delivered"]


@pytest.mark.parametrize("status", [400, 404, 410, 302])
def test_a_4xx_or_a_redirect_fails_at_once(
    hooks: Hooks, receiver: WebhookReceiver, accounts: dict[str, Any], pay: Pay, status: int
) -> None:
    endpoint, secret = hooks.create(receiver.url)
    receiver.secrets = [secret]
    if status == 302:
        receiver.redirect_next(receiver.url.replace("/hook", "/elsewhere"))
    else:
        receiver.fail_next(1, status=status)
    pay(accounts["cash"], accounts["merchant"])

    hooks.run()

    (failed,) = hooks.deliveries(endpoint)
    assert failed.state == "failed" and failed.attempts == 1 and failed.last_status == status
    assert len(receiver.received) == 1  # a redirect is not followed
    assert hooks.run() == []


def test_a_timeout_is_retried(
    hooks: Hooks, receiver: WebhookReceiver, accounts: dict[str, Any], pay: Pay
) -> None:
    endpoint, secret = hooks.create(receiver.url)
    receiver.secrets = [secret]
    receiver.slow_next(1, seconds=1.5)  # the sender waits 0.5 s
    pay(accounts["cash"], accounts["merchant"])

    hooks.run()
    (waiting,) = hooks.deliveries(endpoint)
    assert waiting.state == "pending" and waiting.last_status is None
    assert "timeout" in (waiting.last_error or "")
    hooks.clock.advance(minutes=1)
    hooks.run()
    assert [d.state for d in hooks.deliveries(endpoint)] == ["succeeded"]


def test_a_delivery_gives_up_after_the_total_and_can_be_resent(
    hooks: Hooks, receiver: WebhookReceiver, accounts: dict[str, Any], pay: Pay
) -> None:
    endpoint, secret = hooks.create(receiver.url)
    receiver.secrets = [secret]
    receiver.outage(True)
    pay(accounts["cash"], accounts["merchant"])
    hooks.worker.rules = replace(hooks.worker.rules, breaker_threshold=1000)

    for _ in range(40):
        hooks.run()
        hooks.clock.advance(hours=1)
    (failed,) = hooks.deliveries(endpoint)
    assert failed.state == "failed" and "gave up" in (failed.last_error or "")
    assert failed.first_attempt_at is not None
    assert failed.next_attempt_at - failed.first_attempt_at <= timedelta(hours=24)

    receiver.outage(False)
    assert webhooks.resend_failed(endpoint.id, None, hooks.uow(), hooks.clock) == 1
    hooks.run()
    (done,) = hooks.deliveries(endpoint)
    assert done.state == "succeeded" and done.attempts == 1
    assert len({r.webhook_id for r in receiver.received}) == 1  # the same event id all along


def test_rotation_signs_with_both_secrets_during_the_overlap_then_only_the_new(
    hooks: Hooks, receiver: WebhookReceiver, accounts: dict[str, Any], pay: Pay
) -> None:
    endpoint, old = hooks.create(receiver.url)
    new, until = webhooks.rotate_secret(
        endpoint.id, timedelta(hours=1), hooks.uow(), hooks.box, new_secret, hooks.clock
    )
    assert until == hooks.clock.now() + timedelta(hours=1)
    receiver.secrets = [old]  # a receiver that has not switched yet
    pay(accounts["cash"], accounts["merchant"])
    hooks.run()
    assert [r.verified for r in receiver.received] == [True]
    assert len(receiver.received[0].signature.split(" ")) == 2  # type: ignore[union-attr]

    hooks.clock.advance(hours=1, seconds=1)
    pay(accounts["cash"], accounts["merchant"])
    hooks.run()
    assert receiver.received[-1].verified is False  # the old secret no longer signs: 401, failed at once
    receiver.secrets = [new]
    assert webhooks.resend_failed(endpoint.id, None, hooks.uow(), hooks.clock) == 1
    hooks.run()
    assert receiver.received[-1].verified is True
    assert len(receiver.received[-1].signature.split(" ")) == 1


# --- claims, order, leases, the breaker -----------------------------------------------------------------


def test_an_ordered_endpoint_waits_for_its_head_an_unordered_one_does_not(
    hooks: Hooks, accounts: dict[str, Any], pay: Pay
) -> None:
    with WebhookReceiver() as ordered_rx, WebhookReceiver() as unordered_rx:
        ordered, s1 = hooks.create(ordered_rx.url)
        unordered, s2 = hooks.create(unordered_rx.url, ordered=False, max_in_flight=5)
        ordered_rx.secrets, unordered_rx.secrets = [s1], [s2]
        ordered_rx.fail_next(1, status=503)
        unordered_rx.fail_next(1, status=503)
        for _ in range(3):
            pay(accounts["cash"], accounts["merchant"])

        hooks.run()
        assert len(ordered_rx.received) == 1  # the head failed: the others wait behind it
        assert len(unordered_rx.unique()) == 2  # the others went on
        hooks.clock.advance(minutes=1)
        hooks.run()

        feed = event_ids(hooks, ordered)
        assert [uuid.UUID(r.webhook_id or "") for r in ordered_rx.received if r.status == 200] == feed
        assert set(unordered_rx.unique()) == {str(i) for i in event_ids(hooks, unordered)}


def test_claims_skip_locked_deliveries_and_split_between_claimers(
    hooks: Hooks, receiver: WebhookReceiver, accounts: dict[str, Any], pay: Pay, admin_engine: Engine
) -> None:
    endpoint, _ = hooks.create(receiver.url, ordered=False, max_in_flight=10)
    for _ in range(6):
        pay(accounts["cash"], accounts["merchant"])
    hooks.fan_out()
    first_two = [d.id for d in sorted(hooks.deliveries(endpoint), key=lambda d: d.position)][:2]
    locker = admin_engine.connect()
    try:
        locker.execute(
            text("SELECT 1 FROM webhook_deliveries WHERE id = ANY(CAST(:ids AS uuid[])) FOR UPDATE"),
            {"ids": [str(i) for i in first_two]},
        )
        claimed: list[list[uuid.UUID]] = []

        def claim() -> None:
            _, _, got = webhooks.claim(
                endpoint.id, hooks.uow(), hooks.box, hooks.clock, timedelta(seconds=30), most=10
            )
            claimed.append([c.delivery.id for c in got])

        claimers = [threading.Thread(target=claim) for _ in range(2)]
        for t in claimers:
            t.start()
        for t in claimers:
            t.join(30)
    finally:
        locker.rollback()
        locker.close()
    everything = [i for batch in claimed for i in batch]
    assert len(everything) == len(set(everything)) == 4  # each once, the locked two skipped
    assert not set(everything) & set(first_two)


def test_an_expired_lease_makes_a_delivery_claimable_again(
    hooks: Hooks, receiver: WebhookReceiver, accounts: dict[str, Any], pay: Pay
) -> None:
    endpoint, secret = hooks.create(receiver.url)
    receiver.secrets = [secret]
    pay(accounts["cash"], accounts["merchant"])
    hooks.fan_out()
    _, _, (dead,) = webhooks.claim(endpoint.id, hooks.uow(), hooks.box, hooks.clock, timedelta(seconds=30))
    # the worker is killed here: nothing recorded
    assert webhooks.claim(endpoint.id, hooks.uow(), hooks.box, hooks.clock, timedelta(seconds=30))[2] == []
    hooks.clock.advance(seconds=31)

    hooks.run()

    (done,) = hooks.deliveries(endpoint)
    assert done.state == "succeeded" and done.attempts == 2 and done.id == dead.delivery.id
    assert len(receiver.unique()) == 1


def test_a_fan_out_does_not_move_past_events_under_filters_changed_meanwhile(
    hooks: Hooks, receiver: WebhookReceiver, accounts: dict[str, Any], pay: Pay
) -> None:
    """The filters a fan-out read are the ones it moves the cursor under: a PATCH committed in between
    (here: adding a type) makes the move fail, and the next fan-out chooses those events again."""
    endpoint, _ = hooks.create(receiver.url, event_types=["transfer.expired"])
    pay(accounts["cash"], accounts["merchant"])
    settle_events(hooks.engine)
    with hooks.uow() as tx:
        (target,) = [t for t in tx.webhooks.fan_out_targets() if t.id == endpoint.id]
    hooks.clock.advance(seconds=1)
    changes = webhooks.EndpointChanges({"event_types": frozenset({"transfer.expired", "transfer.posted"})})
    webhooks.update_endpoint(endpoint.id, changes, hooks.uow(), hooks.clock, lambda url: None)
    with hooks.uow() as tx:
        moved = tx.webhooks.move_cursor(
            endpoint.id, target.cursor, Position(target.cursor.txid + 10**6, 0), target.updated_at
        )
    assert not moved

    hooks.fan_out()

    assert [d.event_type for d in hooks.deliveries(endpoint)] == ["transfer.posted"]


def test_a_late_answer_of_an_old_claim_does_not_settle_a_newer_one(
    hooks: Hooks, receiver: WebhookReceiver, accounts: dict[str, Any], pay: Pay
) -> None:
    """A worker whose lease lapsed answers late, after the delivery was delivered by another and then
    re-sent (attempt numbers start again): its answer is history only; the newer claim settles it."""
    endpoint, secret = hooks.create(receiver.url)
    receiver.secrets = [secret]
    pay(accounts["cash"], accounts["merchant"])
    hooks.fan_out()
    lease = timedelta(seconds=30)
    _, _, (late,) = webhooks.claim(endpoint.id, hooks.uow(), hooks.box, hooks.clock, lease)
    hooks.clock.advance(seconds=31)
    hooks.run()  # another worker delivers it
    (done,) = hooks.deliveries(endpoint)
    webhooks.resend_delivery(endpoint.id, done.id, hooks.uow(), hooks.clock)
    _, _, (current,) = webhooks.claim(endpoint.id, hooks.uow(), hooks.box, hooks.clock, lease)
    assert current.attempt == late.attempt == 1  # the same number, another claim

    rules = webhooks.DeliveryPolicy()
    webhooks.settle(late, webhooks.SendResult(404, 5), hooks.uow(), hooks.clock, rules, 1.0)
    assert hooks.deliveries(endpoint)[0].state == "delivering"  # not failed by the stale answer
    webhooks.settle(current, webhooks.SendResult(200, 5), hooks.uow(), hooks.clock, rules, 1.0)
    assert hooks.deliveries(endpoint)[0].state == "succeeded"


def test_the_circuit_opens_after_consecutive_failures_and_a_probe_closes_it(
    app_engine: Engine, clock: ManualClock, receiver: WebhookReceiver, accounts: dict[str, Any], pay: Pay
) -> None:
    hooks = Hooks(app_engine, clock, threshold=2)
    endpoint, secret = hooks.create(receiver.url, ordered=False, max_in_flight=1)
    receiver.secrets = [secret]
    receiver.outage(True)
    for _ in range(3):
        pay(accounts["cash"], accounts["merchant"])

    hooks.run()
    hooks.clock.advance(minutes=1)
    hooks.run()
    opened = webhooks.get_endpoint(endpoint.id, hooks.uow())
    assert opened.consecutive_failures >= 2 and opened.circuit_open_until is not None
    tried = len(receiver.received)
    hooks.clock.advance(seconds=5)
    assert hooks.run() == [] and len(receiver.received) == tried  # open: nothing claimed

    receiver.outage(False)
    hooks.clock.advance(hours=1)
    hooks.run()
    closed = webhooks.get_endpoint(endpoint.id, hooks.uow())
    assert closed.consecutive_failures == 0 and closed.circuit_open_until is None
    assert [d.state for d in hooks.deliveries(endpoint)] == ["succeeded"] * 3
    hooks.sender.close()


def test_a_dead_endpoint_does_not_hold_the_others(
    hooks: Hooks, receiver: WebhookReceiver, accounts: dict[str, Any], pay: Pay
) -> None:
    dead, _ = hooks.create(receiver.url.replace("/hook", "/dead"))
    with WebhookReceiver() as healthy_rx:
        _, secret = hooks.create(healthy_rx.url)
        healthy_rx.secrets = [secret]
        receiver.outage(True)
        pay(accounts["cash"], accounts["merchant"])
        hooks.run()
        assert len(healthy_rx.unique()) == 1
    assert [d.state for d in hooks.deliveries(dead)] == ["pending"]


# --- retention and counters ----------------------------------------------------------------------------


def attempt_count(engine: Engine, endpoint: webhooks.Endpoint) -> int:
    with engine.connect() as conn:
        found: int = conn.execute(
            text(
                "SELECT count(*) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id"
                " WHERE d.endpoint_id = :id"
            ),
            {"id": endpoint.id},
        ).scalar_one()
    return found


def counters_of(engine: Engine, endpoint: webhooks.Endpoint) -> dict[str, Any]:
    found: list[dict[str, Any]] = webhook_stats(engine)["endpoints"]
    (mine,) = [e for e in found if e["endpoint_id"] == str(endpoint.id)]
    return mine


def test_retention_deletes_old_finished_deliveries_with_their_attempts_and_keeps_the_counters(
    hooks: Hooks, receiver: WebhookReceiver, accounts: dict[str, Any], pay: Pay
) -> None:
    delivered, secret = hooks.create(receiver.url)
    receiver.secrets = [secret]
    with WebhookReceiver() as refusing, WebhookReceiver() as down:
        refused, _ = hooks.create(refusing.url)
        waiting, _ = hooks.create(down.url)
        refusing.fail_next(1, status=410)
        down.outage(True)
        pay(accounts["cash"], accounts["merchant"])
        hooks.run()
    before = {e: counters_of(hooks.engine, e) for e in (delivered, refused, waiting)}
    assert [d.state for e in (delivered, refused, waiting) for d in hooks.deliveries(e)] == [
        "succeeded",
        "failed",
        "pending",
    ]

    hooks.clock.advance(days=6)
    assert hooks.worker.prune() == 0  # finished 6 days ago: kept (retention 7 days)
    hooks.clock.advance(days=2)
    assert hooks.worker.prune() == 2

    assert hooks.deliveries(delivered) == [] and hooks.deliveries(refused) == []
    assert attempt_count(hooks.engine, delivered) == 0 and attempt_count(hooks.engine, refused) == 0
    # unfinished: kept whatever its age, with its history
    assert [d.state for d in hooks.deliveries(waiting)] == ["pending"]
    assert attempt_count(hooks.engine, waiting) == 1
    # the counters do not go down with the rows
    assert {e: counters_of(hooks.engine, e) for e in (delivered, refused, waiting)} == before
    assert before[delivered]["attempts"] == {"delivered": 1, "failed": 0, "retry": 0}
    assert before[delivered]["latency"]["count"] == 1
    assert before[refused]["attempts"]["failed"] == 1 and before[waiting]["attempts"]["retry"] == 1


def test_retention_refuses_what_it_may_not_delete(hooks: Hooks, app_engine: Engine) -> None:
    with app_engine.connect() as conn:
        with pytest.raises(Exception, match="permission denied"):
            conn.execute(text("DELETE FROM webhook_deliveries"))
        conn.rollback()
        with pytest.raises(Exception, match="younger than 1 day are kept"):
            conn.execute(text("SELECT razao.prune_webhook_deliveries(now() - interval '1 hour', 10)"))
        conn.rollback()
    with pytest.raises(Exception, match="retention"):
        webhooks.prune_deliveries(hooks.uow, hooks.clock, timedelta(hours=12))


def test_the_scrape_reads_the_endpoints_and_the_unfinished_deliveries_through_their_index(
    hooks: Hooks, receiver: WebhookReceiver, admin_engine: Engine
) -> None:
    endpoint, _ = hooks.create(receiver.url)
    with admin_engine.begin() as conn:  # a long finished history and one delivery still pending
        conn.execute(
            text(
                "INSERT INTO webhook_deliveries (endpoint_id, event_id, event_txid, event_n, event_type,"
                " event_occurred_at, state, next_attempt_at, created_at, delivered_at, finished_at)"
                " SELECT :id, gen_random_uuid(), '1'::xid8, i, 'transfer.posted', now(),"
                " CASE WHEN i = 0 THEN 'pending' ELSE 'succeeded' END, now(), now() - make_interval(secs => i),"
                " CASE WHEN i = 0 THEN NULL ELSE now() END, CASE WHEN i = 0 THEN NULL ELSE now() END"
                " FROM generate_series(0, 20000) AS i"
            ),
            {"id": endpoint.id},
        )
        conn.execute(text("ANALYZE webhook_deliveries"))
    with admin_engine.connect() as conn:
        plans = [
            "\n".join(conn.execute(text(f"EXPLAIN {statement.text}")).scalars())
            for statement in (_BACKLOG, _COUNTERS)
        ]
        indexes = set(
            conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'webhook_deliveries'")
            ).scalars()
        )
    assert "ix_webhook_deliveries_created_at_unfinished" in indexes
    assert "Seq Scan on webhook_deliveries" not in plans[0], plans[0]
    assert "ix_webhook_deliveries_created_at_unfinished" in plans[0], plans[0]
    assert "webhook_deliveries" not in plans[1] and "webhook_attempts" not in plans[1], plans[1]
    stats = webhook_stats(hooks.engine)
    assert stats["undelivered"] == 1 and stats["oldest_undelivered_seconds"] >= 0
