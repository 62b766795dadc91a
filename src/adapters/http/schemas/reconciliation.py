"""Bodies of the reconciliation endpoints: rules, runs, their results, manual matches."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from adapters.http.schemas.common import NO_NUL, Text, text
from application.reconciliation import MAX_MANUAL, MatchRecord, ResultRow, Run, SavedRule, run_document
from domain.reconciliation import MAX_GROUP, MAX_REGEX, MAX_WINDOW, rule_to_dict

_RULE_ID = "6f2d0c8e-1a4b-4e5f-9c7d-2b3a4c5d6e7f"
_RUN_ID = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
_STATEMENT_ID = "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a"
_ACCOUNT_ID = "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90"
_TRANSFER_ID = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
_ENTRY = f"{_TRANSFER_ID}:posted:0"
#: A ledger entry's key: "<transfer id>:<layer>:<line>".
ENTRY_KEY = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}:posted:[0-9]{1,5}$"

Basis = Annotated[int, Field(ge=0, le=10_000)]
#: A rule's regular expression: text PostgreSQL can store (no NUL), as every text of a body.
Regex = Annotated[str, Field(min_length=1, max_length=MAX_REGEX, pattern=NO_NUL)]


class ReconWeightsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: Annotated[int, Field(ge=0, le=1000)] = 40
    amount: Annotated[int, Field(ge=0, le=1000)] = 30
    date: Annotated[int, Field(ge=0, le=1000)] = 20
    description: Annotated[int, Field(ge=0, le=1000)] = 10
    counterparty: Annotated[int, Field(ge=0, le=1000)] = 10


class ReconRuleIn(BaseModel):
    """A rule's settings; every one has a default (`domain.reconciliation.Rule`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reference": "metadata.invoice", "amount_tolerance": 0, "date_window": 3, "margin": 1000}
            ],
            # the description criteria look for the reference: without one (null) they are off
            "if": {"properties": {"reference": {"type": "null"}}, "required": ["reference"]},
            "then": {
                "properties": {
                    "description_contains": {"const": False},
                    "description_regex": {"type": "null"},
                }
            },
        },
    )

    reference: (
        Annotated[str, Field(pattern=r"^(description|transfer_id|metadata\.[^\x00]{1,100})$")] | None
    ) = Field(
        default="description",
        description="The ledger field the line's reference must equal: `description` (the transfer's), "
        "`transfer_id`, or `metadata.<key>`; null: references are not compared.",
    )
    amount_tolerance: Annotated[int, Field(ge=0, le=10**15)] = Field(
        default=0, description="Largest difference of amounts, in minor units (a gate)."
    )
    date_window: Annotated[int, Field(ge=0, le=MAX_WINDOW)] = Field(
        default=3, description="Largest difference of value dates, in days (a gate)."
    )
    description_contains: bool = Field(
        default=False, description="Score when the line's description contains the ledger reference."
    )
    description_regex: Regex | None = Field(
        default=None,
        description="A regular expression (Python syntax, case-insensitive) finding the reference in the "
        "line's description (its first group, or the whole match); one that does not compile is a 422 on "
        "this field. Needs `reference`.",
    )
    counterparty: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00]*$")] | None = Field(
        default=None, description="The transfer metadata key whose value the line's counterparty must equal."
    )
    weights: ReconWeightsIn | None = Field(default=None, description="Each criterion's weight in the score.")
    min_score: Basis = Field(default=5000, description="The lowest score (basis points) of a candidate.")
    margin: Basis = Field(
        default=1000, description="How far (basis points) the best candidate must beat the runner-up."
    )
    one_to_many: bool = Field(default=True, description="Look for one line settling several entries.")
    many_to_one: bool = Field(default=True, description="Look for several lines settling one entry.")
    max_group: Annotated[int, Field(ge=2, le=MAX_GROUP)] = Field(
        default=6, description="Most members of a group."
    )

    def settings(self) -> dict[str, Any]:
        """The settings given (the others take the rule's defaults)."""
        return self.model_dump(exclude_unset=True)


class ReconRuleSetIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "invoices by metadata", "rule": {"reference": "metadata.invoice"}}]
        },
    )

    name: Annotated[str, text(200, required=True)]
    rule: ReconRuleIn = Field(default_factory=ReconRuleIn)


class ReconRuleSetOut(BaseModel):
    id: UUID
    name: str
    rule: dict[str, Any]
    created_by: str | None
    created_at: datetime

    @classmethod
    def of(cls, saved: SavedRule) -> ReconRuleSetOut:
        return cls(
            id=saved.id,
            name=saved.name,
            rule=rule_to_dict(saved.rule),
            created_by=saved.created_by,
            created_at=saved.created_at,
        )


class ReconRuleSetPage(BaseModel):
    items: list[ReconRuleSetOut]
    next_cursor: str | None


class ReconRunIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"statement_id": _STATEMENT_ID, "rules_id": _RULE_ID, "dry_run": False}],
            # a saved rule set or an inline rule, not both
            "not": {
                "required": ["rules_id", "rule"],
                "properties": {"rules_id": {"type": "string"}, "rule": {"type": "object"}},
            },
        },
    )

    statement_id: UUID = Field(description="The imported statement to reconcile.")
    rules_id: UUID | None = Field(
        default=None, description="A saved rule set (`POST /v1/reconciliation/rules`)."
    )
    rule: ReconRuleIn | None = Field(
        default=None, description="A rule given inline instead (not with `rules_id`)."
    )
    dry_run: bool = Field(default=False, description="Compute and report, store no match.")


class ReconRunOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": _RUN_ID,
                    "statement_id": _STATEMENT_ID,
                    "account_id": _ACCOUNT_ID,
                    "rules_id": _RULE_ID,
                    "rule": {"reference": "description", "date_window": 3},
                    "dry_run": False,
                    "state": "finished",
                    "job_id": "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                    "summary": {
                        "lines": 10,
                        "bank": {"matched": 8, "ambiguous": 1, "unmatched": 1, "already_matched": 0},
                        "ledger": {"matched": 8, "unmatched": 2},
                        "matches": {"one_to_one": 7, "one_to_many": 1, "many_to_one": 0},
                        "unmatched_bank_amount": -1290,
                    },
                    "balance_check": {
                        "checked": True,
                        "as_of": "2026-01-31",
                        "statement_closing_balance": 1523410,
                        "ledger_balance": 1524700,
                        "difference": -1290,
                        "agrees": False,
                    },
                    "created_by": "ops (3f1c0e5a-9b2d-4c7e-8a6f-1d2e3f4a5b6c)",
                    "created_at": "2026-02-01T09:00:00+00:00",
                    "finished_at": "2026-02-01T09:00:04+00:00",
                }
            ]
        }
    )

    id: UUID
    statement_id: UUID
    account_id: UUID
    rules_id: UUID | None
    rule: dict[str, Any]
    dry_run: bool
    state: Literal["queued", "running", "finished", "failed"]
    job_id: UUID | None
    summary: dict[str, Any] | None = Field(
        description="When finished: bank lines matched, ambiguous, unmatched (and already matched by an "
        "earlier run or a person), ledger entries matched and unmatched, matches by strategy, and the sum "
        "of the unmatched lines (signed minor units)."
    )
    balance_check: dict[str, Any] | None = Field(
        description="When finished: the statement's closing balance against the mirror account's balance by "
        "value date at the end of the closing date, and their difference (statement − ledger)."
    )
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, run: Run) -> ReconRunOut:
        return cls.model_validate(run_document(run))


class ReconCandidateOut(BaseModel):
    entries: list[str]
    score: int


