"""Use cases for assets: register a custom asset, list the known ones."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports import UnitOfWork
from domain.assets import Asset, builtin_asset, builtin_assets
from domain.errors import IdempotencyConflict, ValidationError


@dataclass(frozen=True, slots=True)
class Registered:
    asset: Asset
    replayed: bool


def register_asset(code: str, scale: int, uow: UnitOfWork) -> Registered:
    """Register a custom asset; registering the same code and scale again is a replay."""
    asset = Asset.custom(code, scale)
    with uow:
        known = uow.assets.get(code)
        if known is not None:
            if known.scale != scale:
                raise IdempotencyConflict(
                    f"asset {code} is already registered with scale {known.scale}", asset=code
                )
            return Registered(known, replayed=True)
        uow.assets.add(asset)
        uow.commit()
        return Registered(asset, replayed=False)


def list_assets(uow: UnitOfWork) -> list[Asset]:
    """Every ISO 4217 currency plus the registered custom assets, by code."""
    with uow:
        by_code = {a.code: a for a in builtin_assets()}
        by_code.update({a.code: a for a in uow.assets.all()})
        return [by_code[code] for code in sorted(by_code)]


def resolve_asset(code: str, uow: UnitOfWork) -> Asset:
    """The asset with this code, storing a built-in currency on first use."""
    asset = uow.assets.get(code)
    if asset is not None:
        return asset
    builtin = builtin_asset(code)
    if builtin is None:
        raise ValidationError.of("asset", f"unknown asset {code!r}; register it first")
    uow.assets.add(builtin)
    return builtin
