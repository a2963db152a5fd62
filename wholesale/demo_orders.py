"""Demo orders placed through the placement service (idempotent): one from the portal with
several lines and extra contacts, one through the API with a PO number, and a phone order
the supplier's staff entered. Run after the catalog and stock are seeded.

Each order has an idempotency key `demo-orders:<n>`: seeding again finds it and places
nothing (and if the demo catalog has changed so much that the order is no longer the same,
the order is simply left as it was).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select

from wholesale.accounts.models import Organization, Role, User
from wholesale.catalog.models import Product
from wholesale.catalog.pricing import unit_price
from wholesale.db import utcnow
from wholesale.errors import DomainError
from wholesale.extensions import db
from wholesale.inventory.stock import availability
from wholesale.orders import rules
from wholesale.orders.models import Channel, Order
from wholesale.orders.placement import place_order
from wholesale.sites.models import DeliveryLocation

_PLANS = [
    # (key, who places it, channel, product picks, units wanted, delivery date index, extras)
    ("demo-orders:1", "buyer", Channel.PORTAL, (0, 3, 6, 9), 3, 0,
     {"notes": "Please deliver before 10am — back entrance on 18th St.",
      "contacts": [{"name": "Marco (sous chef)", "email": "marco@bistroverde.demo.ordertalk.test",
                    "phone": "+15555550123"}]}),
    ("demo-orders:2", "buyer", Channel.API, (1, 4, 7), 2, 2,
     {"po_number": "BV-2025-014"}),
    ("demo-orders:3", "supplier", Channel.PHONE, (2, 5), 4, 1,
     {"notes": "Phoned in by Ana; substitute a similar size if short."}),
]


def seed_orders(supplier: Organization, buyer: Organization) -> list[Order]:
    """Place the demo orders that do not exist yet; returns the demo orders."""
    products = _orderable(supplier)
    locations = list(db.session.scalars(
        select(DeliveryLocation).where(DeliveryLocation.buyer_id == buyer.id)
        .order_by(DeliveryLocation.id).execution_options(all_tenants=True)))
    if not products or not locations:
        return []
    dates = rules.valid_delivery_dates(rules.rules_for(supplier.id), utcnow())
    minimum = rules.rules_for(supplier.id).min_order_value or Decimal("0")
    placed: list[Order] = []
    for n, (key, who, channel, picks, units, day, extras) in enumerate(_PLANS):
        actor = _owner(buyer if who == "buyer" else supplier)
        chosen = list(dict.fromkeys(products[i % len(products)] for i in picks))
        lines = _lines(buyer, chosen, units, minimum)
        try:
            result = place_order(
                actor=actor, buyer=buyer, supplier_id=supplier.id, lines=lines,
                requested_delivery_date=dates[min(day, len(dates) - 1)],
                delivery_location_id=locations[n % len(locations)].id,
                notes=extras.get("notes"), contacts=extras.get("contacts"),
                po_number=extras.get("po_number"), channel=channel, idempotency_key=key,
            )
        except DomainError:
            continue  # the demo catalog changed: leave the demo orders as they are
        placed.append(result.order)
    return placed


def _owner(org: Organization) -> User:
    return next((u for u in org.users if u.role is Role.OWNER), org.users[0])


def _orderable(supplier: Organization) -> list[Product]:
    """Active products with plenty of stock, in a stable order."""
    products = list(db.session.scalars(
        select(Product).where(Product.supplier_id == supplier.id, Product.archived_at.is_(None))
        .order_by(Product.sku).execution_options(all_tenants=True)))
    stock = availability([p.id for p in products])
    return [p for p in products
            if stock.get(p.id, 0) >= 20 * rules.smallest_valid_quantity(p)]


def _lines(buyer: Organization, products: Sequence[Product], units: int,
           minimum: Decimal) -> list[dict[str, int]]:
    """Valid quantities (MOQ, multiples), raised until the order meets the minimum value."""
    quantities = {p.id: rules.smallest_valid_quantity(p) * units for p in products}

    def total() -> Decimal:
        return sum((unit_price(buyer.id, p, quantities[p.id]) * quantities[p.id]
                    for p in products), Decimal("0"))

    rounds = 0
    while total() < minimum and rounds < 10:
        for p in products:
            quantities[p.id] += rules.smallest_valid_quantity(p)
        rounds += 1
    return [{"product_id": p.id, "quantity": quantities[p.id]} for p in products]
