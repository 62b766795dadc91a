"""Asset use cases: register custom assets (idempotently), list every known asset."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from application.assets import list_assets, register_asset
from domain.assets import Asset
from domain.errors import IdempotencyConflict, ValidationError
from tests.fakes import FakeUnitOfWork, InMemoryStore

Uow = Callable[[], FakeUnitOfWork]


def test_registering_a_custom_asset_and_again_is_a_replay(store: InMemoryStore, uow: Uow) -> None:
    first = register_asset("POINTS", 0, uow())
    again = register_asset("POINTS", 0, uow())
    assert (first.replayed, again.replayed) == (False, True)
    assert store.assets == {"POINTS": Asset("POINTS", 0)}


def test_registering_a_used_code_with_another_scale_is_a_conflict(store: InMemoryStore, uow: Uow) -> None:
    register_asset("POINTS", 0, uow())
    with pytest.raises(IdempotencyConflict):
        register_asset("POINTS", 2, uow())
    assert store.assets["POINTS"].scale == 0


@pytest.mark.parametrize(("code", "scale"), [("USD", 2), ("JPY", 0), ("bad code", 2), ("POINTS", 19)])
def test_iso_codes_and_invalid_assets_cannot_be_registered(
    store: InMemoryStore, uow: Uow, code: str, scale: int
) -> None:
    with pytest.raises(ValidationError):
        register_asset(code, scale, uow())
    assert store.assets == {}


def test_the_asset_list_holds_every_currency_and_the_custom_assets_by_code(uow: Uow) -> None:
    register_asset("POINTS", 0, uow())
    register_asset("AIRMILES", 0, uow())
    assets = list_assets(uow())
    codes = [a.code for a in assets]
    assert codes == sorted(codes)
    assert {"AIRMILES", "POINTS", "BRL", "JPY", "KWD"} <= set(codes)
    assert Asset("KWD", 3) in assets and Asset("JPY", 0) in assets
