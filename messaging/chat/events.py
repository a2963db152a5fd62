"""Order events in the thread: one table maps a signal of `wholesale.signals` to the function
that words its event message. Adding a signal is one entry in `RENDERERS`; signals that do
not exist (yet) are skipped when subscribing.

Every signal is sent with the supplier organization as sender and the order as `order=`
(other keyword arguments per signal, read defensively). The event message is written in the
transaction of the change (the receiver runs inside it) and broadcast after its commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from messaging.chat import delivery_events
from wholesale import signals
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.transaction_state import lasts_one_transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """What a signal becomes in the thread (and, optionally, in the live `order` event)."""

    type: str
    body: str
    data: dict[str, Any] = field(default_factory=dict)
    order_update: dict[str, Any] | None = None
    files: tuple[tuple[str, bytes], ...] = ()  # (filename, bytes): attached to the message


Renderer = Callable[[Order, dict[str, Any]], Event | None]


def _number(order: Order) -> str:
    """The number people use (`GG-00023`), never the internal id."""
    return order.display_number if order.number else ""


def _label(order: Order) -> str:
    return f"Order {_number(order)}" if order.number else "The order"


def _this(order: Order) -> str:
    """The order inside a sentence: "order GG-00023" or "the order"."""
    return f"order {_number(order)}" if order.number else "the order"


def _day(value: Any) -> str:
    if isinstance(value, datetime | date):
        return f"{value:%a} {value:%b} {value.day}, {value.year}"
    return str(value)


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


def _actor_name(kwargs: dict[str, Any]) -> str | None:
    actor = kwargs.get("actor") or kwargs.get("user") or kwargs.get("by")
    return getattr(actor, "name", None) or None


def _who(kwargs: dict[str, Any]) -> str:
    name = _actor_name(kwargs)
    return f" by {name}" if name else ""


def _placed(order: Order, kwargs: dict[str, Any]) -> Event:
    who = f" by {order.placed_by.name}" if order.placed_by else ""
    body = f"{_label(order)} placed{who} for delivery on {_day(order.requested_delivery_date)}."
    if order.backorder_of_id:
        body = f"Backorder {_number(order)} opened for the quantities{_backorder_of(order)} " \
               "not in stock."
    return Event("order_placed", body, {"status": _value(order.status)}, _order_state(order))


def _backorder_of(order: Order) -> str:
    original = getattr(order, "backorder_of", None)
    return f" of order {_number(original)}" if original is not None and original.number else ""


# status → (what the person did to the order, what happened to it without a person)
_STATUS_WORDS: dict[str, tuple[str, str]] = {
    "placed": ("placed", "was placed"),
    "received": ("marked as received", "was received"),
    "picking": ("started picking", "is being picked"),
    "packed": ("packed", "is packed"),
    "shipped": ("shipped", "has shipped"),
    "delivered": ("marked as delivered", "was delivered"),
    "cancelled": ("cancelled", "was cancelled"),
}


def _status(order: Order, kwargs: dict[str, Any]) -> Event:
    status = _value(kwargs.get("to_status") or order.status)
    previous = _value(kwargs.get("from_status"))
    note = kwargs.get("note")
    done, happened = _STATUS_WORDS.get(str(status), (f"moved to {status}", f"is now {status}"))
    name = _actor_name(kwargs)
    if name and done.startswith("marked as "):
        body = f"{name} marked {_this(order)} as {done.removeprefix('marked as ')}."
    elif name:
        body = f"{name} {done} {_this(order)}."
    else:
        body = f"{_label(order)} {happened}."
    if note:
        body += f" Note: {note}"
    return Event("status_changed", body, {"status": status, "previous": previous},
                 _order_state(order, status))


def _order_state(order: Order, status: Any = None) -> dict[str, Any]:
    """The `order` socket event: the order's status and ETA now."""
    eta = getattr(order, "eta", None) or order.requested_delivery_date
    return {"status": _value(status or order.status), "eta": _iso(eta)}


