"""Late orders.

An order is **late** when the day it is due has passed in the supplier's time zone and it is
neither delivered nor cancelled. It is due on its current ETA — the date of the supplier's
last delay, if any, else the requested (promised) delivery date, which an accepted delivery
change moves. `late` is computed from the data whenever it is read (`late_clause` for
queries, `is_late` for one order), so it is always right.

`flag_late_orders(now)` is for a worker (run it every few minutes): it sends `order_late`
once per order — `orders.late_notified_at` records that it was sent — and writes a timeline
event.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import g, has_app_context
from sqlalchemy import ColumnElement, and_, exists, func, select

from wholesale import signals
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.fulfilment import access, timeline
from wholesale.fulfilment.models import EventKind, Side
from wholesale.orders import rules
from wholesale.orders.models import Order, OrderLine, OrderStatus

# Statuses in which an order can be late (not delivered, not cancelled).
CAN_BE_LATE: tuple[OrderStatus, ...] = (
    OrderStatus.PLACED, OrderStatus.RECEIVED, OrderStatus.PICKING, OrderStatus.PACKED,
    OrderStatus.SHIPPED,
)


def due_date(order: Order) -> date:
    """The order's current ETA."""
    return order.eta or order.requested_delivery_date


def due_column() -> ColumnElement[date]:
    return func.coalesce(Order.eta, Order.requested_delivery_date)


def supplier_today(supplier_id: int, now: datetime | None = None) -> date:
    """Today's date where the supplier works (its ordering rules' time zone); cached per
    request when `now` is not given."""
    cache: dict[int, date] | None = None
    if now is None and has_app_context():
        cache = g.setdefault("_fulfilment_today", {})
        if supplier_id in cache:
            return cache[supplier_id]
    moment = now or utcnow()
    today = moment.astimezone(rules.zone_of(rules.rules_for(supplier_id))).date()
    if cache is not None:
        cache[supplier_id] = today
    return today


def is_late(order: Order, today: date | None = None) -> bool:
    if order.status not in CAN_BE_LATE:
        return False
    return due_date(order) < (today or supplier_today(order.supplier_id))


def late_clause(today: date) -> ColumnElement[bool]:
    """SQL: the order is late on `today` (one supplier's day)."""
    return and_(Order.status.in_(CAN_BE_LATE), due_column() < today)


def days_late(order: Order, today: date | None = None) -> int:
    if not is_late(order, today):
        return 0
    return ((today or supplier_today(order.supplier_id)) - due_date(order)).days


def has_lines() -> ColumnElement[bool]:
    """The order holds something to pick and ship: not the line-less order a placement
    leaves when everything went to its backorder (docs/placement.md#backorders), which is
    never on the board nor late — its backorder is.

    Asked of the lines' table, not the entity: the tenant filter would add its own test of
    the line's order to each probe, and the order is the one the outer query already
    sees."""
    return exists().where(OrderLine.__table__.c.order_id == Order.id)


def flag_late_orders(now: datetime | None = None) -> list[int]:
    """Send `order_late` for every order that became late and was not announced yet;
    returns their ids. The caller (a worker) commits."""
    now = now or utcnow()
    # Anywhere on earth it is at most `now`'s UTC date + 1: a cheap superset first.
    horizon = now.date() + timedelta(days=1)
    stmt = (
        select(Order.id, Order.supplier_id, due_column())
        .where(Order.status.in_(CAN_BE_LATE), Order.late_notified_at.is_(None),
               due_column() < horizon, has_lines())
        .order_by(Order.id)
        .execution_options(all_tenants=True)
    )
    by_supplier: dict[int, list[tuple[int, date]]] = defaultdict(list)
    for order_id, supplier_id, due in db.session.execute(stmt):
        by_supplier[supplier_id].append((order_id, due))
    flagged: list[int] = []
    for supplier_id, candidates in by_supplier.items():
        today = supplier_today(supplier_id, now)
        for order_id, due in candidates:
            if due < today and _flag(order_id, now, today):
                flagged.append(order_id)
    return flagged


def _flag(order_id: int, now: datetime, today: date) -> bool:
    with db.session.begin_nested():
        order = access.lock(order_id, skip_locked=True)
        if order is None or order.late_notified_at is not None or not is_late(order, today):
            return False
        order.late_notified_at = now
        due = due_date(order)
        timeline.record(order, EventKind.LATE, None, Side.SYSTEM,
                        note=f"Past its delivery date ({due.isoformat()}) and not delivered.",
                        data={"due_date": due, "days_late": (today - due).days})
        signals.order_late.send(order.supplier, order=order, actor=None)
    return True
