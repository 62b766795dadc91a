"""API keys: creation (from the CLI), authentication and scopes.

A key is shown once as `rz_<key id>_<secret>`; only a SHA-256 hash of the secret is stored (the
secret has 256 bits of entropy, so a slow hash adds nothing). `admin` implies every other scope.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from application.ports import Clock, IdSource, Transaction
from domain.errors import DomainError, NotFound, ValidationError
from domain.values import check_text


class Scope(StrEnum):
    LEDGER_READ = "ledger:read"
    LEDGER_WRITE = "ledger:write"
    ADMIN = "admin"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    title = "A valid API key is required"


class Forbidden(DomainError):
    code = "forbidden"
    title = "The API key lacks the scope this operation needs"


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: UUID
    name: str
    secret_hash: str
    scopes: frozenset[Scope]
    created_at: datetime
    revoked_at: datetime | None = None

    def allows(self, scope: Scope) -> bool:
        return self.revoked_at is None and (scope in self.scopes or Scope.ADMIN in self.scopes)

    def require(self, scope: Scope) -> None:
        if not self.allows(scope):
            raise Forbidden(f"this operation needs the {scope.value} scope", scope=scope.value)


class ApiKeyRepository(Protocol):
    def add(self, key: ApiKey) -> None: ...
    def get(self, key_id: UUID) -> ApiKey | None: ...
    def all(self) -> list[ApiKey]: ...
    def revoke(self, key_id: UUID, at: datetime) -> bool: ...


class ApiKeyUnitOfWork(Transaction, Protocol):
    api_keys: ApiKeyRepository


_TOKEN = re.compile(r"^rz_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    name: str, scopes: list[str], uow: ApiKeyUnitOfWork, clock: Clock, ids: IdSource
) -> tuple[ApiKey, str]:
    """Create a key; returns it and its token, which is shown only this once."""
    check_text(name, "name", required=True, max_length=200)
    try:
        wanted = frozenset(Scope(s) for s in scopes)
    except ValueError:
        raise ValidationError.of(
            "scopes", "each scope must be one of: " + ", ".join(s.value for s in Scope)
        ) from None
    if not wanted:
        raise ValidationError.of("scopes", "a key needs at least one scope")
    secret = secrets.token_urlsafe(32)
    key = ApiKey(ids.new_id(), name, _hash(secret), wanted, clock.now())
    with uow:
        uow.api_keys.add(key)
        uow.commit()
    return key, f"rz_{key.id.hex}_{secret}"


def authenticate(token: str | None, uow: ApiKeyUnitOfWork) -> ApiKey:
    """The live key a bearer token names, or `Unauthenticated`."""
    match = _TOKEN.match(token or "")
    if match is None:
        raise Unauthenticated("missing or malformed API key")
    with uow:
        key = uow.api_keys.get(UUID(match.group(1)))
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(match.group(2))):
        raise Unauthenticated("unknown API key")
    if key.revoked_at is not None:
        raise Unauthenticated("this API key was revoked")
    return key


def revoke_api_key(key_id: UUID, uow: ApiKeyUnitOfWork, clock: Clock) -> None:
    with uow:
        if not uow.api_keys.revoke(key_id, clock.now()):
            raise NotFound(f"API key {key_id} does not exist")
        uow.commit()


def list_api_keys(uow: ApiKeyUnitOfWork) -> list[ApiKey]:
    with uow:
        return uow.api_keys.all()