def _shipment(order: Order, kwargs: dict[str, Any]) -> Event:
    shipment = kwargs.get("shipment")
    carrier = getattr(shipment, "carrier", None) or "the carrier"
    number = getattr(shipment, "tracking_number", None) or ""
    url = getattr(shipment, "tracking_url", None)
    link = url if url and str(url).startswith(("http://", "https://")) else None
    name = _actor_name(kwargs)
    body = f"{name} shipped {_this(order)} with {carrier}" if name else (
        f"{_label(order)} shipped with {carrier}")
    body += f", tracking {number}" if number else ""
    body += f": {link}" if link else "."
    return Event("shipment", body, {"carrier": carrier, "tracking_number": number,
                                    "tracking_url": link}, _order_state(order))


def _delay(order: Order, kwargs: dict[str, Any]) -> Event:
    eta = kwargs.get("new_eta") or getattr(order, "eta", None)
    reason = kwargs.get("reason") or ""
    body = f"{_label(order)} is delayed; new ETA {_day(eta)}."
    if reason:
        body += f" Reason: {reason}"
    return Event("delay", body, {"new_eta": _iso(eta), "previous_eta":
                                 _iso(kwargs.get("previous_eta")), "reason": reason},
                 _order_state(order))


def _delivery_change(verb: str) -> Renderer:
    def render(order: Order, kwargs: dict[str, Any]) -> Event:
        change = kwargs.get("change")
        day = getattr(change, "delivery_date", None)
        location = getattr(change, "delivery_location", None)
        reason = getattr(change, "reason", None) or ""
        note = getattr(change, "response_note", None) or ""
        body = f"Delivery change {verb}{_who(kwargs)}"
        wanted = [f"on {_day(day)}" if day else "",
                  f"to {location.name}" if getattr(location, "name", None) else ""]
        wanted = [w for w in wanted if w]
        body += f": deliver {' '.join(wanted)}." if wanted else "."
        if reason and verb == "requested":
            body += f" Reason: {reason}"
        if note and verb != "requested":
            body += f" Note: {note}"
        return Event(f"delivery_change_{verb}", body,
                     {"change_id": getattr(change, "id", None), "delivery_date": _iso(day),
                      "reason": reason}, _order_state(order) if verb == "accepted" else None)

    return render


def _expedite(order: Order, kwargs: dict[str, Any]) -> Event:
    reason = kwargs.get("reason") or ""
    body = f"Expedite requested{_who(kwargs)}." + (f" Reason: {reason}" if reason else "")
    return Event("expedite", body, {"reason": reason})


def _backorder_ready(order: Order, kwargs: dict[str, Any]) -> Event:
    return Event("backorder_ready", f"Backorder {_number(order)} is in stock and ready.",
                 {}, _order_state(order))


def _late(order: Order, kwargs: dict[str, Any]) -> Event:
    due = getattr(order, "eta", None) or order.requested_delivery_date
    return Event("late", f"{_label(order)} is late: it was due {_day(due)}.",
                 {"due": _iso(due)}, _order_state(order))


def _shipment_problem(order: Order, kwargs: dict[str, Any]) -> Event:
    shipment = kwargs.get("shipment")
    carrier = getattr(shipment, "carrier", "The carrier")
    number = getattr(shipment, "tracking_number", "") or ""
    status = str(kwargs.get("status") or "")
    what = "is sending it back" if status == "RETURNED" else "could not deliver it"
    body = f"{carrier} {what} (tracking {number})."
    details = kwargs.get("details") or ""
    if details:
        body += f" {details}"
    return Event("shipment_problem", body, {"shipment_id": getattr(shipment, "id", None),
                                            "tracking_number": number, "status": status,
                                            "details": details})


