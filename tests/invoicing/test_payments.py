"""Payments against one or several invoices, statuses, overpayment refused, credit notes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.invoicing.conftest import NOW, issue, set_tax, shipped_order
from wholesale.errors import Conflict, Forbidden, ValidationFailed
from wholesale.extensions import db
from wholesale.invoicing import credit_notes, issuing, payments
from wholesale.invoicing.models import InvoiceStatus, Payment


def _invoice(shop, price: str = "10.00", qty: int = 10):
    return issue(shop, shipped_order(shop, (shop.product({shop.near: 50}, price=price), qty)))


def _pay(shop, invoice, amount: str, **kw):
    return payments.pay_invoice(shop.supplier_user, invoice.id, amount=amount,
                                paid_on=kw.pop("paid_on", "2025-03-14"),
                                method=kw.pop("method", "bank_transfer"), now=NOW, **kw)


def _payments() -> int:
    return db.session.execute(select(func.count()).select_from(Payment.__table__)).scalar_one()


def test_partial_then_full_payment(shop) -> None:
    invoice = _invoice(shop)  # 100.00
    _pay(shop, invoice, "40.00", reference="TR-1")
    assert invoice.status is InvoiceStatus.PARTIALLY_PAID
    assert invoice.balance == Decimal("60.00")
    _pay(shop, invoice, "60")
    assert invoice.status is InvoiceStatus.PAID and invoice.balance == 0
    assert invoice.paid_at is not None


def test_overpayment_is_refused_and_nothing_recorded(shop) -> None:
    invoice = _invoice(shop)
    before = _payments()
    with pytest.raises(ValidationFailed) as exc:
        _pay(shop, invoice, "100.01")
    assert "Overpayment" in str(exc.value.fields)
    assert _payments() == before and invoice.amount_paid == 0


def test_bad_payment_fields(shop) -> None:
    invoice = _invoice(shop)
    for amount in ("0", "-5", "1.005", "abc", "NaN", "Infinity", None, True):
        with pytest.raises(ValidationFailed) as exc:
            _pay(shop, invoice, amount)  # type: ignore[arg-type]
        assert "amount" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        _pay(shop, invoice, "5", method="bitcoin", paid_on="yesterday")
    assert {"method", "paid_on"} <= set(exc.value.fields)
    with pytest.raises(ValidationFailed):
        _pay(shop, invoice, "5", paid_on="2025-04-30")  # in the future


def test_one_payment_over_several_invoices(shop) -> None:
    first, second = _invoice(shop, "10.00", 5), _invoice(shop, "7.00", 10)  # 50 + 70
    payment = payments.record_payment(
        shop.supplier_user, amount="90.00", paid_on=date(2025, 3, 14), method="check",
        reference="CHK 118", now=NOW,
        allocations=[{"invoice_id": first.id, "amount": "50.00"},
                     {"invoice_id": second.id, "amount": "40"}])
    assert payment.amount == Decimal("90.00") and len(payment.allocations) == 2
    assert first.status is InvoiceStatus.PAID
    assert second.status is InvoiceStatus.PARTIALLY_PAID and second.balance == Decimal("30.00")
    with pytest.raises(ValidationFailed) as exc:  # allocations must add up
        payments.record_payment(shop.supplier_user, amount="20.00", paid_on="2025-03-14",
                                method="cash", now=NOW,
                                allocations=[{"invoice_id": second.id, "amount": "10.00"}])
    assert "amount" in exc.value.fields


def test_void_invoice_takes_no_payment_and_paid_cannot_be_voided(shop) -> None:
    invoice = _invoice(shop)
    issuing.void(invoice.id, shop.supplier_user, "Duplicate")
    with pytest.raises(Conflict):
        _pay(shop, invoice, "1.00")
    other = _invoice(shop)
    _pay(shop, other, "1.00")
    with pytest.raises(Conflict) as exc:
        issuing.void(other.id, shop.supplier_user, "Oops")
    assert exc.value.code == "invoice_has_payments"


def test_buyer_cannot_record_payments(shop) -> None:
    invoice = _invoice(shop)
    with pytest.raises(Forbidden):
        payments.pay_invoice(shop.buyer_user, invoice.id, amount="1", paid_on="2025-03-14",
                             method="cash", now=NOW)


def test_credit_notes_for_returns(shop) -> None:
    set_tax(shop, "8.25")
    invoice = _invoice(shop, "3.33", 7)  # 23.31 + 1.92 tax = 25.23
    line = invoice.lines[0]
    note = credit_notes.issue_credit_note(
        shop.supplier_user, invoice.id, reason="return", note="2 cases damaged",
        lines=[{"invoice_line_id": line.id, "quantity": 2}], now=NOW)
    assert note.display_number == "CN-00001" and note.invoice_id == invoice.id
    assert (note.subtotal, note.tax_total) == (Decimal("6.66"), Decimal("0.55"))
    assert invoice.balance == Decimal("25.23") - Decimal("7.21")
    with pytest.raises(ValidationFailed):  # only 5 left to credit
        credit_notes.issue_credit_note(shop.supplier_user, invoice.id, reason="shortage",
                                       lines=[{"invoice_line_id": line.id, "quantity": 6}])
    rest = credit_notes.issue_credit_note(
        shop.supplier_user, invoice.id, reason="shortage",
        lines=[{"invoice_line_id": line.id, "quantity": 5}], now=NOW)
    assert rest.number == 2
    # the rest of the line is exactly what is left: the invoice comes to zero to the cent
    assert note.total + rest.total == invoice.total
    assert invoice.balance == 0 and invoice.status is InvoiceStatus.PAID
    assert invoice.number == 1  # credit notes have their own sequence


def test_credit_note_cannot_exceed_what_is_owed(shop) -> None:
    invoice = _invoice(shop, "10.00", 2)
    _pay(shop, invoice, "15.00")
    with pytest.raises(Conflict) as exc:
        credit_notes.issue_credit_note(
            shop.supplier_user, invoice.id, reason="return",
            lines=[{"invoice_line_id": invoice.lines[0].id, "quantity": 1}])  # 10.00 > 5.00
    assert exc.value.code == "credit_exceeds_balance"
