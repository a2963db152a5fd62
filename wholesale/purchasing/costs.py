"""Moving-average unit cost per product: every purchase receipt blends its cost in,

    new average = (average × on hand before + PO cost × received) / (on hand before + received)

with on hand summed over the supplier's warehouses. The first receipt (or one in another
currency than the average so far) starts the average at the PO's cost."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from sqlalchemy import func, select

from wholesale.extensions import db
from wholesale.inventory.models import StockLevel
from wholesale.purchasing.models import ProductCost, PurchaseOrder, PurchaseOrderLine

PLACES = Decimal("0.0001")


def blend(average: Decimal | None, on_hand: int, cost: Decimal, quantity: int) -> Decimal:
    on_hand = max(on_hand, 0)
    if average is None or on_hand == 0:
        return cost.quantize(PLACES)
    total = average * on_hand + cost * quantity
    return (total / (on_hand + quantity)).quantize(PLACES)


def update_on_receipt(po: PurchaseOrder, received: Mapping[PurchaseOrderLine, int]) -> None:
    """Call before the received stock is put on hand."""
    on_hand = _on_hand(po.supplier_id, (line.product_id for line in received))
    for line, quantity in received.items():
        row = db.session.get(ProductCost, line.product_id)
        same_currency = row is not None and row.currency == po.currency
        average = blend(row.average_cost if same_currency else None,
                        on_hand.get(line.product_id, 0), line.cost, quantity)
        if row is None:
            db.session.add(ProductCost(supplier_id=po.supplier_id, product_id=line.product_id,
                                       average_cost=average, currency=po.currency))
        else:
            row.average_cost, row.currency = average, po.currency
    db.session.flush()


def _on_hand(supplier_id: int, product_ids: Iterable[int]) -> dict[int, int]:
    c = StockLevel.__table__.c
    rows = db.session.execute(
        select(c.product_id, func.sum(c.on_hand))
        .where(c.supplier_id == supplier_id, c.product_id.in_(list(product_ids)))
        .group_by(c.product_id))
    return {product_id: int(total or 0) for product_id, total in rows}


def average_costs(product_ids: Iterable[int]) -> dict[int, ProductCost]:
    ids = list(product_ids)
    if not ids:
        return {}
    return {row.product_id: row for row in db.session.scalars(
        select(ProductCost).where(ProductCost.product_id.in_(ids)))}
