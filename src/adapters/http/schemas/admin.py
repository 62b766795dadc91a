"""Bodies of the administrative endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from adapters.http.schemas.health import KERNEL_EXAMPLE, KernelOut
from adapters.http.services import FunctionStat


class FunctionStatOut(BaseModel):
    name: str
    calls: int
    total_time_ms: float
    self_time_ms: float


class FunctionStatsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "name": "post_transfers",
                            "calls": 1200,
                            "total_time_ms": 2410.5,
                            "self_time_ms": 2410.5,
                        }
                    ],
                    "kernel": KERNEL_EXAMPLE,
                }
            ]
        }
    )

    items: list[FunctionStatOut]
    #: "app" and "database": what runs the hot pure functions on each side (as in `/health/ready`).
    kernel: dict[str, KernelOut] = {}

    @classmethod
    def of(cls, stats: list[FunctionStat], kernel: dict[str, dict[str, Any]]) -> FunctionStatsOut:
        return cls(
            kernel={side: KernelOut.model_validate(info) for side, info in kernel.items()},
            items=[
                FunctionStatOut(
                    name=s.name, calls=s.calls, total_time_ms=s.total_time_ms, self_time_ms=s.self_time_ms
                )
                for s in stats
            ],
        )