class ReconResultOut(BaseModel):
    side: Literal["bank", "ledger"]
    state: Literal["matched", "unmatched", "ambiguous"]
    line_no: int | None = Field(description="The statement line (side `bank`).")
    entry: str | None = Field(description="The ledger entry, `<transfer id>:<layer>:<line>` (side `ledger`).")
    transfer_id: UUID | None
    value_date: date | None
    amount: int | None = Field(description="Signed minor units in the bank's terms (+ money in).")
    group: str | None = Field(description="Links the bank and ledger rows of one match.")
    match_id: UUID | None = Field(description="The stored match (null in a dry run).")
    strategy: Literal["one_to_one", "one_to_many", "many_to_one"] | None
    score: int | None
    candidates: list[ReconCandidateOut] | None = Field(
        description="An ambiguous line's candidates, best first."
    )

    @classmethod
    def of(cls, row: ResultRow) -> ReconResultOut:
        return cls(
            side=row.side,  # type: ignore[arg-type]
            state=row.state,  # type: ignore[arg-type]
            line_no=row.line_no,
            entry=row.key if row.side == "ledger" else None,
            transfer_id=row.transfer_id,
            value_date=row.value_date,
            amount=row.amount,
            group=row.group_key,
            match_id=row.match_id,
            strategy=row.strategy,  # type: ignore[arg-type]
            score=row.score,
            candidates=None if row.candidates is None else [ReconCandidateOut(**c) for c in row.candidates],
        )


class ReconResultPage(BaseModel):
    items: list[ReconResultOut]
    next_cursor: str | None


EntryKey = Annotated[str, Field(pattern=ENTRY_KEY, max_length=60)]


class ReconMatchIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"statement_id": _STATEMENT_ID, "line_nos": [4], "entries": [_ENTRY]}],
            # entries or transfer_ids: one of them, not empty
            "oneOf": [
                {
                    "required": ["entries"],
                    "properties": {"entries": {"minItems": 1}, "transfer_ids": {"maxItems": 0}},
                },
                {
                    "required": ["transfer_ids"],
                    "properties": {"transfer_ids": {"minItems": 1}, "entries": {"maxItems": 0}},
                },
            ],
        },
    )

    statement_id: UUID
    line_nos: Annotated[
        list[Annotated[int, Field(ge=1, le=2**31 - 1)]], Field(min_length=1, max_length=MAX_MANUAL)
    ]
    entries: Annotated[list[EntryKey], Field(max_length=MAX_MANUAL)] = Field(
        default_factory=list, description="Ledger entries (`<transfer id>:posted:<line>`); or `transfer_ids`."
    )
    transfer_ids: Annotated[list[UUID], Field(max_length=MAX_MANUAL)] = Field(
        default_factory=list,
        description="Transfers whose posted entries on the statement's account to match.",
    )


class ReconMatchOut(BaseModel):
    id: UUID
    account_id: UUID
    strategy: Literal["one_to_one", "one_to_many", "many_to_one"]
    origin: Literal["auto", "manual"]
    run_id: UUID | None
    score: int | None
    lines: list[int]
    statement_id: UUID | None
    entries: list[str]
    active: bool
    matched_by: str
    matched_at: datetime
    unmatched_by: str | None
    unmatched_at: datetime | None

    @classmethod
    def of(cls, record: MatchRecord) -> ReconMatchOut:
        return cls(
            id=record.id,
            account_id=record.account_id,
            strategy=record.strategy,  # type: ignore[arg-type]
            origin=record.origin,  # type: ignore[arg-type]
            run_id=record.run_id,
            score=record.score,
            lines=[n for _, n in record.lines],
            statement_id=record.lines[0][0] if record.lines else None,
            entries=list(record.entries),
            active=record.active,
            matched_by=record.matched_by,
            matched_at=record.matched_at,
            unmatched_by=record.unmatched_by,
            unmatched_at=record.unmatched_at,
        )


class ReconBookIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"account_id": _ACCOUNT_ID, "description": "Bank fee"}]},
    )

    account_id: UUID = Field(description="The account on the other side (bank fees, interest earned, ...).")
    description: Text | None = Field(
        default=None, description="The transfer's description; default: the line's."
    )


class ReconBookedOut(BaseModel):
    transfer_id: UUID
    replayed: bool = Field(description="The line's transfer existed already (booked by an earlier call).")
    match: ReconMatchOut
