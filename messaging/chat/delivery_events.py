"""Delivery-run events in the order thread (wholesale/routes' signals): the arrival window
on dispatch, the driver two stops away, a problem at the door (with its photo), the proof of
a delivered stop (signature and photo attached). Registered in events.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wholesale.orders.models import Order


def clock(value: Any) -> str:
    """09:40 → "9:40"."""
    return f"{value.hour}:{value.minute:02d}" if isinstance(value, datetime) else ""


def window_text(kwargs: dict[str, Any]) -> str:
    start, end, eta = kwargs.get("window_start"), kwargs.get("window_end"), kwargs.get("eta")
    if isinstance(eta, datetime):
        # An hour around the planned arrival, inside the receiving window when there is one.
        low, high = eta.timestamp() - 20 * 60, eta.timestamp() + 40 * 60
        if isinstance(start, datetime):
            low = max(low, start.timestamp())
        if isinstance(end, datetime):
            high = min(high, end.timestamp()) if end.timestamp() > low else high
        zone = eta.tzinfo
        return (f"between {clock(datetime.fromtimestamp(low, zone))} and "
                f"{clock(datetime.fromtimestamp(high, zone))}")
    if isinstance(start, datetime) and isinstance(end, datetime):
        return f"between {clock(start)} and {clock(end)}"
    return "today"


def _supplier(order: Order) -> str:
    return getattr(order.supplier, "name", "Your supplier")


def dispatched(order: Order, kwargs: dict[str, Any]) -> Any:
    from messaging.chat.events import Event

    body = f"Your {_supplier(order)} delivery arrives {window_text(kwargs)} today."
    return Event("delivery_window", body, {"window": window_text(kwargs)})


def approaching(order: Order, kwargs: dict[str, Any]) -> Any:
    from messaging.chat.events import Event

    minutes = int(kwargs.get("minutes") or 20)
    return Event("delivery_near", f"Your driver is about {minutes} minutes away.",
                 {"minutes": minutes})


_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


def _image(kwargs: dict[str, Any], key: str, stem: str) -> tuple[tuple[str, bytes], ...]:
    """The signal's checked image ((bytes, content type) or None) as an attachment."""
    image = kwargs.get(key)
    if not image:
        return ()
    data, content_type = image
    return ((f"{stem}.{_EXTENSIONS.get(content_type, 'png')}", data),)


def problem(order: Order, kwargs: dict[str, Any]) -> Any:
    from messaging.chat.events import Event

    kind, note = str(kwargs.get("kind") or ""), str(kwargs.get("note") or "")
    body = f"Delivery problem ({kind}): {note}" if note else f"Delivery problem ({kind})."
    files = _image(kwargs, "photo", f"{kind or 'problem'}-photo")
    return Event("delivery_problem", body, {"kind": kind, "note": note}, files=files)


def proof(order: Order, kwargs: dict[str, Any]) -> Any:
    """The proof of a delivered stop: who took it, with the signature and photo attached."""
    from messaging.chat.events import Event

    recipient = str(kwargs.get("recipient") or "")
    files = (_image(kwargs, "signature", "signature")
             + _image(kwargs, "photo", "delivery-photo"))
    what = " and ".join(key for key in ("signature", "photo") if kwargs.get(key))
    body = f"Proof of delivery: received by {recipient}"
    body += f" ({what} attached)." if what else "."
    return Event("delivery_proof", body, {"recipient": recipient}, files=files)


def running_late(order: Order, kwargs: dict[str, Any]) -> Any:
    from messaging.chat.events import Event

    eta, end = clock(kwargs.get("eta")), clock(kwargs.get("window_end"))
    body = (f"Running late: the driver now expects to reach you around {eta}, after your "
            f"receiving window closes at {end}.")
    return Event("delivery_late", body, {"eta": eta, "window_end": end})


RENDERERS = {
    "delivery_dispatched": dispatched,
    "delivery_approaching": approaching,
    "delivery_problem": problem,
    "delivery_proof": proof,
    "delivery_running_late": running_late,
}
