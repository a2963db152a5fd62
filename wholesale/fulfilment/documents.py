"""What the warehouse prints: pick lists and packing slips, for one order or a batch.

- A **pick list** has one section per warehouse; in it, one row per product in bin/aisle
  order (the stock level's `bin_location`; products without a bin last, by SKU), with the
  quantity to pick — reserved there and not shipped yet — and the orders it is for.
- A **packing slip** (one per order) has the supplier and the buyer's delivery details, and
  per line the quantity ordered, what ships now ("In this box"; once nothing is left to
  ship, what the last shipment took), what shipped before, and what is backordered
  (waiting for stock, on this order or its linked backorder). A shipment's slip
  (`shipment_slip`) lists what is in that parcel: "in this box" is the shipment's
  quantity, "shipped before" what other shipments took.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from wholesale.accounts.models import Organization
from wholesale.db import is_id
from wholesale.errors import NotFound
from wholesale.extensions import db
from wholesale.fulfilment import late, reservations
from wholesale.fulfilment.models import Shipment
from wholesale.inventory.models import StockLevel
from wholesale.orders.models import Order, OrderLine, OrderStatus
from wholesale.sites.models import Warehouse

MAX_BATCH = 200
_PRINTABLE = (OrderStatus.PLACED, OrderStatus.RECEIVED, OrderStatus.PICKING, OrderStatus.PACKED,
              OrderStatus.SHIPPED, OrderStatus.DELIVERED)


@dataclass
class PickRow:
    bin_location: str
    sku: str
    name: str
    unit: str
    quantity: int = 0
    orders: list[tuple[str, int]] = field(default_factory=list)  # (order number, quantity)


@dataclass
class PickGroup:
    warehouse: Warehouse
    rows: list[PickRow]

    @property
    def units(self) -> int:
        return sum(row.quantity for row in self.rows)


@dataclass
class SlipLine:
    sku: str
    name: str
    unit: str
    ordered: int
    ship_now: int
    shipped_before: int
    backordered: int


@dataclass
class Slip:
    order: Order
    lines: list[SlipLine]
    warehouses: list[str]

    @property
    def eta(self) -> object:
        return late.due_date(self.order)


def orders_for_print(supplier: Organization, order_ids: Iterable[int]) -> list[Order]:
    """The supplier's orders among `order_ids`, in the order given (404 when none)."""
    ids = [i for i in dict.fromkeys(order_ids) if is_id(i)]
    ids = ids[:MAX_BATCH]
    orders = []
    if ids:
        stmt = (
            select(Order)
            .where(Order.id.in_(ids), Order.supplier_id == supplier.id,
                   Order.status.in_(_PRINTABLE))
            .options(joinedload(Order.buyer), joinedload(Order.delivery_location),
                     selectinload(Order.contacts), selectinload(Order.backorders)
                     .selectinload(Order.lines).selectinload(OrderLine.allocations),
                     selectinload(Order.lines).selectinload(OrderLine.allocations))
        )
        found = {o.id: o for o in db.session.scalars(stmt)}
        orders = [found[i] for i in ids if i in found]
    if not orders:
        raise NotFound("None of these orders can be printed (choose open orders of yours).")
    return orders


def pick_list(supplier: Organization, orders: list[Order],
              warehouse_id: int | None = None) -> list[PickGroup]:
    bins: dict[tuple[int, int], str] = {}
    pairs = {(a.warehouse_id, line.product_id) for o in orders for line in o.lines
             for a in line.allocations}
    if pairs:
        rows = db.session.execute(
            select(StockLevel.warehouse_id, StockLevel.product_id, StockLevel.bin_location)
            .where(StockLevel.supplier_id == supplier.id,
                   StockLevel.product_id.in_({p for _, p in pairs})))
        bins = {(w, p): b or "" for w, p, b in rows}
    groups: dict[int, dict[int, PickRow]] = {}
    for order in orders:
        for line in order.lines:
            for allocation in reservations.open_allocations(line):
                quantity = allocation.quantity - allocation.shipped_quantity
                if quantity <= 0 or (warehouse_id and allocation.warehouse_id != warehouse_id):
                    continue
                rows_of = groups.setdefault(allocation.warehouse_id, {})
                row = rows_of.get(line.product_id)
                if row is None:
                    row = rows_of[line.product_id] = PickRow(
                        bins.get((allocation.warehouse_id, line.product_id), ""), line.sku,
                        line.name, line.unit)
                row.quantity += quantity
                row.orders.append((order.display_number, quantity))
    warehouses = {w.id: w for w in db.session.scalars(
        select(Warehouse).where(Warehouse.id.in_(list(groups))))} if groups else {}
    return [
        PickGroup(warehouses[w], sorted(rows.values(),
                                        key=lambda r: (r.bin_location == "", r.bin_location,
                                                       r.sku)))
        for w, rows in sorted(groups.items(), key=lambda kv: warehouses[kv[0]].name)
    ]


