"""A supplier's ordering rules, applied: delivery dates, quantities, the minimum order.

Delivery dates: an order placed before the daily cut-off (in the supplier's own time zone)
counts as placed that day; at or after the cut-off it counts as placed the next day. The
earliest delivery is then `lead_days` later, moved forward to the next day the supplier
delivers on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import g, has_app_context

from wholesale.catalog.models import Product
from wholesale.errors import ValidationFailed
from wholesale.extensions import db
from wholesale.orders.models import OrderingRules

DEFAULT_DELIVERY_DAYS = "1,2,3,4,5"
DEFAULT_CUTOFF = time(14, 0)
DEFAULT_TIMEZONE = "America/Los_Angeles"
DEFAULT_LEAD_DAYS = 1
MAX_QUANTITY = 1_000_000
HORIZON_DAYS = 365  # how far ahead an order may ask for delivery
DATE_FIELD = "requested_delivery_date"
_MISSING = "_ordering_rules_missing"  # g: suppliers known to have no rules of their own
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def default_rules(supplier_id: int) -> OrderingRules:
    """The rules of a supplier that has not set any (not added to the session)."""
    return OrderingRules(
        supplier_id=supplier_id,
        delivery_days=DEFAULT_DELIVERY_DAYS,
        cutoff_time=DEFAULT_CUTOFF,
        timezone=DEFAULT_TIMEZONE,
        lead_days=DEFAULT_LEAD_DAYS,
        min_order_value=Decimal("0.00"),
        currency="USD",
        low_stock_days=0,
        accepts_backorders=True,
    )


def rules_for(supplier_id: int) -> OrderingRules:
    """The supplier's rules, or the defaults (Mon–Fri, 14:00 cut-off, 1 lead day, no minimum).

    Found rules stay in the session's identity map; a supplier without rules is remembered
    for the request (until `new_rules`), so asking again costs no query either way."""
    missing: set[int] = g.setdefault(_MISSING, set()) if has_app_context() else set()
    if supplier_id not in missing:
        rules = db.session.get(OrderingRules, supplier_id)
        if rules is not None:
            return rules
        missing.add(supplier_id)
    return default_rules(supplier_id)


def new_rules(supplier_id: int) -> OrderingRules:
    """The default rules, added to the session as the supplier's own."""
    rules = default_rules(supplier_id)
    db.session.add(rules)
    if has_app_context():
        g.get(_MISSING, set()).discard(supplier_id)
    return rules


def delivery_weekdays(rules: OrderingRules) -> set[int]:
    """ISO weekdays (1 = Monday … 7 = Sunday); every day if none is set."""
    days = {int(d) for d in (rules.delivery_days or "").split(",") if d.strip().isdigit()}
    days &= set(range(1, 8))
    return days or set(range(1, 8))


