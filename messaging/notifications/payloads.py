"""The JSON payload templates render from: the order's summary, the event's details, the
recipient and the links. Plain values only (strings, numbers), so it can be stored and
rendered again later."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from messaging.notifications import links
from wholesale.orders.models import Order

MAX_LINES = 8


def day(value: Any) -> str | None:
    """`Tue Mar 4, 2025` for dates and datetimes; other values as text."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime | date):
        return f"{value:%a} {value:%b} {value.day}, {value.year}"
    return str(value)


def plain(value: Any) -> Any:
    """Enums as their value, decimals and dates as text."""
    value = getattr(value, "value", value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def order_number(order: Order) -> str:
    if order.number is None:
        return f"#{order.id}"
    try:
        return order.display_number
    except Exception:  # a supplier name the formatter cannot use
        return f"#{order.number}"


def order_summary(order: Order) -> dict[str, Any]:
    lines = list(order.lines)
    eta = getattr(order, "eta", None)
    status = plain(order.status)
    location = getattr(order.delivery_location, "name", None)
    return {
        "id": order.id,
        "number": order_number(order),
        "status": status,
        "status_label": str(status or "").replace("_", " ").capitalize(),
        "supplier": order.supplier.name,
        "buyer": order.buyer.name,
        "location": location,
        "requested_delivery_date": day(order.requested_delivery_date),
        "eta": day(eta) if eta and eta != order.requested_delivery_date else None,
        "delivery_date": day(eta or order.requested_delivery_date),
        "lines": [
            {"name": line.name, "quantity": line.quantity, "unit": line.unit}
            for line in lines[:MAX_LINES]
        ],
        "more_lines": max(0, len(lines) - MAX_LINES),
        "subtotal": plain(order.subtotal) if order.subtotal is not None else None,
        "currency": order.currency,
    }


def order_links(order_id: int) -> dict[str, str]:
    base = links.base_url()
    short = links.short_url(order_id)
    return {
        "order": short,
        "short": short,
        "thread": base + links.thread_path(order_id),
    }


def recipient_links(ref: str, event: str, channel: str, has_account: bool) -> dict[str, str]:
    result = {"unsubscribe": links.unsubscribe_url(ref, event, channel)}
    if has_account:
        result["preferences"] = links.base_url() + "/settings/notifications"
    return result
