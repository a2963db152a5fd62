"""Backorders get stock when it arrives.

An order *waits* for stock when some of its lines are not fully reserved: a backorder made
at placement (`backorder_of`; it holds every line of an order placed when nothing was in
stock). When stock of a
product arrives in a warehouse (`stock_received`: a receipt, an adjustment or count that adds
stock, or a CSV import's rows at once), the open orders waiting for that product reserve
what they need from that warehouse, in order of priority (expedited first), then age
(oldest first). This happens in the transaction of the receipt. When an order has
everything reserved it is announced with `backorder_ready` and an event on its timeline.

Locking: the arrival already holds the stock level's row; each waiting order is locked with
SKIP LOCKED, so an order that another transaction is changing right now (a cancel, which
locks the order and then the stock) is skipped rather than deadlocked on; it gets stock at
the next arrival.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select

from wholesale import signals
from wholesale.accounts.models import Organization, User
from wholesale.extensions import db
from wholesale.fulfilment import access, machine, reservations, timeline
from wholesale.fulfilment.models import EventKind, Side
from wholesale.inventory.ledger import get_or_create_level, move
from wholesale.inventory.models import MovementKind, StockLevel
from wholesale.orders.models import Allocation, Order, OrderLine
from wholesale.signals import Arrival

CHUNK = 1000  # products per query when an import announces many arrivals


def _waiting_line(supplier_id: int) -> list[ColumnElement[bool]]:
    """The order line (joined to its order) is the supplier's, open and not fully reserved."""
    reserved = (
        select(func.coalesce(func.sum(Allocation.quantity), 0))
        .where(Allocation.order_line_id == OrderLine.id, Allocation.released_at.is_(None))
        .correlate(OrderLine)
        .scalar_subquery()
    )
    return [Order.supplier_id == supplier_id, Order.status.in_(machine.OPEN),
            OrderLine.quantity > reserved]


def waiting_orders(supplier_id: int, product_id: int) -> list[int]:
    """Ids of the supplier's open orders with a line of `product_id` not fully reserved,
    expedited first, then oldest first."""
    stmt = (
        select(Order.id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(OrderLine.product_id == product_id, *_waiting_line(supplier_id))
        .group_by(Order.id, Order.expedited_at, Order.created_at)
        .order_by(Order.expedited_at.is_(None), Order.created_at, Order.id)
        .execution_options(all_tenants=True)
    )
    return list(db.session.scalars(stmt))


def products_waited_for(supplier_id: int, product_ids: Iterable[int]) -> set[int]:
    """Which of `product_ids` some open order of the supplier is waiting for."""
    ids = sorted(set(product_ids))
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        stmt = (
            select(OrderLine.product_id).distinct()
            .join(Order, Order.id == OrderLine.order_id)
            .where(OrderLine.product_id.in_(ids[start:start + CHUNK]),
                   *_waiting_line(supplier_id))
            .execution_options(all_tenants=True)
        )
        found.update(db.session.scalars(stmt))
    return found


def allocate_arrivals(supplier_id: int, arrivals: Sequence[Arrival]) -> None:
    """`allocate_arrival` for each arrival of a product someone waits for. One query finds
    those first, so a count of 10,000 rows that nobody waits for costs ten queries, not
    20,000."""
    waited = products_waited_for(supplier_id, (a.product_id for a in arrivals))
    for arrival in arrivals:
        if arrival.product_id in waited:
            allocate_arrival(supplier_id, arrival.product_id, arrival.warehouse_id)


def allocate_arrival(supplier_id: int, product_id: int, warehouse_id: int,
                     actor: User | None = None) -> list[Order]:
    """Give the stock available at this warehouse to the orders waiting for the product;
    returns the orders that became fully reserved (announced as ready)."""
    ready: list[Order] = []
    level = get_or_create_level(supplier_id, warehouse_id, product_id)
    for order_id in waiting_orders(supplier_id, product_id):
        available = _available(level.id)
        if available <= 0:
            break
        with db.session.begin_nested():
            order = access.lock(order_id, skip_locked=True)
            if order is None or order.status not in machine.OPEN:
                continue
            taken = _reserve(order, product_id, warehouse_id, level.id, available, actor)
            if taken and reservations.fully_reserved(order):
                timeline.record(order, EventKind.BACKORDER_READY, None, Side.SYSTEM,
                                note="Everything on the order is now in stock and reserved.")
                signals.backorder_ready.send(order.supplier, order=order, actor=None)
                ready.append(order)
    return ready


def _available(level_id: int) -> int:
    row = db.session.execute(
        select(StockLevel.__table__.c.on_hand - StockLevel.__table__.c.reserved)
        .where(StockLevel.__table__.c.id == level_id)).scalar_one()
    return int(row)


def _reserve(order: Order, product_id: int, warehouse_id: int, level_id: int, available: int,
             actor: User | None) -> int:
    taken = 0
    for line in order.lines:
        if line.product_id != product_id:
            continue
        take = min(reservations.waiting(line), available - taken)
        if take <= 0:
            continue
        move(level_id, MovementKind.RESERVATION, reserved=take,
             reason=f"Backorder stock for order {order.display_number}",
             user_id=actor.id if actor else None, order_id=order.id)
        line.allocations.append(Allocation(warehouse_id=warehouse_id, quantity=take,
                                           shipped_quantity=0))
        taken += take
    db.session.flush()
    return taken


# -- wiring ------------------------------------------------------------------------------------


def _on_stock_received(sender: Organization, **kwargs: Any) -> None:
    arrivals = kwargs.get("arrivals")
    if isinstance(arrivals, list) and arrivals:
        allocate_arrivals(sender.id, arrivals)


def subscribe() -> None:
    """Connect the arrival handler (idempotent); called when the app registers fulfilment."""
    signals.stock_received.connect(_on_stock_received, weak=False)