def zone_of(rules: OrderingRules) -> ZoneInfo:
    try:
        return ZoneInfo(rules.timezone or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def order_day(rules: OrderingRules, now: datetime) -> date:
    """The day an order placed at `now` counts for (the next day once past the cut-off)."""
    local = _aware(now).astimezone(zone_of(rules))
    cutoff = rules.cutoff_time or DEFAULT_CUTOFF
    return local.date() if local.time() < cutoff else local.date() + timedelta(days=1)


def _next_delivery_day(rules: OrderingRules, start: date) -> date:
    days = delivery_weekdays(rules)
    day = start
    while day.isoweekday() not in days:
        day += timedelta(days=1)
    return day


def earliest_delivery_date(rules: OrderingRules, now: datetime) -> date:
    lead = max(rules.lead_days or 0, 0)
    return _next_delivery_day(rules, order_day(rules, now) + timedelta(days=lead))


def valid_delivery_dates(rules: OrderingRules, now: datetime, count: int = 14) -> list[date]:
    """The next `count` dates an order placed at `now` may ask for, earliest first."""
    dates: list[date] = []
    day = earliest_delivery_date(rules, now)
    while len(dates) < count:
        dates.append(day)
        day = _next_delivery_day(rules, day + timedelta(days=1))
    return dates


def describe_date(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.isoformat()}"


def describe_days(rules: OrderingRules) -> str:
    days = sorted(delivery_weekdays(rules))
    return ", ".join(WEEKDAY_NAMES[d - 1] for d in days)


def check_delivery_date(rules: OrderingRules, requested: date, now: datetime) -> None:
    """ValidationFailed on `requested_delivery_date` unless `requested` is a valid date."""
    if not isinstance(requested, date) or isinstance(requested, datetime):
        raise ValidationFailed.one(DATE_FIELD, "Give the delivery date as YYYY-MM-DD.")
    earliest = earliest_delivery_date(rules, now)
    cutoff = (rules.cutoff_time or DEFAULT_CUTOFF).strftime("%H:%M")
    if requested < earliest:
        raise ValidationFailed.one(
            DATE_FIELD,
            f"{describe_date(requested)} is too early: the earliest delivery date is "
            f"{describe_date(earliest)} (orders placed after {cutoff} {zone_of(rules).key} "
            f"count for the next day; {rules.lead_days} day(s) lead time).",
        )
    if requested.isoweekday() not in delivery_weekdays(rules):
        following = _next_delivery_day(rules, requested)
        raise ValidationFailed.one(
            DATE_FIELD,
            f"No deliveries on {WEEKDAY_NAMES[requested.weekday()]}s (delivery days: "
            f"{describe_days(rules)}); the next delivery date is {describe_date(following)}.",
        )
    if requested > earliest + timedelta(days=HORIZON_DAYS):
        raise ValidationFailed.one(
            DATE_FIELD, f"Choose a delivery date within {HORIZON_DAYS} days."
        )


def _field(field_prefix: str) -> str:
    """`lines.0` → `lines.0.quantity`; a prefix that already names the field is kept."""
    if not field_prefix:
        return "quantity"
    if field_prefix == "quantity" or field_prefix.endswith(".quantity"):
        return field_prefix
    return f"{field_prefix}.quantity"


def smallest_valid_quantity(product: Product) -> int:
    multiple = max(product.order_multiple or 1, 1)
    moq = max(product.min_order_qty or 1, 1)
    return -(-moq // multiple) * multiple


def check_line_quantity(product: Product, quantity: object, field_prefix: str) -> None:
    """ValidationFailed on `<field_prefix>.quantity` unless `quantity` is a whole number > 0,
    at least the product's minimum order quantity, and a multiple of its order multiple."""
    field = _field(field_prefix)
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationFailed.one(field, "Must be a whole number.")
    if quantity <= 0:
        raise ValidationFailed.one(field, "Must be at least 1.")
    if quantity > MAX_QUANTITY:
        raise ValidationFailed.one(field, f"Must be at most {MAX_QUANTITY:,}.")
    moq = max(product.min_order_qty or 1, 1)
    multiple = max(product.order_multiple or 1, 1)
    unit = product.unit or "unit"
    if quantity < moq:
        raise ValidationFailed.one(
            field,
            f"The minimum order for {product.sku} is {moq} {unit}; "
            f"order at least {smallest_valid_quantity(product)}.",
        )
    if quantity % multiple:
        lower = quantity - quantity % multiple
        upper = lower + multiple
        options = [q for q in (lower, upper) if q >= moq]
        raise ValidationFailed.one(
            field,
            f"{product.sku} is sold in multiples of {multiple} {unit}; "
            f"try {' or '.join(str(q) for q in options)}.",
        )


def check_min_order_value(rules: OrderingRules, subtotal: Decimal) -> None:
    """ValidationFailed on `lines` when the order's subtotal is below the supplier's minimum."""
    minimum = rules.min_order_value or Decimal("0")
    if subtotal < minimum:
        short = minimum - subtotal
        raise ValidationFailed.one(
            "lines",
            f"The minimum order value is {minimum:.2f} {rules.currency}; this order comes to "
            f"{subtotal:.2f} {rules.currency} — add {short:.2f} {rules.currency} more.",
        )


def valid_timezone(name: str) -> bool:
    return name in timezones()


@cache
def timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def save_rules(supplier_id: int, data: dict[str, object]) -> OrderingRules:
    """Create or replace the supplier's rules (values already parsed by the caller)."""
    days = sorted(set(data["delivery_days"]))  # type: ignore[call-overload]
    if not days:
        raise ValidationFailed.one("delivery_days", "Choose at least one delivery day.")
    if any(not isinstance(d, int) or not 1 <= d <= 7 for d in days):
        raise ValidationFailed.one("delivery_days", "Use ISO weekdays: 1 = Monday … 7 = Sunday.")
    zone = str(data["timezone"])
    if not valid_timezone(zone):
        raise ValidationFailed.one("timezone", "Not an IANA time zone such as Europe/Paris.")
    rules = db.session.get(OrderingRules, supplier_id)
    if rules is None:
        rules = new_rules(supplier_id)
    rules.delivery_days = ",".join(str(d) for d in days)
    rules.cutoff_time = data["cutoff_time"]  # type: ignore[assignment]
    rules.timezone = zone
    rules.lead_days = data["lead_days"]  # type: ignore[assignment]
    rules.min_order_value = data["min_order_value"]  # type: ignore[assignment]
    if data.get("currency"):
        rules.currency = str(data["currency"])
    db.session.flush()
    return rules