def _shipment_voided(order: Order, kwargs: dict[str, Any]) -> Event:
    shipment = kwargs.get("shipment")
    carrier = getattr(shipment, "carrier", None) or "the carrier"
    number = getattr(shipment, "tracking_number", None) or ""
    name = _actor_name(kwargs)
    body = (f"{name} cancelled the {carrier} shipment" if name
            else f"The {carrier} shipment was cancelled")
    body += f" (tracking {number})" if number else ""
    body += f" of {_label(order)}: the label was refunded and the parcel did not leave."
    note = kwargs.get("note") or ""
    if note:
        body += f" {note}"
    return Event("shipment_voided", body, {"shipment_id": getattr(shipment, "id", None),
                                           "tracking_number": number, "note": note},
                 _order_state(order))


# -- invoicing (wholesale/invoicing: kwargs invoice, and hold for the credit signals) ------


def _money(amount: Any, currency: Any) -> str:
    """`1,234.50 USD`."""
    try:
        value = f"{Decimal(str(amount)):,.2f}"
    except (InvalidOperation, ValueError):
        value = str(amount)
    return f"{value} {currency or ''}".strip()


def _short_day(value: Any) -> str:
    """`Dec 29`."""
    if isinstance(value, datetime | date):
        return f"{value:%b} {value.day}"
    return str(value)


def _invoice_url(invoice: Any) -> str | None:
    """The invoice's page, absolute (links in messages start with http:// or https://)."""
    from flask import current_app

    invoice_id = getattr(invoice, "id", None)
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if invoice_id is None or not base.startswith(("http://", "https://")):
        return None
    return f"{base}/invoices/{invoice_id}"


def _invoice_data(invoice: Any) -> dict[str, Any]:
    return {"invoice_id": getattr(invoice, "id", None),
            "number": getattr(invoice, "display_number", None),
            "total": str(getattr(invoice, "total", "")),
            "currency": getattr(invoice, "currency", None),
            "due_date": _iso(getattr(invoice, "due_date", None)),
            "url": _invoice_url(invoice)}


def _with_link(body: str, url: str | None) -> str:
    return f"{body}: {url}" if url else f"{body}."


def _invoice_issued(order: Order, kwargs: dict[str, Any]) -> Event | None:
    invoice = kwargs.get("invoice")
    if invoice is None:
        return None
    body = (f"Invoice {invoice.display_number} issued, due {_short_day(invoice.due_date)} "
            f"\u2014 {_money(invoice.total, invoice.currency)}")
    data = _invoice_data(invoice)
    return Event("invoice_issued", _with_link(body, data["url"]), data)


def _invoice_overdue(order: Order, kwargs: dict[str, Any]) -> Event | None:
    invoice = kwargs.get("invoice")
    if invoice is None:
        return None
    days = kwargs.get("days_overdue")
    balance = getattr(invoice, "balance", invoice.total)
    body = (f"Invoice {invoice.display_number} is overdue: {_money(balance, invoice.currency)} "
            f"was due {_short_day(invoice.due_date)}")
    if isinstance(days, int) and days > 0:
        body += f" ({days} day{'s' if days != 1 else ''} ago)"
    data = {**_invoice_data(invoice), "balance": str(balance), "days_overdue": days}
    return Event("invoice_overdue", _with_link(body, data["url"]), data)


def _invoice_voided(order: Order, kwargs: dict[str, Any]) -> Event | None:
    invoice = kwargs.get("invoice")
    if invoice is None:
        return None
    reason = kwargs.get("reason") or ""
    body = f"Invoice {invoice.display_number} voided{_who(kwargs)}."
    if reason:
        body += f" Reason: {reason}"
    return Event("invoice_voided", body, {**_invoice_data(invoice), "reason": reason})


def _held_for_credit(order: Order, kwargs: dict[str, Any]) -> Event:
    return Event("credit_hold",
                 f"On hold pending credit approval: {_this(order)} would exceed the "
                 "buyer's credit limit.", {"status": "pending"})


