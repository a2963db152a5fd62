"""Credit notes: money given back on an invoice for returned, missing or damaged goods.

A credit note names invoice lines and quantities (never more than invoiced and not yet
credited). Amounts use the invoice line's price and tax rate, rounded per line like the
invoice; crediting what is left of a line takes exactly what is left of its amount and
tax, so a fully credited invoice comes to zero to the cent. A credit note may not exceed
what is still owed on the invoice (a paid invoice is refunded outside Ordertalk). Credit
notes are numbered in their own per-supplier sequence (CN-00001, …).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from wholesale import signals
from wholesale.accounts.models import User
from wholesale.db import utcnow
from wholesale.errors import Conflict, ValidationFailed
from wholesale.extensions import db
from wholesale.fulfilment.timeline import clean_text
from wholesale.invoicing import clock, numbering, status
from wholesale.invoicing.issuing import lock, require_supplier
from wholesale.invoicing.models import (
    CounterKind,
    CreditNote,
    CreditNoteLine,
    CreditReason,
    InvoiceLine,
    InvoiceStatus,
)
from wholesale.invoicing.money import ZERO, fmt, line_amounts


def credited(invoice_id: int) -> dict[int, tuple[int, Any, Any]]:
    """invoice line id → (quantity, amount, tax) already credited."""
    cl, cn = CreditNoteLine.__table__.c, CreditNote.__table__.c
    stmt = (select(cl.invoice_line_id, func.sum(cl.quantity), func.sum(cl.amount),
                   func.sum(cl.tax))
            .join(CreditNote.__table__, cn.id == cl.credit_note_id)
            .where(cn.invoice_id == invoice_id).group_by(cl.invoice_line_id))
    return {row[0]: (int(row[1]), row[2], row[3]) for row in db.session.execute(stmt)}


def issue_credit_note(actor: User, invoice_id: int, *, reason: Any, note: Any = None,
                      lines: Sequence[Mapping[str, Any]],
                      now: datetime | None = None) -> CreditNote:
    now = now or utcnow()
    invoice = lock(invoice_id)
    require_supplier(actor, invoice, "issues credit notes")
    if invoice.status is InvoiceStatus.VOID:
        raise Conflict(f"{invoice.display_number} is void.", code="invoice_void")
    try:
        why = CreditReason(reason)
    except ValueError:
        raise ValidationFailed.one(
            "reason", "Choose one of " + ", ".join(r.value for r in CreditReason) + ".",
        ) from None
    text = clean_text(note, "note", required=False, what="")
    by_id = {line.id: line for line in invoice.lines}
    done = credited(invoice.id)
    errors: dict[str, list[str]] = {}
    items: list[CreditNoteLine] = []
    if not isinstance(lines, Sequence) or isinstance(lines, str | bytes) or not lines:
        raise ValidationFailed.one("lines", "Name at least one invoice line and quantity.")
    seen: set[int] = set()
    for index, item in enumerate(lines):
        line_id = item.get("invoice_line_id") if isinstance(item, Mapping) else None
        quantity = item.get("quantity") if isinstance(item, Mapping) else None
        line = by_id.get(line_id) if isinstance(line_id, int) else None
        if line is None or line_id in seen:
            errors[f"lines.{index}.invoice_line_id"] = ["Not a line of this invoice (or twice)."]
            continue
        seen.add(line.id)
        before = done.get(line.id, (0, ZERO, ZERO))
        left = line.quantity - before[0]
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            errors[f"lines.{index}.quantity"] = ["Must be a whole number, at least 1."]
            continue
        if quantity > left:
            errors[f"lines.{index}.quantity"] = [
                f"Only {left} {line.unit} of {line.sku} can still be credited."]
            continue
        items.append(_credit_line(line, quantity, left, before))
    if errors:
        raise ValidationFailed(errors, "The credit note can't be issued: "
                               + next(iter(errors.values()))[0])
    subtotal = sum((ln.amount for ln in items), ZERO)
    tax = sum((ln.tax for ln in items), ZERO)
    if subtotal + tax > invoice.balance:
        raise Conflict(f"This credit ({fmt(subtotal + tax, invoice.currency)}) is more than "
                       f"the {fmt(invoice.balance, invoice.currency)} still owed on "
                       f"{invoice.display_number}.", code="credit_exceeds_balance")
    note_row = CreditNote(
        supplier_id=invoice.supplier_id, buyer_id=invoice.buyer_id, invoice_id=invoice.id,
        reason=why, note=text, issue_date=clock.local_today(invoice.supplier_id, now),
        currency=invoice.currency, subtotal=subtotal, tax_total=tax, total=subtotal + tax,
        issued_by_id=actor.id, created_at=now)
    note_row.lines = items
    note_row.number = numbering.next_number(invoice.supplier_id, CounterKind.CREDIT_NOTE)
    db.session.add(note_row)
    invoice.amount_credited += note_row.total
    status.settle(invoice, clock.local_today(invoice.supplier_id, now), now)
    db.session.flush()
    signals.credit_note_issued.send(invoice.supplier, invoice=invoice, credit_note=note_row,
                                    order=invoice.order, actor=actor)
    return note_row


def _credit_line(line: InvoiceLine, quantity: int, left: int,
                 before: tuple[int, Any, Any]) -> CreditNoteLine:
    if quantity == left:  # the rest of the line: exactly what is left of it
        amount, tax = line.amount - before[1], line.tax - before[2]
    else:
        amount, tax = line_amounts(quantity, line.unit_price, line.tax_rate)
    return CreditNoteLine(invoice_line_id=line.id, invoice_line=line, quantity=quantity,
                          amount=amount, tax=tax)
