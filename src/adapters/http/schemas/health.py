"""Bodies of the health endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.config import JsonDict


class LiveOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: str


class KernelOut(BaseModel):
    """What runs the hot pure functions on one side: `razao_kernel <version>` (the Rust kernel) or
    `reference` (the Python reference), or null when it cannot be used or told, with the reason."""

    kernel: str | None
    mode: str | None = None
    expected: str | None = None
    found: str | None = None
    reason: str


#: The example of both sides, for the documents that report them.
KERNEL_EXAMPLE: JsonDict = {
    "app": {
        "kernel": "razao_kernel 0.1.0",
        "mode": "auto",
        "expected": "0.1.0",
        "found": "0.1.0",
        "reason": "the kernel is installed at the pinned version",
    },
    "database": {
        "kernel": "reference",
        "mode": "auto",
        "expected": "0.1.0",
        "found": "0.2.0",
        "reason": "razao_kernel 0.2.0 is installed, this code pins 0.1.0: falling back",
    },
}


class ReplicaOut(BaseModel):
    """One read replica as this process last saw it (docs/replicas.md): whether it answered, how far
    behind the primary it was, and whether reads skip it now, and why."""

    name: str
    up: bool
    lag_seconds: float | None = None
    lag_bytes: int | None = None
    replay_lsn: str | None = None
    checked_at: str | None = None
    skipped: bool
    reason: str | None = None


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
                    "kernel": KERNEL_EXAMPLE,
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
    #: "app" and "database": what runs the hot pure functions on each side.
    kernel: dict[str, KernelOut] = {}
    #: The read replicas (RAZAO_REPLICA_URLS), empty without any: one that is down or too far behind is
    #: skipped (its reads go to the primary) and does not make the service unready.
    replicas: list[ReplicaOut] = []
