"""The broker stream on the real services: events written by both execution modes, published through
RabbitMQ (127.0.0.1:5672) by `application.stream.publish_pending` with `AmqpPublisher` and the cursor in
PostgreSQL (`SqlStreamCursors`), consumed from a queue bound to the exchange.

Each test declares its own exchange and queue (unique names, deleted afterwards), so parallel workers
and other users of the broker are never touched. Outages are made with a TCP relay the test starts on a
free port in front of RabbitMQ (`Relay`): it can refuse connections and cut the open ones mid-way.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import amqp
import pytest
from prometheus_client import generate_latest
from sqlalchemy import Engine, text

from adapters.db.code_bundle import app_code_version
from adapters.db.in_database import InDatabaseWritePath
from adapters.db.stream import SqlStreamCursors, stream_stats
from adapters.db.unit_of_work import SqlUnitOfWork
from adapters.http.schemas.common import dump_json
from adapters.http.schemas.events import EventOut
from adapters.stream.amqp import AmqpPublisher
from adapters.stream.runner import StreamRunner
from adapters.system import SystemClock
from application import feed
from application.feed import START, Position, StoredEvent
from application.stream import StreamPass, publish_pending
from application.write_path import InAppWritePath, WritePath
from domain.accounts import Account
from domain.transfers import ReversalRequest, TransferRequest
from razao.container import build_container, dispose_engines
from razao.settings import Settings
from tests.conftest import TestDatabase
from tests.integration.conftest import OpenFn
from tests.outbox import settle_events
from tests.unit.test_stream import FakeStreamCursors

MODES = ["app", "database"]
RABBIT = ("127.0.0.1", 5672)
HOLDER = "test-holder"
ROOT = Path(__file__).resolve().parents[2]


def _url(port: int = RABBIT[1]) -> str:
    return f"amqp://guest:guest@127.0.0.1:{port}//"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# --- the broker side -------------------------------------------------------------------------------


@dataclass
class Broker:
    """A throwaway exchange (declared as the publisher declares it) and a durable queue bound to it
    with `#` (every routing key), read with basic_get."""

    exchange: str
    channel: Any

    def drain(self) -> list[amqp.Message]:
        got = []
        while (message := self.channel.basic_get(self.exchange)) is not None:
            self.channel.basic_ack(message.delivery_tag)
            got.append(message)
        return got


@pytest.fixture
def broker() -> Iterator[Broker]:
    name = f"razao.test.stream.{uuid.uuid4().hex}"
    connection = amqp.Connection(f"{RABBIT[0]}:{RABBIT[1]}", userid="guest", password="guest")
    connection.connect()
    channel = connection.channel()
    channel.exchange_declare(name, "topic", durable=True, auto_delete=False)
    channel.queue_declare(name, durable=True, auto_delete=False)
    channel.queue_bind(name, name, "#")
    try:
        yield Broker(name, channel)
    finally:
        channel.queue_delete(name)
        channel.exchange_delete(name)
        connection.close()


class Relay:
    """A TCP relay on a free 127.0.0.1 port to RabbitMQ: `cut()` closes every open connection and
    refuses new ones (a broker outage), `restore()` lets them through again."""

    def __init__(self) -> None:
        self.port = _free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._open = True
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if not self._open:
                    client.close()
                    continue
                upstream = socket.create_connection(RABBIT)
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self._lock:
            self._open = False
            for s in self._sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self._sockets.clear()

    def restore(self) -> None:
        with self._lock:
            self._open = True

    def stop(self) -> None:
        self.cut()
        self._listener.close()
        self._thread.join(timeout=5)


@pytest.fixture
def relay() -> Iterator[Relay]:
    relay = Relay()
    yield relay
    relay.stop()


# --- the ledger side -------------------------------------------------------------------------------


@dataclass
class Ledger:
    """A database, a write path of one execution mode, and what the tests need around them."""

    mode: str
    write: WritePath
    engine: Engine
    accounts: list[Account] = field(default_factory=list)

    def feed_uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine.execution_options(isolation_level="AUTOCOMMIT"))

    def activity(self) -> None:
        """Every kind of transfer event the mode writes: posted, pending then captured or voided,
        a reversal (posted, then reversed)."""
        bank, alice, bob = self.accounts
        paid = self.pay(bank, alice, 500)
        hold, other = self.pay(bank, bob, 300, pending=True), self.pay(bank, alice, 200, pending=True)
        self.write.post_transfers([paid, hold, other])
        self.write.post_pending(hold.id, 100)
        self.write.void_pending(other.id)
        self.write.reverse(ReversalRequest(uuid.uuid4(), paid.id))
        settle_events(self.engine)

    @staticmethod
    def pay(source: Account, target: Account, amount: int, **options: Any) -> TransferRequest:
        return TransferRequest.simple(
            uuid.uuid4(), debit_account_id=source.id, credit_account_id=target.id, amount=amount, **options
        )

    def events(self) -> list[StoredEvent]:
        settle_events(self.engine)
        return feed.read_events(self.feed_uow(), limit=1000).items

    def publish(
        self, broker: Broker, publisher: Any = None, cursors: Any = None, batch: int = 4
    ) -> StreamPass | None:
        return publish_pending(
            broker.exchange,
            HOLDER,
            self.feed_uow,
            cursors or SqlStreamCursors(self.engine),
            publisher or publisher_for(broker.exchange),
            batch=batch,
        )

    def cursor(self, name: str) -> tuple[Position, int]:
        with self.engine.connect() as connection:
            row = connection.execute(
                text("SELECT txid::text, n, published FROM event_stream_cursors WHERE name = :name"),
                {"name": name},
            ).one()
        return Position(int(row.txid), row.n), row.published


def publisher_for(exchange: str, url: str = _url()) -> AmqpPublisher:
    return AmqpPublisher(url, exchange, EventOut.document, dump_json, connect_timeout=2, confirm_timeout=5)


@pytest.fixture(params=MODES)
def ledger(request: pytest.FixtureRequest, app_engine: Engine, open_: OpenFn) -> Ledger:
    write: WritePath = (
        InAppWritePath(lambda: SqlUnitOfWork(app_engine), SystemClock())
        if request.param == "app"
        else InDatabaseWritePath(app_engine, app_code_version())
    )
    ledger = Ledger(request.param, write, app_engine)
    ledger.accounts = [
        open_("bank", normal_side="debit", min_balance=None),
        open_("alice", normal_side="credit"),
        open_("bob", normal_side="credit"),
    ]
    return ledger


def _ids(messages: Sequence[amqp.Message]) -> list[str]:
    return [m.properties["message_id"] for m in messages]


def _event_ids(events: Sequence[StoredEvent]) -> list[str]:
    return [str(e.id) for e in events]


# --- the tests -------------------------------------------------------------------------------------


def test_every_event_reaches_a_bound_queue_in_feed_order_persistent_and_routed_by_type(
    ledger: Ledger, broker: Broker, database: TestDatabase
) -> None:
    ledger.activity()
    events = ledger.events()
    assert {e.type for e in events} >= {
        "account.opened", "transfer.posted", "transfer.pending", "transfer.captured",
        "transfer.voided", "transfer.reversed",
    }  # fmt: skip

    done = ledger.publish(broker)
    messages = broker.drain()

    assert done is not None and done.published == len(events)
    assert _ids(messages) == _event_ids(events)
    for message, event in zip(messages, events, strict=True):
        document = EventOut.document(event)
        assert message.delivery_info["routing_key"] == event.type
        assert message.properties["delivery_mode"] == 2
        assert message.properties["content_type"] == "application/json"
        assert message.properties["type"] == event.type
        assert message.properties["timestamp"] == int(event.occurred_at.timestamp())
        assert message.properties["application_headers"] == {
            "position": document["position"],
            "event_type": event.type,
        }
        assert json.loads(message.body) == json.loads(dump_json(document))
    position, published = ledger.cursor(broker.exchange)
    assert position >= events[-1].position and published == len(events)
    [stats] = [s for s in stream_stats(ledger.engine) if s["name"] == broker.exchange]
    assert stats == {
        "name": broker.exchange,
        "published": len(events),
        "failures": 0,
        "expired": False,
        "lag_seconds": 0.0,
        "behind": 0,
    }

    container = build_container(Settings(database_url=database.app_url))
    try:  # what GET /metrics serves (the API's registry reads the stream's row at scrape time)
        scraped = generate_latest(container.metrics_registry()).decode()
    finally:
        dispose_engines(container)
    label = f'{{stream="{broker.exchange}"}}'
    assert f"razao_event_stream_published_total{label} {float(len(events))}" in scraped
    assert f"razao_event_stream_failures_total{label} 0.0" in scraped
    assert f"razao_event_stream_lag_seconds{label} 0.0" in scraped
    assert f"razao_event_stream_cursor_expired{label} 0.0" in scraped

    # More activity: the stream's lag shows it until the next pass publishes it, and only it.
    ledger.activity()
    [stats] = [s for s in stream_stats(ledger.engine) if s["name"] == broker.exchange]
    assert stats["behind"] == len(ledger.events()) - len(events) and stats["lag_seconds"] > 0
    ledger.publish(broker)
    assert _ids(broker.drain()) == _event_ids(ledger.events()[len(events) :])


def test_a_broker_outage_leaves_the_cursor_and_the_next_pass_publishes_the_rest(
    ledger: Ledger, broker: Broker, relay: Relay
) -> None:
    ledger.activity()
    events = ledger.events()
    publisher = publisher_for(broker.exchange, _url(relay.port))

    relay.cut()  # the broker is down: not even a connection
    with pytest.raises(OSError):
        ledger.publish(broker, publisher)
    assert ledger.cursor(broker.exchange) == (START, 0)

    relay.restore()

    class CutBeforeThe2ndPage:
        calls = 0

        def publish(self, page: Sequence[StoredEvent]) -> None:
            self.calls += 1
            if self.calls == 2:
                relay.cut()  # the connection drops mid-way: the first page was confirmed
            publisher.publish(page)

    with pytest.raises(Exception):  # noqa: B017 (whichever error the dead socket gives first)
        ledger.publish(broker, CutBeforeThe2ndPage(), batch=4)
    assert ledger.cursor(broker.exchange) == (events[3].position, 4)

    relay.restore()
    ledger.publish(broker, publisher)  # the same publisher reconnects
    assert _ids(broker.drain()) == _event_ids(events)  # each once, in order
    publisher.close()


def test_the_cursor_moves_only_after_the_broker_confirmed_and_a_crash_in_between_republishes(
    ledger: Ledger, broker: Broker
) -> None:
    ledger.activity()
    events = ledger.events()
    publisher = publisher_for(broker.exchange)
    store = SqlStreamCursors(ledger.engine)
    seen: list[tuple[Position, Position]] = []

    class Watching:
        """Reads the cursor's row when the page is handed over and once the broker confirmed it."""

        def publish(self, page: Sequence[StoredEvent]) -> None:
            before = ledger.cursor(broker.exchange)[0]
            publisher.publish(page)
            seen.append((before, ledger.cursor(broker.exchange)[0]))

    class CrashOnMove:
        """The process dies between the broker's confirm and the cursor's write."""

        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        def advance(self, *args: Any) -> bool:
            raise ConnectionError("killed before the cursor was written")

    with pytest.raises(ConnectionError):
        ledger.publish(broker, Watching(), CrashOnMove(), batch=4)
    assert ledger.cursor(broker.exchange) == (START, 0)
    ledger.publish(broker, Watching(), batch=4)

    starts = [START, START] + [e.position for e in events[3 : len(events) - 1 : 4]]
    assert seen == [(start, start) for start in starts][: len(seen)]  # never moved before a confirm
    ids = _ids(broker.drain())
    assert ids[:4] == ids[4:8] == _event_ids(events[:4])  # the page again, with the same message ids
    assert list(dict.fromkeys(ids)) == _event_ids(events)  # de-duplicated: the feed, in order
    publisher.close()


