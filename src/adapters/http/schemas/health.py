"""Bodies of the health endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class LiveOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: str


class ReadyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "ok", "checks": {"database": "ok"}, "schema_revision": "0001"}]
        }
    )

    status: str
    checks: dict[str, str]
    schema_revision: str | None
