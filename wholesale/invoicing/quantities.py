"""What can still be invoiced on an order: per order line, the quantity shipped (shipment
lines) less the quantity already on live (not void) invoices. Backordered quantities are
on the backorder, which has its own shipments: they are never invoiced here."""

from __future__ import annotations

from sqlalchemy import func, select

from wholesale.extensions import db
from wholesale.fulfilment.models import Shipment, ShipmentLine
from wholesale.invoicing.models import Invoice, InvoiceLine


def shipped(order_id: int, shipment_id: int | None = None) -> dict[int, int]:
    """order line id → units shipped (on the order, or on one shipment of it)."""
    sl, sh = ShipmentLine.__table__.c, Shipment.__table__.c
    stmt = (select(sl.order_line_id, func.sum(sl.quantity))
            .join(Shipment.__table__, sh.id == sl.shipment_id)
            .where(sh.order_id == order_id).group_by(sl.order_line_id))
    if shipment_id is not None:
        stmt = stmt.where(sh.id == shipment_id)
    return {line: int(qty) for line, qty in db.session.execute(stmt)}


def invoiced(order_id: int) -> dict[int, int]:
    """order line id → units on the order's live invoices."""
    il, inv = InvoiceLine.__table__.c, Invoice.__table__.c
    stmt = (select(il.order_line_id, func.sum(il.quantity))
            .join(Invoice.__table__, inv.id == il.invoice_id)
            .where(inv.order_id == order_id, inv.voided_at.is_(None))
            .group_by(il.order_line_id))
    return {line: int(qty) for line, qty in db.session.execute(stmt)}


def invoiceable(order_id: int, shipment_id: int | None = None) -> dict[int, int]:
    """order line id → units that may go on a new invoice (never more than shipped and not
    invoiced yet, whatever the shipment asked for)."""
    on_order = shipped(order_id)
    done = invoiced(order_id)
    wanted = shipped(order_id, shipment_id) if shipment_id is not None else on_order
    result = {}
    for line_id, quantity in wanted.items():
        free = on_order.get(line_id, 0) - done.get(line_id, 0)
        if min(quantity, free) > 0:
            result[line_id] = min(quantity, free)
    return result


def uninvoiced_shipments(order_id: int) -> list[int]:
    """Shipments of the order with no live invoice of their own."""
    sh, inv = Shipment.__table__.c, Invoice.__table__.c
    live = select(inv.shipment_id).where(inv.shipment_id.is_not(None), inv.voided_at.is_(None))
    stmt = (select(sh.id).where(sh.order_id == order_id, sh.id.not_in(live),
                                sh.voided_at.is_(None)).order_by(sh.id))
    return list(db.session.scalars(stmt))
