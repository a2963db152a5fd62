"""The supplier's order board: one column per status (placed → delivered), each with its
count and its first cards, expedited first, then by due date, then oldest.

Fast with many open orders: the counts are one grouped query on the
`(supplier_id, status, …)` indexes, each column one LIMITed query, and what the cards show
(units, warehouses, backordered, partly shipped) two grouped queries over the cards shown.
The delivered column shows the orders delivered in the last `DELIVERED_DAYS` days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import joinedload, lazyload, raiseload

from wholesale.accounts.models import Organization
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.fulfilment import late, machine
from wholesale.fulfilment.models import ChangeStatus, DeliveryChange
from wholesale.orders.models import Allocation, Order, OrderLine, OrderStatus
from wholesale.sites.models import Warehouse

COLUMNS: tuple[OrderStatus, ...] = machine.FLOW
DELIVERED_DAYS = 7
DEFAULT_LIMIT = 25
MAX_LIMIT = 200
LABELS = {
    OrderStatus.PLACED: "Placed", OrderStatus.RECEIVED: "Received",
    OrderStatus.PICKING: "Picking", OrderStatus.PACKED: "Packed",
    OrderStatus.SHIPPED: "Shipped", OrderStatus.DELIVERED: "Delivered",
}


@dataclass(frozen=True)
class BoardFilters:
    warehouse_id: int | None = None
    buyer_id: int | None = None
    delivery_date: date | None = None
    late: bool = False
    expedited: bool = False

    @property
    def active(self) -> bool:
        return any((self.warehouse_id, self.buyer_id, self.delivery_date, self.late,
                    self.expedited))

    def as_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {}
        if self.warehouse_id:
            args["warehouse_id"] = self.warehouse_id
        if self.buyer_id:
            args["buyer_id"] = self.buyer_id
        if self.delivery_date:
            args["delivery_date"] = self.delivery_date.isoformat()
        if self.late:
            args["late"] = "1"
        if self.expedited:
            args["expedited"] = "1"
        return args


@dataclass
class Card:
    order: Order
    due: date
    late: bool
    days_late: int
    units: int = 0
    lines: int = 0
    waiting: int = 0  # units without stock yet (backordered)
    shipped: int = 0
    warehouses: list[str] = field(default_factory=list)
    change_requested: bool = False  # a delivery change waits for an answer

    @property
    def expedited(self) -> bool:
        return self.order.expedited_at is not None

    @property
    def partly_shipped(self) -> bool:
        return 0 < self.shipped < self.units


@dataclass
class Column:
    status: OrderStatus
    label: str
    count: int
    cards: list[Card]

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


def _visible(statuses: tuple[OrderStatus, ...], now: datetime) -> ColumnElement[bool]:
    """On the board: in one of `statuses`, delivered orders only for the last days."""
    recent = now - timedelta(days=DELIVERED_DAYS)
    return and_(_in_columns(Order, statuses, recent), late.has_lines())


def _in_columns(order: Any, statuses: tuple[OrderStatus, ...], recent: datetime
                ) -> ColumnElement[bool]:
    """In one of `statuses`, delivered only since `recent` — written as two ranges of
    `ix_orders_supplier_status_changed` (open statuses; delivered since `recent`), not as
    `status IN (…) AND (status != delivered OR changed >= recent)`, which PostgreSQL can
    only answer by reading every delivered order of the supplier (a seq scan at 160,000
    orders)."""
    open_ = [s for s in statuses if s is not OrderStatus.DELIVERED]
    parts = [order.status.in_(open_)] if open_ else []
    if OrderStatus.DELIVERED in statuses:
        parts.append(and_(order.status == OrderStatus.DELIVERED,
                          order.status_changed_at >= recent))
    return or_(*parts)


def _from_warehouse(supplier: Organization, warehouse_id: int,
                    statuses: tuple[OrderStatus, ...], now: datetime) -> ColumnElement[bool]:
    """The order has stock allocated in the warehouse. The subquery starts from the board's
    own orders of these statuses (an index range), so its cost follows the open orders, not
    the whole history of allocations in that warehouse. It reads the tables, not the
    entities: the supplier is named here, and the tenant filter would otherwise re-check
    every line's and allocation's order."""
    inner = Order.__table__.alias("board_orders")
    lines, allocations = OrderLine.__table__, Allocation.__table__
    recent = now - timedelta(days=DELIVERED_DAYS)
    candidates = (
        select(lines.c.order_id)
        .select_from(lines.join(inner, inner.c.id == lines.c.order_id)
                     .join(allocations, allocations.c.order_line_id == lines.c.id))
        .where(inner.c.supplier_id == supplier.id, _in_columns(inner.c, statuses, recent),
               allocations.c.warehouse_id == warehouse_id,
               allocations.c.released_at.is_(None))
    )
    return Order.id.in_(candidates)


def _filtered(supplier: Organization, filters: BoardFilters, today: date, now: datetime,
              statuses: tuple[OrderStatus, ...] = COLUMNS) -> Select[Any]:
    stmt = select(Order).where(Order.supplier_id == supplier.id, _visible(statuses, now))
    if filters.buyer_id:
        stmt = stmt.where(Order.buyer_id == filters.buyer_id)
    if filters.delivery_date:
        stmt = stmt.where(late.due_column() == filters.delivery_date)
    if filters.late:
        stmt = stmt.where(late.late_clause(today))
    if filters.expedited:
        stmt = stmt.where(Order.expedited_at.is_not(None))
    if filters.warehouse_id:
        stmt = stmt.where(_from_warehouse(supplier, filters.warehouse_id, statuses, now))
    return stmt


def board(supplier: Organization, filters: BoardFilters, *, limit: int = DEFAULT_LIMIT,
          expand: OrderStatus | None = None, now: datetime | None = None) -> list[Column]:
    """The columns with their counts and first `limit` cards (`expand`: that column shows up
    to MAX_LIMIT).

    The board's orders are numbered within their column (most urgent first) and counted
    per column by window functions in one pass over the open orders (instead of one for the
    counts and one per column); the orders shown are read by id after."""
    now = now or utcnow()
    today = late.supplier_today(supplier.id, now)
    urgency = (Order.expedited_at.is_(None), late.due_column(), Order.id)
    numbered = (  # narrow rows: the ids are numbered, the orders shown are read after
        _filtered(supplier, filters, today, now)
        .with_only_columns(
            Order.id, Order.status,
            func.row_number().over(partition_by=Order.status, order_by=urgency).label("place"),
            func.count().over(partition_by=Order.status).label("in_column"))
        .subquery()
    )
    shown = case((numbered.c.status == expand, MAX_LIMIT), else_=limit) if expand else limit
    places = db.session.execute(
        select(numbered.c.id, numbered.c.status, numbered.c.in_column)
        .where(numbered.c.place <= shown)
        .order_by(numbered.c.status, numbered.c.place)).all()
    orders = {order.id: order for order in db.session.scalars(
        select(Order).where(Order.id.in_([row.id for row in places]))
        .options(joinedload(Order.buyer), joinedload(Order.supplier),
                 lazyload(Order.events), lazyload(Order.shipments),
                 lazyload(Order.delays), lazyload(Order.delivery_changes),
                 raiseload(Order.lines))).unique()} if places else {}
    counts: dict[OrderStatus, int] = {}
    cards: dict[OrderStatus, list[Card]] = {status: [] for status in COLUMNS}
    for row in places:
        order = orders[row.id]
        counts[order.status] = row.in_column
        cards[order.status].append(Card(order, late.due_date(order),
                                        late.is_late(order, today),
                                        late.days_late(order, today)))
    columns = [Column(status, LABELS[status], counts.get(status, 0), cards[status])
               for status in COLUMNS]
    _fill(supplier, [card for column in columns for card in column.cards])
    return columns


def _fill(supplier: Organization, cards: list[Card]) -> None:
    """Units, lines, waiting and shipped units, and warehouses of the cards shown."""
    if not cards:
        return
    ids = [card.order.id for card in cards]
    by_id = {card.order.id: card for card in cards}
    line_rows = db.session.execute(
        select(OrderLine.order_id, func.count(), func.sum(OrderLine.quantity))
        .where(OrderLine.order_id.in_(ids)).group_by(OrderLine.order_id))
    for order_id, count, units in line_rows:
        by_id[order_id].lines, by_id[order_id].units = count, int(units or 0)
    reserved: dict[int, int] = defaultdict(int)
    names: dict[int, str] = dict(db.session.execute(
        select(Warehouse.id, Warehouse.name).where(Warehouse.supplier_id == supplier.id)).all())
    alloc_rows = db.session.execute(
        select(OrderLine.order_id, Allocation.warehouse_id, func.sum(Allocation.quantity),
               func.sum(Allocation.shipped_quantity))
        .join(OrderLine, OrderLine.id == Allocation.order_line_id)
        .where(OrderLine.order_id.in_(ids), Allocation.released_at.is_(None))
        .group_by(OrderLine.order_id, Allocation.warehouse_id)
        .order_by(OrderLine.order_id, Allocation.warehouse_id))
    for order_id, warehouse_id, quantity, shipped in alloc_rows:
        card = by_id[order_id]
        reserved[order_id] += int(quantity or 0)
        card.shipped += int(shipped or 0)
        card.warehouses.append(names.get(warehouse_id, f"#{warehouse_id}"))
    pending = db.session.scalars(
        select(DeliveryChange.order_id).where(DeliveryChange.order_id.in_(ids),
                                              DeliveryChange.status == ChangeStatus.PENDING))
    for order_id in pending:
        by_id[order_id].change_requested = True
    for card in cards:
        card.waiting = max(0, card.units - reserved[card.order.id])
        if card.order.status is OrderStatus.CANCELLED:
            card.waiting = 0


def filter_choices(supplier: Organization) -> dict[str, list[tuple[int, str]]]:
    """The warehouses and customers the board can be filtered by."""
    from wholesale.trading.models import TradingRelationship

    warehouses = db.session.execute(
        select(Warehouse.id, Warehouse.name).where(Warehouse.supplier_id == supplier.id)
        .order_by(Warehouse.name)).all()
    buyers = db.session.execute(
        select(Organization.id, Organization.name)
        .join(TradingRelationship, and_(TradingRelationship.buyer_id == Organization.id,
                                        TradingRelationship.supplier_id == supplier.id))
        .order_by(Organization.name)).all()
    return {"warehouses": [tuple(r) for r in warehouses], "buyers": [tuple(r) for r in buyers]}
