"""What the drafts API takes and gives (marshmallow)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from wholesale.api.pagination import PageQuery
from wholesale.drafts.models import DraftSource, DraftStatus, OrderDraft
from wholesale.drafts.payloads import draft_payload
from wholesale.orders.rules import MAX_QUANTITY
from wholesale.orders.schemas import Id, WholeNumber


class DraftsQuery(PageQuery):
    status = fields.String(load_default=None,
                           validate=validate.OneOf([s.value for s in DraftStatus]))


class DraftLineUpdate(Schema):
    product_id = Id("a product id", required=True)
    quantity = WholeNumber(1, MAX_QUANTITY, "a quantity", required=True)
    source_text = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=500),
                                metadata={"description": "the buyer's words this line came "
                                          "from (keep it: a changed product teaches the intake)"})


class DraftUpdate(Schema):
    lines = fields.List(fields.Nested(DraftLineUpdate), validate=validate.Length(1, 200))
    requested_delivery_date = fields.Date()
    delivery_location_id = Id("a delivery location id")
    send_back = fields.Boolean(load_default=False,
                               metadata={"description": "ask the buyer to confirm the "
                                         "corrected draft"})


class DraftLineSchema(Schema):
    product_id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    quantity = fields.Float(metadata={"description": "in the product's unit"})
    unit = fields.String()
    confidence = fields.Float()
    source_text = fields.String()
    flags = fields.List(fields.String())
    note = fields.String(allow_none=True)
    unit_price = fields.String(allow_none=True, metadata={"description": "decimal string"})
    line_total = fields.String(allow_none=True, metadata={"description": "decimal string"})


class DraftSchema(Schema):
    id = fields.Integer()
    thread_id = fields.Integer(allow_none=True)
    supplier_id = fields.Integer()
    buyer_id = fields.Integer()
    source = fields.String(metadata={"enum": [s.value for s in DraftSource]})
    text = fields.String()
    lines = fields.List(fields.Nested(DraftLineSchema))
    unmatched = fields.List(fields.String())
    questions = fields.List(fields.Dict())
    requested_delivery_date = fields.String(allow_none=True)
    date_note = fields.String(allow_none=True)
    delivery_location_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": [s.value for s in DraftStatus]})
    order_id = fields.Integer(allow_none=True)
    awaiting_buyer = fields.Boolean()
    currency = fields.String(allow_none=True)
    subtotal = fields.String(allow_none=True, metadata={"description": "decimal string"})
    issues = fields.List(fields.String())
    backordered = fields.List(fields.String())
    low_confidence = fields.Boolean()
    created_at = fields.String()
    expires_at = fields.String()

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:  # type: ignore[override]
        many = self.many if many is None else many
        if many:
            return [self._one(item) for item in obj]
        return self._one(obj)

    @staticmethod
    def _one(obj: Any) -> dict[str, Any]:
        if isinstance(obj, OrderDraft):
            from flask_login import current_user

            return draft_payload(obj, current_user._get_current_object())
        return obj
