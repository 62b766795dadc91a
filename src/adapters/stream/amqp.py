"""Publishing events to a RabbitMQ topic exchange with publisher confirms, over py-amqp.

Why py-amqp (`amqp`): it is already installed, as the transport Celery's kombu uses for RabbitMQ, and
it speaks RabbitMQ's publisher confirms directly; kombu's `Producer` would add a layer without adding
confirms of its own, and pika would be a new dependency for the same protocol.

A page is published as one batch: every message is sent, then the publisher waits until the broker
has acknowledged every delivery tag of the page (an ack may cover many tags: `multiple`), which costs one
round trip per page instead of one per message (`Connection(confirm_publish=True)` waits after each).
A nack, a timeout or a lost connection fail the whole page: `publish` raises, closes the connection
(the next call opens a new one) and the caller leaves its cursor where it was, so the page is published
again, whole (at least once; consumers de-duplicate on `message_id`, the event's id).

Each message: routing key and `type` = the event's type (`transfer.posted`), body = the JSON document
of a `GET /v1/events` item (rendered by the injected `document` and `dump`), `content_type`
application/json, `delivery_mode` 2 (persistent: it survives a broker restart in a durable queue),
`message_id` = the event's id, `timestamp` = when it occurred (seconds), headers `position` (the feed
position, as `after` takes it) and `event_type`. The exchange is declared durable, of type topic.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

import amqp

from application.feed import StoredEvent

#: Seconds to open a connection, and the longest wait for the broker to confirm a page.
CONNECT_TIMEOUT = 5.0
CONFIRM_TIMEOUT = 30.0


class PublishFailed(Exception):
    """The broker did not confirm every message of a page (nack, timeout, lost connection)."""


def connection_parameters(url: str) -> dict[str, Any]:
    """py-amqp's connection arguments for an `amqp://user:password@host:port/vhost` URL (the vhost is
    URL-quoted: `%2F` or an empty path is `/`; `amqp://…//`, as Celery writes it, is `/` too)."""
    parts = urlsplit(url)
    if parts.scheme != "amqp":
        raise ValueError(f"the event stream URL must start with amqp://, not {parts.scheme or 'nothing'}://")
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    return {
        "host": f"{parts.hostname or '127.0.0.1'}:{parts.port or 5672}",
        "userid": unquote(parts.username or "guest"),
        "password": unquote(parts.password or "guest"),
        "virtual_host": unquote(path) or "/",
    }


class AmqpPublisher:
    """Implements `application.stream.Publisher`: one connection and channel, opened on first use and
    again after a failure; `close()` at shutdown."""

    def __init__(
        self,
        url: str,
        exchange: str,
        document: Callable[[StoredEvent], dict[str, Any]],
        dump: Callable[[Any], bytes],
        *,
        connect_timeout: float = CONNECT_TIMEOUT,
        confirm_timeout: float = CONFIRM_TIMEOUT,
    ) -> None:
        self._parameters = connection_parameters(url)
        self.exchange = exchange
        self._document = document
        self._dump = dump
        self._connect_timeout = connect_timeout
        self._confirm_timeout = confirm_timeout
        self._connection: amqp.Connection | None = None
        self._channel: Any = None
        #: Delivery tags sent and not yet confirmed, and whether the broker refused one.
        self._sent = 0
        self._unconfirmed: set[int] = set()
        self._nacked = False

    def publish(self, events: Sequence[StoredEvent]) -> None:
        if not events:
            return
        try:
            channel = self._open()
            for event in events:
                self._sent += 1
                self._unconfirmed.add(self._sent)
                channel.basic_publish(self.message(event), exchange=self.exchange, routing_key=event.type)
            self._await_confirms()
        except Exception:
            self._drop()
            raise

    def message(self, event: StoredEvent) -> amqp.Message:
        document = self._document(event)
        return amqp.Message(
            self._dump(document),
            content_type="application/json",
            delivery_mode=2,
            message_id=str(event.id),
            timestamp=int(event.occurred_at.timestamp()),
            type=event.type,
            app_id="razao",
            application_headers={"position": document["position"], "event_type": event.type},
        )

    def close(self) -> None:
        """Close the connection (quietly: it may be dead already); the next publish opens a new one."""
        connection, self._connection, self._channel = self._connection, None, None
        self._unconfirmed.clear()
        if connection is not None:
            try:
                connection.close()
            except Exception:  # a dead connection cannot be closed politely; its socket is gone anyway
                connection.collect()

    def _drop(self) -> None:
        """Forget the connection after a failure, without the polite close a broken or unresponsive
        peer would make wait."""
        connection, self._connection, self._channel = self._connection, None, None
        self._unconfirmed.clear()
        if connection is not None:
            with contextlib.suppress(Exception):  # it is being thrown away
                connection.collect()

    def _open(self) -> Any:
        if self._channel is not None:
            return self._channel
        connection = amqp.Connection(
            **self._parameters,
            connect_timeout=self._connect_timeout,
            read_timeout=self._confirm_timeout,
            write_timeout=self._confirm_timeout,
            client_properties={"connection_name": f"razao event stream ({self.exchange})"},
        )
        self._connection = connection
        connection.connect()
        channel = connection.channel()
        channel.exchange_declare(self.exchange, "topic", durable=True, auto_delete=False)
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        self._sent, self._nacked = 0, False  # delivery tags start again at 1 on a new channel
        self._channel = channel
        return channel

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        if multiple:
            self._unconfirmed = {tag for tag in self._unconfirmed if tag > delivery_tag}
        else:
            self._unconfirmed.discard(delivery_tag)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._nacked = True
        self._on_ack(delivery_tag, multiple)

    def _await_confirms(self) -> None:
        assert self._connection is not None
        deadline = time.monotonic() + self._confirm_timeout
        while self._unconfirmed and not self._nacked:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishFailed(f"the broker did not confirm within {self._confirm_timeout} s")
            try:
                self._connection.drain_events(timeout=remaining)
            except TimeoutError:
                continue
        if self._nacked:
            raise PublishFailed("the broker refused (nacked) a message of the page")
