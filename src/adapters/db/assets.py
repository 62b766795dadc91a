"""The asset repository (registered custom assets and built-in currencies stored on first use)."""

from __future__ import annotations

from sqlalchemy import insert, select

from adapters.db.models import assets
from adapters.db.tx import Tx
from domain.assets import Asset

_COLUMNS = (assets.c.code, assets.c.scale)


class SqlAssetRepository:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def get(self, code: str) -> Asset | None:
        row = self._tx.execute(select(*_COLUMNS).where(assets.c.code == code)).first()
        return None if row is None else Asset(row.code, row.scale)

    def add(self, asset: Asset) -> None:
        self._tx.execute(insert(assets).values(code=asset.code, scale=asset.scale))

    def all(self) -> list[Asset]:
        rows = self._tx.execute(select(*_COLUMNS).order_by(assets.c.code))
        return [Asset(row.code, row.scale) for row in rows]
