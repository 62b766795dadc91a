"""Bodies of the asset endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from adapters.http.schemas.common import AssetCode
from domain.assets import Asset


class AssetIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"code": "POINTS", "scale": 0}]}
    )

    code: AssetCode = Field(
        description="2 to 32 upper-case letters, digits or `_`, starting with a letter; ISO 4217 codes are built in."
    )
    scale: StrictInt = Field(description="Decimal places of the minor unit (0 to 18).")


class AssetOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "BRL", "scale": 2, "builtin": True}]})

    code: str
    scale: int
    builtin: bool = Field(description="Whether this is an ISO 4217 currency.")

    @classmethod
    def of(cls, asset: Asset) -> AssetOut:
        return cls(code=asset.code, scale=asset.scale, builtin=asset.builtin)


class AssetList(BaseModel):
    items: list[AssetOut]
