"""Bodies of the job endpoints: what a job asks for, and its record (state, progress, result, errors)."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from adapters.http.schemas.common import DayIn, Instant
from application.documents import job_document
from application.jobs import Job

JobKind = Literal[
    "expire-holds", "interest-accrual", "ledger-verification", "journal-sealing", "seal-verification"
]


#: What `post_open_periods` does (an interest accrual's parameter).
POST_OPEN_PERIODS = (
    "Also post the periods still open at `end` (a month, or a policy, that goes on after it), as before"
    " an account is closed. Without it, a period posts once its month (or policy) has ended."
)


class JobIn(BaseModel):
    """Parameters of a job: `interest-accrual` needs `start` and `end` (days, both included) and may
    take `post_open_periods`; the other kinds take none (send `{}` or no body)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"start": "2026-01-01", "end": "2026-01-31"}]}
    )

    start: DayIn | None = None
    end: DayIn | None = None
    post_open_periods: StrictBool | None = Field(default=None, description=POST_OPEN_PERIODS)


class NoParamsIn(BaseModel):
    """A job that takes no parameters: `{}` or no body."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}]})


class AccrualIn(BaseModel):
    """The days to accrue interest for, both included: days that have ended, at most a bit over ten
    years (`application.interest.MAX_DAYS`), `end` not before `start`."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"start": "2026-01-01", "end": "2026-01-31"}]}
    )

    start: DayIn
    end: DayIn
    post_open_periods: StrictBool = Field(default=False, description=POST_OPEN_PERIODS)

    def job(self) -> JobIn:
        return JobIn(start=self.start, end=self.end, post_open_periods=self.post_open_periods)


class ProgressOut(BaseModel):
    processed: int
    total: int | None = Field(description="Known once the job has counted its work.")


class JobOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b9f3c1e-8f2a-4c3b-9d7e-5a6b7c8d9e0f",
                    "kind": "interest-accrual",
                    "state": "running",
                    "params": {"start": "2026-01-01", "end": "2026-01-31"},
                    "progress": {"processed": 400, "total": 1000},
                    "result": {"accounts": 400, "days": 12400, "postings": 400, "amount": 91234},
                    "errors": [],
                    "request_id": "4f1c2b",
                    "created_at": "2026-02-01T03:00:00+00:00",
                    "started_at": "2026-02-01T03:00:01+00:00",
                    "finished_at": None,
                }
            ]
        }
    )

    id: UUID
    kind: str
    state: Literal["queued", "running", "succeeded", "failed"]
    params: dict[str, Any]
    progress: ProgressOut
    result: dict[str, Any] | None
    errors: list[dict[str, Any]]
    request_id: str | None
    created_at: Instant
    started_at: Instant | None
    finished_at: Instant | None

    @classmethod
    def of(cls, job: Job) -> JobOut:
        return cls.model_validate(job_document(job))
