"""Assets: ISO 4217 scales, custom assets, and exact conversion between decimal text and minor units."""

from __future__ import annotations

import pytest

from domain.assets import ISO_4217, MAX_AMOUNT, Asset, builtin_asset, builtin_assets, check_amount
from domain.errors import ValidationError


@pytest.mark.parametrize(("code", "scale"), [("BRL", 2), ("USD", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4)])
def test_iso_currencies_have_their_minor_units(code: str, scale: int) -> None:
    asset = builtin_asset(code)
    assert asset == Asset(code, scale)
    assert asset is not None and asset.builtin


def test_unknown_code_is_not_a_builtin_currency() -> None:
    assert builtin_asset("POINTS") is None
    assert not Asset("POINTS", 0).builtin
    assert not Asset("BRL", 3).builtin, "a currency with the wrong scale is not the built-in one"


def test_builtin_assets_list_every_iso_code_once_in_order() -> None:
    codes = [a.code for a in builtin_assets()]
    assert codes == sorted(ISO_4217) and len(codes) == len(set(codes))


def test_custom_asset_with_its_own_scale() -> None:
    points = Asset.custom("LOYALTY_POINTS", 0)
    assert (points.code, points.scale, points.builtin) == ("LOYALTY_POINTS", 0, False)
    assert Asset.custom("GOLD_GRAMS", 18).scale == 18


def test_custom_asset_may_not_take_an_iso_code() -> None:
    with pytest.raises(ValidationError) as error:
        Asset.custom("BRL", 2)
    assert error.value.code == "validation_error"
    assert error.value.issues[0].field == "code"


@pytest.mark.parametrize("code", ["", "X", "brl", "1ABC", "AB-C", "A" * 33, "ÁGUA"])
def test_custom_asset_code_must_be_upper_case_letters_digits_or_underscore(code: str) -> None:
    with pytest.raises(ValidationError):
        Asset.custom(code, 2)


@pytest.mark.parametrize("scale", [-1, 19, True, 2.0, "2"])
def test_scale_must_be_an_integer_from_0_to_18(scale: object) -> None:
    with pytest.raises(ValidationError) as error:
        Asset.custom("POINTS", scale)  # type: ignore[arg-type]
    assert error.value.issues[0].field == "scale"


@pytest.mark.parametrize(
    ("asset", "text", "units"),
    [
        (Asset("BRL", 2), "10.50", 1050),
        (Asset("BRL", 2), "10.5", 1050),
        (Asset("BRL", 2), "10", 1000),
        (Asset("BRL", 2), " 0.01 ", 1),
        (Asset("BRL", 2), "-3.07", -307),
        (Asset("JPY", 0), "1500", 1500),
        (Asset("KWD", 3), "1.250", 1250),
        (Asset("KWD", 3), "0.001", 1),
        (Asset("GOLD", 18), "0.000000000000000001", 1),
    ],
)
def test_parse_turns_decimal_text_into_exact_minor_units(asset: Asset, text: str, units: int) -> None:
    assert asset.parse(text) == units


@pytest.mark.parametrize(
    ("asset", "units", "text"),
    [
        (Asset("BRL", 2), 1050, "10.50"),
        (Asset("BRL", 2), 1, "0.01"),
        (Asset("BRL", 2), 0, "0.00"),
        (Asset("BRL", 2), -5, "-0.05"),
        (Asset("JPY", 0), 1500, "1500"),
        (Asset("JPY", 0), -7, "-7"),
        (Asset("KWD", 3), 1, "0.001"),
        (Asset("KWD", 3), 1250, "1.250"),
    ],
)
def test_format_writes_every_minor_digit(asset: Asset, units: int, text: str) -> None:
    assert asset.format(units) == text


@pytest.mark.parametrize(
    ("asset", "text"),
    [(Asset("BRL", 2), "10.505"), (Asset("JPY", 0), "1.5"), (Asset("KWD", 3), "0.0001")],
)
def test_parse_refuses_more_decimals_than_the_scale(asset: Asset, text: str) -> None:
    with pytest.raises(ValidationError) as error:
        asset.parse(text)
    assert error.value.issues[0].field == "amount"


@pytest.mark.parametrize("text", ["", "abc", "1,50", "R$ 10", "NaN", "Infinity", "-inf"])
def test_parse_refuses_text_that_is_not_a_finite_decimal(text: str) -> None:
    with pytest.raises(ValidationError):
        Asset("BRL", 2).parse(text)


@pytest.mark.parametrize("scale", [0, 2])
def test_parse_is_exact_up_to_the_largest_amount(scale: int) -> None:
    asset = Asset("BIG", scale)
    assert asset.parse(asset.format(MAX_AMOUNT)) == MAX_AMOUNT


def test_parse_refuses_extra_decimals_even_on_long_numbers() -> None:
    with pytest.raises(ValidationError):
        Asset("JPY", 0).parse("1234567890123456789012345678.9")


@pytest.mark.parametrize("text", ["sNaN", "1e1000000"])
def test_parse_refuses_signalling_nan_and_overflow_as_validation_errors(text: str) -> None:
    with pytest.raises(ValidationError):
        Asset("BRL", 2).parse(text)


@pytest.mark.parametrize("amount", [1, 1050, MAX_AMOUNT])
def test_check_amount_accepts_positive_integers(amount: int) -> None:
    assert check_amount(amount) == amount


@pytest.mark.parametrize("amount", [0, -1, MAX_AMOUNT + 1, 10.5, 10.0, True, "10", None])
def test_check_amount_refuses_non_integers_and_out_of_range(amount: object) -> None:
    with pytest.raises(ValidationError) as error:
        check_amount(amount)
    assert error.value.code == "validation_error"
