"""Reorder suggestions for one warehouse: what to buy, from whom, how much.

For each product that some vendor supplies, the warehouse's position is

    available (on hand − reserved) + on order (open purchase orders to this warehouse)
    − waiting (units of open customer orders with no stock reserved yet: backorders)

When the position is at or below the product's reorder point, the suggestion fills it up
to the target level: the product's overstock level when it has one above the reorder point
(ordering more would make it overstock), else twice the reorder point. The quantity is
raised to the vendor item's minimum and rounded up to whole packs. Each product is bought
from its preferred vendor, else the cheapest, and the suggestions are grouped by vendor,
with the group's total against the vendor's minimum order.

With `demand_weeks` = N the target is demand-based instead: the units shipped from the
warehouse over the last N weeks (orders not placed by a standing order), plus the units
of the standing orders' upcoming occurrences delivering in the next N weeks — what the
next N weeks should need — and a suggestion is made whenever the position is below that
(or at or below the reorder point).

Backorders and standing orders are not tied to a warehouse (arriving stock goes to them
wherever it lands), so a supplier with several warehouses sees them in each warehouse's
suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import ScalarSelect, func, or_, select

from wholesale.catalog.models import Product
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.fulfilment import machine
from wholesale.inventory.models import MovementKind, StockLevel, StockMovement
from wholesale.orders.models import Allocation, Order, OrderLine
from wholesale.orders.models import Channel as OrderChannel
from wholesale.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Vendor,
    VendorItem,
)
from wholesale.sites.models import Warehouse
from wholesale.standing import services as standing
from wholesale.standing.models import OccurrenceStatus, StandingOrder

OPEN_PO = (PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.SENT, PurchaseOrderStatus.CONFIRMED,
           PurchaseOrderStatus.PARTLY_RECEIVED)


@dataclass
class Suggestion:
    vendor_id: int
    product_id: int
    warehouse_id: int
    quantity: int
    reason: str
    sku: str
    name: str
    vendor_code: str
    pack_size: int
    cost: Decimal
    available: int
    waiting: int
    on_order: int
    reorder_point: int
    target: int

    @property
    def amount(self) -> Decimal:
        return self.cost * self.quantity


@dataclass
class VendorGroup:
    vendor_id: int
    vendor_name: str
    currency: str
    minimum_order: Decimal | None
    items: list[Suggestion] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((s.amount for s in self.items), Decimal("0.00"))

    @property
    def below_minimum(self) -> bool:
        return self.minimum_order is not None and self.total < self.minimum_order


def round_up(quantity: int, pack_size: int, minimum: int = 1) -> int:
    """At least `minimum`, in whole packs."""
    quantity = max(quantity, minimum, 1)
    return -(-quantity // pack_size) * pack_size


def target_level(product: Product) -> int:
    if product.overstock_level is not None and product.overstock_level > product.reorder_point:
        return product.overstock_level
    return 2 * product.reorder_point


def suggest(warehouse: Warehouse, vendor_id: int | None = None,
            demand_weeks: int | None = None) -> list[VendorGroup]:
    """The warehouse's suggestions, grouped by vendor (by name), products by SKU; with
    `demand_weeks`, up to the demand-based level."""
    supplier_id = warehouse.supplier_id
    items = _chosen_items(supplier_id, vendor_id)
    if not items:
        return []
    ids = list(items)
    available = _available(warehouse.id, ids)
    waiting = _waiting(supplier_id, ids)
    on_order = _on_order(warehouse.id, ids)
    demand = demand_levels(warehouse, ids, demand_weeks) if demand_weeks else None
    groups: dict[int, VendorGroup] = {}
    for product_id, (item, product, vendor) in sorted(items.items(),
                                                      key=lambda kv: kv[1][1].sku):
        have, owed, coming = available.get(product_id, 0), waiting.get(product_id, 0), \
            on_order.get(product_id, 0)
        position = have + coming - owed
        if demand is None:
            target, basis = target_level(product), ""
            trigger = position <= product.reorder_point
        else:
            shipped, standing = demand.get(product_id, (0, 0))
            target = max(shipped + standing, product.reorder_point)
            basis = (f" (shipped {shipped} in {demand_weeks} weeks + standing orders "
                     f"{standing})")
            trigger = position < target or position <= product.reorder_point
        need = target - position
        if not trigger or need <= 0:
            continue
        quantity = round_up(need, item.pack_size, item.min_quantity)
        reason = (f"available {have}, waiting backorders {owed}, on order {coming}: "
                  f"{position} against reorder point {product.reorder_point}; "
                  f"up to {target}{basis}, in packs of {item.pack_size}")
        group = groups.setdefault(vendor.id, VendorGroup(vendor.id, vendor.name,
                                                         vendor.currency, vendor.minimum_order))
        group.items.append(Suggestion(
            vendor_id=vendor.id, product_id=product_id, warehouse_id=warehouse.id,
            quantity=quantity, reason=reason, sku=product.sku, name=product.name,
            vendor_code=item.vendor_code, pack_size=item.pack_size, cost=item.cost,
            available=have, waiting=owed, on_order=coming, reorder_point=product.reorder_point,
            target=target))
    return sorted(groups.values(), key=lambda g: (g.vendor_name, g.vendor_id))


def _chosen_items(supplier_id: int, vendor_id: int | None
                  ) -> dict[int, tuple[VendorItem, Product, Vendor]]:
    """Per active product: the vendor item to buy it by (preferred, else cheapest)."""
    stmt = (
        select(VendorItem, Product, Vendor)
        .join(Product, Product.id == VendorItem.product_id)
        .join(Vendor, Vendor.id == VendorItem.vendor_id)
        .where(VendorItem.supplier_id == supplier_id, Product.archived_at.is_(None))
        .order_by(VendorItem.product_id, VendorItem.preferred.desc(), VendorItem.cost,
                  VendorItem.id)
        .execution_options(all_tenants=True)
    )
    chosen: dict[int, tuple[VendorItem, Product, Vendor]] = {}
    for item, product, vendor in db.session.execute(stmt):
        chosen.setdefault(product.id, (item, product, vendor))
    if vendor_id is not None:
        chosen = {k: v for k, v in chosen.items() if v[2].id == vendor_id}
    return chosen


def _available(warehouse_id: int, product_ids: list[int]) -> dict[int, int]:
    c = StockLevel.__table__.c
    rows = db.session.execute(select(c.product_id, c.on_hand - c.reserved).where(
        c.warehouse_id == warehouse_id, c.product_id.in_(product_ids)))
    return {product_id: int(value) for product_id, value in rows}


def reserved_of_line() -> ScalarSelect[int]:
    """The units reserved for an order line (correlated to `OrderLine`)."""
    return (
        select(func.coalesce(func.sum(Allocation.quantity), 0))
        .where(Allocation.order_line_id == OrderLine.id, Allocation.released_at.is_(None))
        .correlate(OrderLine)
        .scalar_subquery()
    )


def _waiting(supplier_id: int, product_ids: list[int]) -> dict[int, int]:
    """Units of the supplier's open orders not reserved yet, per product."""
    reserved = reserved_of_line()
    stmt = (
        select(OrderLine.product_id, func.sum(OrderLine.quantity - reserved))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.supplier_id == supplier_id, Order.status.in_(machine.OPEN),
               OrderLine.product_id.in_(product_ids), OrderLine.quantity > reserved)
        .group_by(OrderLine.product_id)
        .execution_options(all_tenants=True)
    )
    return {product_id: int(value or 0) for product_id, value in db.session.execute(stmt)}


