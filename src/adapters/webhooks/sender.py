"""The HTTP sender: one signed POST per attempt, with httpx, never following redirects.

- Signing (Standard Webhooks, the `standardwebhooks` package): `webhook-id` is the EVENT id (the same
  on every retry and re-send, so receivers de-duplicate on it), `webhook-timestamp` the time of this
  attempt (receivers refuse one more than 5 minutes off), `webhook-signature` `v1,<base64 HMAC-SHA256 of
  id.timestamp.body>` for each secret, space-separated (two while a rotation overlaps: new first).
- The SSRF guard runs before every send, on the addresses the host resolves to now, and the request is
  sent to the address that was checked (the `Host` header and TLS server name stay the host's name).
- Timeouts: connect, read, write and pool (RAZAO_WEBHOOK_TIMEOUT_SECONDS); the body is bounded
  (`adapters.webhooks.payload`), and at most `max_response_bytes` of the answer are read (the rest is
  dropped: only the status and `Retry-After` matter).
- Never raises: every failure is a `SendResult` (no answer: retried; refused: failed at once).
Logs one `webhook_attempt` line per send without the secrets or the body.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import httpx
import structlog
from standardwebhooks.webhooks import Webhook

from adapters.webhooks.guard import Refused, Resolver, resolve_allowed, system_resolver
from adapters.webhooks.payload import body
from application.feed import StoredEvent
from application.webhook_policy import AllowList, parse_target
from application.webhooks import SendResult
from domain.errors import ValidationError

log = structlog.get_logger("razao.webhooks")

USER_AGENT = "Razao-Webhooks/1"
#: Errors are stored and shown: keep them short.
MAX_ERROR = 500


def sign(event_id: str, timestamp: datetime, payload: bytes, secrets: Sequence[str]) -> str:
    """The `webhook-signature` header: one `v1,` signature per secret, space-separated."""
    return " ".join(Webhook(secret).sign(event_id, timestamp, payload) for secret in secrets)


def _host_header(host: str, port: int, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return shown if port == default else f"{shown}:{port}"


class HttpSender:
    """Implements `application.webhooks.Sender`."""

    def __init__(
        self,
        allow: AllowList,
        *,
        timeout: float = 10.0,
        max_body_bytes: int = 256 * 1024,
        max_response_bytes: int = 64 * 1024,
        resolver: Resolver = system_resolver,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._allow = allow
        self._max_body = max_body_bytes
        self._max_response = max_response_bytes
        self._resolver = resolver
        self._now = now
        self._client = httpx.Client(
            follow_redirects=False,
            timeout=httpx.Timeout(timeout),
            trust_env=False,  # no proxy from the environment: the guard checks the real target
            transport=transport,
            headers={"user-agent": USER_AGENT},
            # No connection is kept for another request: requests go to the checked address, not the
            # host name, so a pooled TLS connection verified for one host could carry another host's
            # deliveries that resolve to the same address.
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    def close(self) -> None:
        self._client.close()

    def send(self, url: str, event: StoredEvent, secrets: Sequence[str]) -> SendResult:
        started = time.monotonic()

        def done(**fields: object) -> SendResult:
            result = SendResult(duration_ms=int((time.monotonic() - started) * 1000), **fields)  # type: ignore[arg-type]
            log.info(
                "webhook_attempt",
                event_id=str(event.id),
                event_type=event.type,
                host=target_host,
                status=result.status,
                error=result.error,
                refused=result.refused,
                duration_ms=result.duration_ms,
            )
            return result

        target_host = ""
        try:
            target = parse_target(url)
            target_host = target.host
            address = resolve_allowed(target, self._allow, self._resolver)
        except (Refused, ValidationError) as refused:
            return done(status=None, error=f"refused: {refused}"[:MAX_ERROR], refused=True)
        except (OSError, UnicodeError) as unresolved:
            return done(status=None, error=f"cannot resolve {target_host}: {unresolved}"[:MAX_ERROR])
        payload = body(event, self._max_body)
        if len(payload) > self._max_body:
            return done(
                status=None, error="refused: the body exceeds RAZAO_WEBHOOK_MAX_BODY_BYTES", refused=True
            )
        timestamp = self._now()
        pinned = httpx.URL(url).copy_with(host=address)
        headers = {
            "host": _host_header(target.host, target.port, target.scheme),
            "content-type": "application/json",
            "webhook-id": str(event.id),
            "webhook-timestamp": str(int(timestamp.timestamp())),
            "webhook-signature": sign(str(event.id), timestamp, payload, secrets),
        }
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        try:
            with self._client.stream(
                "POST", pinned, content=payload, headers=headers, extensions=extensions
            ) as answer:
                read = 0
                for chunk in answer.iter_bytes():
                    read += len(chunk)
                    if read >= self._max_response:
                        break
                return done(status=answer.status_code, retry_after=answer.headers.get("retry-after"))
        except httpx.TimeoutException as slow:
            return done(status=None, error=f"timeout: {type(slow).__name__}")
        except httpx.HTTPError as failed:
            return done(status=None, error=f"{type(failed).__name__}: {failed}"[:MAX_ERROR])
