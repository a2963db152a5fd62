"""Invoicing pages: the invoice list (both sides), the printable invoice with its PDF,
payments, credit notes and voiding (supplier), receivables with credit limits and
statements, the CSV export, held orders, the supplier's invoice settings and the buyer's
billing details. Forms post here and go back to the page they came from; a refused action
is flashed, nothing changed."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from wholesale.db import parse_id
from wholesale.errors import DomainError, NotFound
from wholesale.extensions import db
from wholesale.invoicing import (
    auto,
    clock,
    credit,
    credit_notes,
    issuing,
    pages,
    payments,
    queries,
    settings,
    statements,
)
from wholesale.invoicing.models import (
    CreditReason,
    HoldStatus,
    InvoiceBasis,
    InvoiceStatus,
    PaymentMethod,
)
from wholesale.invoicing.money import fmt
from wholesale.portal.access import buyer_required, me, my_org, supplier_required
from wholesale.portal.redirects import safe_next
from wholesale.trading.models import PaymentTerms

bp = Blueprint("invoicing", __name__)
ENDPOINTS = ("invoicing.index", "invoicing.detail", "invoicing.receivables",
             "invoicing.statement", "invoicing.settings_page", "invoicing.billing",
             "invoicing.holds")


@bp.record_once
def _wire(state: BlueprintSetupState) -> None:
    credit.subscribe()
    auto.subscribe()
    app = state.app
    app.add_template_filter(fmt, "money")
    app.add_template_global(order_panel, "invoice_panel")
    _document_pdf(app)


def _document_pdf(app: Flask) -> None:
    """The OpenAPI document lists `application/pdf` as the other answer of
    `GET /invoices/{invoice_id}` (the registry documents JSON only)."""
    original = app.view_functions.get("api.openapi")
    if original is None:
        return

    @wraps(original)
    def view(**kwargs: Any) -> Any:
        result = original(**kwargs)
        payload, status = result if isinstance(result, tuple) else (result, 200)
        if isinstance(payload, dict):
            payload = copy.deepcopy(payload)
            op = payload.get("paths", {}).get("/api/v1/invoices/{invoice_id}", {}).get("get")
            if op is not None:
                op["responses"]["200"].setdefault("content", {})["application/pdf"] = {
                    "schema": {"type": "string", "format": "binary"}}
        return payload, status

    app.view_functions["api.openapi"] = view


def _back(default: str) -> ResponseReturnValue:
    return redirect(safe_next(request.form.get("next")) or default)


def _acting(action: Callable[[], Any], success: str, default: str,
            done: Callable[[Any], str] | None = None) -> ResponseReturnValue:
    """Run one service call from a form: commit and flash `success`, or flash the refusal
    (nothing changed)."""
    try:
        result = action()
    except DomainError as exc:
        db.session.rollback()
        message = exc.message
        if exc.fields:
            message += " " + " ".join(m for msgs in exc.fields.values() for m in msgs
                                      if m not in exc.message)
        flash(message.strip(), "error")
        return _back(default)
    db.session.commit()
    flash(success, "success")
    if done is not None:
        return redirect(done(result))
    return _back(default)


def _date_arg(name: str) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _int_arg(args: MultiDict[str, str], name: str) -> int | None:
    return parse_id(args.get(name))


# -- lists and documents --------------------------------------------------------------------


@bp.get("/invoices")
@login_required
def index() -> ResponseReturnValue:
    org = my_org()
    status = request.args.get("status", "")
    status = status if status in {s.value for s in InvoiceStatus} else ""
    partner = _int_arg(request.args, "partner")
    filters = {"status": status or None,
               ("buyer_id" if org.is_supplier else "supplier_id"): partner}
    invoices, before = pages.invoice_list(org, filters, _int_arg(request.args, "before"))
    return render_template(
        "invoicing/index.html", invoices=invoices, before=before, status=status,
        partner=partner, partners=pages.partners(org), totals=pages.totals(org),
        ready=pages.ready_to_invoice(org.id) if org.is_supplier else [],
        holds=pages.pending_holds(org.id) if org.is_supplier else [],
        statuses=list(InvoiceStatus))


@bp.get("/invoices/<int:invoice_id>")
@login_required
def detail(invoice_id: int) -> ResponseReturnValue:
    invoice = queries.get_invoice(invoice_id)
    return render_template(
        "invoicing/detail.html", invoice=invoice, methods=list(PaymentMethod),
        reasons=list(CreditReason), credited=credit_notes.credited(invoice.id),
        terms_label=PaymentTerms(invoice.payment_terms).label,
        today=clock.local_today(invoice.supplier_id))


@bp.get("/invoices/<int:invoice_id>/pdf")
@login_required
def pdf(invoice_id: int) -> ResponseReturnValue:
    from wholesale.invoicing.api import pdf_response
    from wholesale.invoicing.pdf import invoice_pdf

    invoice = queries.get_invoice(invoice_id)
    # The page offers both: "Download PDF" saves it, "Open" (?inline=1) shows it.
    return pdf_response(invoice_pdf(invoice), f"{invoice.display_number}.pdf",
                        download=request.args.get("inline") != "1")


@bp.get("/credit-notes/<int:note_id>/pdf")
@login_required
def credit_note_pdf(note_id: int) -> ResponseReturnValue:
    from wholesale.invoicing.api import pdf_response
    from wholesale.invoicing.pdf import credit_note_pdf as render

    note = queries.get_credit_note(note_id)
    return pdf_response(render(note), f"{note.display_number}.pdf")


# -- supplier actions -----------------------------------------------------------------------


@bp.post("/orders/<int:order_id>/invoices")
@supplier_required
def issue(order_id: int) -> ResponseReturnValue:
    shipment_id = _int_arg(request.form, "shipment_id")
    return _acting(lambda: issuing.issue(order_id, me(), shipment_id=shipment_id),
                   "Invoice issued and sent to the buyer.", url_for("invoicing.index"),
                   done=lambda inv: url_for("invoicing.detail", invoice_id=inv.id))


@bp.post("/invoices/<int:invoice_id>/payments")
@supplier_required
def record_payment(invoice_id: int) -> ResponseReturnValue:
    form = request.form
    return _acting(lambda: payments.pay_invoice(
        me(), invoice_id, amount=form.get("amount", ""), paid_on=form.get("paid_on", ""),
        method=form.get("method", ""), reference=form.get("reference", "")),
        "Payment recorded.", url_for("invoicing.detail", invoice_id=invoice_id))


@bp.post("/invoices/<int:invoice_id>/credit-notes")
@supplier_required
def create_credit_note(invoice_id: int) -> ResponseReturnValue:
    form = request.form
    lines = []
    for key, value in form.items():
        if key.startswith("qty-") and value.strip():
            line_id = key[4:]
            quantity: Any = int(value) if value.strip().isdigit() else value
            lines.append({"invoice_line_id": int(line_id) if line_id.isdigit() else line_id,
                          "quantity": quantity})
    return _acting(lambda: credit_notes.issue_credit_note(
        me(), invoice_id, reason=form.get("reason", ""), note=form.get("note", ""),
        lines=lines), "Credit note issued.",
        url_for("invoicing.detail", invoice_id=invoice_id))


@bp.post("/invoices/<int:invoice_id>/void")
@supplier_required
def void(invoice_id: int) -> ResponseReturnValue:
    return _acting(lambda: issuing.void(invoice_id, me(), request.form.get("reason", "")),
                   "Invoice voided. Its number stays in the sequence.",
                   url_for("invoicing.detail", invoice_id=invoice_id))


@bp.post("/orders/<int:order_id>/credit-hold/<any(approve, reject):decision>")
@supplier_required
def decide_hold(order_id: int, decision: str) -> ResponseReturnValue:
    approve = decision == "approve"
    return _acting(lambda: credit.decide(order_id, me(), approve=approve,
                                         note=request.form.get("note", "")),
                   "Order approved: it goes on as usual." if approve else
                   "Order rejected and cancelled; the buyer has been told.",
                   url_for("invoicing.holds"))


@bp.get("/invoices/holds")
@supplier_required
def holds() -> ResponseReturnValue:
    return render_template("invoicing/holds.html", holds=pages.pending_holds(my_org().id))


# -- receivables, statements, export ------------------------------------------------------


@bp.get("/invoices/receivables")
@supplier_required
def receivables() -> ResponseReturnValue:
    org = my_org()
    as_of = _date_arg("as_of") or clock.local_today(org.id)
    customers = pages.receivables(org.id, as_of)
    totals = {b: sum((c.buckets[b] for c in customers), Decimal("0.00"))
              for b in statements.BUCKETS}
    return render_template("invoicing/receivables.html", customers=customers, as_of=as_of,
                           totals=totals, buckets=statements.BUCKET_LABELS)


@bp.post("/invoices/receivables/<int:relationship_id>/credit-limit")
@supplier_required
def credit_limit(relationship_id: int) -> ResponseReturnValue:
    return _acting(lambda: settings.set_credit_limit(
        my_org(), relationship_id, request.form.get("amount", "")),
        "Credit limit saved.", url_for("invoicing.receivables"))


@bp.get("/invoices/statement/<int:partner_id>")
@login_required
def statement(partner_id: int) -> ResponseReturnValue:
    org = my_org()
    supplier_id, buyer_id = (org.id, partner_id) if org.is_supplier else (partner_id, org.id)
    rel = settings.relationship_between(supplier_id, buyer_id)
    if rel is None:
        raise NotFound("Trading partner not found.")
    end = _date_arg("to") or clock.local_today(supplier_id)
    start = _date_arg("from") or end.replace(day=1)
    if start > end:
        start = end
    result = statements.statement(supplier_id, buyer_id, start, end)
    return render_template("invoicing/statement.html", st=result, rel=rel,
                           buckets=statements.BUCKET_LABELS)


@bp.get("/invoices/export.csv")
@supplier_required
def export_csv() -> ResponseReturnValue:
    org = my_org()
    end = _date_arg("to") or clock.local_today(org.id)
    start = _date_arg("from") or date(end.year, 1, 1)
    body = stream_with_context(statements.journal_csv(org.id, start, end))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="invoicing-{start.isoformat()}-{end.isoformat()}.csv"')
    return response


# -- settings -----------------------------------------------------------------------------


@bp.route("/invoices/settings", methods=["GET", "POST"])
@supplier_required
def settings_page() -> ResponseReturnValue:
    org = my_org()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = request.form
        data: dict[str, Any] = {name: form.get(name, "") for name in settings.SETTINGS_TEXT}
        data["tax_rate"] = form.get("tax_rate", "0")
        data["basis"] = form.get("basis", "")
        data["auto_issue"] = form.get("auto_issue") == "on"
        data["remind_on_due"] = form.get("remind_on_due") == "on"
        for name in ("remind_days_before", "remind_every_days_after"):
            raw = form.get(name, "").strip()
            data[name] = int(raw) if raw.isdigit() and len(raw) < 6 else raw
        try:
            settings.update_settings(org, data)
        except DomainError as exc:
            db.session.rollback()
            errors = exc.fields or {"_": [exc.message]}
            flash("Some settings need another look.", "error")
        else:
            db.session.commit()
            flash("Invoice settings saved.", "success")
            return redirect(url_for("invoicing.settings_page"))
    return render_template("invoicing/settings.html", s=settings.settings_for(org.id),
                           errors=errors, form=request.form, bases=list(InvoiceBasis))


@bp.route("/invoices/billing", methods=["GET", "POST"])
@buyer_required
def billing() -> ResponseReturnValue:
    org = my_org()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = request.form
        try:
            settings.update_billing(org, {k: form.get(k, "") for k in
                                          ("legal_name", "address", "tax_id", "emails")})
        except DomainError as exc:
            db.session.rollback()
            errors = exc.fields or {"_": [exc.message]}
            flash("Some billing details need another look.", "error")
        else:
            db.session.commit()
            flash("Billing details saved.", "success")
            return redirect(url_for("invoicing.billing"))
    return render_template("invoicing/billing.html", profile=settings.billing_profile_for(org.id),
                           emails=settings.billing_emails(org), errors=errors,
                           form=request.form)


# -- the order page's panel ---------------------------------------------------------------


def order_panel(order: Any) -> dict[str, Any]:
    """What `invoicing/_order_panel.html` shows for an order: its invoices, what can still
    be invoiced (supplier), its credit hold."""
    from wholesale.invoicing import quantities

    is_supplier = current_user.organization_id == order.supplier_id
    return {
        "invoices": queries.invoices_of_order(order.id),
        "invoiceable": sum(quantities.invoiceable(order.id).values()) if is_supplier else 0,
        "uninvoiced_shipments": (quantities.uninvoiced_shipments(order.id)
                                 if is_supplier else []),
        "hold": credit.hold_of(order.id),
        "pending": HoldStatus.PENDING,
        "is_supplier": is_supplier,
    }
