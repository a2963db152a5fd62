"""What the vendor pages' forms carry, parsed with marshmallow like the API (empty fields
are None; numbers come as text)."""

from __future__ import annotations

from marshmallow import fields, validate

from wholesale.api.fields import Id, WholeNumber
from wholesale.catalog.fields import Currency, Money
from wholesale.fulfilment.forms import _Form
from wholesale.inventory.stock import MAX_DELTA
from wholesale.purchasing.schemas import MAX_PACK


class VendorForm(_Form):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    contact_name = fields.String(load_default="", validate=validate.Length(max=200))
    email = fields.Email(load_default=None, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, validate=validate.Length(max=32))
    lead_days = WholeNumber(0, 365, "a number of days", text=True, load_default=0)
    minimum_order = Money(load_default=None)
    currency = Currency(load_default="USD")
    linked_supplier_id = Id("a supplier", text=True, load_default=None)


class VendorItemForm(_Form):
    product_id = Id("a product", text=True, required=True)
    vendor_code = fields.String(load_default="", validate=validate.Length(max=64))
    pack_size = WholeNumber(1, MAX_PACK, "a pack size", text=True, required=True)
    min_quantity = WholeNumber(1, MAX_DELTA, "a minimum quantity", text=True, load_default=1)
    cost = Money(required=True)
    preferred = fields.Boolean(load_default=False)