@pytest.mark.parametrize("store", ["fake", "sql"])
def test_one_publisher_at_a_time_holds_a_stream(store: str, app_engine: Engine) -> None:
    """A contract: the fake of the unit tests and the SQL store agree on the lease and the moves."""
    cursors: Any = FakeStreamCursors() if store == "fake" else SqlStreamCursors(app_engine)
    lease = timedelta(seconds=30)
    name = f"stream-{uuid.uuid4().hex}"

    mine = cursors.claim(name, "a", lease)
    assert mine is not None and mine.position == START and mine.published == 0
    assert cursors.claim(name, "b", lease) is None
    assert cursors.advance(name, "b", START, Position(7, 1), 1, lease) is False  # not the holder
    assert cursors.advance(name, "a", Position(5, 0), Position(7, 1), 1, lease) is False  # not from there
    assert cursors.advance(name, "a", START, Position(7, 1), 1, lease) is True
    assert cursors.claim(name, "a", lease).position == Position(7, 1)  # its own lease: renewed
    cursors.release(name, "b")  # not the holder: nothing happens
    assert cursors.claim(name, "b", lease) is None
    cursors.release(name, "a")
    taken = cursors.claim(name, "b", lease)
    assert taken is not None and taken.position == Position(7, 1) and taken.published == 1


