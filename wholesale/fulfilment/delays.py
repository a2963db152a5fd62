"""Delays: the supplier posts a new ETA and why. The order keeps every ETA it had (its
`delays`, oldest first), and its current ETA is the last one."""

from __future__ import annotations

from datetime import date, datetime

from wholesale import signals
from wholesale.accounts.models import User
from wholesale.errors import ValidationFailed
from wholesale.extensions import db
from wholesale.fulfilment import access, late, timeline
from wholesale.fulfilment.errors import OrderClosed
from wholesale.fulfilment.models import EventKind, OrderDelay
from wholesale.orders import rules
from wholesale.orders.models import Order


def post_delay(order: Order | int, actor: User | None, *, reason: object, new_eta: object,
               now: datetime | None = None) -> OrderDelay:
    """Set a new ETA (today or later, and not the current one) with a reason. 403 for the
    buyer, 409 for a delivered or cancelled order, 422 for bad fields."""
    with db.session.begin_nested():
        locked = access.lock(order)
        assert locked is not None
        side = access.require_supplier(actor, locked, "posts delays")
        if locked.status not in late.CAN_BE_LATE:
            raise OrderClosed(f"Order {locked.display_number} is {locked.status.value}; "
                              "there is no ETA to change.")
        text = timeline.clean_text(reason, "reason", required=True,
                                   what="Say why the order is delayed; the buyer sees it.")
        eta = _eta(new_eta, locked, now)
        previous = late.due_date(locked)
        delay = OrderDelay(order_id=locked.id, previous_eta=previous, new_eta=eta, reason=text,
                           created_by_id=actor.id if actor else None)
        locked.delays.append(delay)
        locked.eta = eta
        db.session.flush()
        timeline.record(locked, EventKind.DELAY, actor, side, note=text,
                        data={"delay_id": delay.id, "previous_eta": previous, "new_eta": eta})
        signals.order_delayed.send(locked.supplier, order=locked, actor=actor,
                                   previous_eta=previous, new_eta=eta, reason=text)
    return delay


def _eta(value: object, order: Order, now: datetime | None) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationFailed.one("new_eta", "Give the new ETA as YYYY-MM-DD.") from None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationFailed.one("new_eta", "Give the new ETA as YYYY-MM-DD.")
    today = late.supplier_today(order.supplier_id, now)
    if value < today:
        raise ValidationFailed.one("new_eta", f"The new ETA can't be in the past (today is "
                                               f"{rules.describe_date(today)}).")
    if value == late.due_date(order):
        raise ValidationFailed.one("new_eta", f"{rules.describe_date(value)} is already the ETA.")
    if (value - today).days > rules.HORIZON_DAYS:
        raise ValidationFailed.one("new_eta", f"Choose a date within {rules.HORIZON_DAYS} days.")
    return value
