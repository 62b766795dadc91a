"""API-key authentication: `Authorization: Bearer rz_...`, a short in-process cache, and scope checks.

`authorize(scope)` is the dependency a route declares; it resolves the key (from the cache, or through
`application.api_keys.authenticate`) and refuses it without the scope. Only successful lookups are
cached, keyed by a hash of the token, for `Services.api_key_cache_seconds` (the revocation delay).
`check_route_key(request)` runs the same check for errors FastAPI raises before any dependency (a body
that is not JSON), so that a caller without a valid key learns nothing but 401.

The check is a coroutine: a cached key is answered on the event loop, and only a lookup in the
database goes to the thread pool.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from adapters.http.consistency import refuse_malformed_token
from adapters.http.deps import services_of
from application.api_keys import ApiKey, ApiKeyUnitOfWork, Scope, authenticate

_MAX_CACHED = 10_000

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    bearerFormat="rz_<key id>_<secret>",
    description="An API key created with `razao api-keys create`; scopes: ledger:read, ledger:write, admin.",
)


class ApiKeyCache:
    """Successful token lookups for `ttl` seconds. Safe to share between threads (dict operations)."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._keys: dict[str, tuple[ApiKey, float]] = {}

    @staticmethod
    def _digest(token: str | None) -> str:
        return hashlib.sha256(token.encode()).hexdigest() if token else ""

    def cached(self, token: str | None) -> ApiKey | None:
        """The key `token` names if a lookup succeeded less than `ttl` seconds ago (no I/O)."""
        hit = self._keys.get(self._digest(token))
        return hit[0] if hit is not None and hit[1] > self._clock() else None

    def authenticate(self, token: str | None, uow: Callable[[], ApiKeyUnitOfWork]) -> ApiKey:
        hit = self.cached(token)
        if hit is not None:
            return hit
        digest, now = self._digest(token), self._clock()
        key = authenticate(token, uow())
        if self._ttl > 0:
            if len(self._keys) >= _MAX_CACHED:
                live = {d: entry for d, entry in self._keys.items() if entry[1] > now}
                self._keys = live if len(live) < _MAX_CACHED else {}
            self._keys[digest] = (key, now + self._ttl)
        return key


class RequireScope:
    """The dependency that requires an API key with `scope` (admin implies every scope)."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    async def __call__(
        self, request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer)
    ) -> ApiKey:
        cache: ApiKeyCache = request.app.state.api_key_cache
        token = credentials.credentials if credentials else None
        key = cache.cached(token)
        if key is None:
            key = await run_in_threadpool(cache.authenticate, token, services_of(request).uow)
        key.require(self.scope)
        refuse_malformed_token(request.scope)
        return key


def authorize(scope: Scope) -> Any:
    return Security(RequireScope(scope), scopes=[scope.value])


async def check_route_key(request: Request) -> None:
    """Run the key check of the route the request matched, if it has one: raises `Unauthenticated` or
    `Forbidden` (used where FastAPI failed before it ran the route's dependencies)."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    for dependency in getattr(dependant, "dependencies", ()):
        if isinstance(dependency.call, RequireScope):
            credentials = await bearer(request)
            await dependency.call(request, credentials)
