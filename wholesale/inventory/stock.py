"""Stock changes made by people (receipts, adjustments) and stock read-outs.

Every change goes through `ledger.move()`: one conditional UPDATE plus a ledger row, so a
receipt or an adjustment can never race a reservation into an impossible state.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlalchemy import func, select

from wholesale import signals
from wholesale.accounts.models import Organization, User
from wholesale.catalog.models import Product
from wholesale.errors import Forbidden, ValidationFailed
from wholesale.extensions import db
from wholesale.inventory.ledger import InsufficientStock, get_or_create_level, move
from wholesale.inventory.models import MovementKind, StockLevel
from wholesale.signals import Arrival
from wholesale.sites.models import Warehouse

MAX_DELTA = 1_000_000


class Availability(enum.StrEnum):
    IN_STOCK = "in_stock"
    LOW = "low"
    BACKORDER = "backorder"
    OUT = "out"


def availability_status(product: Product, available: int) -> Availability:
    """What a buyer is told: plenty, running low (≤ reorder point), or none — then
    `backorder` if the product may be ordered anyway, else `out`."""
    if available > 0:
        return Availability.LOW if available <= (product.reorder_point or 0) else \
            Availability.IN_STOCK
    return Availability.BACKORDER if product.allow_backorder else Availability.OUT


def _supplier_of(user: User) -> Organization:
    org = user.organization
    if not org.is_supplier:
        raise Forbidden("Only suppliers manage stock.")
    return org


def own_warehouse(supplier_id: int, warehouse_id: object) -> Warehouse:
    warehouse = None
    if isinstance(warehouse_id, int) and not isinstance(warehouse_id, bool):
        warehouse = db.session.scalars(
            select(Warehouse).where(Warehouse.id == warehouse_id,
                                    Warehouse.supplier_id == supplier_id)
            .execution_options(all_tenants=True)
        ).first()
    if warehouse is None:
        raise ValidationFailed.one("warehouse_id", "No such warehouse of yours.")
    return warehouse


def own_product(supplier_id: int, product_id: object) -> Product:
    product = None
    if isinstance(product_id, int) and not isinstance(product_id, bool):
        product = db.session.scalars(
            select(Product).where(Product.id == product_id, Product.supplier_id == supplier_id)
            .execution_options(all_tenants=True)
        ).first()
    if product is None:
        raise ValidationFailed.one("product_id", "No such product in your catalog.")
    return product


def _reason(reason: object) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise ValidationFailed.one("reason", "Say why the stock changes (e.g. 'PO 1042 received').")
    if len(text) > 500:
        raise ValidationFailed.one("reason", "Keep the reason under 500 characters.")
    return text


def _whole(value: object, field: str, *, positive: bool) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed.one(field, "Must be a whole number.")
    if positive and value <= 0:
        raise ValidationFailed.one(field, "Must be at least 1.")
    if not positive and value == 0:
        raise ValidationFailed.one(field, "Must not be zero.")
    if abs(value) > MAX_DELTA:
        raise ValidationFailed.one(field, f"Must be at most {MAX_DELTA:,} units at once.")
    return value


def receive(supplier_user: User, warehouse_id: int, product_id: int, quantity: int,
            reason: str, *, field: str = "quantity") -> StockLevel:
    """Goods in: add `quantity` on hand; announces `stock_received`."""
    org = _supplier_of(supplier_user)
    quantity = _whole(quantity, field, positive=True)
    text = _reason(reason)
    warehouse = own_warehouse(org.id, warehouse_id)
    product = own_product(org.id, product_id)
    level = get_or_create_level(org.id, warehouse.id, product.id)
    move(level.id, MovementKind.RECEIPT, on_hand=quantity, reason=text,
         user_id=supplier_user.id)
    signals.stock_received.send(org, arrivals=[Arrival(product.id, warehouse.id, quantity)])
    return level


def adjust(supplier_user: User, warehouse_id: int, product_id: int, delta: int,
           reason: str, *, field: str = "delta") -> StockLevel:
    """A correction of what is on hand (+ or −); on hand can never go below what is reserved
    (409 insufficient_stock). A positive correction announces `stock_received` too."""
    org = _supplier_of(supplier_user)
    delta = _whole(delta, field, positive=False)
    text = _reason(reason)
    warehouse = own_warehouse(org.id, warehouse_id)
    product = own_product(org.id, product_id)
    level = get_or_create_level(org.id, warehouse.id, product.id)
    try:
        move(level.id, MovementKind.ADJUSTMENT, on_hand=delta, reason=text,
             user_id=supplier_user.id)
    except InsufficientStock:
        db.session.refresh(level)
        raise InsufficientStock(
            f"Can't remove {-delta} of {product.sku} from {warehouse.name}: on hand "
            f"{level.on_hand}, reserved {level.reserved}, so at most {level.available} "
            "can be removed.",
            fields={field: [f"At most {level.available} can be removed."]},
        ) from None
    if delta > 0:  # found stock is stock that arrived: waiting backorders may take it
        signals.stock_received.send(org, arrivals=[Arrival(product.id, warehouse.id, delta)])
    return level


def change(supplier_user: User, warehouse_id: int, product_id: int, delta: int,
           reason: str) -> StockLevel:
    """`POST /stock`: a positive delta is a receipt, a negative one an adjustment."""
    if isinstance(delta, int) and not isinstance(delta, bool) and delta > 0:
        return receive(supplier_user, warehouse_id, product_id, delta, reason, field="delta")
    return adjust(supplier_user, warehouse_id, product_id, delta, reason, field="delta")


def levels_for_product(supplier: Organization, product_id: int) -> list[StockLevel]:
    """The product's stock level in each of the supplier's warehouses that has a record."""
    stmt = (
        select(StockLevel)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .where(StockLevel.supplier_id == supplier.id, StockLevel.product_id == product_id)
        .order_by(Warehouse.name, StockLevel.id)
        .execution_options(all_tenants=True)
    )
    return list(db.session.scalars(stmt))


def availability(product_ids: Iterable[int]) -> dict[int, int]:
    """Units available (on hand − reserved) per product, summed over warehouses; 0 if none.

    Read across tenants: buyers see availability of products they may already see."""
    ids = list(dict.fromkeys(product_ids))
    result = dict.fromkeys(ids, 0)
    if not ids:
        return result
    stmt = (
        select(StockLevel.product_id, func.sum(StockLevel.on_hand - StockLevel.reserved))
        .where(StockLevel.product_id.in_(ids))
        .group_by(StockLevel.product_id)
        .execution_options(all_tenants=True)
    )
    for product_id, available in db.session.execute(stmt):
        result[product_id] = int(available or 0)
    return result
