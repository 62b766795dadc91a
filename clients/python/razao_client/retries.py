"""Retries of idempotent calls, as an httpx transport under the generated client.

A request is retried, with the very same bytes, when the connection fails or the service answers 500, 502,
503 or 504, and only if sending it twice cannot book anything twice:
- GET, HEAD, OPTIONS, PUT and DELETE always;
- a POST whose JSON body carries its own `id` (a transfer, a reversal): the API answers a repeat with the
  original result (`Idempotent-Replayed: true`), so a retry after a lost answer is safe;
- a POST of a bulk or batch whose every transfer carries its `id`, for the same reason.
Any other POST (open an account, post or void a hold, start a job) is sent once: the caller decides.

A DELETE sent again after its first try got no answer (a lost connection) or a 5xx may find the resource
gone, deleted by that first try: its 404 then means the DELETE worked, and the caller gets the 204 of a
delete, marked `Razao-Retried-Delete: gone` (`RETRIED_DELETE`). A 404 to a DELETE's first try is raised as
it is (`NotFound`): there was nothing to delete.

Waits grow exponentially with full jitter (AWS's "exponential backoff and jitter"), bounded by `max_wait`;
a `Retry-After` in seconds (503) is honoured up to the same bound.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

RETRIED_STATUSES = frozenset({500, 502, 503, 504})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: The header on the 204 that stands for a retried DELETE's 404 (an earlier try deleted it).
RETRIED_DELETE = "Razao-Retried-Delete"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`attempts` in all (1: no retry); the n-th retry waits up to `first_wait * 2**(n-1)` seconds."""

    attempts: int = 4
    first_wait: float = 0.2
    max_wait: float = 5.0

    def wait(self, retry: int, response: httpx.Response | None, rng: random.Random) -> float:
        after = response.headers.get("Retry-After") if response is not None else None
        if after is not None and after.strip().isdigit():
            return min(float(after), self.max_wait)
        return rng.uniform(0, min(self.max_wait, self.first_wait * 2 ** (retry - 1)))


NO_RETRIES = RetryPolicy(attempts=1)


def carries_its_id(body: bytes) -> bool:
    """Whether a POST body names what it creates: an `id`, or transfers that each have one."""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    if data.get("id"):
        return True
    transfers = data.get("transfers")
    return (
        isinstance(transfers, list)
        and bool(transfers)
        and all(isinstance(t, dict) and t.get("id") for t in transfers)
    )


def deleted_before(request: httpx.Request, retry: int, response: httpx.Response) -> bool:
    """A 404 to a DELETE sent again: an earlier try, whose answer was lost or a 5xx, deleted it."""
    return request.method == "DELETE" and retry > 0 and response.status_code == 404


def _deleted(request: httpx.Request) -> httpx.Response:
    return httpx.Response(204, headers={RETRIED_DELETE: "gone"}, request=request)


def is_idempotent(request: httpx.Request) -> bool:
    if request.method in SAFE_METHODS:
        return True
    return request.method == "POST" and carries_its_id(request.content)


class RetryingTransport(httpx.BaseTransport):
    """Wraps a transport (httpx's own by default) and retries what `is_idempotent` allows."""

    def __init__(
        self,
        inner: httpx.BaseTransport | None = None,
        policy: RetryPolicy = RetryPolicy(),
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.policy = policy
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.retries = 0  # how many requests were sent again, over this transport's life

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # the body, kept to send again
        retry = 0
        while True:
            response: httpx.Response | None = None
            try:
                response = self.inner.handle_request(request)
            except httpx.TransportError:
                if retry + 1 >= self.policy.attempts or not is_idempotent(request):
                    raise
            else:
                if deleted_before(request, retry, response):
                    response.read()
                    response.close()
                    return _deleted(request)
                if (
                    response.status_code not in RETRIED_STATUSES
                    or retry + 1 >= self.policy.attempts
                    or not is_idempotent(request)
                ):
                    return response
                response.read()
                response.close()
            retry += 1
            self.retries += 1
            self.sleep(self.policy.wait(retry, response, self.rng))

    def close(self) -> None:
        self.inner.close()


class AsyncRetryingTransport(httpx.AsyncBaseTransport):
    """The same for the generated `asyncio` functions."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport | None = None,
        policy: RetryPolicy = RetryPolicy(),
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.policy = policy
        self.rng = rng or random.Random()
        self.retries = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import asyncio

        await request.aread()
        retry = 0
        while True:
            response: httpx.Response | None = None
            try:
                response = await self.inner.handle_async_request(request)
            except httpx.TransportError:
                if retry + 1 >= self.policy.attempts or not is_idempotent(request):
                    raise
            else:
                if deleted_before(request, retry, response):
                    await response.aread()
                    await response.aclose()
                    return _deleted(request)
                if (
                    response.status_code not in RETRIED_STATUSES
                    or retry + 1 >= self.policy.attempts
                    or not is_idempotent(request)
                ):
                    return response
                await response.aread()
                await response.aclose()
            retry += 1
            self.retries += 1
            await asyncio.sleep(self.policy.wait(retry, response, self.rng))

    async def aclose(self) -> None:
        await self.inner.aclose()
