"""Bodies of the transfer endpoints: the two request forms, batches, two-phase actions, reversals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StrictInt,
    TypeAdapter,
    model_validator,
)

from adapters.http.schemas.common import (
    WHOLE,
    Amount,
    AssetCode,
    Instant,
    InstantIn,
    Metadata,
    Text,
    raise_issues,
)
from application.documents import posting_document, transfer_document
from domain.accounts import Side
from domain.errors import FieldIssue, ValidationError
from domain.ledger import MAX_BATCH, MAX_EACH
from domain.time_basis import Basis
from domain.transfers import (
    MAX_POSTINGS,
    MAX_TIMEOUT_SECONDS,
    Posting,
    ReversalRequest,
    Transfer,
    TransferRequest,
    TransferStatus,
)

_CASH = "1f2e3d4c-5b6a-4789-8abc-def012345678"
_WALLET = "0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90"
_TRANSFER = "7d3c1f9e-8a2b-4c5d-9e0f-1a2b3c4d5e6f"


class PostingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: UUID
    side: Side
    amount: Amount
    asset: AssetCode | None = Field(default=None, description="Optional check of the account's asset.")


_NULL: JsonValue = {"type": "null"}
_ID: JsonValue = {"type": "string", "format": "uuid"}
#: The two forms of a transfer, as JSON Schema states them: `postings` (and none of the two-posting
#: form's fields), or the three fields of the two-posting form, not null (and no `postings`). Each
#: form repeats the schema of the fields it requires, so that it holds alone.
TRANSFER_FORMS: list[JsonValue] = [
    {
        "required": ["postings"],
        "properties": {
            "postings": {"type": "array", "minItems": 2, "maxItems": MAX_POSTINGS},
            "debit_account_id": _NULL,
            "credit_account_id": _NULL,
            "amount": _NULL,
            "asset": _NULL,
        },
    },
    {
        "required": ["debit_account_id", "credit_account_id", "amount"],
        "properties": {
            "postings": _NULL,
            "debit_account_id": _ID,
            "credit_account_id": _ID,
            "amount": TypeAdapter(Amount).json_schema(),
        },
    },
]
#: `timeout_seconds` applies to pending transfers only (`domain.transfers`).
TIMEOUT_ONLY_PENDING: list[JsonValue] = [
    {"properties": {"timeout_seconds": _NULL}},
    {"required": ["pending"], "properties": {"pending": {"const": True}}},
]
_FORMS = "give either postings or debit_account_id, credit_account_id and amount"
_NOT_BOTH = f"not allowed with postings: {_FORMS}"


def _absent(field: str, given: set[str]) -> tuple[str, str, str]:
    """The error of a field its form needs: `null` (given) or missing, as pydantic words them."""
    if field in given:
        return field, "transfer_form", f"must not be null: {_FORMS}"
    return field, "missing", f"Field required: {_FORMS}"


class TransferIn(BaseModel):
    """Either `postings`, or `debit_account_id` + `credit_account_id` + `amount` (the two-posting form)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "allOf": [{"anyOf": TRANSFER_FORMS}, {"anyOf": TIMEOUT_ONLY_PENDING}],
            "examples": [
                {
                    "id": _TRANSFER,
                    "debit_account_id": _CASH,
                    "credit_account_id": _WALLET,
                    "amount": 10050,
                    "description": "Top-up",
                },
                {
                    "id": _TRANSFER,
                    "postings": [
                        {"account_id": _CASH, "side": "debit", "amount": 10050},
                        {"account_id": _WALLET, "side": "credit", "amount": 10050, "asset": "BRL"},
                    ],
                    "pending": True,
                    "timeout_seconds": 3600,
                    "metadata": {"order": "o-981"},
                },
            ],
        },
    )

    id: UUID = Field(description="Chosen by the client; the idempotency key of the transfer.")
    postings: Annotated[list[PostingIn], Field(min_length=2, max_length=MAX_POSTINGS)] | None = None
    debit_account_id: UUID | None = None
    credit_account_id: UUID | None = None
    amount: Amount | None = None
    asset: AssetCode | None = Field(
        default=None, description="Two-posting form: optional check of the asset."
    )
    pending: StrictBool = Field(default=False, description="Hold the amounts (two-phase) instead of posting.")
    timeout_seconds: Annotated[StrictInt, Field(ge=1, le=MAX_TIMEOUT_SECONDS), WHOLE] | None = Field(
        default=None, description="Pending transfers only: expire the hold after this many seconds."
    )
    effective_at: InstantIn | None = Field(default=None, description="When it took effect (default: now).")
    description: Text = ""
    metadata: Metadata = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_form(self) -> TransferIn:
        """Each refusal names its field: a missing or null field of the form the body uses, or each
        field of the other form given beside `postings`. The form is the postings one unless a field
        of the two-posting form is given (so `{"id": ...}` alone is missing `postings`)."""
        simple = {
            "debit_account_id": self.debit_account_id,
            "credit_account_id": self.credit_account_id,
            "amount": self.amount,
        }
        given = self.model_fields_set
        if self.timeout_seconds is not None and not self.pending:
            raise_issues([("timeout_seconds", "pending_only", "applies only to pending transfers")])
        if self.postings is not None:
            extra = [f for f in (*simple, "asset") if getattr(self, f) is not None]
            raise_issues([(f, "transfer_form", _NOT_BOTH) for f in extra])
        elif not given & set(simple):
            raise_issues([_absent("postings", given)])
        else:
            raise_issues([_absent(f, given) for f, value in simple.items() if value is None])
        return self

    def request(self) -> TransferRequest:
        options: dict[str, Any] = {
            "pending": self.pending,
            "timeout_seconds": self.timeout_seconds,
            "effective_at": self.effective_at,
            "description": self.description,
            "metadata": self.metadata,
        }
        if self.postings is None:
            debit, credit, amount = self.debit_account_id, self.credit_account_id, self.amount
            assert debit is not None and credit is not None and amount is not None  # see _one_form
            return TransferRequest.simple(
                self.id,
                debit_account_id=debit,
                credit_account_id=credit,
                amount=amount,
                asset=self.asset,
                **options,
            )
        postings = tuple(Posting(p.account_id, p.side, p.amount, p.asset) for p in self.postings)
        return TransferRequest(self.id, postings, **options)


