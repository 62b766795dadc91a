"""The storm's webhooks: two real receivers, two endpoints, receiver faults, and the checks afterwards.

- `StormReceiver`: `tests.webhook_receiver.WebhookReceiver` (signatures verified with `standardwebhooks`)
  whose outage answers `503` with `Retry-After: 1`, so that the storm's deliveries come back within a
  second of the receiver's return instead of after the first backoff step (a minute);
- `Subscriptions.create`: through the API, before any account is opened: an ORDERED endpoint of every
  event type for the accounts whose code starts with `ORDERED_SCOPE` (a dozen wallets: the ordered line
  delivers one at a time, about 60/s on this machine, and must keep up with the storm), and an UNORDERED
  one (`max_in_flight` 10) of the types in `UNORDERED_TYPES`, for every account;
- `Slowdowns`: a thread that, at random intervals, makes the next requests of both receivers answer
  slowly (well within the sender's timeout: a timeout is retried after a minute, longer than the storm);
- `wait_for_deliveries` (bounded) and `webhook_problems`: every stored event its subscription selects
  reached each endpoint (after de-duplication by `webhook-id`: exactly once), nothing else did, every
  request's signature verified, every delivery succeeded, and the ordered endpoint's first arrivals are
  in the feed's order.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, text

from tests.suites.storm.clients import Admin
from tests.suites.storm.faults import RECEIVER_SLOW, FaultLog
from tests.webhook_receiver import WebhookReceiver, _Plan

#: The ordered endpoint's accounts: this code prefix after `storm:<run>:` (cold-14 and cold-140..149).
ORDERED_SCOPE = "cold-14"
#: The unordered endpoint's event types (voids are about 7% of the clients' operations).
UNORDERED_TYPES = ("transfer.voided", "transfer.expired", "account.opened", "job.succeeded", "job.failed")
UNORDERED_IN_FLIGHT = 10


class StormReceiver(WebhookReceiver):
    """A receiver whose outage answers 503 with `Retry-After: 1`, and whose slow patches can be called
    off (both are planned answers of the base class, which requests consume one by one in order)."""

    #: Most requests one outage can refuse (far more than the senders make in a few seconds).
    OUTAGE_REQUESTS = 100_000
    #: Connections waiting to be accepted. The standard library's 5 drops the connections of 10
    #: deliveries sent at once while this busy process is slow to accept: the sender's SYN is resent
    #: after 1 s, and a connect timeout is retried only after the first backoff step (a minute).
    BACKLOG = 128

    def start(self) -> StormReceiver:
        super().start()
        assert self._server is not None
        self._server.socket.listen(self.BACKLOG)  # Linux: a second listen() sets the backlog
        return self

    def begin_outage(self) -> None:
        with self._lock:  # first in line: the outage starts now, whatever slow answers were planned
            self._plans[:0] = [_Plan(503, retry_after="1") for _ in range(self.OUTAGE_REQUESTS)]

    def end_outage(self) -> None:
        with self._lock:
            self._plans[:] = [p for p in self._plans if not (p.status == 503 and p.retry_after == "1")]

    def slow_patch(self, count: int, seconds: float) -> None:
        self.slow_next(count, seconds=seconds)

    def end_slowness(self) -> None:
        """Drop the slow answers no request has consumed yet (a quiet endpoint consumes them late)."""
        with self._lock:
            self._plans[:] = [p for p in self._plans if not p.delay]


@dataclass
class Endpoint:
    name: str
    id: str
    receiver: StormReceiver
    ordered: bool
    #: None: every type.
    types: tuple[str, ...] | None
    #: None: every account.
    prefix: str | None


@dataclass
class Subscriptions:
    """The storm's two endpoints and their receivers."""

    ordered: Endpoint
    unordered: Endpoint
    #: Events stored before the endpoints existed (not theirs).
    before: frozenset[str]

    @property
    def endpoints(self) -> tuple[Endpoint, Endpoint]:
        return (self.ordered, self.unordered)

    @classmethod
    def create(cls, admin: Admin, engine: Engine, run: str) -> Subscriptions:
        with engine.connect() as conn:
            before = frozenset(conn.execute(text("SELECT id::text FROM events")).scalars())
        receivers = (StormReceiver().start(), StormReceiver().start())
        prefix = f"storm:{run}:{ORDERED_SCOPE}"
        ordered = admin.call(
            "POST", "/v1/webhooks", {"url": receivers[0].url, "account_code_prefix": prefix, "ordered": True}
        )
        unordered = admin.call(
            "POST",
            "/v1/webhooks",
            {
                "url": receivers[1].url,
                "event_types": list(UNORDERED_TYPES),
                "ordered": False,
                "max_in_flight": UNORDERED_IN_FLIGHT,
            },
        )
        receivers[0].secrets, receivers[1].secrets = [ordered["secret"]], [unordered["secret"]]
        return cls(
            Endpoint("ordered", ordered["id"], receivers[0], True, None, prefix),
            Endpoint("unordered", unordered["id"], receivers[1], False, UNORDERED_TYPES, None),
            before,
        )

    def outage(self, on: bool) -> None:
        for endpoint in self.endpoints:
            if on:
                endpoint.receiver.begin_outage()
            else:
                endpoint.receiver.end_outage()

    def stop(self) -> None:
        for endpoint in self.endpoints:
            endpoint.receiver.stop()