def packing_slips(orders: list[Order]) -> list[Slip]:
    warehouse_ids = {a.warehouse_id for o in orders for line in o.lines for a in line.allocations}
    names = dict(db.session.execute(
        select(Warehouse.id, Warehouse.name).where(Warehouse.id.in_(warehouse_ids))).all()
    ) if warehouse_ids else {}
    return [_slip(order, names) for order in orders]


def shipment_slip(shipment: Shipment) -> Slip:
    """The packing slip of one (not void) shipment: its lines, in the order's line order."""
    order = shipment.order
    names = dict(db.session.execute(select(Warehouse.id, Warehouse.name).where(
        Warehouse.id.in_({ln.warehouse_id for ln in shipment.lines}))).all())
    in_box = _in_box(shipment)
    lines = [
        SlipLine(sku=line.sku, name=line.name, unit=line.unit, ordered=line.quantity,
                 ship_now=in_box[line.id],
                 shipped_before=reservations.shipped_of(line) - in_box[line.id],
                 backordered=reservations.waiting(line))
        for line in order.lines if line.id in in_box
    ]
    return Slip(order, lines, sorted(set(names.values())))


def _last_box(order: Order) -> dict[int, int] | None:
    """A slip printed when nothing is left to ship (a shipped order's, packed with it or
    printed again): the last shipment's quantity per line. None while more can ship: the
    slip is then for the box about to leave."""
    shipped = [shipment for shipment in order.shipments if not shipment.voided]
    if not shipped or any(reservations.unshipped_reserved(line) for line in order.lines):
        return None
    return _in_box(shipped[-1])


def _in_box(shipment: Shipment) -> dict[int, int]:
    """A shipment's quantity per order line."""
    quantities: dict[int, int] = {}
    for item in shipment.lines:
        quantities[item.order_line_id] = quantities.get(item.order_line_id, 0) + item.quantity
    return quantities


def _slip(order: Order, names: dict[int, str]) -> Slip:
    waiting_elsewhere: dict[int, int] = {}
    for backorder in order.backorders:
        if backorder.status is OrderStatus.CANCELLED:
            continue
        for line in backorder.lines:
            waiting_elsewhere[line.product_id] = (waiting_elsewhere.get(line.product_id, 0)
                                                  + line.quantity
                                                  - reservations.shipped_of(line))
    last_box = _last_box(order)
    lines = []
    for line in order.lines:
        shipped = reservations.shipped_of(line)
        if last_box is None:
            in_box, before = reservations.unshipped_reserved(line), shipped
        else:
            in_box = last_box.get(line.id, 0)
            before = shipped - in_box
        lines.append(SlipLine(
            sku=line.sku, name=line.name, unit=line.unit,
            ordered=line.quantity + waiting_elsewhere.pop(line.product_id, 0),
            ship_now=in_box, shipped_before=before, backordered=reservations.waiting(line)))
    for backorder in order.backorders:  # products entirely on the backorder
        for line in backorder.lines:
            if line.product_id in waiting_elsewhere:
                quantity = waiting_elsewhere.pop(line.product_id)
                lines.append(SlipLine(line.sku, line.name, line.unit, quantity, 0, 0, quantity))
    for slip_line in lines:
        slip_line.backordered += max(0, slip_line.ordered - slip_line.ship_now
                                     - slip_line.shipped_before - slip_line.backordered)
    used = sorted({names.get(a.warehouse_id, "") for line in order.lines
                   for a in reservations.open_allocations(line)} - {""})
    return Slip(order, lines, used)
