"""Bodies of the health endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class LiveOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: str


class ReadyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ok",
                    "checks": {"database": "ok", "code": "ok"},
                    "schema_revision": "0003_code_1f2e3d4c5b6a",
                    "execution_mode": "db",
                    "app_code_version": "1f2e3d4c5b6a...",
                    "database_code_version": "1f2e3d4c5b6a...",
                }
            ]
        }
    )

    status: str
    checks: dict[str, str]
    schema_revision: str | None
    execution_mode: str | None = None
    app_code_version: str | None = None
    database_code_version: str | None = None
