"""Demo orders in every stage of fulfilment (idempotent): placed, received, picking, packed,
shipped, delivered, cancelled, late, delayed, expedited, partly shipped, with a pending
delivery-change request, and waiting for stock (a backorder).

Each demo order carries a PO number `DEMO-<scenario>`; a scenario whose order exists is
skipped. Orders are placed with the real placement service and worked with the real
fulfilment services, so their stock, ledger, timelines and chat events are all consistent.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from wholesale.accounts.models import Organization, Role, User
from wholesale.catalog.models import Product
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.fulfilment import changes, delays, delivery, expedite, late, machine, shipments
from wholesale.inventory import stock
from wholesale.orders import rules
from wholesale.orders.models import Channel, Order, OrderStatus
from wholesale.orders.placement import place_order
from wholesale.sites.models import DeliveryLocation, Warehouse

S = OrderStatus
MIN_VALUE = Decimal("90")
_OWN_PRODUCTS = [  # used only when the supplier has no catalog yet
    ("FUL-FLOUR-25", "Bread flour, 25 lb", "bag", "21.50", False),
    ("FUL-OIL-3L", "Olive oil, 3 l", "tin", "34.90", False),
    ("FUL-EGG-180", "Free-range eggs, 180 ct", "case", "58.00", False),
    ("FUL-SAF-1OZ", "Saffron threads, 1 oz", "jar", "89.00", True),
]


def _owner(org: Organization) -> User:
    return next((u for u in org.users if u.role is Role.OWNER), org.users[0])


def _products(supplier: Organization) -> tuple[list[Product], Product]:
    """Products with stock to order, and one that may be backordered."""
    existing = list(db.session.scalars(
        select(Product).where(Product.supplier_id == supplier.id, Product.archived_at.is_(None))
        .order_by(Product.id).execution_options(all_tenants=True)))
    if len(existing) < 4:
        owner = _owner(supplier)
        warehouses = list(db.session.scalars(
            select(Warehouse).where(Warehouse.supplier_id == supplier.id).order_by(Warehouse.id)
            .execution_options(all_tenants=True)))
        have = {p.sku for p in existing}
        for sku, name, unit, price, backorder in _OWN_PRODUCTS:
            if sku in have:
                continue
            product = Product(supplier_id=supplier.id, sku=sku, name=name, unit=unit,
                              price=Decimal(price), currency="USD", allow_backorder=backorder)
            db.session.add(product)
            db.session.flush()
            existing.append(product)
            for warehouse in warehouses if not backorder else []:
                stock.receive(owner, warehouse.id, product.id, 400, "Opening stock (demo)")
    available = stock.availability([p.id for p in existing])
    in_stock = [p for p in existing if available.get(p.id, 0) >= 60]
    backorderable = sorted((p for p in existing if p.allow_backorder),
                           key=lambda p: (available.get(p.id, 0) > 0, p.id))
    if backorderable:
        waiting = backorderable[0]
    else:  # let the smallest-stock product be backordered
        waiting = min(existing, key=lambda p: (available.get(p.id, 0), p.id))
        waiting.allow_backorder = True
    return in_stock, waiting


def _quantity(product: Product, value: Decimal = MIN_VALUE) -> int:
    """A valid quantity (MOQ, multiples) worth at least `value`."""
    step = max(product.order_multiple or 1, 1)
    quantity = max(rules.smallest_valid_quantity(product),
                   math.ceil(value / max(product.price, Decimal("0.01"))))
    return -(-quantity // step) * step


def seed_fulfilment(supplier: Organization, buyer: Organization) -> list[Order]:
    """Create the demo orders that are missing; returns those created."""
    in_stock, waiting = _products(supplier)
    if len(in_stock) < 2:
        return []
    location = db.session.scalars(
        select(DeliveryLocation).where(DeliveryLocation.buyer_id == buyer.id)
        .order_by(DeliveryLocation.id).execution_options(all_tenants=True)).first()
    if location is None:
        return []
    sup, buy = _owner(supplier), _owner(buyer)
    dates = rules.valid_delivery_dates(rules.rules_for(supplier.id), utcnow(), 10)
    done = set(db.session.scalars(
        select(Order.po_number).where(Order.supplier_id == supplier.id,
                                      Order.buyer_id == buyer.id,
                                      Order.po_number.like("DEMO-%"))
        .execution_options(all_tenants=True)))
    a, b = in_stock[0], in_stock[1]
    waiting_stock = stock.availability([waiting.id]).get(waiting.id, 0)
    c = in_stock[2] if len(in_stock) > 2 else b

    def place(key: str, lines: list[tuple[Product, int]], day: int = 1) -> Order:
        return place_order(
            actor=buy, buyer=buyer, supplier_id=supplier.id,
            lines=[{"product_id": p.id, "quantity": q} for p, q in lines],
            requested_delivery_date=dates[min(day, len(dates) - 1)],
            delivery_location_id=location.id, notes="", contacts=[], po_number=f"DEMO-{key}",
            channel=Channel.PORTAL,
        ).order

    def steps(order: Order, *statuses: OrderStatus) -> Order:
        for status in statuses:
            machine.transition(order, status, sup, "")
        return order

    def backdate(order: Order, days_ago: int, due_days_ago: int) -> None:
        order.created_at = utcnow() - timedelta(days=days_ago)
        order.requested_delivery_date = (utcnow() - timedelta(days=due_days_ago)).date()
        db.session.flush()

    scenarios: dict[str, Callable[[], Order]] = {
        "PLACED": lambda: place("PLACED", [(a, _quantity(a)), (b, _quantity(b))], 3),
        "RECEIVED": lambda: steps(place("RECEIVED", [(b, _quantity(b))], 2), S.RECEIVED),
        "PICKING": lambda: steps(place("PICKING", [(a, _quantity(a)), (c, _quantity(c))]),
                                 S.RECEIVED, S.PICKING),
        "PACKED": lambda: steps(place("PACKED", [(c, _quantity(c))]),
                                S.RECEIVED, S.PICKING, S.PACKED),
        "SHIPPED": lambda: _shipped(place("SHIPPED", [(a, _quantity(a))]), sup),
        "DELIVERED": lambda: _delivered(place("DELIVERED", [(b, _quantity(b))]), sup),
        "CANCELLED": lambda: _cancelled(place("CANCELLED", [(a, _quantity(a))]), buy),
        "LATE": lambda: _late(place("LATE", [(b, _quantity(b))]), sup, backdate),
        "DELAYED": lambda: _delayed(steps(place("DELAYED", [(c, _quantity(c))]),
                                          S.RECEIVED, S.PICKING), sup),
        "EXPEDITED": lambda: _expedited(steps(place("EXPEDITED", [(a, _quantity(a))], 4),
                                              S.RECEIVED), buy),
        "PARTIAL": lambda: _partial(place("PARTIAL", [(a, _quantity(a) * 2),
                                                      (b, _quantity(b))]), sup),
        "CHANGE": lambda: _change(place("CHANGE", [(b, _quantity(b))], 2), buy,
                                  dates[min(5, len(dates) - 1)]),
        # more than is in stock: what can't be reserved waits on a linked backorder
        "BACKORDER": lambda: place("BACKORDER", [
            (waiting, _quantity(waiting, MIN_VALUE + waiting_stock * waiting.price)),
            (a, _quantity(a))], 5),
    }
    created = []
    for key, make in scenarios.items():
        if f"DEMO-{key}" not in done:
            created.append(make())
    db.session.flush()
    return created


def _shipped(order: Order, actor: User) -> Order:
    machine.transition(order, S.RECEIVED, actor, "")
    shipments.ship(order, actor, carrier="UPS", tracking_number="1Z999AA10123456784")
    return order


def _delivered(order: Order, actor: User) -> Order:
    shipments.ship(order, actor, carrier="Own van", tracking_number="Route 3")
    delivery.deliver(order, actor, "Signed by Luca at the kitchen door, 8:40am")
    return order


def _cancelled(order: Order, actor: User) -> Order:
    return machine.transition(order, S.CANCELLED, actor,
                              "Menu changed: we no longer need this, sorry!")


def _late(order: Order, actor: User, backdate: Callable[[Order, int, int], None]) -> Order:
    machine.transition(order, S.RECEIVED, actor, "")
    backdate(order, 6, 2)
    late.flag_late_orders()  # what the worker would do: the timeline says it is late
    return order


def _delayed(order: Order, actor: User) -> Order:
    new_eta = order.requested_delivery_date + timedelta(days=3)
    delays.post_delay(order, actor, reason="Our supplier's truck is a day late; picking resumes "
                                           "when it arrives.", new_eta=new_eta)
    return order


def _expedited(order: Order, actor: User) -> Order:
    return expedite.expedite(order, actor, "Health inspection on Friday: we need it first.")


def _partial(order: Order, actor: User) -> Order:
    machine.transition(order, S.RECEIVED, actor, "")
    first = order.lines[0]
    shipments.ship(order, actor, carrier="FedEx", tracking_number="7489 2201 9920",
                   lines=[{"line_id": first.id, "quantity": max(1, first.quantity // 2)}])
    return order


def _change(order: Order, actor: User, new_date: object) -> Order:
    changes.request_change(order, actor, delivery_date=new_date,
                           reason="We are closed for a private event that day.")
    return order
