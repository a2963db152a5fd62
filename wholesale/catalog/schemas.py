"""API schemas for products, images and price lists."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from wholesale.api.fields import Id
from wholesale.api.pagination import PageQuery
from wholesale.catalog.fields import Currency, Money, Percent, StrictBool, Whole

SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/\-]*$")
MAX_BREAKS = 20
MAX_QTY = 1_000_000


def _sku(value: str) -> None:
    if not SKU_PATTERN.match(value):
        raise ValidationError(
            "Use letters, digits and . _ / - only, starting with a letter or digit."
        )


class PriceBreakSchema(Schema):
    min_qty = Whole(required=True, minimum=2, maximum=MAX_QTY)
    price = Money(required=True)


def check_breaks(breaks: list[dict[str, Any]], prefix: str = "price_breaks") -> None:
    """min_qty strictly increasing; raises with the index of the offending break."""
    errors: dict[str, list[str]] = {}
    if len(breaks) > MAX_BREAKS:
        errors[prefix] = [f"At most {MAX_BREAKS} price breaks."]
    for i in range(1, len(breaks)):
        previous, current = breaks[i - 1]["min_qty"], breaks[i]["min_qty"]
        if current <= previous:
            errors[f"{prefix}.{i}.min_qty"] = [
                f"Must be greater than the previous break's {previous}."
            ]
    if errors:
        raise ValidationError(errors)


class _ProductFields(Schema):
    """The writable fields; `ProductCreate` requires some, `ProductUpdate` none."""

    sku = fields.String(validate=[validate.Length(1, 64), _sku])
    name = fields.String(validate=validate.Length(1, 200))
    description = fields.String(validate=validate.Length(max=5000))
    category = fields.String(validate=validate.Length(max=100))
    unit = fields.String(validate=validate.Length(1, 20))
    price = Money()
    currency = Currency()
    case_size = Whole(minimum=1, maximum=MAX_QTY)
    min_order_qty = Whole(minimum=1, maximum=MAX_QTY)
    order_multiple = Whole(minimum=1, maximum=MAX_QTY)
    price_breaks = fields.List(fields.Nested(PriceBreakSchema))
    allow_backorder = StrictBool()
    reorder_point = Whole(minimum=0, maximum=MAX_QTY)
    overstock_level = Whole(minimum=0, maximum=MAX_QTY, allow_none=True)
    weight_kg = fields.Float(allow_none=True, validate=validate.Range(min=0.001, max=1000),
                             metadata={"description": "one unit's weight (carrier parcels)"})
    case_length_cm = fields.Float(allow_none=True, validate=validate.Range(min=0.1, max=1000))
    case_width_cm = fields.Float(allow_none=True, validate=validate.Range(min=0.1, max=1000))
    case_height_cm = fields.Float(allow_none=True, validate=validate.Range(min=0.1, max=1000))
    active = StrictBool()

    @validates_schema
    def _breaks_increase(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("price_breaks"):
            check_breaks(data["price_breaks"])


class ProductCreate(_ProductFields):
    sku = fields.String(required=True, validate=[validate.Length(1, 64), _sku])
    name = fields.String(required=True, validate=validate.Length(1, 200))
    unit = fields.String(required=True, validate=validate.Length(1, 20))
    price = Money(required=True)
    currency = Currency(required=True)


class ProductUpdate(_ProductFields):
    """PATCH: only the fields sent change; `price_breaks` replaces the whole list."""


class ProductQuery(PageQuery):
    supplier_id = Id("a supplier id", text=True, load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    category = fields.String(load_default=None, validate=validate.Length(max=100))
    include_archived = fields.Boolean(
        load_default=False, metadata={"description": "suppliers: list archived products too"}
    )


class ImageSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    content_type = fields.String()
    position = fields.Integer()


class AvailabilitySchema(Schema):
    status = fields.String(metadata={"enum": ["in_stock", "low", "backorder", "out"]})
    available = fields.Integer(
        allow_none=True, metadata={"description": "units available (the supplier only)"}
    )


class ProductSchema(Schema):
    id = fields.Integer()
    supplier_id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    description = fields.String()
    category = fields.String()
    unit = fields.String()
    case_size = fields.Integer()
    min_order_qty = fields.Integer()
    order_multiple = fields.Integer()
    price = Money(metadata={"description": "the caller's unit price for one unit",
                            "type": "string"})
    list_price = Money(metadata={"description": "the catalog price before any price list",
                                 "type": "string"})
    currency = fields.String()
    price_breaks = fields.List(fields.Nested(PriceBreakSchema))
    allow_backorder = fields.Boolean()
    reorder_point = fields.Integer(allow_none=True)
    overstock_level = fields.Integer(allow_none=True)
    weight_kg = fields.Decimal(as_string=True, allow_none=True)
    case_length_cm = fields.Decimal(as_string=True, allow_none=True)
    case_width_cm = fields.Decimal(as_string=True, allow_none=True)
    case_height_cm = fields.Decimal(as_string=True, allow_none=True)
    active = fields.Boolean()
    availability = fields.Nested(AvailabilitySchema)
    images = fields.List(fields.Nested(ImageSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PriceListItemSchema(Schema):
    product_id = Whole(required=True, minimum=1)
    fixed_price = Money(load_default=None, allow_none=True)
    discount_percent = Percent(load_default=None, allow_none=True)
    sku = fields.String(dump_only=True)
    name = fields.String(dump_only=True)

    @validates_schema
    def _one_of(self, data: dict[str, Any], **kwargs: Any) -> None:
        fixed, pct = data.get("fixed_price"), data.get("discount_percent")
        if (fixed is None) == (pct is None):
            raise ValidationError(
                "Give either fixed_price or discount_percent (not both).", "fixed_price"
            )


class PriceListRequest(Schema):
    name = fields.String(load_default="", validate=validate.Length(max=100))
    discount_percent = Percent(load_default=None, allow_none=True)
    items = fields.List(fields.Nested(PriceListItemSchema), load_default=list,
                        validate=validate.Length(max=10_000))


class PriceListSchema(Schema):
    relationship_id = fields.Integer()
    buyer_id = fields.Integer()
    name = fields.String()
    discount_percent = Percent(allow_none=True)
    items = fields.List(fields.Nested(PriceListItemSchema))
    exists = fields.Boolean(metadata={"description": "false: no price list has been set yet"})
