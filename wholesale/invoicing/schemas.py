"""API schemas: what the invoicing endpoints take and how invoices, payments, credit notes,
statements and holds read. Money is a decimal string with its currency."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, validate

from wholesale.api.pagination import PageQuery
from wholesale.invoicing.models import CreditReason, InvoiceStatus, PaymentMethod
from wholesale.orders.schemas import Id, WholeNumber


def _money(attr: str) -> fields.Function:
    def get(obj: Any) -> str | None:
        value = getattr(obj, attr)
        return None if value is None else f"{Decimal(value):.2f}"

    return fields.Function(
        get, metadata={"type": "string", "format": "decimal", "example": "12.50"}
    )


class _Org(Schema):
    id = fields.Integer()
    name = fields.String()


class _OrderRef(Schema):
    id = fields.Integer()
    number = fields.String(attribute="display_number")
    po_number = fields.String()


class InvoiceLineSchema(Schema):
    id = fields.Integer()
    order_line_id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    unit = fields.String()
    quantity = fields.Integer()
    unit_price = _money("unit_price")
    tax_rate = fields.Function(lambda ln: f"{ln.tax_rate.normalize():f}",
                               metadata={"type": "string", "description": "percent"})
    amount = _money("amount")
    tax = _money("tax")


class _Allocation(Schema):
    payment_id = fields.Integer()
    amount = _money("amount")
    paid_on = fields.Function(lambda a: a.payment.paid_on.isoformat())
    method = fields.Function(lambda a: a.payment.method.value)
    reference = fields.Function(lambda a: a.payment.reference)


class _CreditNoteRef(Schema):
    id = fields.Integer()
    number = fields.String(attribute="display_number")
    issue_date = fields.Date()
    reason = fields.String(attribute="reason.value")
    total = _money("total")


class InvoiceSchema(Schema):
    id = fields.Integer()
    number = fields.String(attribute="display_number", metadata={"example": "INV-00042"})
    sequence = fields.Integer(attribute="number")
    status = fields.String(attribute="status.value",
                           metadata={"enum": [s.value for s in InvoiceStatus]})
    supplier = fields.Nested(_Org)
    buyer = fields.Nested(_Org)
    order = fields.Nested(_OrderRef)
    shipment_id = fields.Integer(allow_none=True)
    currency = fields.String()
    issue_date = fields.Date()
    due_date = fields.Date()
    payment_terms = fields.String()
    po_number = fields.String()
    subtotal = _money("subtotal")
    tax_total = _money("tax_total")
    total = _money("total")
    amount_paid = _money("amount_paid")
    amount_credited = _money("amount_credited")
    balance = _money("balance")
    seller = fields.Dict()
    bill_to = fields.Dict()
    lines = fields.List(fields.Nested(InvoiceLineSchema))
    payments = fields.List(fields.Nested(_Allocation), attribute="allocations")
    credit_notes = fields.List(fields.Nested(_CreditNoteRef))
    void_reason = fields.String(allow_none=True)
    voided_at = fields.DateTime(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class InvoiceSummarySchema(InvoiceSchema):
    class Meta:
        exclude = ("lines", "seller", "bill_to", "payments", "credit_notes")


class InvoiceQuery(PageQuery):
    status = fields.String(load_default=None,
                           validate=validate.OneOf([s.value for s in InvoiceStatus]))
    buyer_id = Id("a buyer id", text=True, load_default=None)
    supplier_id = Id("a supplier id", text=True, load_default=None)
    order_id = Id("an order id", text=True, load_default=None)


class IssueRequest(Schema):
    shipment_id = Id("a shipment id", load_default=None, allow_none=True)


class VoidRequest(Schema):
    reason = fields.String(required=True, validate=validate.Length(max=1000))


class PaymentRequest(Schema):
    amount = fields.Raw(required=True, metadata={"type": "string", "example": "120.00"})
    paid_on = fields.Date(required=True)
    method = fields.String(required=True,
                           validate=validate.OneOf([m.value for m in PaymentMethod]))
    reference = fields.String(load_default="", allow_none=True,
                              validate=validate.Length(max=100))


class AllocationRequest(Schema):
    invoice_id = Id("an invoice id", required=True)
    amount = fields.Raw(required=True, metadata={"type": "string"})


class MultiPaymentRequest(PaymentRequest):
    allocations = fields.List(fields.Nested(AllocationRequest), required=True,
                              validate=validate.Length(1, 100))


class _PaidInvoice(Schema):
    id = fields.Integer()
    number = fields.String(attribute="display_number")
    status = fields.String(attribute="status.value")
    balance = _money("balance")


class _PaymentAllocation(Schema):
    invoice_id = fields.Integer()
    amount = _money("amount")


class PaymentSchema(Schema):
    id = fields.Integer()
    amount = _money("amount")
    currency = fields.String()
    paid_on = fields.Date()
    method = fields.String(attribute="method.value")
    reference = fields.String()
    buyer = fields.Nested(_Org)
    allocations = fields.List(fields.Nested(_PaymentAllocation))
    invoices = fields.Function(
        lambda p: _PaidInvoice(many=True).dump([a.invoice for a in p.allocations]))
    created_at = fields.DateTime()


class CreditLineRequest(Schema):
    invoice_line_id = Id("an invoice line id", required=True)
    quantity = WholeNumber(1, 10**9, "a quantity", required=True)


class CreditNoteRequest(Schema):
    reason = fields.String(required=True,
                           validate=validate.OneOf([r.value for r in CreditReason]))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    lines = fields.List(fields.Nested(CreditLineRequest), required=True,
                        validate=validate.Length(1, 500))


class _CreditLine(Schema):
    invoice_line_id = fields.Integer()
    quantity = fields.Integer()
    amount = _money("amount")
    tax = _money("tax")


class CreditNoteSchema(Schema):
    id = fields.Integer()
    number = fields.String(attribute="display_number")
    invoice_id = fields.Integer()
    reason = fields.String(attribute="reason.value")
    note = fields.String()
    issue_date = fields.Date()
    currency = fields.String()
    subtotal = _money("subtotal")
    tax_total = _money("tax_total")
    total = _money("total")
    lines = fields.List(fields.Nested(_CreditLine))
    invoice = fields.Nested(_PaidInvoice)


class StatementQuery(Schema):
    buyer_id = Id("a buyer id", text=True, load_default=None)
    supplier_id = Id("a supplier id", text=True, load_default=None)
    start = fields.Date(data_key="from", load_default=None)
    end = fields.Date(data_key="to", load_default=None)


class _Entry(Schema):
    date = fields.Date(attribute="day")
    type = fields.String(attribute="kind")
    reference = fields.String()
    detail = fields.String()
    debit = _money("debit")
    credit = _money("credit")
    balance = _money("balance")


def _buckets(obj: Any) -> dict[str, str]:
    return {k: f"{v:.2f}" for k, v in obj.aging.items()}


class StatementSchema(Schema):
    supplier_id = fields.Integer()
    buyer_id = fields.Integer()
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    opening_balance = _money("opening")
    entries = fields.List(fields.Nested(_Entry))
    closing_balance = _money("closing")
    aging = fields.Function(_buckets, metadata={
        "description": "current, 1_30, 31_60, 61_90, over_90 as of `to`"})


class AgingQuery(Schema):
    as_of = fields.Date(load_default=None)


class AgingRowSchema(Schema):
    buyer_id = fields.Integer()
    buyer_name = fields.String()
    buckets = fields.Function(lambda r: {k: f"{v:.2f}" for k, v in r.buckets.items()})
    total = _money("total")


class AgingSchema(Schema):
    as_of = fields.Date()
    rows = fields.List(fields.Nested(AgingRowSchema))
    totals = fields.Function(lambda a: {k: f"{v:.2f}" for k, v in a["totals"].items()})


class HoldSchema(Schema):
    order_id = fields.Integer()
    status = fields.String(attribute="status.value")
    credit_limit = _money("credit_limit")
    open_receivables = _money("open_receivables")
    order_amount = _money("order_amount")
    exposure = _money("exposure")
    currency = fields.String()
    note = fields.String()
    decided_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class DecisionRequest(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class CreditLimitRequest(Schema):
    amount = fields.Raw(required=True, allow_none=True,
                        metadata={"type": "string", "nullable": True,
                                  "description": "null removes the limit"})


class CreditLimitSchema(Schema):
    relationship_id = fields.Integer()
    buyer_id = fields.Integer()
    amount = fields.Function(lambda r: None if r["amount"] is None else f"{r['amount']:.2f}")
    open_receivables = fields.Function(lambda r: f"{r['open_receivables']:.2f}")


class SettingsSchema(Schema):
    legal_name = fields.String(validate=validate.Length(max=200))
    address = fields.String(validate=validate.Length(max=1000))
    tax_id = fields.String(validate=validate.Length(max=64))
    billing_email = fields.String(validate=validate.Length(max=254))
    # (a lambda, not `str`: marshmallow 3 — what the `shippo` SDK's dependencies allow —
    # inspects the signature, which builtins lack)
    tax_rate = fields.Function(lambda s: f"{s.tax_rate.normalize():f}",
                               deserialize=lambda value: str(value),
                               metadata={"type": "string", "description": "percent"})
    tax_label = fields.String(validate=validate.Length(max=40))
    payment_instructions = fields.String(validate=validate.Length(max=2000))
    basis = fields.Function(lambda s: s.basis.value, deserialize=lambda value: str(value),
                            metadata={"enum": ["shipment", "order"]})
    auto_issue = fields.Boolean()
    remind_days_before = WholeNumber(0, 90, "a number of days (0: never)")
    remind_on_due = fields.Boolean()
    remind_every_days_after = WholeNumber(0, 90, "a number of days (0: never)")


class TaxRateRequest(Schema):
    rate = fields.Raw(required=True, allow_none=True,
                      metadata={"type": "string", "nullable": True})


class BillingSchema(Schema):
    legal_name = fields.String(validate=validate.Length(max=200))
    address = fields.String(validate=validate.Length(max=1000))
    tax_id = fields.String(validate=validate.Length(max=64))
    emails = fields.String(validate=validate.Length(max=3000),
                           metadata={"description": "comma-separated"})