class Slowdowns:
    """Every `interval` seconds (random), the next 3 to 15 requests of each receiver answer after 0.1 to
    0.4 s (the sender's timeout is longer); when it stops, the slow answers not yet given are dropped."""

    def __init__(self, subscriptions: Subscriptions, log: FaultLog, interval: tuple[float, float]) -> None:
        self._subscriptions = subscriptions
        self._log = log
        self._interval = interval
        self._stop = threading.Event()
        self._rng = random.Random()
        self._thread = threading.Thread(target=self._run, name="storm-receiver-slowdowns", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for endpoint in self._subscriptions.endpoints:
            endpoint.receiver.end_slowness()

    def _run(self) -> None:
        while not self._stop.wait(self._rng.uniform(*self._interval)):
            count, seconds = self._rng.randint(3, 15), round(self._rng.uniform(0.1, 0.4), 2)
            for endpoint in self._subscriptions.endpoints:
                endpoint.receiver.slow_patch(count, seconds)
            self._log.add(RECEIVER_SLOW, f"next {count} requests take {seconds} s")


# --- after the storm ---------------------------------------------------------------------------------

_MATCHING = text("""
SELECT e.id::text FROM events e
WHERE (CAST(:types AS text[]) IS NULL OR e.type = ANY(CAST(:types AS text[])))
  AND (CAST(:prefix AS text) IS NULL OR EXISTS (
      SELECT 1 FROM accounts a WHERE a.id = ANY(e.account_ids) AND starts_with(a.code, CAST(:prefix AS text))))
ORDER BY e.txid, e.n
""")
_PROGRESS = text("""
SELECT count(*) AS deliveries, count(*) FILTER (WHERE state IN ('pending', 'delivering')) AS unfinished
FROM webhook_deliveries WHERE endpoint_id = CAST(:id AS uuid)
""")
_STATES = text(
    "SELECT state, count(*) FROM webhook_deliveries WHERE endpoint_id = CAST(:id AS uuid) GROUP BY state"
)
_ATTEMPTS = text("""
SELECT a.outcome, count(*) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
WHERE d.endpoint_id = CAST(:id AS uuid) GROUP BY a.outcome
""")


def expected_events(engine: Engine, endpoint: Endpoint, before: frozenset[str]) -> list[str]:
    """The stored events the endpoint's subscription selects, in the feed's order."""
    with engine.connect() as conn:
        ids = conn.execute(
            _MATCHING,
            {"types": None if endpoint.types is None else list(endpoint.types), "prefix": endpoint.prefix},
        ).scalars()
        return [i for i in ids if i not in before]


def wait_for_deliveries(engine: Engine, subscriptions: Subscriptions, timeout: float) -> dict[str, Any]:
    """Wait (at most `timeout` s) until each endpoint has a delivery per selected event and none is
    unfinished; what was left when it stopped waiting."""
    deadline = time.monotonic() + timeout
    left: dict[str, Any] = {}
    while True:
        left = {}
        for endpoint in subscriptions.endpoints:
            wanted = len(expected_events(engine, endpoint, subscriptions.before))
            with engine.connect() as conn:
                made, unfinished = conn.execute(_PROGRESS, {"id": endpoint.id}).one()
            if made < wanted or unfinished:
                left[endpoint.name] = {"selected": wanted, "deliveries": made, "unfinished": unfinished}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


@dataclass
class Delivered:
    """What one endpoint's receiver got, against what its subscription selects."""

    name: str
    selected: int = 0
    requests: int = 0
    unique: int = 0
    duplicates: int = 0
    refused_by_receiver: int = 0
    unverified: int = 0
    states: dict[str, int] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def details(self) -> dict[str, Any]:
        return {
            "selected_events": self.selected,
            "requests_received": self.requests,
            "unique_delivered": self.unique,
            "duplicates_received": self.duplicates,
            "answered_non_2xx": self.refused_by_receiver,
            "unverified_signatures": self.unverified,
            "delivery_states": self.states,
            "attempts": self.attempts,
            "problems": len(self.problems),
        }


def webhook_problems(engine: Engine, subscriptions: Subscriptions) -> list[Delivered]:
    """Per endpoint: at least once (every selected event arrived), nothing else arrived, every signature
    verified, every delivery succeeded, payloads name their event; ordered: first arrivals in feed order."""
    found = []
    for endpoint in subscriptions.endpoints:
        expected = expected_events(engine, endpoint, subscriptions.before)
        receiver = endpoint.receiver
        received = list(receiver.received)
        unique = receiver.unique()  # verified, 2xx, first of each webhook-id, in arrival order
        answered = [r for r in received if 200 <= r.status < 300]
        d = Delivered(endpoint.name, selected=len(expected), requests=len(received), unique=len(unique))
        d.duplicates = len(answered) - len(unique)
        d.refused_by_receiver = len(received) - len(answered)
        d.unverified = sum(1 for r in received if not r.verified)
        with engine.connect() as conn:
            d.states = {s: int(n) for s, n in conn.execute(_STATES, {"id": endpoint.id}).all()}
            d.attempts = {o: int(n) for o, n in conn.execute(_ATTEMPTS, {"id": endpoint.id}).all()}
        wanted = set(expected)
        missing = [i for i in expected if i not in unique]
        extra = [i for i in unique if i not in wanted]
        p = d.problems
        p += [f"{endpoint.name}: event {i} never arrived" for i in missing[:10]]
        p += [
            f"{endpoint.name}: event {i} arrived but its subscription does not select it" for i in extra[:10]
        ]
        if len(missing) > 10 or len(extra) > 10:
            p.append(f"{endpoint.name}: {len(missing)} missing and {len(extra)} extra in all")
        p += [
            f"{endpoint.name}: a request failed signature verification ({r.webhook_id})"
            for r in received
            if not r.verified
        ][:5]
        if set(d.states) - {"succeeded"}:
            p.append(f"{endpoint.name}: deliveries not all succeeded: {d.states}")
        for webhook_id, r in unique.items():
            document = r.payload
            if document["data"]["id"] != webhook_id or (
                endpoint.types is not None and document["type"] not in endpoint.types
            ):
                p.append(f"{endpoint.name}: {webhook_id} carried {document['type']} {document['data']['id']}")
                break
        if endpoint.ordered and not missing and not extra:
            arrival = list(unique)
            if arrival != expected:
                first = next(n for n, (a, b) in enumerate(zip(arrival, expected, strict=True)) if a != b)
                p.append(
                    f"{endpoint.name}: out of the feed's order from the {first}th event: "
                    f"{arrival[first]} arrived where {expected[first]} belongs"
                )
        found.append(d)
    return found


def counted(found: list[Delivered]) -> Counter[str]:
    """Totals over both endpoints, for the summary line."""
    totals: Counter[str] = Counter()
    for d in found:
        totals["deliveries"] += d.unique
        totals["duplicates"] += d.duplicates
        totals["retries"] += d.attempts.get("retry", 0)
    return totals
