"""Reading orders: one order, and filtered lists newest first with keyset pagination.

The cursor is the id of the last order of a page; the next page is the orders with a smaller
id, so a page never repeats or skips an order while new ones are placed. Each filter has an
index (see `Order.__table_args__`); `placed_from`/`placed_to` are whole UTC days.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from wholesale.accounts.models import Organization
from wholesale.api.pagination import DEFAULT_LIMIT, Page, decode_cursor, encode_cursor
from wholesale.db import MAX_ID
from wholesale.errors import NotFound
from wholesale.extensions import db
from wholesale.orders.models import Order, OrderLine, OrderStatus
from wholesale.sites.models import Warehouse

FILTERS = ("status", "supplier_id", "buyer_id", "placed_from", "placed_to", "delivery_from",
           "delivery_to")


@dataclass(frozen=True)
class OrderFilters:
    status: OrderStatus | None = None
    supplier_id: int | None = None
    buyer_id: int | None = None
    placed_from: date | None = None
    placed_to: date | None = None
    delivery_from: date | None = None
    delivery_to: date | None = None

    @classmethod
    def from_query(cls, query: dict[str, Any]) -> OrderFilters:
        values = {name: query.get(name) for name in FILTERS}
        if values["status"] is not None:
            values["status"] = OrderStatus(values["status"])
        return cls(**values)


def with_details(stmt: Select[Any]) -> Select[Any]:
    """Load what an order page or the API shows, in a fixed number of queries (then call
    `load_warehouses`)."""
    return stmt.options(
        joinedload(Order.supplier),
        joinedload(Order.buyer),
        joinedload(Order.placed_by),
        joinedload(Order.delivery_location),
        joinedload(Order.backorder_of),
        selectinload(Order.backorders),
        selectinload(Order.contacts),
        selectinload(Order.lines).selectinload(OrderLine.allocations),
    )


def load_warehouses(orders: list[Order]) -> None:
    """Set `allocation.warehouse` on the orders' allocations, buyers included: the buyer may
    see where its goods ship from (only those warehouses; only their id and name are shown).
    A lazy load would apply the tenant filter, which hides warehouses from buyers."""
    allocations = [a for order in orders for line in order.lines for a in line.allocations]
    ids = {a.warehouse_id for a in allocations}
    if not ids:
        return
    stmt = select(Warehouse).where(Warehouse.id.in_(ids))
    warehouses = {w.id: w for w in db.session.scalars(stmt.execution_options(all_tenants=True))}
    for allocation in allocations:
        set_committed_value(allocation, "warehouse", warehouses.get(allocation.warehouse_id))


def get_order(order_id: int) -> Order:
    """The order if the current organization is its buyer or supplier, else 404."""
    order = None
    if 0 < order_id <= MAX_ID:
        order = db.session.scalars(with_details(select(Order).where(Order.id == order_id))).first()
    if order is None:
        raise NotFound("Order not found.")
    load_warehouses([order])
    return order


def orders_of(org: Organization, filters: OrderFilters) -> Select[tuple[Order]]:
    """`org`'s orders (as buyer or supplier) matching `filters`, unordered."""
    side = Order.supplier_id if org.is_supplier else Order.buyer_id
    stmt = select(Order).where(side == org.id)
    if filters.status is not None:
        stmt = stmt.where(Order.status == filters.status)
    if filters.supplier_id is not None:
        stmt = stmt.where(Order.supplier_id == filters.supplier_id)
    if filters.buyer_id is not None:
        stmt = stmt.where(Order.buyer_id == filters.buyer_id)
    if filters.placed_from is not None:
        stmt = stmt.where(Order.created_at >= _start_of(filters.placed_from))
    if filters.placed_to is not None and filters.placed_to < date.max:
        stmt = stmt.where(Order.created_at < _start_of(filters.placed_to + timedelta(days=1)))
    if filters.delivery_from is not None:
        stmt = stmt.where(Order.requested_delivery_date >= filters.delivery_from)
    if filters.delivery_to is not None:
        stmt = stmt.where(Order.requested_delivery_date <= filters.delivery_to)
    return stmt


def list_orders(org: Organization, filters: OrderFilters, *, limit: int = DEFAULT_LIMIT,
                cursor: str | None = None, details: bool = True) -> Page:
    """One page of `org`'s orders, newest first."""
    stmt = orders_of(org, filters)
    if cursor:
        stmt = stmt.where(Order.id < decode_cursor(cursor))
    stmt = stmt.order_by(Order.id.desc()).limit(limit + 1)
    if details:
        stmt = with_details(stmt)
    else:
        stmt = stmt.options(joinedload(Order.supplier), joinedload(Order.buyer),
                            joinedload(Order.delivery_location))
    rows = list(db.session.scalars(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    if details:
        load_warehouses(rows)
    return Page(rows, encode_cursor(rows[-1].id) if more and rows else None)


def iter_orders(org: Organization, filters: OrderFilters, batch: int = 200) -> Iterator[Order]:
    """Every matching order, newest first, in batches (for exports)."""
    cursor: str | None = None
    while True:
        page = list_orders(org, filters, limit=batch, cursor=cursor)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
