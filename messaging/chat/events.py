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
from typing import Any

from wholesale import signals
from wholesale.orders.models import Order

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """What a signal becomes in the thread (and, optionally, in the live `order` event)."""

    type: str
    body: str
    data: dict[str, Any] = field(default_factory=dict)
    order_update: dict[str, Any] | None = None


Renderer = Callable[[Order, dict[str, Any]], Event | None]


def _label(order: Order) -> str:
    return f"Order #{order.number}" if order.number else "The order"


def _number(order: Order) -> str:
    return f"#{order.number}" if order.number else ""


def _day(value: Any) -> str:
    if isinstance(value, datetime | date):
        return f"{value:%a} {value:%b} {value.day}, {value.year}"
    return str(value)


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


def _who(kwargs: dict[str, Any]) -> str:
    actor = kwargs.get("actor") or kwargs.get("user") or kwargs.get("by")
    return f" by {actor.name}" if getattr(actor, "name", None) else ""


def _placed(order: Order, kwargs: dict[str, Any]) -> Event:
    who = f" by {order.placed_by.name}" if order.placed_by else ""
    body = f"{_label(order)} placed{who} for delivery on {_day(order.requested_delivery_date)}."
    if order.backorder_of_id:
        body = f"Backorder {_number(order)} created for the quantities not in stock."
    return Event("order_placed", body, {"status": _value(order.status)},
                 {"status": _value(order.status)})


def _status(order: Order, kwargs: dict[str, Any]) -> Event:
    status = _value(kwargs.get("status") or order.status)
    previous = _value(kwargs.get("previous") or kwargs.get("from_status"))
    note = kwargs.get("note")
    body = f"{_label(order)} is now {str(status).replace('_', ' ')}{_who(kwargs)}."
    if note:
        body += f" Note: {note}"
    return Event("status_changed", body, {"status": status, "previous": previous},
                 {"status": status})


def _shipment(order: Order, kwargs: dict[str, Any]) -> Event:
    shipment = kwargs.get("shipment")
    carrier = getattr(shipment, "carrier", None) or kwargs.get("carrier") or "the carrier"
    number = getattr(shipment, "tracking_number", None) or kwargs.get("tracking_number") or ""
    url = getattr(shipment, "tracking_url", None) or kwargs.get("tracking_url")
    body = f"{_label(order)} shipped with {carrier}"
    body += f", tracking {number}" if number else ""
    body += f": {url}" if url and str(url).startswith(("http://", "https://")) else "."
    return Event("shipment", body, {"carrier": carrier, "tracking_number": number,
                                    "tracking_url": url},
                 {"status": _value(order.status)})


def _delay(order: Order, kwargs: dict[str, Any]) -> Event:
    delay = kwargs.get("delay")
    eta = kwargs.get("new_eta") or getattr(delay, "new_eta", None)
    reason = kwargs.get("reason") or getattr(delay, "reason", None) or ""
    body = f"{_label(order)} is delayed; new ETA {_day(eta)}."
    if reason:
        body += f" Reason: {reason}"
    return Event("delay", body, {"new_eta": _iso(eta), "reason": reason},
                 {"status": _value(order.status), "eta": _iso(eta)})


def _delivery_change(verb: str) -> Renderer:
    def render(order: Order, kwargs: dict[str, Any]) -> Event:
        change = kwargs.get("change")
        day = getattr(change, "delivery_date", None) or kwargs.get("delivery_date")
        reason = getattr(change, "reason", None) or kwargs.get("reason") or ""
        body = f"Delivery change {verb}{_who(kwargs)}"
        body += f": deliver on {_day(day)}." if day else "."
        if reason:
            body += f" Reason: {reason}"
        return Event(f"delivery_change_{verb}", body,
                     {"delivery_date": _iso(day), "reason": reason})

    return render


def _expedite(order: Order, kwargs: dict[str, Any]) -> Event:
    reason = kwargs.get("reason") or ""
    body = f"Expedite requested{_who(kwargs)}." + (f" Reason: {reason}" if reason else "")
    return Event("expedite", body, {"reason": reason})


def _backorder_ready(order: Order, kwargs: dict[str, Any]) -> Event:
    return Event("backorder_ready", f"Backorder {_number(order)} is in stock and ready.",
                 {}, {"status": _value(order.status)})


# signal name in wholesale.signals → renderer. The lifecycle signals are subscribed as soon
# as they exist; their expected keyword arguments are listed in docs/chat.md.
RENDERERS: dict[str, Renderer] = {
    "order_placed": _placed,
    "order_status_changed": _status,
    "order_shipped": _shipment,
    "shipment_created": _shipment,
    "order_delayed": _delay,
    "delivery_change_requested": _delivery_change("requested"),
    "delivery_change_accepted": _delivery_change("accepted"),
    "delivery_change_declined": _delivery_change("declined"),
    "order_expedited": _expedite,
    "backorder_ready": _backorder_ready,
}

_connected: list[Callable[..., None]] = []  # strong references for blinker


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
        services.post_event(order, event_type=event.type, body=event.body, data=event.data,
                            order_update=event.order_update)
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
