"""Step definitions of `webhooks.feature`: merchants told of what happens, at their own server.

"the merchant "Hotel" is told of "hold expired" events at its server" creates a webhook endpoint for
the events of that kind concerning the merchant's account (its account code as the prefix), pointed
at a real receiver on 127.0.0.1 (`tests.webhook_receiver.WebhookReceiver`), which checks every
message's signature with the merchant's secret. "the server of "Hotel" has been told" runs the
delivery in this process until nothing is due (`adapters.tasks.webhooks.drain`: what the Celery tasks
run) and reads what the receiver accepted, de-duplicated by message id.

Delivery keeps its own hand-driven clock, whatever the mode: "a minute later the ledger tries again"
moves it on and delivers what became due; nothing sleeps. Webhooks are kept in PostgreSQL in both
execution modes (app, database); the in-memory fakes have no webhook store, so in the memory mode these
scenarios are skipped.

Imported by `conftest.py`, so that the steps are fixtures of every feature test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

import pytest
from pytest_bdd import given, then, when
from sqlalchemy import Engine
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from adapters.db.webhooks import SqlWebhookUnitOfWork
from adapters.system import RandomIds
from adapters.tasks.webhooks import WebhookWorker, drain
from adapters.webhooks.guard import UrlGuard
from adapters.webhooks.secrets import FernetSecretBox, new_key, new_secret
from adapters.webhooks.sender import HttpSender
from application import webhooks
from application.feed import Position, StoredEvent
from application.webhook_policy import AllowList
from application.webhooks import DeliveryPolicy, EndpointSpec
from tests.fakes import FakeClock
from tests.features.conftest import words
from tests.features.driver import EVENT_WORDS, LedgerDriver, code_for
from tests.webhook_receiver import Received, WebhookReceiver

ALLOW = AllowList.parse(["127.0.0.1"])


@dataclass
class Merchant:
    endpoint: webhooks.Endpoint
    secret: str
    server: WebhookReceiver


@dataclass
class Webhooks:
    """One scenario's webhooks: the merchants' endpoints and servers, and the delivery worker."""

    engine: Engine
    clock: FakeClock
    box: FernetSecretBox
    sender: HttpSender
    worker: WebhookWorker
    merchants: dict[str, Merchant] = field(default_factory=dict)

    def close(self) -> None:
        for merchant in self.merchants.values():
            merchant.server.stop()
        self.sender.close()


def _webhooks(ledger: LedgerDriver, request: pytest.FixtureRequest) -> Webhooks:
    assert ledger.mode != "memory", "webhooks.feature is @postgres_only: the fakes have no webhook store"
    found: Webhooks | None = vars(ledger).get("webhooks")
    if found is None:
        engine: Engine = request.getfixturevalue("app_engine")
        clock = FakeClock(datetime.now(UTC))  # the deliveries' own time, moved by hand
        box = FernetSecretBox(new_key())
        sender = HttpSender(ALLOW, timeout=2)
        worker = WebhookWorker(
            lambda: SqlWebhookUnitOfWork(engine), box, sender, clock, DeliveryPolicy(), jitter=lambda: 1.0
        )
        found = Webhooks(engine, clock, box, sender, worker)
        vars(ledger)["webhooks"] = found
        request.addfinalizer(found.close)
    return found


def _delivered(ledger: LedgerDriver, hooks: Webhooks) -> None:
    """Deliver everything that is due now (the events committed so far first become readable)."""
    ledger.settled()
    ledger._settle()
    drain(hooks.worker)


def _event_of(message: Received) -> StoredEvent:
    """The feed's event a message carries (the body's `data` is the event as `GET /v1/events` shows it)."""
    event = message.payload["data"]
    return StoredEvent(
        id=UUID(event["id"]),
        position=Position(0, 0),
        type=event["type"],
        occurred_at=datetime.fromisoformat(event["occurred_at"]),
        account_ids=tuple(UUID(a) for a in event["account_ids"]),
        transfer_id=None if event["transfer_id"] is None else UUID(event["transfer_id"]),
        job_id=None if event["job_id"] is None else UUID(event["job_id"]),
        data=event["data"],
    )


# --- subscribing -------------------------------------------------------------------------------------


@given(words('the merchant "{name:Name}" is told of "{kinds}" events at its server'))
def _(ledger: LedgerDriver, request: pytest.FixtureRequest, name: str, kinds: str) -> None:
    """`kinds`: the feed's words for events, `"payment made" and "hold expired"` for several. Only the
    events concerning the merchant's own account are sent (its account code is the endpoint's prefix)."""
    hooks = _webhooks(ledger, request)
    chosen = [k.strip().strip('"') for k in kinds.replace('" and "', '","').split(",")]
    unknown = [k for k in chosen if k not in EVENT_WORDS]
    assert not unknown, f"unknown kinds of event {unknown}; the kinds are: {', '.join(EVENT_WORDS)}"
    ledger._settle()  # what happened before the merchant subscribed is not sent
    server = WebhookReceiver().start()
    endpoint, secret = webhooks.create_endpoint(
        EndpointSpec(
            url=server.url,
            event_types=[EVENT_WORDS[k][0] for k in chosen],
            account_code_prefix=code_for(name),
        ),
        SqlWebhookUnitOfWork(hooks.engine),
        hooks.box,
        new_secret,
        hooks.clock,
        RandomIds(),
        UrlGuard(ALLOW),
    )
    server.secrets = [secret]
    hooks.merchants[name] = Merchant(endpoint, secret, server)


# --- the merchant's server --------------------------------------------------------------------------


@given(words('the server of "{name:Name}" is down'))
@when(words('the server of "{name:Name}" is down'))
def _(ledger: LedgerDriver, request: pytest.FixtureRequest, name: str) -> None:
    _webhooks(ledger, request).merchants[name].server.outage(True)


@when(words('the server of "{name:Name}" is back'))
def _(ledger: LedgerDriver, request: pytest.FixtureRequest, name: str) -> None:
    _webhooks(ledger, request).merchants[name].server.outage(False)


@when(words("a minute later the ledger tries again"))
def _(ledger: LedgerDriver, request: pytest.FixtureRequest) -> None:
    """The first retry waits a minute (then 2, 4, 8 ... minutes, at most an hour)."""
    hooks = _webhooks(ledger, request)
    hooks.clock.advance(60)
    _delivered(ledger, hooks)


# --- what the merchant was told ---------------------------------------------------------------------


def _told(ledger: LedgerDriver, request: pytest.FixtureRequest, name: str) -> list[list[str]]:
    hooks = _webhooks(ledger, request)
    _delivered(ledger, hooks)
    messages = hooks.merchants[name].server.unique().values()
    return [[ledger.described(e), ledger.about(e)] for e in map(_event_of, messages)]


@then(words('the server of "{name:Name}" has been told, in this order:'))
def _(ledger: LedgerDriver, request: pytest.FixtureRequest, name: str, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    assert header == ["what happened", "about"], f"the columns are: what happened | about, not {header}"
    assert _told(ledger, request, name) == rows


@then(words('the server of "{name:Name}" has been told nothing'))
def _(ledger: LedgerDriver, request: pytest.FixtureRequest, name: str) -> None:
    assert _told(ledger, request, name) == []


@then(words('the server of "{name:Name}" was tried while it was down'))
def _(ledger: LedgerDriver, request: pytest.FixtureRequest, name: str) -> None:
    server = _webhooks(ledger, request).merchants[name].server
    assert any(r.status == 503 for r in server.received), "nothing was sent while the server was down"


@then(words('"{name:Name}" can check with its secret that every message came from the ledger'))
def _(ledger: LedgerDriver, request: pytest.FixtureRequest, name: str) -> None:
    """The `standardwebhooks` library verifies each message's signature with the merchant's secret."""
    merchant = _webhooks(ledger, request).merchants[name]
    received = merchant.server.received
    assert received, "no message arrived"
    for message in received:
        Webhook(merchant.secret).verify(message.body, message.headers)  # raises if it does not match


@then(words('a message to "{name:Name}" whose content was changed fails that check'))
def _(ledger: LedgerDriver, request: pytest.FixtureRequest, name: str) -> None:
    merchant = _webhooks(ledger, request).merchants[name]
    message = merchant.server.received[0]
    forged = json.loads(message.body)
    forged["data"]["data"]["amount"] = 1_000_000
    with pytest.raises(WebhookVerificationError):
        Webhook(merchant.secret).verify(json.dumps(forged).encode(), message.headers)
    with pytest.raises(WebhookVerificationError):  # nor does a message signed with another secret verify
        Webhook(new_secret()).verify(message.body, message.headers)
