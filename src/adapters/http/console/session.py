"""Console sessions: an API key exchanged for a session token kept in an HttpOnly cookie.

The token (256 random bits) is given to the browser once; the store keeps only its SHA-256 hash, the API
key it was opened with and its expiry. A lookup answers the session only while it is unexpired and its
key is not revoked, with the key's current scopes, so revoking a key ends its sessions at once. Signing
out deletes the record: a copied cookie stops working in every process. The store is a port
(`SessionStore`); PostgreSQL's is `adapters.db.console_sessions.SqlSessionStore`.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from application.api_keys import ApiKey, Scope


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    """A live session: who signed in (the API key's id and name), what they may do, until when."""

    key_id: UUID
    key_name: str
    scopes: frozenset[str]
    created_at: datetime
    expires_at: datetime

    def allows(self, scope: Scope) -> bool:
        return scope.value in self.scopes or Scope.ADMIN.value in self.scopes


#: What a store answers for a live session (plain values: the store adapter knows no HTTP type).
SessionRow = tuple[UUID, str, Sequence[str], datetime, datetime]


class SessionStore(Protocol):
    def add(self, token_hash: str, key_id: UUID, created_at: datetime, expires_at: datetime) -> None: ...

    def get(self, token_hash: str, now: datetime) -> SessionRow | None:
        """The session of this hash if it has not expired at `now` and its key is not revoked: its key's
        id, name and scopes, when it was opened and when it expires."""
        ...

    def delete(self, token_hash: str) -> None: ...

    def prune(self, now: datetime) -> int:
        """Delete sessions expired at `now`; returns how many."""
        ...


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Sessions:
    """Opens, finds and ends sessions over a store, with a lifetime of `minutes`."""

    def __init__(self, store: SessionStore, minutes: float) -> None:
        self.store = store
        self.lifetime = timedelta(minutes=minutes)

    def open(self, key: ApiKey, now: datetime) -> tuple[str, datetime]:
        """A new session for `key`: its token (for the cookie, never stored) and its expiry."""
        self.store.prune(now)
        token, expires_at = new_token(), now + self.lifetime
        self.store.add(token_hash(token), key.id, now, expires_at)
        return token, expires_at

    def find(self, token: str | None, now: datetime) -> ConsoleSession | None:
        if not token or len(token) > 128:
            return None
        row = self.store.get(token_hash(token), now)
        if row is None:
            return None
        key_id, key_name, scopes, created_at, expires_at = row
        return ConsoleSession(key_id, key_name, frozenset(scopes), created_at, expires_at)

    def end(self, token: str | None) -> None:
        if token and len(token) <= 128:
            self.store.delete(token_hash(token))


class SignInThrottle:
    """At most `limit` failed sign-ins per client address in `window` seconds (per process).

    It remembers at most `addresses` addresses: past that, the one whose last failure is oldest is
    forgotten first, so that many new addresses cannot clear the failures of a recent one."""

    def __init__(
        self,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        addresses: int = 10_000,
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._addresses = addresses
        #: By address, in the order of their last failure (oldest first).
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(address, deque())
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        return failures

    def blocked(self, address: str) -> bool:
        with self._lock:
            return self._limit > 0 and len(self._recent(address, self._clock())) >= self._limit

    def failed(self, address: str) -> None:
        with self._lock:
            now = self._clock()
            failures = self._recent(address, now)
            failures.append(now)
            # move it to the end: the dict stays in the order of each address's last failure
            self._failures[address] = self._failures.pop(address)
            while len(self._failures) > self._addresses:
                del self._failures[next(iter(self._failures))]