def test_a_lapsed_lease_is_taken_over(app_engine: Engine) -> None:
    cursors = SqlStreamCursors(app_engine)
    assert cursors.claim("lapsing", "a", timedelta(seconds=-1)) is not None
    assert cursors.claim("lapsing", "b", timedelta(seconds=30)) is not None
    assert cursors.advance("lapsing", "a", START, Position(1, 1), 0, timedelta(seconds=30)) is False


def test_a_cursor_behind_retention_is_refused_loudly_and_shown(
    ledger: Ledger, broker: Broker, admin_engine: Engine
) -> None:
    ledger.activity()
    events = ledger.events()
    ledger.publish(broker)
    broker.drain()
    with admin_engine.begin() as connection:  # as if retention had deleted what the stream never published
        connection.execute(
            text("UPDATE event_stream_cursors SET txid = CAST(:txid AS xid8), n = :n WHERE name = :name"),
            {"txid": str(events[0].position.txid), "n": events[0].position.n, "name": broker.exchange},
        )
        connection.execute(
            text("INSERT INTO events_horizon (txid, n, pruned) VALUES (CAST(:txid AS xid8), :n, 1)"),
            {"txid": str(events[2].position.txid), "n": events[2].position.n},
        )
    runner = StreamRunner(
        broker.exchange,
        ledger.feed_uow,
        SqlStreamCursors(ledger.engine),
        publisher_for(broker.exchange),
        holder=HOLDER,
    )

    runner.step()
    [stats] = [s for s in stream_stats(ledger.engine) if s["name"] == broker.exchange]
    assert stats["expired"] is True and stats["failures"] == 1
    assert broker.drain() == []
    assert ledger.cursor(broker.exchange)[0] == events[0].position