def requests_of(items: Sequence[TransferIn]) -> list[TransferRequest]:
    """The domain requests of a batch; a rule broken by item i names its fields `transfers[i].…`."""
    requests = []
    for index, item in enumerate(items):
        try:
            requests.append(item.request())
        except ValidationError as error:
            prefix = f"transfers[{index}]."
            issues = [FieldIssue(prefix + issue.field, issue.message) for issue in error.issues]
            raise ValidationError(prefix + error.detail, *issues, **error.context) from None
    return requests


#: The request body of the batch and bulk endpoints: a list of transfers.
_MANY = ConfigDict(
    extra="forbid",
    json_schema_extra={
        "examples": [
            {
                "transfers": [
                    {"id": _TRANSFER, "debit_account_id": _CASH, "credit_account_id": _WALLET, "amount": 500}
                ]
            }
        ]
    },
)


class BatchIn(BaseModel):
    model_config = _MANY

    transfers: Annotated[list[TransferIn], Field(min_length=1, max_length=MAX_BATCH)]


class BulkIn(BaseModel):
    model_config = _MANY

    transfers: Annotated[list[TransferIn], Field(min_length=1, max_length=MAX_EACH)]


class PostPendingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"amount": 2500}]})

    amount: Amount | None = Field(
        default=None, description="Post less than was held (two-posting transfers); the rest is released."
    )


class ReverseIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "description": "Refund of the top-up"}
            ]
        },
    )

    id: UUID = Field(description="Id of the reversing transfer (its idempotency key).")
    description: Text = ""
    metadata: Metadata = Field(default_factory=dict)
    effective_at: InstantIn | None = Field(
        default=None,
        description="The reversal's value date (default: now); in a closed accounting period it is "
        "refused, `409 period_closed`.",
    )

    def request(self, original_id: UUID) -> ReversalRequest:
        return ReversalRequest(self.id, original_id, self.description, self.metadata, self.effective_at)


class PostingOut(BaseModel):
    account_id: UUID
    side: Side
    amount: int
    asset: str | None

    @classmethod
    def of(cls, posting: Posting) -> PostingOut:
        return cls.model_validate(cls.document(posting))

    @staticmethod
    def document(posting: Posting) -> dict[str, Any]:
        """The JSON of a posting (this model's fields), without building the model."""
        return posting_document(posting)


class TransferOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": _TRANSFER,
                    "status": "posted",
                    "two_phase": False,
                    "postings": [
                        {"account_id": _CASH, "side": "debit", "amount": 10050, "asset": "BRL"},
                        {"account_id": _WALLET, "side": "credit", "amount": 10050, "asset": "BRL"},
                    ],
                    "posted": [
                        {"account_id": _CASH, "side": "debit", "amount": 10050, "asset": "BRL"},
                        {"account_id": _WALLET, "side": "credit", "amount": 10050, "asset": "BRL"},
                    ],
                    "description": "Top-up",
                    "metadata": {},
                    "effective_at": "2025-01-31T12:00:01.250000+00:00",
                    "created_at": "2025-01-31T12:00:01.250000+00:00",
                    "timeout_at": None,
                    "resolved_at": None,
                    "reverses_id": None,
                    "reversed_by_id": None,
                }
            ]
        }
    )

    id: UUID
    status: TransferStatus
    two_phase: bool
    postings: list[PostingOut]
    posted: list[PostingOut] = Field(description="What reached posted balances (empty while pending).")
    description: str
    metadata: Metadata
    effective_at: Instant
    created_at: Instant
    timeout_at: Instant | None
    resolved_at: Instant | None
    reverses_id: UUID | None
    reversed_by_id: UUID | None

    @classmethod
    def of(cls, t: Transfer) -> TransferOut:
        return cls.model_validate(cls.document(t))

    @staticmethod
    def document(t: Transfer) -> dict[str, Any]:
        """The JSON of a transfer (this model's fields), without building the model: the write path's
        answers (`deps.json_response`), and the `data` of its events (`application.documents`)."""
        return transfer_document(t)


class BatchOut(BaseModel):
    transfers: list[TransferOut]


class BulkItemOut(BaseModel):
    """One transfer of a bulk request: booked (or replayed), or refused on its own."""

    status: int = Field(description="What this transfer alone would have been answered: 201, or a problem's.")
    replayed: bool = Field(
        default=False, description="`true` when this repeats an earlier identical request."
    )
    transfer: TransferOut | None = Field(default=None, description="The transfer, when it was booked.")
    problem: dict[str, Any] | None = Field(
        default=None, description="Why it was refused: a problem document (see `Problem`), with its `code`."
    )


class BulkOut(BaseModel):
    results: list[BulkItemOut] = Field(description="One result per transfer, in the order they were sent.")


def bulk_item(
    status: int,
    *,
    replayed: bool = False,
    transfer: Transfer | None = None,
    problem: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON of one `BulkItemOut`, without building the model."""
    return {
        "status": status,
        "replayed": replayed,
        "transfer": None if transfer is None else TransferOut.document(transfer),
        "problem": problem,
    }


class TransferPage(BaseModel):
    items: list[TransferOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")
    basis: Basis = Field(
        default=Basis.BOOKED,
        description="What the list is ordered and windowed by: `booked` (booking time) or `effective` "
        "(value date).",
    )
