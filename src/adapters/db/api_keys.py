"""The API key repository (only the SHA-256 of each secret is stored)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, select, update

from adapters.db.models import api_keys
from adapters.db.tx import Tx
from application.api_keys import ApiKey, Scope


def _key(row: Any) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        secret_hash=row.secret_hash,
        scopes=frozenset(Scope(s) for s in row.scopes),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


class SqlApiKeyRepository:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def add(self, key: ApiKey) -> None:
        self._tx.execute(
            insert(api_keys).values(
                id=key.id,
                name=key.name,
                secret_hash=key.secret_hash,
                scopes=sorted(s.value for s in key.scopes),
                created_at=key.created_at,
                revoked_at=key.revoked_at,
            )
        )

    def get(self, key_id: UUID) -> ApiKey | None:
        row = self._tx.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        return None if row is None else _key(row)

    def all(self) -> list[ApiKey]:
        rows = self._tx.execute(select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id))
        return [_key(row) for row in rows]

    def revoke(self, key_id: UUID, at: datetime) -> bool:
        """Revoke the key (a key revoked earlier keeps its first revocation time); False if unknown."""
        result = self._tx.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id)
            .values(revoked_at=func.coalesce(api_keys.c.revoked_at, at))
        )
        return result.rowcount > 0
