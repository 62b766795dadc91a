"""Bodies of the webhook endpoints: an endpoint (with its secret, once), its deliveries and attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from adapters.http.schemas.common import WHOLE, Instant, InstantIn, WholeInt
from application import webhook_policy
from application.events import EventType
from application.webhooks import Attempt, Delivery, Endpoint

#: `application.webhook_policy.parse_target`: http(s), a host, an optional port up to 65535, no user
#: name or password, no fragment, no white space or control characters.
_PORT = r"(?::(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
#: A host is a name or an IPv4 address, or an IPv6 address in brackets (`http://[2001:db8::1]:8443/hook`).
_HOST = r"(?:[^\s\x00-\x1f\x7f/?#@:\[\]\\]+|\[[0-9A-Fa-f:.]+\])"
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://" + _HOST + _PORT + r"(?:[/?][^\s\x00-\x1f\x7f#]*)?$"
Url = Annotated[
    str,
    Field(
        min_length=1,
        max_length=webhook_policy.MAX_URL_LENGTH,
        pattern=URL_PATTERN,  # no `format: uri`: a host may be written in Unicode (an IRI)
    ),
]
Text1000 = Annotated[str, Field(max_length=1000, pattern=r"^[^\x00]*$")]
Prefix = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
#: An event type the ledger records (`application.events.EventType`).
TypeName = Annotated[str, Field(max_length=100, json_schema_extra={"enum": [t.value for t in EventType]})]
#: Event types to filter on: at least one (null: every type).
TypeNames = Annotated[list[TypeName], Field(min_length=1, max_length=50)]
InFlight = Annotated[StrictInt, Field(ge=1, le=100), WHOLE]
DeliveryStateName = Literal["pending", "delivering", "succeeded", "failed"]

_ENDPOINT_EXAMPLE: dict[str, Any] = {
    "url": "https://hooks.example.com/razao",
    "description": "Merchant notifications",
    "event_types": ["transfer.posted", "transfer.expired"],
    "account_code_prefix": "merchant:",
}


#: An ordered endpoint (the default) delivers one at a time: `max_in_flight` 1, or absent.
ORDERED_ONE_AT_A_TIME: dict[str, Any] = {
    "anyOf": [
        {"required": ["ordered"], "properties": {"ordered": {"const": False}}},
        {"properties": {"max_in_flight": {"anyOf": [{"const": 1}, {"type": "null"}]}}},
    ]
}


class WebhookIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={**ORDERED_ONE_AT_A_TIME, "examples": [_ENDPOINT_EXAMPLE]}
    )

    url: Url = Field(description="http(s) URL; private, loopback and link-local targets are refused.")
    description: Text1000 = ""
    event_types: TypeNames | None = Field(
        default=None, description="Only these event types (null: every type)."
    )
    account_code_prefix: Prefix | None = Field(
        default=None, description="Only events concerning an account whose code starts with this."
    )
    enabled: StrictBool = True
    ordered: StrictBool = Field(default=True, description="Deliver in event order, one at a time (default).")
    max_in_flight: InFlight | None = Field(
        default=None, description="Unordered only: deliveries in flight at once (default 10)."
    )


class WebhookPatch(BaseModel):
    """Only the fields sent change; `null` clears `event_types` (every type) or `account_code_prefix`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"enabled": False}]})

    # Absent: unchanged. Only `event_types` and `account_code_prefix` may be null (cleared).
    url: Url = None  # type: ignore[assignment]
    description: Text1000 = None  # type: ignore[assignment]
    event_types: TypeNames | None = None
    account_code_prefix: Prefix | None = None
    enabled: StrictBool = None  # type: ignore[assignment]
    ordered: StrictBool = None  # type: ignore[assignment]
    max_in_flight: InFlight = None  # type: ignore[assignment]


class CircuitOut(BaseModel):
    state: Literal["closed", "open", "half_open"]
    consecutive_failures: int
    open_until: Instant | None


class WebhookOut(BaseModel):
    id: UUID
    url: str
    description: str
    event_types: list[str] | None
    account_code_prefix: str | None
    enabled: bool
    ordered: bool
    max_in_flight: int
    circuit: CircuitOut
    previous_secret_expires_at: Instant | None = Field(
        description="While a rotation overlaps: until when the previous secret also signs."
    )
    created_at: Instant
    updated_at: Instant

    @classmethod
    def of(cls, endpoint: Endpoint, now: datetime) -> WebhookOut:
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            description=endpoint.description,
            event_types=None if endpoint.event_types is None else sorted(endpoint.event_types),
            account_code_prefix=endpoint.account_code_prefix,
            enabled=endpoint.enabled,
            ordered=endpoint.ordered,
            max_in_flight=endpoint.max_in_flight,
            circuit=CircuitOut(
                state=webhook_policy.circuit(endpoint.circuit_open_until, now).value,
                consecutive_failures=endpoint.consecutive_failures,
                open_until=endpoint.circuit_open_until,
            ),
            previous_secret_expires_at=(
                endpoint.previous_secret_expires_at
                if endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now
                else None
            ),
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
        )


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="The signing secret (`whsec_...`). Shown only in this answer: store it now."
    )


class WebhookPage(BaseModel):
    items: list[WebhookOut]
    next_cursor: str | None


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"overlap_seconds": 86400}]})

    overlap_seconds: WholeInt = Field(
        default=86400,
        ge=0,
        le=7 * 86400,
        description="How long the current secret keeps signing beside the new one (0: stops at once).",
    )


class SecretOut(BaseModel):
    secret: str = Field(description="The new signing secret. Shown only in this answer: store it now.")
    previous_secret_expires_at: Instant | None


class AttemptOut(BaseModel):
    attempt: int
    attempted_at: Instant
    duration_ms: int
    status_code: int | None
    error: str | None
    outcome: Literal["delivered", "retry", "failed"]
    next_try_at: Instant | None

    @classmethod
    def of(cls, a: Attempt) -> AttemptOut:
        return cls(
            attempt=a.attempt,
            attempted_at=a.attempted_at,
            duration_ms=a.duration_ms,
            status_code=a.status_code,
            error=a.error,
            outcome=a.outcome,  # type: ignore[arg-type]
            next_try_at=a.next_try_at,
        )


class DeliveryOut(BaseModel):
    id: UUID
    event_id: UUID = Field(description="The `webhook-id` header: the same on every attempt and re-send.")
    event_type: str
    occurred_at: Instant
    state: DeliveryStateName
    attempts: int = Field(description="Attempts since it was created or last re-sent.")
    next_attempt_at: Instant | None = Field(description="When it is tried next (pending only).")
    last_status: int | None
    last_error: str | None
    created_at: Instant
    first_attempt_at: Instant | None
    delivered_at: Instant | None

    @classmethod
    def of(cls, d: Delivery) -> DeliveryOut:
        return cls(
            id=d.id,
            event_id=d.event_id,
            event_type=d.event_type,
            occurred_at=d.occurred_at,
            state=d.state,  # type: ignore[arg-type]
            attempts=d.attempts,
            next_attempt_at=d.next_attempt_at if d.state == "pending" else None,
            last_status=d.last_status,
            last_error=d.last_error,
            created_at=d.created_at,
            first_attempt_at=d.first_attempt_at,
            delivered_at=d.delivered_at,
        )


class DeliveryDetail(DeliveryOut):
    history: list[AttemptOut] = Field(description="Every attempt, oldest first (re-sends included).")


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


class ResendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: InstantIn | None = Field(default=None, description="Only deliveries created at or after this.")


class ResendOut(BaseModel):
    resent: int = Field(description="Failed deliveries made pending again.")
