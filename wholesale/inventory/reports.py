"""Stock reports for the supplier, per product over all its warehouses: low stock
(available ≤ reorder point), dead stock (on hand but no outbound movement — reservation or
shipment — in N days) and overstock (on hand > overstock level)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select

from wholesale.accounts.models import Organization
from wholesale.api.pagination import DEFAULT_LIMIT, Page, decode_cursor, encode_cursor
from wholesale.catalog.models import Product
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.inventory.models import MovementKind, StockLevel, StockMovement

OUTBOUND = (MovementKind.RESERVATION, MovementKind.SHIPMENT)


@dataclass
class ReportRow:
    product_id: int
    sku: str
    name: str
    unit: str
    on_hand: int
    reserved: int
    available: int
    reorder_point: int
    overstock_level: int | None
    last_outbound_at: datetime | None = None


def _totals(supplier_id: int) -> Any:
    levels = StockLevel.__table__.c
    return (
        select(levels.product_id.label("product_id"),
               func.sum(levels.on_hand).label("on_hand"),
               func.sum(levels.reserved).label("reserved"))
        .where(levels.supplier_id == supplier_id)
        .group_by(levels.product_id)
        .subquery()
    )


def _last_outbound(supplier_id: int) -> Any:
    moves = StockMovement.__table__.c
    return (
        select(moves.product_id.label("product_id"),
               func.max(moves.created_at).label("last_at"))
        .where(moves.supplier_id == supplier_id, moves.kind.in_([k.value for k in OUTBOUND]))
        .group_by(moves.product_id)
        .subquery()
    )


def _base(supplier: Organization) -> tuple[Select[Any], Any, Any]:
    totals = _totals(supplier.id)
    last = _last_outbound(supplier.id)
    on_hand = func.coalesce(totals.c.on_hand, 0)
    reserved = func.coalesce(totals.c.reserved, 0)
    stmt = (
        select(Product.id, Product.sku, Product.name, Product.unit, on_hand.label("on_hand"),
               reserved.label("reserved"), Product.reorder_point, Product.overstock_level,
               last.c.last_at)
        .select_from(Product)
        .outerjoin(totals, totals.c.product_id == Product.id)
        .outerjoin(last, last.c.product_id == Product.id)
        .where(Product.supplier_id == supplier.id, Product.archived_at.is_(None))
    )
    return stmt, on_hand, reserved


def low_stock(supplier: Organization) -> Select[Any]:
    stmt, on_hand, reserved = _base(supplier)
    return stmt.where(on_hand - reserved <= Product.reorder_point)


def dead_stock(supplier: Organization, days: int, now: datetime | None = None) -> Select[Any]:
    stmt, on_hand, _ = _base(supplier)
    since = (now or utcnow()) - timedelta(days=days)
    last = stmt.selected_columns.last_at
    return stmt.where(on_hand > 0, (last.is_(None)) | (last < since))


def overstock(supplier: Organization) -> Select[Any]:
    stmt, on_hand, _ = _base(supplier)
    return stmt.where(Product.overstock_level.is_not(None), on_hand > Product.overstock_level)


def page(stmt: Select[Any], query: dict[str, Any]) -> Page:
    """One page of report rows by product id (keyset), as `ReportRow`s."""
    limit = query.get("limit", DEFAULT_LIMIT)
    if query.get("cursor"):
        stmt = stmt.where(Product.id > decode_cursor(query["cursor"]))
    rows = db.session.execute(stmt.order_by(Product.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        ReportRow(product_id=r[0], sku=r[1], name=r[2], unit=r[3], on_hand=int(r[4]),
                  reserved=int(r[5]), available=int(r[4]) - int(r[5]), reorder_point=r[6],
                  overstock_level=r[7], last_outbound_at=r[8])
        for r in rows
    ]
    return Page(items, encode_cursor(items[-1].product_id) if more and items else None)


def all_rows(stmt: Select[Any], limit: int = 500) -> list[ReportRow]:
    return page(stmt, {"limit": limit}).items
