"""Bodies of the asset endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from adapters.http.schemas.common import AssetCode, WholeInt
from domain.assets import ISO_4217, MAX_SCALE, Asset

#: The built-in ISO 4217 codes, which no registered asset may take.
_BUILT_IN: list[JsonValue] = list(sorted(ISO_4217))


class AssetIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"code": "POINTS", "scale": 0}]}
    )

    code: AssetCode = Field(
        description="2 to 32 upper-case letters, digits or `_`, starting with a letter; ISO 4217 codes are built in.",
        json_schema_extra={"not": {"enum": _BUILT_IN}},
    )
    scale: WholeInt = Field(ge=0, le=MAX_SCALE, description="Decimal places of the minor unit (0 to 18).")


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
