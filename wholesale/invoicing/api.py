"""API: invoices, payments, credit notes, statements, aging, credit limits and holds,
invoice settings (CONTRACT.md §3). Each view parses (the route's schema), calls one
service, and returns. `GET /invoices/{id}` answers the PDF for `Accept: application/pdf`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, request
from flask_login import current_user

from wholesale.api.auth import authenticate
from wholesale.api.pagination import Page
from wholesale.api.registry import route
from wholesale.errors import ValidationFailed
from wholesale.extensions import db
from wholesale.invoicing import (
    clock,
    credit,
    credit_notes,
    issuing,
    payments,
    queries,
    settings,
    statements,
)
from wholesale.invoicing.models import CreditHold, CreditNote, Invoice, Payment
from wholesale.invoicing.schemas import (
    AgingQuery,
    AgingSchema,
    BillingSchema,
    CreditLimitRequest,
    CreditLimitSchema,
    CreditNoteRequest,
    CreditNoteSchema,
    DecisionRequest,
    HoldSchema,
    InvoiceQuery,
    InvoiceSchema,
    InvoiceSummarySchema,
    IssueRequest,
    MultiPaymentRequest,
    PaymentRequest,
    PaymentSchema,
    SettingsSchema,
    StatementQuery,
    StatementSchema,
    TaxRateRequest,
    VoidRequest,
)

PDF = "application/pdf"


def _me() -> Any:
    return current_user._get_current_object()


def wants_pdf() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", PDF])
    return best == PDF and request.accept_mimetypes[PDF] > request.accept_mimetypes[
        "application/json"]


def pdf_response(data: bytes, filename: str, *, download: bool = False) -> Response:
    """The PDF shown in the browser, or saved as `filename` (`download`)."""
    response = Response(data, mimetype=PDF)
    disposition = "attachment" if download else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _pdf_variant(view: Callable[..., Any]) -> Callable[..., Any]:
    """`Accept: application/pdf` → the invoice as a PDF (same authentication and 404s)."""

    @wraps(view)
    def wrapper(**path: Any) -> Any:
        if not wants_pdf():
            return view(**path)
        from wholesale.invoicing.pdf import invoice_pdf

        authenticate()
        invoice = queries.get_invoice(path["invoice_id"])
        data = invoice_pdf(invoice)
        db.session.rollback()
        return pdf_response(data, f"{invoice.display_number}.pdf")

    return wrapper


@route("/invoices", summary="Invoices (the supplier's, or the buyer's from its suppliers)",
       query=InvoiceQuery, response=InvoiceSummarySchema, paginated=True)
def list_invoices(query: dict[str, Any]) -> Page:
    return queries.list_invoices(query)


@route("/invoices/<int:invoice_id>",
       summary="One invoice as JSON, or as a PDF with `Accept: application/pdf`",
       response=InvoiceSchema, decorators=[_pdf_variant],
       extra_responses={406: "not used: any other Accept gets JSON"})
def get_invoice(invoice_id: int) -> Invoice:
    return queries.get_invoice(invoice_id)


@route("/orders/<int:order_id>/invoices", "POST",
       summary="Issue an invoice for what has shipped and is not invoiced yet (or for one "
               "shipment)",
       body=IssueRequest, response=InvoiceSchema, status=201, kinds=["supplier"],
       extra_responses={409: "nothing_to_invoice"})
def issue_invoice(order_id: int, data: dict[str, Any]) -> Invoice:
    return issuing.issue(order_id, _me(), shipment_id=data.get("shipment_id"))


@route("/invoices/<int:invoice_id>/void", "POST",
       summary="Void an invoice (keeps its number; records the reason)",
       body=VoidRequest, response=InvoiceSchema, kinds=["supplier"],
       extra_responses={409: "invoice_void or invoice_has_payments"})
def void_invoice(invoice_id: int, data: dict[str, Any]) -> Invoice:
    return issuing.void(invoice_id, _me(), data["reason"])


@route("/invoices/<int:invoice_id>/payments", "POST",
       summary="Record a payment against this invoice",
       body=PaymentRequest, response=PaymentSchema, status=201, kinds=["supplier"],
       extra_responses={409: "invoice_void",
                        422: "validation_error (e.g. overpayment: more than the balance)"})
def pay_invoice(invoice_id: int, data: dict[str, Any]) -> Payment:
    return payments.pay_invoice(_me(), invoice_id, amount=data["amount"],
                                paid_on=data["paid_on"], method=data["method"],
                                reference=data.get("reference"))


@route("/payments", "POST",
       summary="Record a payment allocated to several invoices of one buyer",
       body=MultiPaymentRequest, response=PaymentSchema, status=201, kinds=["supplier"],
       extra_responses={409: "invoice_void",
                        422: "validation_error (overpayment, allocations not adding up)"})
def create_payment(data: dict[str, Any]) -> Payment:
    return payments.record_payment(_me(), amount=data["amount"], paid_on=data["paid_on"],
                                   method=data["method"], reference=data.get("reference"),
                                   allocations=data["allocations"])


@route("/invoices/<int:invoice_id>/credit-notes", "POST",
       summary="Issue a credit note on an invoice (returns, shortages, damage)",
       body=CreditNoteRequest, response=CreditNoteSchema, status=201, kinds=["supplier"],
       extra_responses={409: "invoice_void or credit_exceeds_balance"})
def create_credit_note(invoice_id: int, data: dict[str, Any]) -> CreditNote:
    return credit_notes.issue_credit_note(_me(), invoice_id, reason=data["reason"],
                                          note=data["note"], lines=data["lines"])


@route("/statement", summary="A statement between the caller and one trading partner: "
                             "supplier passes buyer_id, buyer passes supplier_id",
       query=StatementQuery, response=StatementSchema)
def get_statement(query: dict[str, Any]) -> statements.Statement:
    me = _me()
    if me.organization.is_supplier:
        supplier_id, buyer_id, other = me.organization_id, query.get("buyer_id"), "buyer_id"
    else:
        supplier_id, buyer_id, other = query.get("supplier_id"), me.organization_id, \
            "supplier_id"
    if not supplier_id or not buyer_id:
        raise ValidationFailed.one(other, "Name the trading partner.")
    if settings.relationship_between(supplier_id, buyer_id) is None:
        from wholesale.errors import NotFound

        raise NotFound("Trading partner not found.")
    end = query.get("end") or clock.local_today(supplier_id)
    start = query.get("start") or end.replace(day=1)
    if start > end:
        raise ValidationFailed.one("from", "Must be on or before `to`.")
    return statements.statement(supplier_id, buyer_id, start, end)


@route("/receivables/aging", summary="Open receivables per buyer in aging buckets",
       query=AgingQuery, response=AgingSchema, kinds=["supplier"])
def get_aging(query: dict[str, Any]) -> dict[str, Any]:
    me = _me()
    as_of = query.get("as_of") or clock.local_today(me.organization_id)
    rows = statements.aging(me.organization_id, as_of)
    return {"as_of": as_of, "rows": rows, "totals": statements.aging_totals(rows)}


@route("/orders/<int:order_id>/credit-hold",
       summary="The order's credit hold, if it was placed over the credit limit",
       response=HoldSchema, extra_responses={404: "no such order, or it was never held"})
def get_credit_hold(order_id: int) -> CreditHold:
    from wholesale.errors import NotFound
    from wholesale.orders.queries import get_order

    get_order(order_id)  # 404 for other tenants
    hold = credit.hold_of(order_id)
    if hold is None:
        raise NotFound("This order is not on credit hold.")
    return hold


@route("/orders/<int:order_id>/credit-hold/approve", "POST",
       summary="Approve an order held for credit: it goes on as usual",
       body=DecisionRequest, response=HoldSchema, kinds=["supplier"],
       extra_responses={409: "no_credit_hold"})
def approve_credit_hold(order_id: int, data: dict[str, Any]) -> CreditHold:
    return credit.decide(order_id, _me(), approve=True, note=data["note"])


@route("/orders/<int:order_id>/credit-hold/reject", "POST",
       summary="Reject an order held for credit: it is cancelled (a note is required)",
       body=DecisionRequest, response=HoldSchema, kinds=["supplier"],
       extra_responses={409: "no_credit_hold", 422: "validation_error: the note"})
def reject_credit_hold(order_id: int, data: dict[str, Any]) -> CreditHold:
    return credit.decide(order_id, _me(), approve=False, note=data["note"])


@route("/customers/<int:relationship_id>/credit-limit", "PUT",
       summary="Set (or remove, with null) a customer's credit limit",
       body=CreditLimitRequest, response=CreditLimitSchema, kinds=["supplier"])
def put_credit_limit(relationship_id: int, data: dict[str, Any]) -> dict[str, Any]:
    rel = settings.set_credit_limit(_me().organization, relationship_id, data["amount"])
    return {"relationship_id": rel.id, "buyer_id": rel.buyer_id,
            "amount": settings.credit_limit_of(rel.supplier_id, rel.buyer_id),
            "open_receivables": credit.open_receivables(rel.supplier_id, rel.buyer_id)}


@route("/invoice-settings", summary="The supplier's invoice settings",
       response=SettingsSchema, kinds=["supplier"])
def get_settings() -> Any:
    return settings.settings_for(_me().organization_id)


@route("/invoice-settings", "PATCH", summary="Change the supplier's invoice settings",
       body=SettingsSchema, response=SettingsSchema, kinds=["supplier"])
def patch_settings(data: dict[str, Any]) -> Any:
    return settings.update_settings(_me().organization, data)


@route("/products/<int:product_id>/tax-rate", "PUT",
       summary="A product's own tax rate in percent (null: the supplier's rate)",
       body=TaxRateRequest, kinds=["supplier"])
def put_tax_rate(product_id: int, data: dict[str, Any]) -> dict[str, Any]:
    settings.set_product_rate(_me().organization, product_id, data["rate"])
    rate = settings.product_rates(_me().organization_id, [product_id]).get(product_id)
    return {"product_id": product_id, "rate": None if rate is None else f"{rate.normalize():f}"}


@route("/billing-profile", "PATCH",
       summary="The buyer's billing details: name and address on invoices, who gets them",
       body=BillingSchema, response=BillingSchema, kinds=["buyer"])
def patch_billing(data: dict[str, Any]) -> Any:
    return settings.update_billing(_me().organization, data)

