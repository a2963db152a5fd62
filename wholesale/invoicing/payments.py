"""Payments: money received from a buyer, allocated to one or several of its invoices.

Every allocated invoice is locked first (in id order, so concurrent payments cannot
deadlock); an allocation larger than the invoice's balance is refused (422, the field
named, nothing recorded), as is a payment whose allocations do not add up to its amount,
a void invoice (409) or invoices of different buyers or currencies (422).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from wholesale import signals
from wholesale.accounts.models import User
from wholesale.db import is_id, utcnow
from wholesale.errors import Conflict, ValidationFailed
from wholesale.extensions import db
from wholesale.fulfilment.timeline import clean_text
from wholesale.invoicing import clock, status
from wholesale.invoicing.issuing import lock, require_supplier
from wholesale.invoicing.models import (
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from wholesale.invoicing.money import ZERO, fmt, parse_amount

MAX_ALLOCATIONS = 100


def record_payment(actor: User, *, amount: Any, paid_on: Any, method: Any,
                   reference: Any = None, allocations: Sequence[Mapping[str, Any]],
                   now: datetime | None = None) -> Payment:
    """Record a payment; `allocations` is [{"invoice_id", "amount"}]. Flushes."""
    now = now or utcnow()
    errors: dict[str, list[str]] = {}
    total = parse_amount(amount)
    if total is None:
        errors["amount"] = ["Give a positive amount with at most two decimals."]
    try:
        how = PaymentMethod(method)
    except ValueError:
        how = None
        errors["method"] = ["Choose one of " + ", ".join(m.value for m in PaymentMethod) + "."]
    day = _day(paid_on, errors)
    ref = ""
    try:
        ref = clean_text(reference, "reference", required=False, limit=100, what="")
    except ValidationFailed as exc:
        errors.update(exc.fields)
    wanted = _allocations(allocations, errors)
    if errors:
        raise ValidationFailed(errors, "The payment can't be recorded: "
                               + next(iter(errors.values()))[0])
    assert total is not None and how is not None and day is not None
    invoices = {iid: lock(iid) for iid in sorted(wanted)}
    first = invoices[min(invoices)]
    for invoice in invoices.values():
        require_supplier(actor, invoice, "records payments")
    if day > clock.local_today(first.supplier_id, now) + timedelta(days=1):
        raise ValidationFailed.one("paid_on", "A payment date can't be in the future.")
    _check_invoices(invoices, wanted, total)
    payment = Payment(supplier_id=first.supplier_id, buyer_id=first.buyer_id, amount=total,
                      currency=first.currency, paid_on=day, method=how, reference=ref,
                      recorded_by_id=actor.id, created_at=now)
    payment.allocations = []
    today = clock.local_today(first.supplier_id, now)
    for invoice_id, share in wanted.items():
        invoice = invoices[invoice_id]
        payment.allocations.append(PaymentAllocation(invoice_id=invoice.id, amount=share))
        invoice.amount_paid += share
        status.settle(invoice, today, now)
    db.session.add(payment)
    db.session.flush()
    signals.payment_recorded.send(first.supplier, payment=payment,
                                  invoices=list(invoices.values()), actor=actor)
    return payment


def pay_invoice(actor: User, invoice_id: int, *, amount: Any, paid_on: Any, method: Any,
                reference: Any = None, now: datetime | None = None) -> Payment:
    """A payment for one invoice (the whole amount allocated to it)."""
    return record_payment(actor, amount=amount, paid_on=paid_on, method=method,
                          reference=reference,
                          allocations=[{"invoice_id": invoice_id, "amount": amount}], now=now)


def _day(value: Any, errors: dict[str, list[str]]) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors["paid_on"] = ["Give the payment date as YYYY-MM-DD."]
    return None


def _allocations(items: Any, errors: dict[str, list[str]]) -> dict[int, Decimal]:
    if not isinstance(items, Sequence) or isinstance(items, str | bytes) or not items:
        errors["allocations"] = ["Allocate the payment to at least one invoice."]
        return {}
    if len(items) > MAX_ALLOCATIONS:
        errors["allocations"] = [f"At most {MAX_ALLOCATIONS} invoices per payment."]
        return {}
    wanted: dict[int, Decimal] = {}
    for index, item in enumerate(items):
        invoice_id = item.get("invoice_id") if isinstance(item, Mapping) else None
        share = parse_amount(item.get("amount")) if isinstance(item, Mapping) else None
        if not is_id(invoice_id):
            errors[f"allocations.{index}.invoice_id"] = ["Must be an invoice id."]
        elif invoice_id in wanted:
            errors[f"allocations.{index}.invoice_id"] = ["This invoice is listed twice."]
        if share is None:
            errors[f"allocations.{index}.amount"] = [
                "Give a positive amount with at most two decimals."]
        if not any(k.startswith(f"allocations.{index}.") for k in errors):
            wanted[invoice_id] = share  # type: ignore[index]
    return wanted


def _check_invoices(invoices: dict[int, Invoice], wanted: dict[int, Decimal],
                    total: Decimal) -> None:
    first = invoices[min(invoices)]
    errors: dict[str, list[str]] = {}
    for index, (invoice_id, share) in enumerate(wanted.items()):
        invoice = invoices[invoice_id]
        if invoice.status is InvoiceStatus.VOID:
            raise Conflict(f"{invoice.display_number} is void; it takes no payments.",
                           code="invoice_void")
        if invoice.buyer_id != first.buyer_id or invoice.currency != first.currency:
            errors[f"allocations.{index}.invoice_id"] = [
                "One payment covers invoices of one buyer, in one currency."]
        elif share > invoice.balance:
            left = fmt(invoice.balance, invoice.currency)
            errors[f"allocations.{index}.amount"] = [
                f"Overpayment: {invoice.display_number} has {left} left to pay."
                if invoice.balance > 0 else
                f"Overpayment: {invoice.display_number} is already paid."]
    allocated = sum(wanted.values(), ZERO)
    if not errors and allocated != total:
        errors["amount"] = [f"The allocations add up to {fmt(allocated)}, not {fmt(total)}."]
    if errors:
        raise ValidationFailed(errors, next(iter(errors.values()))[0])
