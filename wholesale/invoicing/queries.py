"""Reading invoices as the signed-in organization sees them (the tenant filter hides
everyone else's: another organization's invoice is simply not found)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from wholesale.api.pagination import Page, paginate
from wholesale.db import is_id
from wholesale.errors import NotFound
from wholesale.extensions import db
from wholesale.invoicing.models import CreditNote, Invoice, InvoiceStatus, PaymentAllocation


def invoices_stmt(*, status: str | None = None, buyer_id: int | None = None,
                  supplier_id: int | None = None, order_id: int | None = None) -> Select[Any]:
    stmt = select(Invoice).options(selectinload(Invoice.supplier), selectinload(Invoice.buyer),
                                   selectinload(Invoice.order))
    if status:
        stmt = stmt.where(Invoice.status == InvoiceStatus(status))
    if buyer_id:
        stmt = stmt.where(Invoice.buyer_id == buyer_id)
    if supplier_id:
        stmt = stmt.where(Invoice.supplier_id == supplier_id)
    if order_id:
        stmt = stmt.where(Invoice.order_id == order_id)
    return stmt


def list_invoices(query: dict[str, Any]) -> Page:
    stmt = invoices_stmt(status=query.get("status"), buyer_id=query.get("buyer_id"),
                         supplier_id=query.get("supplier_id"), order_id=query.get("order_id"))
    return paginate(stmt, Invoice.id, query)


def get_invoice(invoice_id: int) -> Invoice:
    found = None
    if is_id(invoice_id):
        found = db.session.scalars(
            select(Invoice).where(Invoice.id == invoice_id).options(
                selectinload(Invoice.allocations).selectinload(PaymentAllocation.payment),
                selectinload(Invoice.credit_notes))).first()
    if found is None:
        raise NotFound("Invoice not found.")
    return found


def get_credit_note(note_id: int) -> CreditNote:
    found = None
    if is_id(note_id):
        found = db.session.scalars(select(CreditNote).where(CreditNote.id == note_id)).first()
    if found is None:
        raise NotFound("Credit note not found.")
    return found


def invoices_of_order(order_id: int) -> list[Invoice]:
    return list(db.session.scalars(select(Invoice).where(Invoice.order_id == order_id)
                                   .order_by(Invoice.id)))
