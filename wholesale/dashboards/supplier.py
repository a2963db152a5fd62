"""The supplier's numbers, as of `now` (in the supplier's time zone for "today").

Definitions (the last 30 days end today):
- today's orders: orders (backorders included) created today;
- open orders by status: placed, received, picking, packed and shipped (not delivered);
- late: open or shipped orders whose ETA (or requested delivery date) is before today;
- expedited: orders not delivered or cancelled that were asked to hurry;
- pending delivery changes: requests waiting for an answer;
- on-time delivery rate: of the orders delivered in the last 30 days, the share delivered
  on or before the requested delivery date (the day of delivery, UTC);
- placed → shipped: the average hours from placing to the `shipped` status, for orders
  that reached it in the last 30 days;
- fill rate: units shipped / units ordered, over orders placed in the last 30 days that are
  due by today and not cancelled (a backorder's units count as ordered);
- revenue by week: invoiced amounts before tax (void invoices left out), last 8 weeks,
  weeks starting on Monday;
- top products and buyers: by ordered value over the last 30 days (cancelled left out),
  with the gross margin: that value less units × the product's moving-average cost
  (purchasing's `product_costs`, in the order's currency), over the lines whose product
  has a cost (none: no margin shown);
- low stock: products at or under their reorder point (the inventory report);
- overdue receivables: invoices in status overdue, their count and balance.
The page shows each definition in an info tip (`DEFINITIONS`); money is in the supplier's
currency (its ordering rules').
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select

from wholesale.accounts.models import Organization
from wholesale.catalog.models import Product
from wholesale.dashboards import sql
from wholesale.extensions import db
from wholesale.fulfilment.models import (
    ChangeStatus,
    DeliveryChange,
    OrderEvent,
    Shipment,
    ShipmentLine,
)
from wholesale.inventory.reports import low_stock
from wholesale.invoicing.clock import zone_of
from wholesale.invoicing.models import Invoice, InvoiceStatus
from wholesale.orders.models import Order, OrderLine, OrderStatus
from wholesale.orders.rules import rules_for
from wholesale.purchasing.models import ProductCost
from wholesale.trading.models import TradingRelationship

S = OrderStatus
OPEN = (S.PLACED, S.RECEIVED, S.PICKING, S.PACKED, S.SHIPPED)
CLOSED = (S.DELIVERED, S.CANCELLED)
WINDOW_DAYS = 30
WEEKS = 8

# What each figure on the page means (shown in its info tip); keys are the template's.
DEFINITIONS = {
    "today": "Orders placed today (in your time zone), backorders included.",
    "late": "Open or shipped orders whose ETA (or requested delivery date, when there is no "
            "new ETA) is before today.",
    "expedited": "Orders not yet delivered or cancelled that the buyer asked to hurry.",
    "changes": "Buyers' requests to move a delivery's date or place, waiting for your answer.",
    "on-time": "Of the orders delivered in the last 30 days, the share delivered on or before "
               "the requested delivery date.",
    "to-ship": "Average time from placing an order to its shipping, over the orders that "
               "shipped in the last 30 days.",
    "fill": "Units shipped ÷ units ordered, over the orders placed in the last 30 days that "
            "are due by today and not cancelled (backordered units count as ordered).",
    "low-stock": "Products at or under their reorder point (available = on hand − reserved).",
    "overdue": "Balance still owed on invoices past their due date.",
    "open": "Orders placed, received, being picked, packed or shipped — not yet delivered.",
    "revenue": "Invoiced amounts before tax per week (Monday to Sunday), void invoices left "
               "out, over the last 8 weeks.",
    "products": "Products by ordered value over the last 30 days (cancelled orders left out); "
                "the number is units ordered.",
    "buyers": "Customers by ordered value over the last 30 days (cancelled orders left out), "
              "with their number of orders.",
}
# Why a figure shows "—" instead of a number.
NO_DATA = {
    "on-time": "Nothing delivered in the last 30 days",
    "to-ship": "Nothing shipped in the last 30 days",
    "fill": "No orders due in the last 30 days",
}


@dataclass
class Ranked:
    id: int
    name: str
    amount: Decimal
    units: int = 0
    link_id: int | None = None
    # Of `amount`, the value of the lines whose product has a cost, and that cost.
    costed_amount: Decimal | None = None
    cost: Decimal | None = None

    @property
    def margin(self) -> Decimal | None:
        if self.cost is None or self.costed_amount is None:
            return None
        return (self.costed_amount - self.cost).quantize(Decimal("0.01"))

    @property
    def margin_rate(self) -> float | None:
        margin = self.margin
        if margin is None or not self.costed_amount:
            return None
        return float(margin / self.costed_amount)


@dataclass
class SupplierDashboard:
    today: date
    today_orders: int
    open_by_status: dict[str, int]
    late: int
    expedited: int
    pending_changes: int
    delivered: int
    on_time: int
    avg_hours_to_ship: float | None
    units_ordered: int
    units_shipped: int
    revenue_by_week: list[tuple[date, Decimal]]
    top_products: list[Ranked]
    top_buyers: list[Ranked]
    low_stock: int
    overdue_count: int
    overdue_amount: Decimal
    currency: str = "USD"
    has_orders: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.delivered if self.delivered else None

    @property
    def fill_rate(self) -> float | None:
        return self.units_shipped / self.units_ordered if self.units_ordered else None

    @property
    def open_total(self) -> int:
        return sum(self.open_by_status.values())


def _local_midnight(day: date, supplier_id: int) -> datetime:
    return datetime.combine(day, time(0), zone_of(supplier_id)).astimezone(UTC)


def supplier_dashboard(supplier: Organization, now: datetime) -> SupplierDashboard:
    sid = supplier.id
    today = now.astimezone(zone_of(sid)).date()
    day_start = _local_midnight(today, sid)
    since = now - timedelta(days=WINDOW_DAYS)
    o = Order.__table__.c
    mine = o.supplier_id == sid

    # 1. one pass over the open orders and today's: counts by status, today's, late,
    # expedited (late and expedited orders are open; a closed order counts only if it was
    # placed today), so the delivered history is not read
    due = func.coalesce(o.eta, o.requested_delivery_date)
    counts = db.session.execute(
        select(o.status, func.count(),
               func.count().filter(o.created_at >= day_start),
               func.count().filter(o.status.in_(OPEN), due < today),
               func.count().filter(o.expedited_at.is_not(None), o.status.not_in(CLOSED)))
        .where(mine, or_(o.status.in_(OPEN), o.created_at >= day_start))
        .group_by(o.status)).all()
    has_orders = bool(counts) or db.session.execute(
        select(o.id).where(mine).limit(1)).first() is not None
    by_status = {row[0]: row for row in counts}
    open_by_status = {s.value: int(by_status[s][1]) if s in by_status else 0 for s in OPEN}

    # 2. pending delivery changes
    dc = DeliveryChange.__table__.c
    pending = db.session.execute(
        select(func.count()).select_from(DeliveryChange.__table__)
        .join(Order.__table__, o.id == dc.order_id)
        .where(mine, dc.status == ChangeStatus.PENDING)).scalar_one()

    # 3. on time: delivered in the window, delivery day <= requested day
    delivered_day = sql.day_of(o.status_changed_at)
    on_time = db.session.execute(
        select(func.count(), func.count().filter(delivered_day <= o.requested_delivery_date))
        .where(mine, o.status == S.DELIVERED, o.status_changed_at >= since)).one()

    # 4. placed → shipped: first `shipped` event per order, shipped in the window
    ev = OrderEvent.__table__.c
    first_shipped = (select(ev.order_id, func.min(ev.created_at).label("at"))
                     .where(ev.to_status == S.SHIPPED).group_by(ev.order_id).subquery())
    avg_seconds = db.session.execute(
        select(func.avg(sql.seconds_between(first_shipped.c.at, o.created_at)))
        .select_from(Order.__table__)
        .join(first_shipped, first_shipped.c.order_id == o.id)
        .where(mine, first_shipped.c.at >= since)).scalar()

    # 5. fill rate. The window's orders start at `first` (its smallest order id): said
    # alongside the window, it lets the lines and shipments be read as one index range of
    # their order ids instead of PostgreSQL hashing every line of every order.
    ol, sl, sh = OrderLine.__table__.c, ShipmentLine.__table__.c, Shipment.__table__.c
    # (grouped, so PostgreSQL reads the window by `ix_orders_supplier_created` instead of
    # walking the primary key from the oldest order until the window starts)
    first = db.session.execute(
        select(func.min(o.id)).where(mine, o.created_at >= since)
        .group_by(o.supplier_id)).scalar() or 0
    window = and_(mine, o.created_at >= since, o.requested_delivery_date <= today,
                  o.status != S.CANCELLED)
    ordered = db.session.execute(
        select(func.coalesce(func.sum(ol.quantity), 0))
        .join(Order.__table__, o.id == ol.order_id)
        .where(window, ol.order_id >= first)).scalar_one()
    shipped = db.session.execute(
        select(func.coalesce(func.sum(sl.quantity), 0))
        .select_from(ShipmentLine.__table__)
        .join(Shipment.__table__, sh.id == sl.shipment_id)
        .join(Order.__table__, o.id == sh.order_id)
        .where(window, sh.order_id >= first)).scalar_one()

    # 6. revenue by week
    inv = Invoice.__table__.c
    first_week = today - timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    week = sql.week_start(inv.issue_date)
    weekly = dict(db.session.execute(
        select(week, func.sum(inv.subtotal))
        .where(inv.supplier_id == sid, inv.status != InvoiceStatus.VOID,
               inv.issue_date >= first_week)
        .group_by(week)).all())
    weekly = {_as_date(k): Decimal(str(v)) for k, v in weekly.items()}
    revenue = [(first_week + timedelta(weeks=i),
                weekly.get(first_week + timedelta(weeks=i), Decimal("0.00")))
               for i in range(WEEKS)]

    # 7. top products and buyers, with their margins. Lines are summed per product (and
    # buyer) and currency first; the moving-average cost of that product and currency
    # applies to the sum, so costs are looked up per group instead of per line.
    recent = and_(mine, o.created_at >= since, o.status != S.CANCELLED)
    pc = ProductCost.__table__.c

    def summed(*keys: Any, where: Any = True) -> Any:
        return (select(*keys, ol.product_id.label("product_id"), o.currency,
                       func.sum(ol.line_total).label("amount"),
                       func.sum(ol.quantity).label("units"))
                .join(Order.__table__, o.id == ol.order_id)
                .where(recent, ol.order_id >= first, where)
                .group_by(*keys, ol.product_id, o.currency).subquery())

    def costed(part: Any) -> Any:
        return and_(pc.product_id == part.c.product_id, pc.supplier_id == sid,
                    pc.currency == part.c.currency)

    per_product = summed()
    amount = func.sum(per_product.c.amount)
    top = (  # the five, named after
        select(per_product.c.product_id, amount.label("amount"),
               func.sum(per_product.c.units).label("units"),
               func.sum(per_product.c.units * pc.average_cost).label("cost"))
        .outerjoin(ProductCost.__table__, costed(per_product))
        .group_by(per_product.c.product_id)
        .order_by(amount.desc(), per_product.c.product_id).limit(5).subquery())
    products = db.session.execute(
        select(top.c.product_id, Product.name, top.c.amount, top.c.units, top.c.cost)
        .join(Product, Product.id == top.c.product_id)
        .order_by(top.c.amount.desc(), top.c.product_id)
        .execution_options(all_tenants=True)).all()
    rel = TradingRelationship.__table__.c
    buyers = db.session.execute(
        select(o.buyer_id, Organization.name, func.sum(o.subtotal), func.count(),
               func.min(rel.id))
        .join(Organization, Organization.id == o.buyer_id)
        .outerjoin(TradingRelationship.__table__,
                   and_(rel.supplier_id == o.supplier_id, rel.buyer_id == o.buyer_id))
        .where(recent).group_by(o.buyer_id, Organization.name)
        .order_by(func.sum(o.subtotal).desc(), o.buyer_id).limit(5)
        .execution_options(all_tenants=True)).all()
    buyer_costs: dict[int, tuple[Decimal, Decimal]] = {}
    has_costs = any(r[4] is not None for r in products) or db.session.execute(
        select(pc.product_id).where(pc.supplier_id == sid).limit(1)).first() is not None
    if has_costs:  # a supplier that keeps no costs (no purchasing yet) has no margins
        per_buyer = summed(o.buyer_id, where=o.buyer_id.in_([b[0] for b in buyers]))
        buyer_costs = {row[0]: (Decimal(str(row[1])), Decimal(str(row[2]))) for row in
                       db.session.execute(
                           select(per_buyer.c.buyer_id, func.sum(per_buyer.c.amount),
                                  func.sum(per_buyer.c.units * pc.average_cost))
                           .join(ProductCost.__table__, costed(per_buyer))
                           .group_by(per_buyer.c.buyer_id)
                           .execution_options(all_tenants=True))}

    # 8. low stock, overdue receivables
    low = db.session.execute(
        select(func.count()).select_from(low_stock(supplier).subquery())).scalar_one()
    owed = inv.total - inv.amount_paid - inv.amount_credited
    overdue = db.session.execute(
        select(func.count(), func.coalesce(func.sum(owed), 0))
        .where(inv.supplier_id == sid, inv.status == InvoiceStatus.OVERDUE)).one()

    return SupplierDashboard(
        today=today,
        today_orders=sum(int(row[2]) for row in counts),
        open_by_status=open_by_status,
        late=sum(int(row[3]) for row in counts),
        expedited=sum(int(row[4]) for row in counts),
        pending_changes=int(pending),
        delivered=int(on_time[0]),
        on_time=int(on_time[1]),
        avg_hours_to_ship=None if avg_seconds is None else round(float(avg_seconds) / 3600, 1),
        units_ordered=int(ordered),
        units_shipped=int(shipped),
        revenue_by_week=revenue,
        top_products=[Ranked(r[0], r[1], Decimal(str(r[2])), int(r[3]),
                             costed_amount=None if r[4] is None else Decimal(str(r[2])),
                             cost=None if r[4] is None else Decimal(str(r[4])))
                      for r in products],
        top_buyers=[Ranked(r[0], r[1], Decimal(str(r[2])), int(r[3]), r[4],
                           *buyer_costs.get(r[0], (None, None))) for r in buyers],
        low_stock=int(low),
        overdue_count=int(overdue[0]),
        overdue_amount=Decimal(str(overdue[1])).quantize(Decimal("0.01")),
        currency=rules_for(sid).currency or "USD",
        has_orders=has_orders,
    )


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value
