"""An invoice's status from its amounts: paid when nothing is left to pay; overdue stays
overdue while money is owed past the due date (the daily run sets it, see reminders.py);
partially paid once some money came in; else issued. A void invoice stays void."""

from __future__ import annotations

from datetime import date, datetime

from wholesale.invoicing.models import Invoice, InvoiceStatus


def settle(invoice: Invoice, today: date, now: datetime) -> None:
    if invoice.status is InvoiceStatus.VOID:
        return
    if invoice.balance <= 0:
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = invoice.paid_at or now
        return
    invoice.paid_at = None
    if invoice.status is InvoiceStatus.OVERDUE and invoice.due_date < today:
        return
    if invoice.amount_paid > 0:
        invoice.status = InvoiceStatus.PARTIALLY_PAID
    else:
        invoice.status = InvoiceStatus.ISSUED
