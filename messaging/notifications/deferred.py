"""Notifications worked out after the commit, by the dispatcher.

A placement is the hottest write path: finding who is on the order, reading their
preferences and rendering an email per recipient would be most of its CPU. So its
`order_placed` receiver writes one `PendingEvent` row — the event, the order, the actor
and, per order (the placed one and its backorder), the event key, details and the order's
summary as it is now — and the dispatcher expands it (`expand`) in its next step: the same
`notify_order` as an immediate event, so recipients, channels, preferences, payloads and
templates are those of any other notification, and the content is the order as placed.
Expanding is idempotent (notification keys), so a row expanded twice (a worker died
before deleting it) queues nothing new.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import lazyload, selectinload

from messaging.notifications import outbox, payloads
from messaging.notifications.fanout import notify_order
from messaging.notifications.models import PendingEvent
from wholesale.accounts.models import User
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.tenancy import as_tenant

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5  # an event that fails this often is logged and dropped
BATCH = 100


def defer(event: str, order: Order, actor: User | None,
          parts: list[tuple[Order, str, dict[str, Any]]]) -> None:
    """Queue `event` for expansion after the commit: `parts` are (order, event key,
    details) — each order's notifications, with its summary taken now."""
    payload = {"parts": [
        {"order_id": part.id, "event_key": key,
         "detail": {k: payloads.plain(v) for k, v in detail.items()},
         "summary": payloads.order_summary(part)}
        for part, key, detail in parts]}
    db.session.execute(insert(PendingEvent.__table__).values(
        event=event, order_id=order.id, actor_id=actor.id if actor else None,
        payload=payload, attempts=0, created_at=utcnow()))
    db.session.info[outbox.WAKE_KEY] = True


def expand(limit: int = BATCH) -> int:
    """Turn pending events into notification rows, in the caller's transaction; several
    dispatchers share them (PostgreSQL: `FOR UPDATE SKIP LOCKED`). Returns how many."""
    table = PendingEvent.__table__
    c = table.c
    stmt = select(c.id, c.event, c.actor_id, c.payload, c.attempts).order_by(c.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = db.session.execute(stmt).all()
    if not rows:
        return 0
    try:  # the batch at once: one savepoint, not two statements more per event
        with db.session.begin_nested(), as_tenant(None):
            for row in rows:
                _expand_one(row.event, row.actor_id, row.payload)
        done = [row.id for row in rows]
    except Exception:  # rolled back: again one by one, to keep the others and count its try
        done = _one_by_one(rows)
    if done:
        db.session.execute(delete(table).where(c.id.in_(done)))
    return len(rows)


def _one_by_one(rows: list[Any]) -> list[int]:
    table = PendingEvent.__table__
    c = table.c
    done: list[int] = []
    for row in rows:
        try:
            with db.session.begin_nested(), as_tenant(None):
                _expand_one(row.event, row.actor_id, row.payload)
            done.append(row.id)
        except Exception:
            if row.attempts + 1 >= MAX_ATTEMPTS:
                log.exception("notifications of %s (pending event %s) failed %d times: "
                              "dropped", row.event, row.id, row.attempts + 1)
                done.append(row.id)
            else:
                log.exception("notifications of %s (pending event %s) failed; will retry",
                              row.event, row.id)
                db.session.execute(update(table).where(c.id == row.id)
                                   .values(attempts=c.attempts + 1))
    return done


def _expand_one(event: str, actor_id: int | None, payload: dict[str, Any]) -> None:
    actor = db.session.get(User, actor_id) if actor_id else None
    parts = payload.get("parts", [])
    # What notify_order reads of the orders (ids, sides, contacts), not the fulfilment
    # record the order loads by default (four queries per order).
    orders = {o.id: o for o in db.session.scalars(
        select(Order).where(Order.id.in_([p["order_id"] for p in parts]))
        .options(lazyload(Order.events), lazyload(Order.shipments), lazyload(Order.delays),
                 lazyload(Order.delivery_changes), selectinload(Order.contacts)))}
    for part in parts:
        order = orders.get(part["order_id"])
        if order is None:  # deleted since (its notifications would have gone with it)
            continue
        notify_order(order, event, part["event_key"], part["detail"], actor=actor,
                     summary=part["summary"])
