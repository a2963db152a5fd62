"""Read-outs for the inventory pages: stock per product per warehouse, and one product's
ledger (newest first, with who and where)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from wholesale.accounts.models import Organization, User
from wholesale.catalog import search
from wholesale.catalog.models import Product
from wholesale.extensions import db
from wholesale.inventory.models import MovementKind, StockLevel, StockMovement
from wholesale.inventory.stock import availability_status
from wholesale.sites.models import Warehouse


@dataclass
class Cell:
    on_hand: int = 0
    reserved: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass
class StockRow:
    product: Product
    cells: dict[int, Cell] = field(default_factory=dict)

    @property
    def total(self) -> Cell:
        return Cell(sum(c.on_hand for c in self.cells.values()),
                    sum(c.reserved for c in self.cells.values()))

    @property
    def status(self) -> str:
        return availability_status(self.product, self.total.available).value


def warehouses(supplier: Organization) -> list[Warehouse]:
    return list(db.session.scalars(
        select(Warehouse).where(Warehouse.supplier_id == supplier.id).order_by(Warehouse.name)))


def stock_rows(supplier: Organization, *, q: str = "", page: int = 1,
               per_page: int = 50) -> tuple[list[StockRow], bool]:
    """Active products by name with their stock in each warehouse; and whether more follow."""
    stmt = select(Product).where(Product.supplier_id == supplier.id,
                                 Product.archived_at.is_(None))
    condition = search.matches(q) if q else None
    if condition is not None:
        stmt = stmt.where(condition)
    products = list(db.session.scalars(
        stmt.order_by(Product.name, Product.id).offset((page - 1) * per_page)
        .limit(per_page + 1)))
    more = len(products) > per_page
    rows = {p.id: StockRow(p) for p in products[:per_page]}
    if rows:
        for level in db.session.execute(
                select(StockLevel.product_id, StockLevel.warehouse_id, StockLevel.on_hand,
                       StockLevel.reserved)
                .where(StockLevel.supplier_id == supplier.id,
                       StockLevel.product_id.in_(list(rows)))):
            rows[level.product_id].cells[level.warehouse_id] = Cell(level.on_hand,
                                                                    level.reserved)
    return list(rows.values()), more


@dataclass(frozen=True)
class LedgerLine:
    id: int
    created_at: datetime
    kind: MovementKind
    warehouse: str
    on_hand_delta: int
    reserved_delta: int
    on_hand_after: int
    reserved_after: int
    reason: str
    who: str
    order_id: int | None


def ledger(supplier: Organization, product_id: int, limit: int = 100) -> list[LedgerLine]:
    """The product's latest stock movements, newest first."""
    rows = db.session.execute(
        select(StockMovement, Warehouse.name, User.name)
        .join(Warehouse, Warehouse.id == StockMovement.warehouse_id)
        .outerjoin(User, User.id == StockMovement.user_id)
        .where(StockMovement.supplier_id == supplier.id,
               StockMovement.product_id == product_id)
        .order_by(StockMovement.id.desc()).limit(limit))
    return [
        LedgerLine(m.id, m.created_at, m.kind, warehouse, m.on_hand_delta, m.reserved_delta,
                   m.on_hand_after, m.reserved_after, m.reason, who or "System", m.order_id)
        for m, warehouse, who in rows
    ]