def _on_order(warehouse_id: int, product_ids: list[int]) -> dict[int, int]:
    """Units still expected from open purchase orders to this warehouse, per product."""
    line = PurchaseOrderLine
    stmt = (
        select(line.product_id, func.sum(line.quantity - line.received_quantity))
        .join(PurchaseOrder, PurchaseOrder.id == line.purchase_order_id)
        .where(PurchaseOrder.warehouse_id == warehouse_id,
               PurchaseOrder.status.in_(OPEN_PO), line.product_id.in_(product_ids),
               line.quantity > line.received_quantity)
        .group_by(line.product_id)
        .execution_options(all_tenants=True)
    )
    return {product_id: int(value or 0) for product_id, value in db.session.execute(stmt)}


def demand_levels(warehouse: Warehouse, product_ids: list[int], weeks: int,
                  now: datetime | None = None) -> dict[int, tuple[int, int]]:
    """Per product: (units shipped from the warehouse in the last `weeks` weeks by orders
    not placed from a standing order, units of the standing orders' upcoming occurrences
    delivering in the next `weeks` weeks)."""
    now = now or utcnow()
    m = StockMovement.__table__.c
    shipped = dict(db.session.execute(
        select(m.product_id, -func.sum(m.on_hand_delta))
        .select_from(StockMovement.__table__.outerjoin(Order.__table__,
                                                       Order.__table__.c.id == m.order_id))
        .where(m.warehouse_id == warehouse.id, m.kind == MovementKind.SHIPMENT,
               m.product_id.in_(product_ids), m.created_at >= now - timedelta(weeks=weeks),
               or_(Order.__table__.c.channel.is_(None),
                   Order.__table__.c.channel != OrderChannel.STANDING))
        .group_by(m.product_id)).all())
    wanted = set(product_ids)
    committed: dict[int, int] = {}
    until = now.date() + timedelta(weeks=weeks)
    for order in db.session.scalars(select(StandingOrder).where(
            StandingOrder.supplier_id == warehouse.supplier_id,
            StandingOrder.paused.is_(False)).execution_options(all_tenants=True)):
        for occurrence in standing.occurrences(order, now, ahead=7 * weeks, past_days=0):
            if occurrence.status is not OccurrenceStatus.UPCOMING or \
                    occurrence.delivery_date is None or occurrence.delivery_date > until:
                continue
            for line in occurrence.lines:
                if line["product_id"] in wanted:
                    committed[line["product_id"]] = committed.get(line["product_id"], 0) + \
                        int(line["quantity"])
    return {pid: (int(shipped.get(pid) or 0), committed.get(pid, 0)) for pid in product_ids}
