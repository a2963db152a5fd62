"""Issuing and voiding invoices.

An invoice covers shipped quantities only: one shipment (the supplier invoices per
shipment) or everything shipped and not invoiced yet on the order (per order). Lines take
the order's snapshot prices and the tax rate of the product (its own rate, else the
supplier's); rounding is per line (see money.py). Payment terms come from the trading
relationship, the dates from the supplier's calendar (clock.py). The order row is locked
first, so two concurrent issues of one order never invoice the same units twice; the
number is taken last (numbering.py).

Voiding keeps the number and records who, when and why; it frees the quantities (they can
be invoiced again). An invoice with payments or credit notes cannot be voided.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from wholesale import signals
from wholesale.accounts.models import User
from wholesale.db import is_id, utcnow
from wholesale.errors import Conflict, Forbidden, NotFound
from wholesale.extensions import db
from wholesale.fulfilment import access
from wholesale.fulfilment.models import Shipment
from wholesale.invoicing import clock, numbering, quantities, settings, terms
from wholesale.invoicing.models import (
    CounterKind,
    Invoice,
    InvoiceLine,
    InvoiceSettings,
    InvoiceStatus,
)
from wholesale.invoicing.money import ZERO, line_amounts
from wholesale.orders.models import Order
from wholesale.trading.models import PaymentTerms

MAX_REASON = 1000


def issue(order_id: int, actor: User | None, *, shipment_id: int | None = None,
          now: datetime | None = None) -> Invoice:
    """Issue an invoice for the order's shipped, uninvoiced units (or one shipment's).
    404 for an order the actor's organization may not see, 403 for the buyer, 409
    `nothing_to_invoice`. Flushes; the caller commits."""
    now = now or utcnow()
    order = access.lock(order_id)
    assert order is not None
    if actor is not None and actor.organization_id != order.supplier_id:
        access.side_of(actor, order)  # 404 for outsiders
        raise Forbidden("Only the supplier issues invoices.", code="forbidden_role")
    if shipment_id is not None:
        _check_shipment(order, shipment_id)
    wanted = quantities.invoiceable(order.id, shipment_id)
    if not wanted:
        where = "this shipment" if shipment_id is not None else f"order {order.display_number}"
        raise Conflict(f"Nothing on {where} is shipped and not yet invoiced.",
                       code="nothing_to_invoice")
    current = settings.settings_for(order.supplier_id)
    invoice = _build(order, actor, wanted, current, shipment_id, now)
    # The number last: the counter row stays locked only for the insert and the commit.
    invoice.number = numbering.next_number(order.supplier_id, CounterKind.INVOICE)
    db.session.add(invoice)
    db.session.flush()
    announce_issued(invoice, actor)
    return invoice


def _check_shipment(order: Order, shipment_id: int) -> None:
    found = db.session.scalar(select(Shipment.id).where(Shipment.id == shipment_id,
                                                        Shipment.order_id == order.id))
    if found is None:
        raise NotFound("Shipment not found on this order.")


def _build(order: Order, actor: User | None, wanted: dict[int, int],
           current: InvoiceSettings, shipment_id: int | None, now: datetime) -> Invoice:
    lines = [line for line in order.lines if line.id in wanted]
    rates = settings.product_rates(order.supplier_id, [line.product_id for line in lines])
    rel = settings.relationship_between(order.supplier_id, order.buyer_id)
    payment_terms = rel.payment_terms if rel is not None else PaymentTerms.NET_30
    issued = clock.local_today(order.supplier_id, now)
    invoice = Invoice(
        supplier_id=order.supplier_id, buyer_id=order.buyer_id, order_id=order.id,
        order=order, shipment_id=shipment_id, status=InvoiceStatus.ISSUED,
        currency=order.currency, issue_date=issued,
        due_date=terms.due_date(issued, payment_terms), payment_terms=payment_terms.value,
        po_number=order.po_number or "", amount_paid=ZERO, amount_credited=ZERO,
        seller=settings.seller(order.supplier, current),
        bill_to=settings.bill_to(order.buyer),
        issued_by_id=actor.id if actor else None, created_at=now,
    )
    invoice.lines = []
    for line in lines:
        rate = rates.get(line.product_id, current.tax_rate)
        amount, tax = line_amounts(wanted[line.id], line.unit_price, rate)
        invoice.lines.append(InvoiceLine(
            order_line_id=line.id, sku=line.sku, name=line.name, unit=line.unit,
            quantity=wanted[line.id], unit_price=line.unit_price, tax_rate=rate,
            amount=amount, tax=tax))
    invoice.subtotal = sum((ln.amount for ln in invoice.lines), ZERO)
    invoice.tax_total = sum((ln.tax for ln in invoice.lines), ZERO)
    invoice.total = invoice.subtotal + invoice.tax_total
    return invoice


def pdf_maker(invoice: Invoice) -> Callable[[], bytes]:
    """A callable that renders the invoice's PDF when a listener needs it."""

    def make() -> bytes:
        from wholesale.invoicing.pdf import invoice_pdf

        return invoice_pdf(invoice)

    return make


def announce_issued(invoice: Invoice, actor: User | None) -> None:
    signals.invoice_issued.send(
        invoice.supplier, invoice=invoice, order=invoice.order, actor=actor,
        recipients=list(invoice.bill_to.get("emails") or []), pdf=pdf_maker(invoice),
        filename=f"{invoice.display_number}.pdf")


def void(invoice_id: int, actor: User, reason: Any, now: datetime | None = None) -> Invoice:
    """Void an invoice: 409 when void already, paid in part or credited; 422 without a
    reason."""
    from wholesale.fulfilment.timeline import clean_text

    invoice = lock(invoice_id)
    require_supplier(actor, invoice, "voids invoices")
    text = clean_text(reason, "reason", required=True, limit=MAX_REASON,
                      what="Say why the invoice is void.")
    if invoice.status is InvoiceStatus.VOID:
        raise Conflict(f"{invoice.display_number} is already void.", code="invoice_void")
    if invoice.amount_paid > 0 or invoice.amount_credited > 0:
        raise Conflict(f"{invoice.display_number} has payments or credit notes; it can't be "
                       "voided. Issue a credit note instead.", code="invoice_has_payments")
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = now or utcnow()
    invoice.void_reason = text
    invoice.voided_by_id = actor.id
    db.session.flush()
    signals.invoice_voided.send(invoice.supplier, invoice=invoice, order=invoice.order,
                                actor=actor, reason=text)
    return invoice


# -- shared by the services ----------------------------------------------------------------


def lock(invoice_id: Any) -> Invoice:
    """The invoice under a row lock (404 when the current tenant may not see it)."""
    found = None
    if is_id(invoice_id):
        found = db.session.scalars(
            select(Invoice).where(Invoice.id == invoice_id).with_for_update(of=Invoice)
            .execution_options(populate_existing=True)).first()
    if found is None:
        raise NotFound("Invoice not found.")
    return found


def require_supplier(actor: User | None, invoice: Invoice, what: str) -> None:
    if actor is None or actor.organization_id == invoice.supplier_id:
        return
    if actor.organization_id == invoice.buyer_id:
        raise Forbidden(f"Only the supplier {what}.", code="forbidden_role")
    raise NotFound("Invoice not found.")
