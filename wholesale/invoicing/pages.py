"""What the invoicing pages show, gathered in a few queries: the invoice list with its
filters, orders ready to invoice, receivables per customer, the held orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from wholesale.accounts.models import Organization
from wholesale.extensions import db
from wholesale.fulfilment.models import Shipment, ShipmentLine
from wholesale.invoicing import statements
from wholesale.invoicing.models import (
    CreditHold,
    CreditLimit,
    HoldStatus,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
)
from wholesale.invoicing.queries import invoices_stmt
from wholesale.orders.models import Order
from wholesale.trading.models import TradingRelationship

PAGE_SIZE = 50


@dataclass(frozen=True)
class Ready:
    order: Order
    shipped: int
    invoiced: int


def ready_to_invoice(supplier_id: int, limit: int = 20) -> list[Ready]:
    """The supplier's orders with shipped units not invoiced yet (one query, then the
    orders)."""
    sl, sh = ShipmentLine.__table__.c, Shipment.__table__.c
    il, inv = InvoiceLine.__table__.c, Invoice.__table__.c
    orders = Order.__table__.c
    shipped = (select(sh.order_id, func.sum(sl.quantity).label("units"))
               .join(Shipment.__table__, sh.id == sl.shipment_id)
               .join(Order.__table__, orders.id == sh.order_id)
               .where(orders.supplier_id == supplier_id)
               .group_by(sh.order_id).subquery())
    invoiced = (select(inv.order_id, func.sum(il.quantity).label("units"))
                .join(Invoice.__table__, inv.id == il.invoice_id)
                .where(inv.supplier_id == supplier_id, inv.voided_at.is_(None))
                .group_by(inv.order_id).subquery())
    rows = db.session.execute(
        select(shipped.c.order_id, shipped.c.units, func.coalesce(invoiced.c.units, 0))
        .outerjoin(invoiced, invoiced.c.order_id == shipped.c.order_id)
        .where(shipped.c.units > func.coalesce(invoiced.c.units, 0))
        .order_by(shipped.c.order_id.desc()).limit(limit)).all()
    by_id = {o.id: o for o in db.session.scalars(
        select(Order).where(Order.id.in_([r[0] for r in rows])))}
    return [Ready(by_id[r[0]], int(r[1]), int(r[2])) for r in rows if r[0] in by_id]


@dataclass(frozen=True)
class Totals:
    open_count: int
    open_amount: Decimal
    overdue_count: int
    overdue_amount: Decimal


def totals(org: Organization) -> Totals:
    inv = Invoice.__table__.c
    side = inv.supplier_id if org.is_supplier else inv.buyer_id
    owed = inv.total - inv.amount_paid - inv.amount_credited
    row = db.session.execute(select(
        func.count().filter(inv.status.in_(
            [InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.OVERDUE])),
        func.coalesce(func.sum(owed).filter(inv.status != InvoiceStatus.VOID,
                                            inv.status != InvoiceStatus.PAID), 0),
        func.count().filter(inv.status == InvoiceStatus.OVERDUE),
        func.coalesce(func.sum(owed).filter(inv.status == InvoiceStatus.OVERDUE), 0),
    ).where(side == org.id)).one()
    return Totals(int(row[0]), Decimal(str(row[1])), int(row[2]), Decimal(str(row[3])))


def invoice_list(org: Organization, filters: dict[str, Any], before_id: int | None
                 ) -> tuple[list[Invoice], int | None]:
    """Newest first, PAGE_SIZE a page; returns the invoices and the id to continue before."""
    stmt = invoices_stmt(status=filters.get("status"), buyer_id=filters.get("buyer_id"),
                         supplier_id=filters.get("supplier_id"))
    if before_id:
        stmt = stmt.where(Invoice.id < before_id)
    rows = list(db.session.scalars(stmt.order_by(Invoice.id.desc()).limit(PAGE_SIZE + 1)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].id if more and rows else None)


def partners(org: Organization) -> list[tuple[int, str]]:
    rel = TradingRelationship
    if org.is_supplier:
        stmt = (select(Organization.id, Organization.name)
                .join(rel, rel.buyer_id == Organization.id).where(rel.supplier_id == org.id))
    else:
        stmt = (select(Organization.id, Organization.name)
                .join(rel, rel.supplier_id == Organization.id).where(rel.buyer_id == org.id))
    return [(r[0], r[1]) for r in db.session.execute(
        stmt.order_by(Organization.name).execution_options(all_tenants=True))]


@dataclass(frozen=True)
class Customer:
    relationship_id: int
    buyer_id: int
    name: str
    terms: str
    limit: Decimal | None
    owed: Decimal
    buckets: dict[str, Decimal]


def receivables(supplier_id: int, as_of: date) -> list[Customer]:
    """Every customer with its terms, credit limit and aging (two queries)."""
    rel = TradingRelationship
    rows = db.session.execute(
        select(rel.id, rel.buyer_id, Organization.name, rel.payment_terms, CreditLimit.amount)
        .join(Organization, Organization.id == rel.buyer_id)
        .outerjoin(CreditLimit, CreditLimit.relationship_id == rel.id)
        .where(rel.supplier_id == supplier_id).order_by(Organization.name)
        .execution_options(all_tenants=True)).all()
    aging = {row.buyer_id: row for row in statements.aging(supplier_id, as_of)}
    empty = {b: Decimal("0.00") for b in statements.BUCKETS}
    return [Customer(r[0], r[1], r[2], r[3].label, r[4],
                     aging[r[1]].total if r[1] in aging else Decimal("0.00"),
                     aging[r[1]].buckets if r[1] in aging else empty) for r in rows]


def pending_holds(supplier_id: int) -> list[CreditHold]:
    return list(db.session.scalars(
        select(CreditHold).where(CreditHold.supplier_id == supplier_id,
                                 CreditHold.status == HoldStatus.PENDING)
        .order_by(CreditHold.created_at)))


