"""Money arithmetic for invoices, in Decimal.

Rounding rule (one place): every line is rounded on its own, half up to the cent —
`amount = round(quantity × unit price)`, `tax = round(amount × rate / 100)` — and the
invoice adds up its rounded lines (subtotal, tax, total). So the document always adds up
line by line as printed, and a per-product tax rate is simply that line's rate.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("9999999999.99")  # Numeric(12, 2)


def cents(value: Decimal) -> Decimal:
    """Half up to the cent (2.675 → 2.68; -2.675 → -2.68)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amounts(quantity: int, unit_price: Decimal, rate_percent: Decimal
                 ) -> tuple[Decimal, Decimal]:
    """(amount, tax) of a line, each rounded to the cent."""
    amount = cents(unit_price * quantity)
    return amount, cents(amount * rate_percent / 100)


def parse_amount(value: object) -> Decimal | None:
    """A positive amount with at most two decimals (from a number or a string), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        return None
    if amount != amount.quantize(CENT):
        return None
    return amount.quantize(CENT)


def fmt(amount: Decimal | None, currency: str = "") -> str:
    """`1,234.50 USD`-style text for pages and documents."""
    value = f"{(amount or ZERO):,.2f}"
    return f"{value} {currency}".strip()
