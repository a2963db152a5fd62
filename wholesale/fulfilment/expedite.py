"""Expedite: either side flags an open order as urgent, with a reason. Expedited orders
come first in the supplier's board columns and when arriving stock is given to waiting
backorders. Flagging twice is 409 `already_expedited`."""

from __future__ import annotations

from wholesale import signals
from wholesale.accounts.models import User
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.fulfilment import access, machine, timeline
from wholesale.fulfilment.errors import AlreadyExpedited, OrderClosed
from wholesale.fulfilment.models import EventKind
from wholesale.orders.models import Order

MAX_REASON = 500


def expedite(order: Order | int, actor: User, reason: object) -> Order:
    with db.session.begin_nested():
        locked = access.lock(order)
        assert locked is not None
        side = access.side_of(actor, locked)
        if locked.status not in machine.OPEN:
            raise OrderClosed(f"Order {locked.display_number} is {locked.status.value}; it can "
                              "no longer be expedited.")
        if locked.expedited_at is not None:
            raise AlreadyExpedited(f"Order {locked.display_number} is already expedited.")
        text = timeline.clean_text(reason, "reason", required=True, limit=MAX_REASON,
                                   what="Say why the order is urgent.")
        locked.expedited_at = utcnow()
        locked.expedite_reason = text
        db.session.flush()
        timeline.record(locked, EventKind.EXPEDITE, actor, side, note=text)
        signals.order_expedited.send(locked.supplier, order=locked, actor=actor, reason=text)
    return locked
