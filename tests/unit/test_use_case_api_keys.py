"""API keys: creation, authentication by bearer token, revocation and scopes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from application.api_keys import (
    Forbidden,
    Scope,
    Unauthenticated,
    authenticate,
    create_api_key,
    list_api_keys,
    revoke_api_key,
)
from domain.errors import NotFound, ValidationError
from tests.fakes import FakeClock, FakeUnitOfWork, InMemoryStore, SequentialIds

Uow = Callable[[], FakeUnitOfWork]


def test_a_new_key_authenticates_with_its_token_and_stores_only_a_hash(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds
) -> None:
    key, token = create_api_key("ci", ["ledger:read"], uow(), clock, ids)
    prefix = f"rz_{key.id.hex}_"
    assert token.startswith(prefix)
    secret = token.removeprefix(prefix)
    assert len(secret) == 43
    stored = store.api_keys[key.id]
    assert secret not in stored.secret_hash and stored.scopes == frozenset({Scope.LEDGER_READ})
    assert authenticate(token, uow()).id == key.id


@pytest.mark.parametrize("token", [None, "", "Bearer x", "rz_123_abc", "rz_" + "0" * 32 + "_" + "a" * 43])
def test_missing_malformed_or_unknown_tokens_are_unauthenticated(uow: Uow, token: str | None) -> None:
    with pytest.raises(Unauthenticated) as error:
        authenticate(token, uow())
    assert error.value.code == "unauthenticated"


def test_a_wrong_secret_is_unauthenticated(uow: Uow, clock: FakeClock, ids: SequentialIds) -> None:
    key, token = create_api_key("ci", ["admin"], uow(), clock, ids)
    forged = f"rz_{key.id.hex}_{'A' * 43}"
    assert forged != token
    with pytest.raises(Unauthenticated):
        authenticate(forged, uow())


def test_a_revoked_key_no_longer_authenticates(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds
) -> None:
    key, token = create_api_key("ci", ["admin"], uow(), clock, ids)
    revoked_at = clock.advance(60)
    revoke_api_key(key.id, uow(), clock)
    with pytest.raises(Unauthenticated):
        authenticate(token, uow())
    clock.advance(60)
    revoke_api_key(key.id, uow(), clock)
    assert store.api_keys[key.id].revoked_at == revoked_at, "the first revocation time stays"
    assert not store.api_keys[key.id].allows(Scope.LEDGER_READ)


def test_revoking_an_unknown_key_is_not_found(uow: Uow, clock: FakeClock, ids: SequentialIds) -> None:
    with pytest.raises(NotFound):
        revoke_api_key(ids.new_id(), uow(), clock)


@pytest.mark.parametrize(
    ("scopes", "allowed"),
    [
        (["ledger:read"], {Scope.LEDGER_READ}),
        (["ledger:write"], {Scope.LEDGER_WRITE}),
        (["ledger:read", "ledger:write"], {Scope.LEDGER_READ, Scope.LEDGER_WRITE}),
        (["admin"], set(Scope)),
    ],
)
def test_scopes_allow_what_they_name_and_admin_allows_everything(
    uow: Uow, clock: FakeClock, ids: SequentialIds, scopes: list[str], allowed: set[Scope]
) -> None:
    key, _ = create_api_key("key", scopes, uow(), clock, ids)
    for scope in Scope:
        assert key.allows(scope) is (scope in allowed)
        if scope not in allowed:
            with pytest.raises(Forbidden) as error:
                key.require(scope)
            assert error.value.code == "forbidden"
        else:
            key.require(scope)


@pytest.mark.parametrize(
    ("name", "scopes"), [("ci", []), ("ci", ["root"]), ("", ["admin"]), ("x" * 201, ["admin"])]
)
def test_invalid_keys_are_refused_and_nothing_is_stored(
    store: InMemoryStore, uow: Uow, clock: FakeClock, ids: SequentialIds, name: str, scopes: list[str]
) -> None:
    with pytest.raises(ValidationError):
        create_api_key(name, scopes, uow(), clock, ids)
    assert store.api_keys == {}


def test_keys_are_listed_oldest_first(uow: Uow, clock: FakeClock, ids: SequentialIds) -> None:
    first, _ = create_api_key("first", ["admin"], uow(), clock, ids)
    clock.advance(1)
    second, _ = create_api_key("second", ["ledger:read"], uow(), clock, ids)
    assert [k.id for k in list_api_keys(uow())] == [first.id, second.id]


def test_each_token_is_new(uow: Uow, clock: FakeClock, ids: SequentialIds) -> None:
    _, one = create_api_key("a", ["admin"], uow(), clock, ids)
    _, two = create_api_key("a", ["admin"], uow(), clock, ids)
    assert one != two
