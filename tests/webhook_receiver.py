"""A real webhook receiver for the tests (and the storm suite, and the BDD steps): a small threaded HTTP
server on a free 127.0.0.1 port that verifies Standard Webhooks signatures with the `standardwebhooks`
library, records what arrives, and fails on purpose when told to.

    with WebhookReceiver(secret) as receiver:          # starts on a free port; stopped on exit
        url = receiver.url                            # http://127.0.0.1:<port>/hook
        receiver.fail_next(2, status=500)             # the next two requests answer 500
        receiver.fail_next(1, status=429, retry_after="7")
        receiver.slow_next(1, seconds=3)              # answers after 3 s (beyond a shorter timeout)
        receiver.outage(True)                         # every request answers 503 until outage(False)
        receiver.secrets = [new_secret]               # what it verifies with (any one must match)
        ...
        receiver.received                             # every request, in arrival order (Received)
        receiver.unique()                             # verified ones, de-duplicated by webhook-id

A request that fails verification is recorded with `verified=False` and answered 401 (after the planned
failures, which answer without looking). Nothing here sleeps to wait for deliveries: tests drive the
delivery use case themselves and then read what arrived.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Received:
    webhook_id: str | None
    timestamp: str | None
    signature: str | None
    body: bytes
    verified: bool
    #: The status the receiver answered.
    status: int
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def payload(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document


@dataclass
class _Plan:
    status: int
    retry_after: str | None = None
    delay: float = 0.0
    location: str | None = None


class WebhookReceiver:
    def __init__(self, secrets: str | Sequence[str] = (), path: str = "/hook") -> None:
        self.secrets: list[str] = [secrets] if isinstance(secrets, str) else list(secrets)
        self.path = path
        self.received: list[Received] = []
        self._plans: list[_Plan] = []
        self._outage = False
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control ---
    def fail_next(self, count: int = 1, *, status: int = 500, retry_after: str | None = None) -> None:
        with self._lock:
            self._plans += [_Plan(status, retry_after) for _ in range(count)]

    def slow_next(self, count: int = 1, *, seconds: float, status: int = 200) -> None:
        with self._lock:
            self._plans += [_Plan(status, delay=seconds) for _ in range(count)]

    def redirect_next(self, location: str, count: int = 1, *, status: int = 302) -> None:
        with self._lock:
            self._plans += [_Plan(status, location=location) for _ in range(count)]

    def outage(self, on: bool = True) -> None:
        self._outage = on

    # --- what arrived ---
    def verified(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.verified]

    def unique(self) -> dict[str, Received]:
        """Verified and answered 2xx, de-duplicated by webhook-id (the first of each)."""
        found: dict[str, Received] = {}
        for r in self.verified():
            if 200 <= r.status < 300 and r.webhook_id is not None:
                found.setdefault(r.webhook_id, r)
        return found

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.path}"

    # --- lifecycle ---
    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                receiver._handle(self, body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="webhook-receiver", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the handler ---
    def _verify(self, body: bytes, headers: dict[str, str]) -> bool:
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
                return True
            except WebhookVerificationError:
                continue
        return False

    def _handle(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self._lock:
            plan = self._plans.pop(0) if self._plans else None
        if plan is None and self._outage:
            plan = _Plan(503)
        verified = self._verify(body, headers)
        status = plan.status if plan is not None else (200 if verified else 401)
        if plan is not None and plan.delay:
            time.sleep(plan.delay)  # the slow receiver: the sender's timeout is shorter
        with self._lock:
            self.received.append(
                Received(
                    headers.get("webhook-id"),
                    headers.get("webhook-timestamp"),
                    headers.get("webhook-signature"),
                    body,
                    verified,
                    status,
                    headers,
                )
            )
        try:
            request.send_response(status)
            if plan is not None and plan.retry_after is not None:
                request.send_header("Retry-After", plan.retry_after)
            if plan is not None and plan.location is not None:
                request.send_header("Location", plan.location)
            request.send_header("Content-Length", "2")
            request.end_headers()
            request.wfile.write(b"ok")
        except OSError:
            pass  # the sender gave up waiting (timeout)
