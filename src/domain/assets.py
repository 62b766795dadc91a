"""Assets (currencies, points, any unit of value) and amounts in integer minor units.

An amount is a plain `int` counted in the asset's minor unit (cents for BRL, yen for JPY). `Asset.parse`
and `Asset.format` convert between that and decimal text exactly; nothing here ever uses floats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from domain.errors import ValidationError

MAX_SCALE = 18
#: Largest amount a single posting may carry; balances are stored as NUMERIC(38, 0).
MAX_AMOUNT = 10**30 - 1
#: Most digits an amount or balance may have in minor units (the columns are NUMERIC(38, 0)).
MAX_DIGITS = 38

_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")

# ISO 4217 active currency codes and their minor units (scale). Codes not listed have scale 2.
_ISO_SCALE_0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_ISO_SCALE_3 = "BHD IQD JOD KWD LYD OMR TND"
_ISO_SCALE_4 = "CLF UYW"
_ISO_SCALE_2 = (
    "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD "
    "CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL "
    "GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR "
    "LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD "
    "PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC "
    "SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
)

ISO_4217: dict[str, int] = {
    **{code: 0 for code in _ISO_SCALE_0.split()},
    **{code: 2 for code in _ISO_SCALE_2.split()},
    **{code: 3 for code in _ISO_SCALE_3.split()},
    **{code: 4 for code in _ISO_SCALE_4.split()},
}


def check_amount(amount: object, field: str = "amount") -> int:
    """Return `amount` if it is a positive integer of minor units within range, else refuse it."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise ValidationError.of(field, "must be an integer number of minor units")
    if amount <= 0:
        raise ValidationError.of(field, "must be greater than zero")
    if amount > MAX_AMOUNT:
        raise ValidationError.of(field, f"must be at most {MAX_AMOUNT}")
    return amount


@dataclass(frozen=True, slots=True)
class Asset:
    """A unit of value: a code (`BRL`, `POINTS`) and a scale, the number of decimal places."""

    code: str
    scale: int

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _CODE.match(self.code):
            raise ValidationError.of(
                "code", "must be 2 to 32 upper-case letters, digits or '_', starting with a letter"
            )
        if not isinstance(self.scale, int) or isinstance(self.scale, bool):
            raise ValidationError.of("scale", "must be an integer")
        if not 0 <= self.scale <= MAX_SCALE:
            raise ValidationError.of("scale", f"must be between 0 and {MAX_SCALE}")

    @property
    def builtin(self) -> bool:
        return ISO_4217.get(self.code) == self.scale

    @classmethod
    def custom(cls, code: str, scale: int) -> Asset:
        """A client-registered asset; ISO 4217 codes are reserved for the built-in currencies."""
        asset = cls(code, scale)
        if code in ISO_4217:
            raise ValidationError.of("code", f"{code} is an ISO 4217 currency and is built in")
        return asset

    def format(self, amount: int) -> str:
        """Minor units as decimal text: `Asset("BRL", 2).format(1050) == "10.50"`."""
        sign = "-" if amount < 0 else ""
        digits = str(abs(amount)).rjust(self.scale + 1, "0")
        if self.scale == 0:
            return sign + digits
        return f"{sign}{digits[: -self.scale]}.{digits[-self.scale :]}"

    def parse(self, text: str) -> int:
        """Decimal text as minor units, exactly; more decimals than the scale is an error.

        Works on the digits (no Decimal arithmetic), so no context precision can round the result.
        """
        try:
            value = Decimal(text.strip())
        except InvalidOperation:
            raise ValidationError.of("amount", f"{text!r} is not a decimal number") from None
        if not value.is_finite():
            raise ValidationError.of("amount", f"{text!r} is not a finite number")
        sign, digits, exponent = value.as_tuple()
        shift = int(exponent) + self.scale
        if shift < 0:
            if any(digits[shift:]):
                raise ValidationError.of("amount", f"{text!r} has more than {self.scale} decimal places")
            digits = digits[:shift]
            shift = 0
        significant = "".join(map(str, digits)).lstrip("0")
        if len(significant) + shift > MAX_DIGITS:
            raise ValidationError.of("amount", f"{text!r} has more than {MAX_DIGITS} digits")
        units = int((significant or "0") + "0" * shift)
        return -units if sign else units


def builtin_asset(code: str) -> Asset | None:
    """The ISO 4217 currency with this code, or None."""
    scale = ISO_4217.get(code)
    return None if scale is None else Asset(code, scale)


def builtin_assets() -> list[Asset]:
    return [Asset(code, scale) for code, scale in sorted(ISO_4217.items())]
