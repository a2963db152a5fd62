"""API schemas for vendors, reorder suggestions and purchase orders (CONTRACT.md §3
"Purchasing from vendors")."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wholesale.api.fields import Id, WholeNumber
from wholesale.api.pagination import PageQuery
from wholesale.catalog.fields import Currency, Money, StrictBool
from wholesale.inventory.stock import MAX_DELTA
from wholesale.purchasing.models import PurchaseOrderMessageKind, PurchaseOrderStatus
from wholesale.purchasing.purchase_orders import MAX_LINES
from wholesale.purchasing.thread import CHANNELS, MAX_BODY

MAX_PACK = 100_000
MAX_ITEMS = 1000


class VendorItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    product_id = Id("a product id", required=True)
    vendor_code = fields.String(load_default="", validate=validate.Length(max=64))
    pack_size = WholeNumber(1, MAX_PACK, "a pack size", required=True)
    min_quantity = WholeNumber(1, MAX_DELTA, "a minimum quantity", load_default=1,
                               metadata={"description": "units; raised to whole packs"})
    cost = Money(required=True)
    currency = Currency(load_default=None)
    preferred = StrictBool(load_default=False,
                           metadata={"description": "the vendor reorder suggestions use"})


class VendorSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    contact_name = fields.String(load_default="", validate=validate.Length(max=200))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    lead_days = WholeNumber(0, 365, "a number of days", load_default=0)
    minimum_order = Money(load_default=None, allow_none=True,
                          metadata={"type": "string", "format": "decimal",
                                    "description": "the vendor's minimum order amount"})
    currency = Currency(load_default="USD")
    linked_supplier_id = Id("a supplier id", load_default=None, allow_none=True,
                            metadata={"description": "an Ordertalk supplier you are a "
                                      "customer of: sending a PO places an order with it "
                                      "(vendor codes are its SKUs)"})
    items = fields.List(fields.Nested(VendorItemSchema), load_default=list,
                        validate=validate.Length(max=MAX_ITEMS))
    created_at = fields.DateTime(dump_only=True)


MAX_DEMAND_WEEKS = 26


def _demand_weeks(text: bool) -> WholeNumber:
    return WholeNumber(1, MAX_DEMAND_WEEKS, "a number of weeks", text=text, load_default=None,
                       metadata={"description": "fill up to a demand-based level instead "
                                 "of the target: the units shipped from the warehouse in the "
                                 "last N weeks plus the standing orders due in the next N"})


class SuggestionQuery(Schema):
    warehouse_id = Id("a warehouse id", text=True, required=True)
    demand_weeks = _demand_weeks(text=True)


class SuggestionSchema(Schema):
    vendor_id = fields.Integer()
    product_id = fields.Integer()
    warehouse_id = fields.Integer()
    quantity = fields.Integer()
    reason = fields.String()
    sku = fields.String()
    name = fields.String()
    vendor_code = fields.String()
    pack_size = fields.Integer()
    cost = Money()
    available = fields.Integer()
    waiting = fields.Integer(metadata={"description": "units of open orders not reserved"})
    on_order = fields.Integer(metadata={"description": "units expected on open POs"})
    reorder_point = fields.Integer()
    target = fields.Integer()


class SuggestionGroupSchema(Schema):
    vendor_id = fields.Integer()
    vendor_name = fields.String()
    currency = fields.String()
    total = Money()
    minimum_order = Money(allow_none=True)
    below_minimum = fields.Boolean()


class SuggestionsSchema(Schema):
    items = fields.List(fields.Nested(SuggestionSchema))
    groups = fields.List(fields.Nested(SuggestionGroupSchema))


class PurchaseLineRequest(Schema):
    product_id = Id("a product id", required=True)
    quantity = WholeNumber(1, MAX_DELTA, "a quantity", required=True)
    cost = Money(load_default=None, allow_none=True,
                 metadata={"type": "string", "format": "decimal",
                           "description": "default: the vendor item's cost"})
    expected_on = fields.Date(load_default=None, allow_none=True,
                              metadata={"description": "default: today + the vendor's lead days"})


class PurchaseOrderCreate(Schema):
    vendor_id = Id("a vendor id", required=True)
    warehouse_id = Id("a warehouse id", required=True)
    lines = fields.List(fields.Nested(PurchaseLineRequest), load_default=None,
                        validate=validate.Length(max=MAX_LINES),
                        metadata={"description": "omit to take the vendor's current reorder "
                                                 "suggestions for the warehouse"})
    demand_weeks = _demand_weeks(text=False)
    notes = fields.String(load_default="", validate=validate.Length(max=2000))


class PurchaseOrderQuery(PageQuery):
    status = fields.String(load_default=None,
                           validate=validate.OneOf([s.value for s in PurchaseOrderStatus]))
    vendor_id = Id("a vendor id", text=True, load_default=None)
    warehouse_id = Id("a warehouse id", text=True, load_default=None)


class PurchaseOrderLineSchema(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    sku = fields.String(attribute="product.sku")
    name = fields.String(attribute="product.name")
    vendor_code = fields.String()
    quantity = fields.Integer()
    received_quantity = fields.Integer()
    over_quantity = fields.Integer(metadata={"description": "delivered beyond the order"})
    short_quantity = fields.Integer(metadata={"description": "never delivered (closed order)"})
    open_quantity = fields.Integer(metadata={"description": "still expected"})
    cost = Money()
    expected_on = fields.Date(allow_none=True)


class ReceiptLineSchema(Schema):
    product_id = fields.Integer()
    quantity = fields.Integer()
    over_quantity = fields.Integer()


class ReceiptSchema(Schema):
    id = fields.Integer()
    received_by_id = fields.Integer(allow_none=True)
    note = fields.String()
    created_at = fields.DateTime()
    lines = fields.List(fields.Nested(ReceiptLineSchema))


class PurchaseOrderSchema(Schema):
    id = fields.Integer()
    number = fields.String(attribute="display_number")
    vendor_id = fields.Integer()
    vendor_name = fields.String(attribute="vendor.name")
    warehouse_id = fields.Integer()
    status = fields.String(attribute="status.value",
                           metadata={"enum": [s.value for s in PurchaseOrderStatus]})
    currency = fields.String()
    total = Money()
    notes = fields.String()
    lines = fields.List(fields.Nested(PurchaseOrderLineSchema))
    receipts = fields.List(fields.Nested(ReceiptSchema))
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    confirmed_at = fields.DateTime(allow_none=True)
    received_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    order_id = fields.Integer(allow_none=True, metadata={
        "description": "the order placed with a linked vendor when the PO was sent"})


class ReceiptLineRequest(Schema):
    product_id = Id("a product id", required=True)
    quantity = WholeNumber(1, MAX_DELTA, "a quantity", required=True)


class ReceiptRequest(Schema):
    lines = fields.List(fields.Nested(ReceiptLineRequest), required=True,
                        validate=validate.Length(1, MAX_LINES))
    close = StrictBool(load_default=False,
                       metadata={"description": "nothing more is coming: the order is "
                                                "received, what is missing is short"})
    note = fields.String(load_default="", validate=validate.Length(max=500))


class PurchaseOrderMessageSchema(Schema):
    id = fields.Integer()
    purchase_order_id = fields.Integer()
    kind = fields.String(attribute="kind.value",
                         metadata={"enum": [k.value for k in PurchaseOrderMessageKind],
                                   "description": "inbound: from the vendor; outbound: to "
                                   "the vendor; event: written by Ordertalk"})
    channel = fields.String(metadata={"description": "email, sms, or empty"})
    author_id = fields.Integer(allow_none=True)
    author = fields.String(attribute="author_name")
    body = fields.String()
    event_type = fields.String(allow_none=True)
    created_at = fields.DateTime()


class _Channel(Schema):
    channel = fields.String(load_default=None, validate=validate.OneOf(CHANNELS),
                            metadata={"description": "default: the channel the vendor last "
                                      "wrote on, else email, else SMS"})


class PurchaseOrderMessageRequest(_Channel):
    body = fields.String(required=True, validate=validate.Length(1, MAX_BODY))


class UpdateRequest(_Channel):
    pass


class ExpectedDateRequest(Schema):
    expected_on = fields.Date(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=500))
