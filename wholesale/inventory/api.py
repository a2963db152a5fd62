"""API: stock levels, changes, the ledger and the supplier's stock reports."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy import select

from wholesale.api.pagination import Page, paginate
from wholesale.api.registry import route
from wholesale.inventory import reports, stock
from wholesale.inventory.models import StockLevel, StockMovement
from wholesale.inventory.schemas import (
    DeadStockQuery,
    MovementSchema,
    StockChangeRequest,
    StockLevelSchema,
    StockQuery,
    StockReportRowSchema,
)


@route(
    "/stock",
    "POST",
    summary="Change stock: a positive delta receives goods, a negative one removes them "
    "(never below what is reserved); every change is kept in the ledger",
    body=StockChangeRequest,
    response=StockLevelSchema,
    kinds=["supplier"],
    extra_responses={409: "insufficient_stock: not that much unreserved stock to remove"},
)
def change_stock(data: dict[str, Any]) -> StockLevel:
    return stock.change(current_user._get_current_object(), data["warehouse_id"],
                        data["product_id"], data["delta"], data["reason"])


@route(
    "/stock",
    summary="Stock levels per product per warehouse",
    query=StockQuery,
    response=StockLevelSchema,
    kinds=["supplier"],
    paginated=True,
)
def list_stock(query: dict[str, Any]) -> Page:
    return _own_rows(StockLevel, query)


@route(
    "/stock/movements",
    summary="The stock ledger: every change, oldest first",
    query=StockQuery,
    response=MovementSchema,
    kinds=["supplier"],
    paginated=True,
)
def list_movements(query: dict[str, Any]) -> Page:
    return _own_rows(StockMovement, query)


def _own_rows(model: type[StockLevel] | type[StockMovement], query: dict[str, Any]) -> Page:
    """The supplier's rows of `model`, filtered by product and warehouse when asked."""
    stmt = select(model).where(model.supplier_id == current_user.organization_id)
    for name in ("product_id", "warehouse_id"):
        if query[name]:
            stmt = stmt.where(getattr(model, name) == query[name])
    return paginate(stmt, model.id, query)


@route(
    "/stock/low",
    summary="Low stock: products whose available stock is at or below their reorder point",
    response=StockReportRowSchema,
    kinds=["supplier"],
    paginated=True,
)
def low_stock(query: dict[str, Any]) -> Page:
    return reports.page(reports.low_stock(current_user.organization), query)


@route(
    "/stock/dead",
    summary="Dead stock: on hand, but no reservation or shipment in the last `days` days",
    query=DeadStockQuery,
    response=StockReportRowSchema,
    kinds=["supplier"],
    paginated=True,
)
def dead_stock(query: dict[str, Any]) -> Page:
    return reports.page(reports.dead_stock(current_user.organization, query["days"]), query)


@route(
    "/stock/overstock",
    summary="Overstock: products with more on hand than their overstock level",
    response=StockReportRowSchema,
    kinds=["supplier"],
    paginated=True,
)
def overstock(query: dict[str, Any]) -> Page:
    return reports.page(reports.overstock(current_user.organization), query)
