"""Value parsing shared by the catalog, stock and rules APIs, forms and the CSV import:
money (decimal strings, never floats), whole numbers, currency codes."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError, fields

MAX_MONEY = Decimal("9999999999.99")  # Numeric(12, 2)
MAX_INT = 1_000_000_000

# ISO 4217 active currency codes.
_CURRENCY_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
    KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
    MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD
    TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG"""
CURRENCIES = frozenset(_CURRENCY_CODES.split())


class BadValue(ValueError):
    """A value that cannot be parsed; the message is meant for the person who typed it."""


def parse_money(value: Any, *, allow_negative: bool = False) -> Decimal:
    """A price: a decimal string or a number, at most 2 decimals, ≥ 0 (unless allowed)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise BadValue("Must be a decimal amount such as \"12.50\".")
    text = value.strip() if isinstance(value, str) else str(value)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise BadValue("Must be a decimal amount such as \"12.50\".") from None
    if not amount.is_finite():
        raise BadValue("Must be a decimal amount such as \"12.50\".")
    if amount < 0 and not allow_negative:
        raise BadValue("Must not be negative.")
    if abs(amount) > MAX_MONEY:  # before rounding: quantize fails on huge values
        raise BadValue("Too large.")
    if amount != amount.quantize(Decimal("0.01"), rounding="ROUND_DOWN"):
        raise BadValue("Use at most 2 decimal places.")
    return amount.quantize(Decimal("0.01"))


def parse_percent(value: Any) -> Decimal:
    """A percentage between 0 and 100, at most 2 decimals."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise BadValue("Must be a percentage such as \"7.5\".")
    try:
        pct = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise BadValue("Must be a percentage such as \"7.5\".") from None
    if not pct.is_finite():
        raise BadValue("Must be a percentage such as \"7.5\".")
    if not 0 <= pct <= 100:  # before rounding: quantize fails on huge values
        raise BadValue("Must be between 0 and 100.")
    if pct != pct.quantize(Decimal("0.01"), rounding="ROUND_DOWN"):
        raise BadValue("Use at most 2 decimal places.")
    return pct.quantize(Decimal("0.01"))


def parse_whole(value: Any, *, minimum: int | None = None, maximum: int = MAX_INT) -> int:
    """A whole number (an int, or a string of digits from a CSV/form)."""
    if isinstance(value, bool):
        raise BadValue("Must be a whole number.")
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in ("+", "-") else text
        # ASCII only ("²" is a digit to isdigit(), not to int()); a huge one is just too big
        if not (digits.isascii() and digits.isdigit()):
            raise BadValue("Must be a whole number.")
        value = int(text) if len(digits) <= 18 else (-(10**18) if text[0] == "-" else 10**18)
    if not isinstance(value, int):
        raise BadValue("Must be a whole number.")
    if minimum is not None and value < minimum:
        raise BadValue(f"Must be at least {minimum}.")
    if value > maximum:
        raise BadValue(f"Must be at most {maximum:,}.")
    return value


def parse_currency(value: Any) -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in CURRENCIES:
        raise BadValue("Must be an ISO 4217 currency code such as USD or EUR.")
    return code


class Money(fields.Field):
    """Money in JSON: accepts "12.50" or 12.5, answers the string "12.50"."""

    def __init__(self, *, allow_negative: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {"type": "string", "format": "decimal",
                                       "example": "12.50"})
        super().__init__(**kwargs)
        self.allow_negative = allow_negative

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        try:
            return parse_money(value, allow_negative=self.allow_negative)
        except BadValue as exc:
            raise ValidationError(str(exc)) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else f"{Decimal(value):.2f}"


class Percent(fields.Field):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {"type": "string", "format": "decimal", "example": "7.5"})
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        try:
            return parse_percent(value)
        except BadValue as exc:
            raise ValidationError(str(exc)) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else f"{Decimal(value).normalize():f}"


class Whole(fields.Field):
    """A JSON integer (no booleans, no 2.0, no "2")."""

    def __init__(self, *, minimum: int | None = None, maximum: int = MAX_INT,
                 **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {"type": "integer"})
        super().__init__(**kwargs)
        self.minimum, self.maximum = minimum, maximum

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, str):
            raise ValidationError("Must be a whole number.")
        try:
            return parse_whole(value, minimum=self.minimum, maximum=self.maximum)
        except BadValue as exc:
            raise ValidationError(str(exc)) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> int | None:
        return None if value is None else int(value)


class Currency(fields.Field):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {"type": "string", "example": "USD"})
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            return parse_currency(value)
        except BadValue as exc:
            raise ValidationError(str(exc)) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return value


class StrictBool(fields.Boolean):
    """JSON true or false only (not "yes", 1 or "true")."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("Must be true or false.")
        return value
