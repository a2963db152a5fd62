"""Notifications of delivery runs (wholesale/routes): the buyer's arrival window on
dispatch, "your driver is about N minutes away", and a problem at the door to the
supplier's staff. Each once per stop (the event key names the stop)."""

from __future__ import annotations

from typing import Any

from messaging.chat.delivery_events import clock, window_text
from messaging.notifications.catalog import SUPPLIER
from messaging.notifications.fanout import notify_order
from wholesale.orders.models import Order


def _stop_id(kwargs: dict[str, Any]) -> Any:
    return getattr(kwargs.get("stop"), "id", None)


def on_dispatched(sender: Any, order: Order, **kwargs: Any) -> None:
    detail = {"window": window_text(kwargs), "supplier": getattr(order.supplier, "name", "")}
    notify_order(order, "delivery_window", f"delivery_window:{_stop_id(kwargs)}", detail,
                 actor=kwargs.get("actor"))


def on_approaching(sender: Any, order: Order, **kwargs: Any) -> None:
    detail = {"minutes": int(kwargs.get("minutes") or 20)}
    notify_order(order, "delivery_near", f"delivery_near:{_stop_id(kwargs)}", detail,
                 actor=kwargs.get("actor"))


def on_problem(sender: Any, order: Order, **kwargs: Any) -> None:
    detail = {"kind": str(kwargs.get("kind") or ""), "note": str(kwargs.get("note") or "")}
    notify_order(order, "delivery_problem",
                 f"delivery_problem:{_stop_id(kwargs)}:{detail['kind']}", detail,
                 actor=kwargs.get("actor"), sides={SUPPLIER})


def on_running_late(sender: Any, order: Order, **kwargs: Any) -> None:
    detail = {"eta": clock(kwargs.get("eta")), "window_end": clock(kwargs.get("window_end"))}
    notify_order(order, "delivery_late", f"delivery_late:{_stop_id(kwargs)}", detail,
                 actor=kwargs.get("actor"))


HANDLERS = {
    "delivery_dispatched": on_dispatched,
    "delivery_approaching": on_approaching,
    "delivery_problem": on_problem,
    "delivery_running_late": on_running_late,
}
