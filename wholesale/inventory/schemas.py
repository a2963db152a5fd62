"""API schemas for stock levels, the ledger and the stock reports."""

from marshmallow import Schema, fields, validate

from wholesale.api.fields import Id
from wholesale.api.pagination import PageQuery
from wholesale.catalog.fields import Whole
from wholesale.inventory.models import MovementKind


class StockChangeRequest(Schema):
    warehouse_id = Whole(required=True, minimum=1)
    product_id = Whole(required=True, minimum=1)
    delta = Whole(required=True, minimum=-1_000_000, maximum=1_000_000,
                  metadata={"type": "integer",
                            "description": "> 0 receives goods, < 0 removes them"})
    reason = fields.String(required=True, validate=validate.Length(1, 500))


class StockLevelSchema(Schema):
    id = fields.Integer()
    warehouse_id = fields.Integer()
    product_id = fields.Integer()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer()
    bin_location = fields.String()
    updated_at = fields.DateTime()


class StockQuery(PageQuery):
    product_id = Id("a product id", text=True, load_default=None)
    warehouse_id = Id("a warehouse id", text=True, load_default=None)


class MovementSchema(Schema):
    id = fields.Integer()
    warehouse_id = fields.Integer()
    product_id = fields.Integer()
    kind = fields.String(attribute="kind.value",
                         metadata={"enum": [k.value for k in MovementKind]})
    on_hand_delta = fields.Integer()
    reserved_delta = fields.Integer()
    on_hand_after = fields.Integer()
    reserved_after = fields.Integer()
    reason = fields.String()
    user_id = fields.Integer(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class DeadStockQuery(PageQuery):
    days = fields.Integer(load_default=90, validate=validate.Range(1, 3650))


class StockReportRowSchema(Schema):
    product_id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    unit = fields.String()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer()
    reorder_point = fields.Integer()
    overstock_level = fields.Integer(allow_none=True)
    last_outbound_at = fields.DateTime(allow_none=True)
