"""API-key authentication: `Authorization: Bearer rz_...`, a short in-process cache, and scope checks.

`authorize(scope)` is the dependency a route declares; it resolves the key (from the cache, or through
`application.api_keys.authenticate`) and refuses it without the scope. Only successful lookups are
cached, keyed by a hash of the token, for `Services.api_key_cache_seconds` (the revocation delay).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from adapters.http.deps import get_services
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

    def authenticate(self, token: str | None, uow: Callable[[], ApiKeyUnitOfWork]) -> ApiKey:
        digest = hashlib.sha256(token.encode()).hexdigest() if token else ""
        hit = self._keys.get(digest)
        now = self._clock()
        if hit is not None and hit[1] > now:
            return hit[0]
        key = authenticate(token, uow())
        if self._ttl > 0:
            if len(self._keys) >= _MAX_CACHED:
                live = {d: entry for d, entry in self._keys.items() if entry[1] > now}
                self._keys = live if len(live) < _MAX_CACHED else {}
            self._keys[digest] = (key, now + self._ttl)
        return key


def authorize(scope: Scope) -> Any:
    """The dependency that requires an API key with `scope` (admin implies every scope)."""

    def require_scope(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer)
    ) -> ApiKey:
        cache: ApiKeyCache = request.app.state.api_key_cache
        key = cache.authenticate(credentials.credentials if credentials else None, get_services(request).uow)
        key.require(scope)
        return key

    return Security(require_scope, scopes=[scope.value])