def _credit_decided(order: Order, kwargs: dict[str, Any]) -> Event:
    approved = bool(kwargs.get("approved"))
    note = kwargs.get("note") or ""
    if approved:
        body = f"Credit approved{_who(kwargs)}: {_this(order)} goes ahead."
        body += f" Note: {note}" if note else ""
    else:  # the order's cancellation is this same happening (see _is_the_rejection)
        name = _actor_name(kwargs)
        body = (f"{name} rejected {_this(order)} over the credit limit and cancelled it"
                if name else f"{_label(order)} was rejected over the credit limit and cancelled")
        body += f": {note}" if note else "."
    return Event("credit_decided", body,
                 {"status": "approved" if approved else "rejected", "note": note})


# signal name in wholesale.signals → renderer (kwargs as documented in wholesale/signals.py).
RENDERERS: dict[str, Renderer] = {
    "order_placed": _placed,
    "order_status_changed": _status,
    "order_shipped": _shipment,
    "order_delayed": _delay,
    "delivery_change_requested": _delivery_change("requested"),
    "delivery_change_accepted": _delivery_change("accepted"),
    "delivery_change_declined": _delivery_change("declined"),
    "order_expedited": _expedite,
    "backorder_ready": _backorder_ready,
    "order_late": _late,
    "shipment_problem": _shipment_problem,
    "shipment_voided": _shipment_voided,
    "invoice_issued": _invoice_issued,
    "invoice_overdue": _invoice_overdue,
    "invoice_voided": _invoice_voided,
    "order_held_for_credit": _held_for_credit,
    "order_credit_decided": _credit_decided,
    **delivery_events.RENDERERS,
}

_connected: list[Callable[..., None]] = []  # strong references for blinker

# Orders shipped in the current transaction: the status steps a shipment walks the order
# through (to picking, packed, shipped) are part of that one happening, so they update the
# order live but add no message of their own.
_SHIPPED = "messaging.chat.events.shipped"
lasts_one_transaction(_SHIPPED)


def _shipped_now() -> set[int]:
    return db.session().info.setdefault(_SHIPPED, set())


def _is_the_rejection(order: Order, kwargs: dict[str, Any]) -> bool:
    """A cancellation caused by rejecting the order over the credit limit: the rejection's
    own event says so (wholesale/invoicing/credit.py marks the hold rejected first)."""
    from sqlalchemy import select

    from wholesale.invoicing.models import CreditHold, HoldStatus

    if _value(kwargs.get("to_status")) != "cancelled":
        return False
    stmt = select(CreditHold.status).where(CreditHold.order_id == order.id)
    return db.session.scalar(stmt.execution_options(all_tenants=True)) is HoldStatus.REJECTED


def _receiver(name: str, render: Renderer) -> Callable[..., None]:
    from messaging.chat import services

    def receive(sender: Any, **kwargs: Any) -> None:
        order = kwargs.get("order")
        if not isinstance(order, Order):
            log.warning("signal %s without an order; no event message", name)
            return
        event = render(order, kwargs)
        if event is None:
            return
        if name == "order_shipped":
            _shipped_now().add(order.id)
        elif name == "order_status_changed" and (order.id in _shipped_now()
                                                 or _is_the_rejection(order, kwargs)):
            if event.order_update is not None:
                services.post_order_update(order, event.order_update)
            return
        services.post_event(order, event_type=event.type, body=event.body, data=event.data,
                            order_update=event.order_update, files=event.files,
                            fresh=name == "order_placed")
        if name == "order_placed":
            for backorder in order.backorders:
                receive(sender, order=backorder)

    return receive


def subscribe() -> list[str]:
    """Connect every renderer whose signal exists; returns the names subscribed."""
    if _connected:
        return [name for name in RENDERERS if hasattr(signals, name)]
    names = []
    for name, render in RENDERERS.items():
        signal = getattr(signals, name, None)
        if signal is None:
            continue
        receiver = _receiver(name, render)
        signal.connect(receiver, weak=False)
        _connected.append(receiver)
        names.append(name)
    return names