def test_off_by_default_nothing_is_built_and_the_command_connects_to_nothing(
    database: TestDatabase, app_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAZAO_EVENT_STREAM_URL", raising=False)
    container = build_container(Settings(database_url=database.app_url))
    assert container.event_stream() is None
    on = build_container(Settings(database_url=database.app_url, event_stream_url=_url(_free_port())))
    runner = on.event_stream()
    assert isinstance(runner, StreamRunner) and runner.name == "razao.events"  # built, never run here
    dispose_engines(on)

    environment = {k: v for k, v in os.environ.items() if k != "RAZAO_EVENT_STREAM_URL"}
    environment |= {"RAZAO_DATABASE_URL": database.app_url, "RAZAO_LOG_FORMAT": "json"}
    command = subprocess.Popen(
        [sys.executable, "-m", "razao.cli", "stream"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert command.stdout is not None
        line = command.stdout.readline()
        assert json.loads(line)["event"] == "event_stream_off"
    finally:
        command.send_signal(signal.SIGTERM)
        assert command.wait(timeout=30) == 0
    with app_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM event_stream_cursors")).scalar_one() == 0


def test_the_stream_command_publishes_until_stopped_then_releases_the_stream(
    database: TestDatabase, app_engine: Engine, open_: OpenFn, broker: Broker
) -> None:
    opened = [open_(f"wallet-{n}", normal_side="credit") for n in range(3)]
    settle_events(app_engine)
    environment = os.environ | {
        "RAZAO_DATABASE_URL": database.app_url,
        "RAZAO_EVENT_STREAM_URL": _url(),
        "RAZAO_EVENT_STREAM_EXCHANGE": broker.exchange,
        "RAZAO_LOG_FORMAT": "json",
    }
    command = subprocess.Popen(
        [sys.executable, "-m", "razao.cli", "stream"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert command.stdout is not None
        for line in command.stdout:  # the process logs each published page
            if json.loads(line)["event"] == "event_stream_published":
                break
    finally:
        command.send_signal(signal.SIGTERM)
        assert command.wait(timeout=30) == 0
    messages = broker.drain()
    assert [json.loads(m.body)["account_ids"] for m in messages] == [[str(a.id)] for a in opened]
    with app_engine.connect() as connection:
        holder = connection.execute(
            text("SELECT holder FROM event_stream_cursors WHERE name = :name"), {"name": broker.exchange}
        ).scalar_one()
    assert holder is None  # released at shutdown: another publisher may take over at once
