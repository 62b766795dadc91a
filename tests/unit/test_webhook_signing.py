"""Signing, payload and secrets of the webhooks: what receivers verify with `standardwebhooks`, the body
shared with the feed, the size bound, the encrypted secrets and the send-time SSRF check."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from adapters.http import cursors
from adapters.http.schemas.common import dump_json
from adapters.http.schemas.events import EventOut
from adapters.webhooks import payload
from adapters.webhooks.guard import Refused, UrlGuard, resolve_allowed
from adapters.webhooks.secrets import FernetSecretBox, SecretKeyMissing, dev_key, new_key, new_secret
from adapters.webhooks.sender import HttpSender, sign
from application.feed import Position, StoredEvent
from application.webhook_policy import AllowList, parse_target
from domain.errors import ValidationError

EVENT = StoredEvent(
    id=uuid.UUID("2d7b3c51-4a0e-4e8f-9a1b-6c5d4e3f2a10"),
    position=Position(741, 3),
    type="transfer.posted",
    occurred_at=datetime(2026, 1, 31, 13, 0, 2, 104000, tzinfo=UTC),
    account_ids=(uuid.UUID(int=1), uuid.UUID(int=2)),
    transfer_id=uuid.UUID(int=3),
    job_id=None,
    data={"id": str(uuid.UUID(int=3)), "status": "posted", "description": "é" * 10},
)


def test_a_signature_verifies_with_the_standard_library_and_each_secret_of_a_rotation() -> None:
    old, new = new_secret(), new_secret()
    body = payload.body(EVENT, 10_000)
    now = datetime.now(UTC)
    headers = {
        "webhook-id": str(EVENT.id),
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": sign(str(EVENT.id), now, body, [new, old]),
    }
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new).verify(body, headers)["data"]["id"] == str(EVENT.id)
    assert Webhook(old).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body + b" ", headers)


def test_secrets_are_standard_webhooks_secrets() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and len(Webhook(secret)._whsecret) == 32
    assert new_secret() != secret


def test_the_body_carries_the_event_as_the_feed_answers_it() -> None:
    document = json.loads(payload.body(EVENT, 10_000))
    feed = json.loads(dump_json(EventOut.document(EVENT)))
    assert document["type"] == "transfer.posted"
    assert document["timestamp"] == document["data"]["occurred_at"]
    assert document["data"] == feed
    assert payload.event_cursor(EVENT.position) == cursors.event_cursor(EVENT.position)


def test_an_event_above_the_bound_is_sent_without_its_object() -> None:
    big = StoredEvent(**{**{f: getattr(EVENT, f) for f in EVENT.__slots__}, "data": {"x": "y" * 5000}})
    document = json.loads(payload.body(big, 2048))
    assert document["data"]["data"] is None and document["data"]["data_omitted"] is True
    assert document["data"]["transfer_id"] == str(EVENT.transfer_id)


def test_the_box_encrypts_and_refuses_without_a_key(tmp_path: object) -> None:
    key = new_key()
    box = FernetSecretBox(key)
    secret = new_secret()
    sealed = box.seal(secret)
    assert secret not in sealed and box.open(sealed) == secret
    assert key not in repr(box)
    rotated = FernetSecretBox(f"{new_key()},{key}")  # a new key first: old ciphertexts still open
    assert rotated.open(sealed) == secret
    with pytest.raises(SecretKeyMissing):
        FernetSecretBox(None).seal(secret)
    with pytest.raises(SecretKeyMissing):
        FernetSecretBox(new_key()).open(sealed)


def test_a_development_key_file_is_created_once_and_private(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "var" / "webhook-secret-key"
    box = FernetSecretBox(None, str(path))
    sealed = box.seal("whsec_x")
    assert path.stat().st_mode & 0o777 == 0o600
    assert FernetSecretBox(None, str(path)).open(sealed) == "whsec_x"


def _resolver(*addresses: str):  # type: ignore[no-untyped-def]
    return lambda host, port: list(addresses)


def test_the_guard_checks_every_resolved_address() -> None:
    target = parse_target("https://hooks.example.com/")
    assert resolve_allowed(target, AllowList(), _resolver("93.184.216.34")) == "93.184.216.34"
    with pytest.raises(Refused):
        resolve_allowed(target, AllowList(), _resolver("93.184.216.34", "10.0.0.7"))


def test_create_refuses_a_name_that_resolves_inside_and_accepts_one_that_does_not_resolve() -> None:
    with pytest.raises(ValidationError) as refused:
        UrlGuard(AllowList(), _resolver("169.254.169.254"))("http://metadata.example.com/")
    assert refused.value.issues[0].field == "url"

    def unresolvable(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    UrlGuard(AllowList(), unresolvable)("https://not-yet.example.com/")


def test_the_sender_refuses_a_rebound_name_without_sending() -> None:
    sender = HttpSender(AllowList(), resolver=_resolver("127.0.0.1"))
    started = time.monotonic()
    result = sender.send("http://rebound.example.com/hook", EVENT, [new_secret()])
    sender.close()
    assert result.refused and result.status is None and "loopback" in (result.error or "")
    assert time.monotonic() - started < 5


def test_the_development_key_is_created_once_whoever_starts_first(tmp_path: Path) -> None:
    """The API, the worker and beat start together: they all end up with one key, readable only by
    its owner."""
    path = tmp_path / "var" / "webhook-secret-key"
    with ThreadPoolExecutor(8) as starting:
        keys = list(starting.map(lambda _: dev_key(str(path)), range(16)))
    assert len(set(keys)) == 1 and keys[0] == dev_key(str(path))
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["webhook-secret-key"]
