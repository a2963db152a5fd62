"""Writing the order's timeline: every status change, shipment, delay, delivery change,
expedite, backorder allocation and late notice is one `OrderEvent`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from wholesale.accounts.models import User
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.fulfilment.models import EventKind, OrderEvent, Side
from wholesale.orders.models import Order, OrderStatus

MAX_NOTE = 2000


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO strings, enums as their values."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return getattr(value, "value", value)


def record(
    order: Order,
    kind: EventKind,
    actor: User | None,
    side: Side,
    *,
    from_status: OrderStatus | None = None,
    to_status: OrderStatus | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> OrderEvent:
    event = OrderEvent(
        order_id=order.id, kind=kind, actor_id=actor.id if actor else None, actor=actor,
        side=side, from_status=from_status, to_status=to_status, note=note or "",
        data=_plain(data or {}), created_at=utcnow(),
    )
    order.events.append(event)
    db.session.flush()
    return event


def clean_text(value: object, field: str, *, required: bool, what: str,
               limit: int = MAX_NOTE) -> str:
    """Stripped text, or a 422 on `field`."""
    from wholesale.errors import ValidationFailed

    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed.one(field, "Must be text.")
    text = value.strip()
    if required and not text:
        raise ValidationFailed.one(field, what)
    if len(text) > limit:
        raise ValidationFailed.one(field, f"Keep it under {limit} characters.")
    return text
